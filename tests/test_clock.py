"""The shared "a naive time is UTC" helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from jobdeck.clock import as_utc, assume_utc, display_zone

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


# -- the zone times are shown in ---------------------------------------------------------


def test_a_display_zone_is_utc_local_or_an_iana_name(monkeypatch: pytest.MonkeyPatch) -> None:
    assert display_zone("UTC") is UTC and display_zone("utc") is UTC
    assert str(display_zone("Europe/Berlin")) == "Europe/Berlin"
    monkeypatch.setenv("TZ", "America/New_York")
    assert str(display_zone("local")) == str(display_zone("Local")) == "America/New_York"


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../../etc/passwd", "local/../x"])
def test_an_unknown_zone_is_refused_with_the_choices(name: str) -> None:
    with pytest.raises(ValueError, match="use UTC, local, or an IANA name"):
        display_zone(name)
