"""Figures against live Celery (issue 20): Redis, two workers on the project's tasks and
Flower, started for the figure by ``scripts/engines/celery`` (installed on first use) in the
work folder, and stopped after it.

- ``celery_events_per_s``: 10,000 tasks (2,000 with --quick) go through the two workers while
  jobdeck's broker mode receives their task events (sent, received, started, succeeded: four
  a task) with Celery's event receiver. The figure is how many events jobdeck takes in per
  second of its receiving thread's CPU time (kombu's decoding, Celery's state, jobdeck's
  events), which is what it can ingest without falling behind; the details give the rate the
  workers produced on this machine (two CPUs shared by the workers, Redis and jobdeck) and
  whether jobdeck kept up: every task SUCCESS in what it lists the moment the last event is in.
- ``celery_poll_cost_ratio``: jobdeck's cost of one poll of the Flower backend (the monitor's
  ``poll_once`` through the adapter: the task list, the workers, validation, conversion, the
  job table's diff) divided by a bare ``GET /api/tasks`` of the same tasks (httpx, JSON
  decoded), in the same run, the two interleaved; medians.

Each returns (value, details).
"""

from __future__ import annotations

import asyncio
import os
import time
from contextlib import AbstractContextManager
from pathlib import Path

import httpx

from jobdeck.adapters.celery import CeleryAdapter, CelerySettings
from jobdeck.monitor import Monitor
from jobdeck.store.memory import MemoryStore
from engines import engine
from poll_cost import poll_rounds

Result = tuple[float, str]

TARGETS: dict[str, tuple[float, str]] = {
    "celery_events_per_s": (2000, "/s"),
    "celery_poll_cost_ratio": (1.3, "x"),
}
HIGHER_IS_BETTER = frozenset({"celery_events_per_s"})

BROKER_ENV = "JOBDECK_BENCH_CELERY_BROKER"
#: Events a task of tasks.ok sends: task-sent, task-received, task-started, task-succeeded.
EVENTS_PER_TASK = 4


def celery_engine(workdir: Path) -> AbstractContextManager[dict[str, str]]:
    """Celery of its own for one figure: the settings ``up`` printed."""
    return engine("celery", workdir, name="Celery")


def send_tasks(broker_url: str, count: int) -> float:
    """``count`` tasks.ok sent at once (with their task-sent events); the seconds it took."""
    from celery import Celery

    app = Celery("jobdeck-bench", broker=broker_url, set_as_current=False)
    app.conf.task_send_sent_event = True
    started = time.perf_counter()
    with app.producer_or_acquire() as producer:
        for n in range(count):
            app.send_task("tasks.ok", args=[n], producer=producer)
    return time.perf_counter() - started


async def events_per_s(workdir: Path, quick: bool) -> Result:
    count = 2_000 if quick else 10_000
    expected = count * EVENTS_PER_TASK
    with celery_engine(workdir) as env:
        os.environ[BROKER_ENV] = env["CELERY_BROKER_URL"]
        adapter = CeleryAdapter(CelerySettings(broker_url_env=BROKER_ENV, max_tasks=count))
        await adapter.open()
        try:
            await adapter.list_jobs()  # connected
            broker = adapter.broker
            assert broker is not None
            events_before, cpu_before = broker.task_events, broker.thread_cpu_s
            sending = asyncio.ensure_future(asyncio.to_thread(send_tasks, env["CELERY_BROKER_URL"], count))
            first = None
            deadline = time.monotonic() + 900
            while broker.task_events - events_before < expected and time.monotonic() < deadline:
                if first is None and broker.task_events > events_before:
                    first = time.monotonic()
                await asyncio.sleep(0.005)
            last = time.monotonic()
            sent_s = await sending
            ingested = broker.task_events - events_before
            cpu = broker.thread_cpu_s - cpu_before
            # Kept up: the moment the last event is in, what jobdeck lists says every task succeeded.
            listed_at = time.perf_counter()
            jobs = await adapter.list_jobs()
            listing_s = time.perf_counter() - listed_at
            succeeded = sum(1 for job in jobs if job.raw_state == "SUCCESS")
        finally:
            await adapter.close()
    span = max(1e-6, last - (first or last))
    capacity = ingested / max(cpu, 1e-6)
    kept_up = "kept up" if succeeded == count else f"BEHIND: {succeeded} of {count} tasks SUCCESS"
    return capacity, (
        f"{count} tasks through two workers: {ingested} task events in {span:.1f} s ({ingested / span:.0f}/s, "
        f"as fast as the workers sent them on this machine; the {count} sends took {sent_s:.1f} s); "
        f"the receiving thread used {cpu:.2f} CPU s for them: {capacity:.0f} events per CPU second; {kept_up}; "
        f"listing the {len(jobs)} tasks took {listing_s * 1000:.0f} ms"
    )


async def poll_cost_ratio(workdir: Path, quick: bool) -> Result:
    count = 1_000 if quick else 10_000
    rounds = 15 if quick else 40
    with celery_engine(workdir) as env:
        await asyncio.to_thread(send_tasks, env["CELERY_BROKER_URL"], count)
        url = env["FLOWER_URL"]
        async with httpx.AsyncClient(base_url=url, timeout=60) as bare:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                done = (await bare.get("/api/tasks", params={"state": "SUCCESS", "limit": count})).json()
                if len(done) >= count:
                    break
                await asyncio.sleep(1)
            adapter = CeleryAdapter(CelerySettings(flower_url=url, deadline=120, timeout=60))
            params = {"limit": adapter.settings.max_tasks, "sort_by": "-received"}
            monitor = Monitor([adapter], clock=adapter.clock, store=MemoryStore(workdir))

            async def bare_get() -> None:
                (await bare.get("/api/tasks", params=params)).json()

            await monitor.poll_once()  # the first sighting of every task is not a steady poll
            cost = await poll_rounds(rounds, bare_get, monitor.poll_once)
            await monitor.stop()
            listed = len(monitor.jobs())
    return cost.ratio, (f"{count} tasks in Flower, {listed} listed (max_tasks), {rounds} rounds: "
                        f"poll {cost.poll_ms:.1f} ms, bare GET {cost.bare_ms:.1f} ms (medians)")


FIGURES = {
    "celery_events_per_s": events_per_s,
    "celery_poll_cost_ratio": poll_cost_ratio,
}
