"""The history store's figures (issue 17): how fast it writes, how small it keeps a job.
Each returns (value, details for the table)."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jobdeck.clock import FrozenClock
from jobdeck.model import Counts, Job, JobGroup, JobRef, JobState, StatusEvent
from jobdeck.store.sqlite import FILE_NAME, HistoryStore

START = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
#: Five states a job goes through: five transitions.
LIFE = (JobState.PENDING, JobState.RUNNING, JobState.PAUSED, JobState.RUNNING, JobState.SUCCEEDED)


def _job(number: int, state: JobState, at: datetime) -> Job:
    """A job as a real backend lists it: a name, a group, labels, counts and times."""
    created = START + timedelta(seconds=number)
    return Job(
        ref=JobRef(backend="slurm-a", id=str(100_000 + number)),
        name=f"train-model-{number % 500:04d}",
        state=state,
        raw_state=state.value.upper(),
        created=created,
        started=created + timedelta(seconds=30) if state is not JobState.PENDING else None,
        ended=at if state.is_terminal else None,
        updated=at,
        progress=50.0 if state is JobState.RUNNING else None,
        counts=Counts(total=10, succeeded=4, failed=1),
        labels={"project": "vision", "stage": "train"},
        group=JobGroup(key=f"{100_000 + number // 100}", name=f"array-{number // 100}"),
    )


def _record_lives(store: HistoryStore, clock: FrozenClock, jobs: int) -> int:
    """``jobs`` jobs through LIFE, one poll per state (transitions given, as the job table
    gives them); the number of transitions recorded."""
    for step, state in enumerate(LIFE):
        clock.advance(60)
        now = clock.now()
        listed = [_job(number, state, now) for number in range(jobs)]
        if step == 0:
            store.record_changes("slurm-a", now, added=listed, changed=[], removed=[], transitions=[], complete=True)
            continue
        event = StatusEvent(at=now, state=state, raw_state=state.value.upper(), observed=True)
        transitions = [(job.ref, event) for job in listed]
        store.record_changes(
            "slurm-a", now, added=[], changed=listed, removed=[], transitions=transitions, complete=True
        )
    return jobs * len(LIFE)


def ingest(workdir: Path, jobs: int = 20_000) -> tuple[float, str]:
    """Transitions written per second: from the first poll recorded to the last one committed.
    The jobs are built before the clock starts (a poll hands the store jobs it already has)."""
    clock = FrozenClock(START)
    store = HistoryStore(workdir, clock=clock)
    # Build the listings first so only the store's work is timed.
    lives = [[_job(number, state, START) for number in range(jobs)] for state in LIFE]
    started = time.perf_counter()
    for step, (state, listed) in enumerate(zip(LIFE, lives, strict=True)):
        clock.advance(60)
        now = clock.now()
        event = StatusEvent(at=now, state=state, raw_state=state.value.upper(), observed=True)
        store.record_changes(
            "slurm-a", now, added=listed if step == 0 else [], changed=listed if step else [], removed=[],
            transitions=[(job.ref, event) for job in listed] if step else [], complete=True,
        )
    enqueued = time.perf_counter() - started
    assert store.flush(timeout=600)
    elapsed = time.perf_counter() - started
    writer_cpu = _writer_cpu()
    store.close()
    with sqlite3.connect(workdir / FILE_NAME) as connection:
        [(written,)] = connection.execute("SELECT count(*) FROM transitions").fetchall()
    assert written == jobs * len(LIFE), written
    return written / elapsed, (
        f"{written:,} transitions of {jobs:,} jobs in {elapsed:.2f} s (the polls' side: {enqueued * 1000:.0f} ms; "
        f"the writer's thread CPU {writer_cpu:.2f} s: {written / writer_cpu:,.0f}/s of its CPU)"
    )


def _writer_cpu() -> float:
    """CPU seconds the history writer's thread has used (wall time means little on a loaded
    machine: this is what the writing itself costs)."""
    [writer] = [thread for thread in threading.enumerate() if thread.name == "jobdeck-history-writer"]
    assert writer.ident is not None
    return time.clock_gettime(time.pthread_getcpuclockid(writer.ident))


def bytes_per_job(workdir: Path, jobs: int = 10_000) -> tuple[float, str]:
    """The database's size per job with five transitions, once closed (WAL checkpointed)."""
    clock = FrozenClock(START)
    store = HistoryStore(workdir, clock=clock)
    _record_lives(store, clock, jobs)
    store.close()
    size = (workdir / FILE_NAME).stat().st_size
    return size / jobs, f"{size / 1e6:.1f} MB for {jobs:,} jobs with {len(LIFE)} transitions each"


FIGURES = {"history_ingest_per_s": ingest, "history_bytes_per_job": bytes_per_job}
