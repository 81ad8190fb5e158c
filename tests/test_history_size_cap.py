"""The history's size cap (``history_max_mb``): past it, the oldest finished jobs go with
their transitions and kept log tails, in the writer's thread; jobs still running stay, and
when they alone fill it a warning says so (once in the log, in H while it lasts)."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from fakes import make_job

from jobdeck.clock import FrozenClock
from jobdeck.config import settings_from_toml
from jobdeck.errors import ConfigError
from jobdeck.model import JobState
from jobdeck.store.sqlite import FILE_NAME, HistoryStore
from jobdeck.store.sqlite.size_cap import used_bytes

CAP_MB = 0.5
TAIL = "a log line that the job wrote\n" * 1_000  # 30 KB: 80 of them are ~5 times the cap


def finished_jobs_with_tails(store: HistoryStore, clock: FrozenClock, first: int, count: int) -> None:
    for number in range(first, first + count):
        clock.advance(60)
        job = make_job(str(number), JobState.SUCCEEDED, backend="alpha", created=clock.now())
        store.record_changes(
            "alpha", clock.now(), added=[job], changed=[], removed=[], transitions=[], complete=False
        )
        store.record_log_tail(job.ref, job.created, TAIL)


def table(folder: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(folder / FILE_NAME) as connection:
        return connection.execute(sql).fetchall()


def test_past_the_cap_the_oldest_finished_jobs_go_with_their_transitions_and_tails(
    tmp_path: Path,
) -> None:
    clock = FrozenClock()
    store = HistoryStore(tmp_path, clock=clock, max_mb=CAP_MB, size_every=0)
    running = make_job("long-runner", JobState.RUNNING, backend="alpha", created=clock.now())
    store.record_changes("alpha", clock.now(), added=[running], changed=[], removed=[], transitions=[], complete=False)
    finished_jobs_with_tails(store, clock, 0, 80)
    store.close()

    with sqlite3.connect(tmp_path / FILE_NAME) as connection:
        assert used_bytes(connection) <= CAP_MB * 1024 * 1024
    kept = {row[0] for row in table(tmp_path, "SELECT job_id FROM jobs")}
    assert "long-runner" in kept  # still running in its backend: never pruned for size
    assert "79" in kept and "0" not in kept  # the newest stay, the oldest went
    kept_numbers = sorted(int(job_id) for job_id in kept - {"long-runner"})
    assert kept_numbers == list(range(kept_numbers[0], 80))  # exactly the oldest went
    # Nothing of a pruned job is left behind.
    assert table(tmp_path, "SELECT count(*) FROM transitions WHERE job NOT IN (SELECT id FROM jobs)") == [(0,)]
    assert table(tmp_path, "SELECT count(*) FROM log_tails WHERE job NOT IN (SELECT id FROM jobs)") == [(0,)]
    assert table(tmp_path, "SELECT count(*) FROM log_tails") == [(len(kept_numbers),)]


def test_the_file_stops_growing_at_about_the_cap(tmp_path: Path) -> None:
    clock = FrozenClock()
    store = HistoryStore(tmp_path, clock=clock, max_mb=CAP_MB, size_every=0)
    for poll in range(24):  # polls a while apart: each finds the space the last pruning freed
        finished_jobs_with_tails(store, clock, poll * 10, 10)
        assert store.flush()
    store.close()
    # At most the cap and one poll's jobs more (the size is looked at between writes).
    one_poll = 10 * len(TAIL)
    assert (tmp_path / FILE_NAME).stat().st_size <= CAP_MB * 1024 * 1024 + one_poll + 128 * 1024
    assert ("239",) in table(tmp_path, "SELECT job_id FROM jobs")


def test_no_cap_keeps_every_job(tmp_path: Path) -> None:
    clock = FrozenClock()
    store = HistoryStore(tmp_path, clock=clock, max_mb=0, size_every=0)
    finished_jobs_with_tails(store, clock, 0, 80)
    store.close()
    assert table(tmp_path, "SELECT count(*) FROM jobs") == [(80,)]


def test_history_max_mb_is_a_setting_of_a_gigabyte_by_default() -> None:
    assert settings_from_toml("").history_max_mb == 1024
    assert settings_from_toml("history_max_mb = 0").history_max_mb == 0  # no cap
    with pytest.raises(ConfigError, match="history_max_mb"):
        settings_from_toml("history_max_mb = -1")


def test_another_deck_holding_the_lock_delays_the_writes_and_the_pruning_not_the_polls(tmp_path: Path) -> None:
    clock = FrozenClock()
    store = HistoryStore(tmp_path, clock=clock, max_mb=CAP_MB, size_every=0)
    finished_jobs_with_tails(store, clock, 0, 80)
    assert store.flush()
    blocker = sqlite3.connect(tmp_path / FILE_NAME, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another deck writing
    finished_jobs_with_tails(store, clock, 80, 5)  # returns at once
    blocker.execute("ROLLBACK")
    blocker.close()
    store.close()
    assert ("84",) in table(tmp_path, "SELECT job_id FROM jobs") and store.warnings() == []
    with sqlite3.connect(tmp_path / FILE_NAME) as connection:
        assert used_bytes(connection) <= CAP_MB * 1024 * 1024


def a_poll(store: HistoryStore, clock: FrozenClock, *, changed=()) -> None:
    """One poll recorded and written (and the size looked at after the poll before it)."""
    clock.advance(60)
    store.record_changes("alpha", clock.now(), added=[], changed=list(changed), removed=[], transitions=[],
                         complete=False)
    assert store.flush()


def test_unfinished_jobs_alone_over_the_cap_are_said_once_until_they_finish_and_go(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="jobdeck")
    clock = FrozenClock()
    store = HistoryStore(tmp_path, clock=clock, max_mb=CAP_MB, size_every=0)
    queue = [make_job(f"q{n}", JobState.PENDING, backend="alpha", created=clock.now(), labels={"why": f"{n} " + "x" * 2000})
             for n in range(400)]  # ~0.8 MB of jobs waiting: more than the cap, and none finished
    store.record_changes("alpha", clock.now(), added=queue, changed=[], removed=[], transitions=[], complete=False)
    for _ in range(3):
        a_poll(store, clock)

    [warning] = store.warnings()
    assert "over its cap of 0.5 MB (history_max_mb)" in warning and "no finished job is left to prune" in warning
    assert table(tmp_path, "SELECT count(*) FROM jobs") == [(400,)]  # none went
    said = [r for r in caplog.records if r.levelno == logging.WARNING and "over its cap" in r.getMessage()]
    assert len(said) == 1  # once, not at every look at the size

    done = [job.model_copy(update={"state": JobState.SUCCEEDED, "ended": clock.now()}) for job in queue]
    a_poll(store, clock, changed=done)
    a_poll(store, clock)
    assert store.warnings() == []  # they finished, the oldest went: under the cap again
    store.close()
    with sqlite3.connect(tmp_path / FILE_NAME) as connection:
        assert used_bytes(connection) <= CAP_MB * 1024 * 1024
