"""Each comparison a time term may write (``<``, ``<=``, ``>``, ``>=``) compares the job's time
(or how long it ran) with the term's, the equal case only where ``=`` is written; a job
without that time matches none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakes import make_job

from jobdeck.time_terms import DurationTest, TimeTest

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(("op", "before", "at", "after"), [
    ("<", True, False, False), ("<=", True, True, False), (">", False, False, True), (">=", False, True, True),
])
def test_every_comparison_of_a_moment_and_of_a_duration(op: str, before: bool, at: bool, after: bool) -> None:
    for moment, expected in ((NOW - HOUR, before), (NOW, at), (NOW + HOUR, after)):
        job = make_job("1", created=moment - HOUR, started=moment, ended=moment)
        assert TimeTest("ended", op, NOW).holds(job) is expected  # type: ignore[arg-type]
        assert TimeTest("started", op, NOW).holds(job) is expected  # type: ignore[arg-type]
        ran = make_job("2", "succeeded", created=NOW - 2 * HOUR, started=NOW - 2 * HOUR, ended=NOW - 2 * HOUR + (moment - NOW) + HOUR)
        assert DurationTest(op, HOUR.total_seconds(), NOW).holds(ran) is expected  # type: ignore[arg-type]


def test_a_job_without_the_time_a_test_reads_matches_none() -> None:
    running = make_job("1", created=NOW - HOUR, started=None, ended=None)
    assert not any(TimeTest("ended", op, NOW).holds(running) for op in ("<", "<=", ">", ">="))  # type: ignore[arg-type]
    assert TimeTest("began", "<=", NOW).holds(running) and TimeTest("last_active", ">=", NOW - HOUR).holds(running)
