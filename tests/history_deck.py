"""A deck with jobdeck's history on, on fake backends and a frozen clock: a history
file seeded with earlier runs (what earlier decks recorded), and the deck that records
into it and reads it back (the run-history strip, the kiosk's counts, kept log tails)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from deck_helpers import seconds_before
from fakes import FakeAdapter, make_job, wait_until

from jobdeck.clock import FrozenClock
from jobdeck.config import Settings
from jobdeck.model import Job, JobState
from jobdeck.monitor import Monitor
from jobdeck.store.memory import MemoryStore
from jobdeck.store.sqlite import HistoryStore
from jobdeck.ui.app import JobdeckApp

#: The states and durations (seconds) of etl-orders' earlier runs, the oldest first.
EARLIER_ETL_RUNS: tuple[tuple[JobState, float], ...] = (
    (JobState.SUCCEEDED, 62), (JobState.SUCCEEDED, 58), (JobState.FAILED, 12), (JobState.SUCCEEDED, 61),
    (JobState.SUCCEEDED, 64), (JobState.SUCCEEDED, 59), (JobState.CANCELED, 30), (JobState.SUCCEEDED, 75),
    (JobState.SUCCEEDED, 57), (JobState.FAILED, 9), (JobState.SUCCEEDED, 66),
)


def record(folder: Path, at: datetime, backend: str, jobs: Iterable[Job]) -> None:
    """What a deck polling ``backend`` at ``at`` recorded (then closed) in the history in ``folder``."""
    store = HistoryStore(folder, clock=FrozenClock(at))
    store.record_changes(backend, at, added=list(jobs), changed=[], removed=[], transitions=[], complete=False)
    store.close()


def earlier_runs(clock: FrozenClock, name: str = "etl-orders", backend: str = "local",
                 runs: Sequence[tuple[JobState, float]] = EARLIER_ETL_RUNS) -> list[Job]:
    """Runs of ``name``, one a day before the clock's now, the oldest first."""
    ago = seconds_before(clock)
    jobs = []
    for day, (state, seconds) in enumerate(runs):
        started = ago(86400 * (len(runs) - day))
        jobs.append(make_job(f"{name}-{day}", state, backend=backend, name=name, raw_state=state.value,
                             created=started - timedelta(seconds=1), started=started,
                             ended=started + timedelta(seconds=seconds), updated=started + timedelta(seconds=seconds)))
    return jobs


def seed_history(folder: Path, clock: FrozenClock, jobs: Sequence[Job], backend: str = "local") -> None:
    """``jobs`` recorded by earlier decks, each seen when it ended (or now)."""
    for job in jobs:
        record(folder, job.ended or clock.now(), backend, [job])


def history_app(
    folder: Path,
    adapters: list[FakeAdapter],
    clock: FrozenClock,
    *,
    kiosk: bool = False,
    history: bool = True,
    **settings: object,
) -> JobdeckApp:
    """A deck on ``adapters`` whose history is ``folder``'s (``history=False``: off)."""
    store = HistoryStore(folder, clock=clock) if history else MemoryStore(folder, clock=clock)
    monitor = Monitor(adapters, clock=clock, store=store, read_only=kiosk)
    config = Settings(backends=[a.settings for a in adapters], history=history, **settings)
    app = JobdeckApp(
        config, monitor, clock=clock, kiosk=kiosk, history_file=store.path if history else None  # type: ignore[attr-defined]
    )
    app.test_store = store  # type: ignore[attr-defined]  # (to wait for what it writes: history_written)
    return app


async def history_written(app: JobdeckApp) -> None:
    """Wait until the deck's store has written what its polls recorded so far."""
    import asyncio

    assert await asyncio.to_thread(app.test_store.flush), "the history's writer fell behind"  # type: ignore[attr-defined]


async def history_settled(app: JobdeckApp, pilot) -> None:
    """Wait until the detail, the timeline, the strip and the kiosk's counts have read what they read."""
    groups = ("runs", "timeline", "run-history", "kiosk-history")

    def reading() -> bool:
        return any(worker.group in groups and not worker.is_finished for worker in app.workers)

    await wait_until(lambda: not reading(), what="the panes to read")
    await pilot.pause()
    await pilot.pause()
