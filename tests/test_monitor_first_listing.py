"""A backend's first listing reaches the deck before its jobs are mapped by id (issue 22):
the job table announces every job at once and builds the map when something reads it."""

from __future__ import annotations

from pathlib import Path

from fakes import make_job

from jobdeck.clock import FrozenClock
from jobdeck.model import JobRef, JobState
from jobdeck.monitor.events import JobsChanged, MonitorEvent
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
