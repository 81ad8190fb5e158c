"""A backend's first listing: every job announced at once, an id listed twice once. A big
one reaches the deck before its jobs are mapped by id (issue 22): the job table builds the
map when something reads them all, and finds a job by id meanwhile without it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import make_job

from jobdeck.clock import FrozenClock
from jobdeck.model import JobRef, JobState
from jobdeck.monitor.events import JobsChanged, MonitorEvent
from jobdeck.monitor import listing as listing_module
from jobdeck.monitor.job_table import JobTable
from jobdeck.store.memory import MemoryStore


def table_on(tmp_path: Path, events: list[MonitorEvent]) -> JobTable:
    return JobTable(["local"], store=MemoryStore(tmp_path), clock=FrozenClock(), emit=events.append)


def poll(table: JobTable, listed: list) -> None:
    table.apply("local", table.index("local", listed))


def test_a_first_listing_announces_every_job_and_its_jobs_are_read_by_ref(tmp_path: Path) -> None:
    events: list[MonitorEvent] = []
    table = table_on(tmp_path, events)
    jobs = [make_job(str(n), backend="local") for n in range(4)]
    poll(table, jobs)
    assert events == [JobsChanged(backend="local", added=jobs, changed=[], removed=[])]
    assert table.raw_job(JobRef(backend="local", id="2")) is jobs[2]
    assert table.jobs() == jobs


def test_the_poll_after_a_first_listing_announces_only_what_changed(tmp_path: Path) -> None:
    events: list[MonitorEvent] = []
    table = table_on(tmp_path, events)
    jobs = [make_job(str(n), backend="local") for n in range(4)]
    poll(table, jobs)
    failed = jobs[3].model_copy(update={"state": JobState.FAILED})
    poll(table, [*jobs[:3], failed])
    changes = [event for event in events if isinstance(event, JobsChanged)]
    assert changes[1:] == [JobsChanged(backend="local", added=[], changed=[failed], removed=[])]


def test_a_job_a_first_listing_holds_twice_is_one_job_in_the_table_the_last_listed(tmp_path: Path) -> None:
    events: list[MonitorEvent] = []
    table = table_on(tmp_path, events)
    first, again = make_job("1", backend="local"), make_job("1", backend="local", name="again")
    other = make_job("2", backend="local")
    poll(table, [first, other, again])
    assert table.jobs() == [again, other]
    assert table.raw_job(JobRef(backend="local", id="1")) is again
    # ... and announced once: the deck shows one row for it from its first frame.
    assert events == [JobsChanged(backend="local", added=[again, other], changed=[], removed=[])]


def test_a_big_first_listings_jobs_are_read_by_ref_before_they_are_mapped_by_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job the deck's cursor lands on is read as soon as the first frame shows it: a
    million jobs are not mapped by id for it (the next poll's index maps them, in its thread)."""
    monkeypatch.setattr(listing_module, "MAP_LATER_FROM", 2)
    events: list[MonitorEvent] = []
    table = table_on(tmp_path, events)
    jobs = [make_job(str(n), backend="local") for n in range(4)]
    listing = table.index("local", jobs)
    table.apply("local", listing)
    assert table.raw_job(JobRef(backend="local", id="2")) is jobs[2]
    assert table.raw_job(JobRef(backend="local", id="9")) is None
    assert [event.state for event in table.observed(JobRef(backend="local", id="3"))] == [JobState.RUNNING]
    assert not listing.mapped
    assert table.jobs() == jobs
