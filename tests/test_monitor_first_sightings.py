"""First sightings: a first listing's jobs were all seen at one moment, kept once (issue 22)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jobdeck.monitor.first_sightings import FirstSightings

LISTED = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_a_first_listings_job_was_first_seen_then_and_is_taken_once() -> None:
    sightings = FirstSightings()
    sightings.all_seen_at(LISTED)
    assert sightings.pop("7") == LISTED
    assert sightings.pop("7") is None


def test_a_job_seen_later_was_first_seen_when_it_came_and_is_taken_once() -> None:
    sightings = FirstSightings()
    sightings.all_seen_at(LISTED)
    sightings["new"] = LISTED + timedelta(minutes=5)
    assert sightings.pop("new") == LISTED + timedelta(minutes=5)
    assert sightings.pop("new") is None


def test_without_a_first_listing_only_jobs_noted_one_by_one_were_seen() -> None:
    sightings = FirstSightings()
    sightings["pushed"] = LISTED
    assert sightings.pop("unknown") is None
    assert sightings.pop("pushed") == LISTED
    assert sightings.pop("pushed") is None


def test_a_new_first_listing_sees_its_jobs_afresh() -> None:
    sightings = FirstSightings()
    sightings.all_seen_at(LISTED)
    assert sightings.pop("1") == LISTED
    later = LISTED + timedelta(hours=1)
    sightings.all_seen_at(later)  # the backend listed nothing in between, then these
    assert sightings.pop("1") == later
