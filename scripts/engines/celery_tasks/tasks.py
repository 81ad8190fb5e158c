"""The project's Celery tasks for the engine tests (scripts/engines/celery starts two workers on them).

Small on purpose: tasks that succeed, fail, retry then fail, sleep (to be revoked), print, and
one whose arguments hold a secret and a huge repr. The broker and result store come from the
environment (CELERY_BROKER_URL, CELERY_RESULT_URL), as ``scripts/engines/celery up`` sets them.
"""

from __future__ import annotations

import os
import time

from celery import Celery

app = Celery(
    "tasks",
    broker=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
    backend=os.environ.get("CELERY_RESULT_URL", "redis://127.0.0.1:6379/1"),
)
app.conf.update(
    task_track_started=True,
    worker_send_task_events=True,
    task_send_sent_event=True,
    result_extended=True,
    # One task at a time per process: a sleeping task never holds a second one back.
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
)


@app.task
def ok(n: int = 1) -> int:
    """Succeeds with n * 7."""
    return n * 7


@app.task
def fail(message: str = "it failed on purpose") -> None:
    """Fails with a ValueError."""
    raise ValueError(message)


@app.task(bind=True, max_retries=2, default_retry_delay=0.2)
def flaky(self, reason: str = "the service is busy") -> None:
    """Retries twice (RETRY, with the reason), then fails for good."""
    try:
        raise ConnectionError(reason)
    except ConnectionError as exc:
        raise self.retry(exc=exc, countdown=0.2) from exc


@app.task
def sleep(seconds: float = 60.0) -> float:
    """Sleeps (a task to revoke while it runs)."""
    time.sleep(seconds)
    return seconds


@app.task
def chatty(lines: int = 3) -> int:
    """Prints lines (Celery keeps them in the worker's log only, not per task)."""
    for n in range(lines):
        print(f"chatty line {n}", flush=True)
    return lines


@app.task
def login(user: str, password: str = "", blob: str = "") -> str:
    """Takes a secret and a big argument: the deck must show neither."""
    return f"logged in {user} ({len(blob)} bytes)"
