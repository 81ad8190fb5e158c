"""The jobs the Slurm tests submit, with Slurm's own sbatch (not through jobdeck), and waiting on them."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


def sbatch(env: Mapping[str, str], folder: str, *args: str, script: str, user: str | None = None) -> str:
    """Submits ``script`` (a shell script body) from ``folder`` (as ``user``); the job id Slurm gave."""
    as_user = ["runuser", "-u", user, "--"] if user else []
    result = subprocess.run(
        [*as_user, "sbatch", "--parsable", *args],
        input=f"#!/bin/bash\n{script}\n",
        env=dict(env),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"sbatch {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip().split(";")[0]


def slurm(env: Mapping[str, str], *argv: str) -> str:
    return subprocess.run(list(argv), env=dict(env), capture_output=True, text=True, timeout=60, check=True).stdout


async def poll_until(read: Callable[[], object], check: Callable[[T], bool], *, timeout: float = 150.0,
                     every: float = 0.5) -> T:
    """Calls ``read`` (a coroutine function) until ``check`` holds for its result; that result."""
    import asyncio

    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await read()  # type: ignore[misc]
        if check(last):
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"not reached within {timeout:.0f} s; last: {last!r}"[:2000])


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with ``values`` on top, put back afterwards (the adapter runs Slurm's
    commands with this process's environment, as on a login node)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
