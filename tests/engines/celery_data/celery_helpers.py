"""What the Celery engine tests share: sending the project's tasks (through Flower's API,
as any client of it would), waiting for what Celery reports, the scripts' extra commands."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from engine_session import SCRIPTS, Engine
from waiting import poll_until

from jobdeck.errors import NotFound

T = TypeVar("T")

#: Seconds a test waits at most for Celery to report something (it takes well under one).
PATIENCE = 30.0
#: A password sent in a task's kwargs: nothing jobdeck shows may hold it.
PASSWORD = "hunter2-celery-7f3a"
#: An argument far longer than a label (Celery cuts its repr at about 1 KiB).
BLOB = "x" * 3000


def send(engine: Engine, task: str, *args: Any, options: dict[str, Any] | None = None, **kwargs: Any) -> str:
    """Send tasks.TASK with these arguments through Flower; its id."""
    body = {"args": list(args), "kwargs": kwargs, **(options or {})}
    answer = httpx.post(f"{engine.env['FLOWER_URL']}/api/task/async-apply/tasks.{task}", json=body, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["task-id"])


def flower_state(engine: Engine, task_id: str, url: str | None = None) -> str | None:
    answer = httpx.get(f"{url or engine.env['FLOWER_URL']}/api/task/info/{task_id}", timeout=10)
    return answer.json().get("state") if answer.status_code == 200 else None


def wait_flower(engine: Engine, ids: dict[str, str], states: dict[str, set[str]]) -> None:
    """Wait until Flower reports each task of ``ids`` in one of its ``states`` (sync, for module fixtures)."""
    poll_until(lambda: {name: flower_state(engine, task_id) for name, task_id in ids.items()},
               lambda seen: all(seen[name] in states[name] for name in states), timeout=PATIENCE, every=0.1,
               failure=lambda seen: f"Celery did not get there within {PATIENCE} s: {seen}")


async def eventually(check: Callable[[], Awaitable[T]], what: str, patience: float = PATIENCE) -> T:
    """``check()``'s first result that does not raise AssertionError, nor NotFound for a task
    whose events have not arrived yet (polled every 0.1 s)."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return await check()
        except (AssertionError, NotFound) as problem:
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not within {patience} s: {problem}") from None
        await asyncio.sleep(0.1)


def script(engine: Engine, *args: str) -> str:
    """``scripts/engines/celery COMMAND BASE ARGS…``: its stdout."""
    command, *rest = args
    done = subprocess.run(["bash", str(SCRIPTS / "celery"), command, str(engine.base), *rest],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@dataclass
class Sent:
    """The tasks a module sent, by what they are for."""

    ids: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.ids[name]


def everything_shown(*parts: Any) -> str:
    """Every string in jobs, runs, events, chunks and errors, as one text to search."""
    out: list[str] = []
    for part in parts:
        if hasattr(part, "model_dump_json"):
            out.append(part.model_dump_json())
        else:
            out.append(str(part))
    return "\n".join(out)


def log_path(engine: Engine, name: str) -> Path:
    return engine.base / "log" / f"{name}.log"
