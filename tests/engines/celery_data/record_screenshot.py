"""Record once what a real Celery's Flower answers the celery adapter, for the README's
screenshots of Celery's grouped view (tests/test_engine_snapshots_celery.py replays it).

    eval "$(scripts/engines/celery up /tmp/cel)"      # or: set -a; . <(scripts/engines/celery up /tmp/cel)
    .venv/bin/python tests/engines/celery_data/record_screenshot.py
    scripts/engines/celery down /tmp/cel

Sends the project's tasks (tasks that succeed, fail, retry then fail, sleep: one still
running, one terminated), waits for them to settle, then drives the real adapter through
a listing and every task's detail, keeping each answer. Writes recorded/flower.json.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent.parent))
from http_recording import Recorder  # noqa: E402

from jobdeck.adapters.celery import CeleryAdapter, CelerySettings  # noqa: E402

FLOWER = os.environ["FLOWER_URL"]
ENDED = {"SUCCESS", "FAILURE", "REVOKED"}


def send(task: str, *args: object) -> str:
    answer = httpx.post(f"{FLOWER}/api/task/async-apply/tasks.{task}", json={"args": list(args)}, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["task-id"])


def state(task_id: str) -> str | None:
    answer = httpx.get(f"{FLOWER}/api/task/info/{task_id}", timeout=10)
    return answer.json().get("state") if answer.status_code == 200 else None


def wait(ids: list[str], states: set[str]) -> None:
    deadline = time.monotonic() + 60
    while any(state(task_id) not in states for task_id in ids):
        assert time.monotonic() < deadline, "Celery did not get there in 60 s"
        time.sleep(0.2)


def sent() -> dict[str, str]:
    ids: dict[str, str] = {}
    for n in range(1, 7):
        ids[f"ok{n}"] = send("ok", n)
        time.sleep(0.3)
    for n in range(1, 5):
        ids[f"sleep{n}"] = send("sleep", 0.5 * n)
    ids["fail1"] = send("fail", "disk quota exceeded on /scratch")
    ids["flaky1"] = send("flaky", "the payments API is busy")
    ids["chatty1"] = send("chatty", 2)
    wait(list(ids.values()), ENDED)
    ids["flaky2"] = send("flaky", "the payments API timed out")
    ids["terminated"] = send("sleep", 600)
    ids["running"] = send("sleep", 900)
    wait([ids["flaky2"]], ENDED)
    wait([ids["terminated"], ids["running"]], {"STARTED"})
    httpx.post(f"{FLOWER}/api/task/revoke/{ids['terminated']}", params={"terminate": "true", "signal": "SIGTERM"},
               timeout=10).raise_for_status()
    wait([ids["terminated"]], {"REVOKED"})
    time.sleep(3)  # a heartbeat or two after the last event
    return ids


async def record(ids: dict[str, str]) -> None:
    recorder = Recorder()
    adapter = CeleryAdapter(CelerySettings(name="tasks", flower_url=FLOWER), transport=recorder)
    await adapter.open()
    recorded_at = time.time()
    try:
        jobs = await adapter.list_jobs()
        for job in jobs:
            await adapter.get_job(job.id)
            await adapter.list_runs(job.id)
            await adapter.timeline(job.id)
            await adapter.read_log(job.id)
    finally:
        await adapter.close()
    recorder.save(HERE / "recorded" / "flower.json", recorded_at=recorded_at, ids=ids)
    print(f"{len(recorder.answers)} answers about {len(jobs)} tasks recorded; {adapter.notes()}")


if __name__ == "__main__":
    asyncio.run(record(sent()))
