"""A second jobdeck process on a history file, for tests/test_history_store.py:

    python history_child.py FOLDER same  ROUNDS   # records the same jobs as its sibling, ROUNDS polls
    python history_child.py FOLDER flood          # records batches until killed, printing each one written

Prints "ok" (and its warnings, one a line) when done.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jobdeck.clock import FrozenClock
from jobdeck.model import Job, JobRef, JobState
from jobdeck.store.sqlite import HistoryStore

START = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
STATES = (JobState.PENDING, JobState.RUNNING, JobState.FAILED, JobState.RUNNING, JobState.SUCCEEDED)


def job(number: int, state: JobState, backend: str = "shared") -> Job:
    return Job(ref=JobRef(backend=backend, id=str(number)), name=f"job {number}", state=state,
               raw_state=state.value, created=START + timedelta(seconds=number))


def same(store: HistoryStore, clock: FrozenClock, rounds: int) -> None:
    """Every round moves 50 jobs one state on, as each of two decks polling one backend would see."""
    for round_ in range(rounds):
        clock.advance(1)
        jobs = [job(number, STATES[round_ % len(STATES)]) for number in range(50)]
        store.record_changes("shared", clock.now(), added=jobs if round_ == 0 else [],
                             changed=[] if round_ == 0 else jobs, removed=[], transitions=[], complete=True)
        store.flush()


def flood(store: HistoryStore, clock: FrozenClock) -> None:
    for batch in range(1_000_000):
        clock.advance(1)
        jobs = [job(batch * 100 + number, JobState.RUNNING, backend="flood") for number in range(100)]
        store.record_changes("flood", clock.now(), added=jobs, changed=[], removed=[], transitions=[], complete=False)
        store.flush()
        print(f"written {batch}", flush=True)


def main() -> None:
    folder, mode = Path(sys.argv[1]), sys.argv[2]
    clock = FrozenClock(START)
    store = HistoryStore(folder, clock=clock)
    if mode == "same":
        same(store, clock, int(sys.argv[3]))
    else:
        flood(store, clock)
    store.close()
    print("ok")
    for warning in store.warnings():
        print(warning)


if __name__ == "__main__":
    main()
