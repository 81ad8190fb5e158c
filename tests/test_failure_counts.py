"""The failures of the last day read back from the history (the kiosk's counts and
sparklines): per backend, today (in the deck's zone), the last hour and each hour."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fakes import make_job
from history_deck import record

from jobdeck.model import JobState
from jobdeck.store.sqlite import FILE_NAME, HistoryUnavailable
from jobdeck.store.sqlite.failure_counts import HOURS, FailureCounts, failure_counts

NOW = datetime(2026, 1, 1, 12, 30, tzinfo=UTC)


def failed(job_id: str, backend: str, ended: datetime, state: JobState = JobState.FAILED):
    return make_job(job_id, state, backend=backend, created=ended - timedelta(minutes=1), ended=ended)


def test_failures_are_counted_by_backend_today_in_the_last_hour_and_per_hour(tmp_path: Path):
    at = NOW - timedelta(minutes=1)
    record(tmp_path, at, "a", [
        failed("1", "a", NOW - timedelta(minutes=10)),  # the last hour
        failed("2", "a", NOW - timedelta(minutes=50)),  # the last hour
        failed("3", "a", NOW - timedelta(hours=3, minutes=5)),  # today, 4th hour back
        failed("4", "a", NOW - timedelta(hours=14)),  # yesterday, within 24 hours
        failed("5", "a", NOW - timedelta(hours=30)),  # before the last 24 hours
        failed("6", "a", NOW - timedelta(minutes=5), JobState.SUCCEEDED),  # not a failure
        failed("7", "a", NOW + timedelta(hours=2)),  # a clock far ahead: not yet
    ])
    record(tmp_path, at, "b", [failed("1", "b", NOW - timedelta(minutes=20))])

    counts = failure_counts(tmp_path / FILE_NAME, NOW)
    assert set(counts) == {"a", "b"}
    a = counts["a"]
    assert (a.today, a.last_hour) == (3, 2)
    assert len(a.per_hour) == HOURS and sum(a.per_hour) == 4
    assert a.per_hour[-1] == 2 and a.per_hour[-4] == 1 and a.per_hour[-14] == 1
    assert counts["b"] == FailureCounts(today=1, last_hour=1, per_hour=(0,) * (HOURS - 1) + (1,))


def test_today_is_the_day_in_the_zone_of_now(tmp_path: Path):
    tokyo = ZoneInfo("Asia/Tokyo")
    now = datetime(2026, 1, 2, 0, 30, tzinfo=tokyo)  # 2026-01-01 15:30 UTC
    record(tmp_path, now, "a", [
        failed("after", "a", datetime(2026, 1, 1, 15, 10, tzinfo=UTC)),
        failed("before", "a", datetime(2026, 1, 1, 14, 50, tzinfo=UTC)),
    ])
    assert failure_counts(tmp_path / FILE_NAME, now)["a"].today == 1
    assert failure_counts(tmp_path / FILE_NAME, now.astimezone(UTC))["a"].today == 2


def test_the_query_reads_the_failures_index_not_every_job(tmp_path: Path):
    from jobdeck.store.sqlite.failure_counts import _PER_HOUR

    record(tmp_path, NOW, "a", [failed("1", "a", NOW)])
    with sqlite3.connect(tmp_path / FILE_NAME) as connection:
        plan = connection.execute(f"EXPLAIN QUERY PLAN {_PER_HOUR}", {"start": 0, "midnight": 0, "latest": 0}).fetchall()
    assert "USING INDEX jobs_failed_ended" in " ".join(row[-1] for row in plan)


def test_no_history_yet_is_no_failures_and_a_damaged_file_says_why(tmp_path: Path):
    assert failure_counts(tmp_path / FILE_NAME, NOW) == {}
    (tmp_path / FILE_NAME).write_bytes(b"not a database at all" * 100)
    with pytest.raises(HistoryUnavailable, match="cannot be read"):
        failure_counts(tmp_path / FILE_NAME, NOW)


def test_an_archived_failure_was_dealt_with_and_counts_no_more(tmp_path: Path):
    at = NOW - timedelta(minutes=1)
    archived = failed("1", "a", NOW - timedelta(minutes=10)).model_copy(update={"archived": True})
    record(tmp_path, at, "a", [archived, failed("2", "a", NOW - timedelta(minutes=20))])
    counts = failure_counts(tmp_path / FILE_NAME, NOW)["a"]
    assert (counts.today, counts.last_hour, sum(counts.per_hour)) == (1, 1, 1)


async def test_a_failure_archived_in_the_deck_leaves_the_counts_and_a_restored_one_comes_back(tmp_path: Path):
    from fakes import FakeAdapter

    from jobdeck.clock import FrozenClock
    from jobdeck.model import Capability
    from jobdeck.monitor import Monitor
    from jobdeck.store.sqlite import HistoryStore

    clock = FrozenClock(NOW)
    no_archive = frozenset({Capability.LIST, Capability.RETRY})  # archived in jobdeck's own archive
    job = failed("1", "alpha", NOW - timedelta(minutes=10))
    adapter = FakeAdapter.build("alpha", clock=clock, capabilities=no_archive, jobs=[job])

    def failed_today(action: str | None) -> int:
        store = HistoryStore(tmp_path, clock=clock)
        monitor = Monitor([adapter], clock=clock, store=store)

        async def run() -> None:
            await monitor.poll_once()
            if action:
                assert (await monitor.perform(job.ref, action)).ok
                clock.advance(1)
                await monitor.poll_once()
            await monitor.stop()

        return run

    for action, expected in ((None, 1), ("archive", 0), ("restore", 1)):
        await failed_today(action)()
        counts = failure_counts(tmp_path / FILE_NAME, clock.now())
        assert counts.get("alpha", FailureCounts()).today == expected, action
