"""The shared "a naive time is UTC" helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from jobdeck.clock import as_utc, assume_utc

NAIVE = datetime(2026, 1, 1, 12, 0, 3)
PARIS = timezone(timedelta(hours=1))


def test_a_naive_time_is_taken_to_be_utc() -> None:
    assert assume_utc(NAIVE) == as_utc(NAIVE) == datetime(2026, 1, 1, 12, 0, 3, tzinfo=UTC)
    assert assume_utc(NAIVE).tzinfo is UTC and as_utc(NAIVE).tzinfo is UTC


def test_assume_utc_keeps_a_time_with_a_zone_as_it_is() -> None:
    moment = datetime(2026, 1, 1, 13, 0, 3, tzinfo=PARIS)
    assert assume_utc(moment) is moment


def test_as_utc_converts_a_time_with_a_zone_to_utc() -> None:
    moment = datetime(2026, 1, 1, 13, 0, 3, tzinfo=PARIS)
    converted = as_utc(moment)
    assert converted == moment and converted.tzinfo is UTC
    assert f"{converted:%H:%M:%S}" == "12:00:03"
