"""Contract v2: a backend may forget jobs. The job table keeps a job its backend no
longer lists, marked gone from the backend, until it is listed again or ages out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fakes import EventRecorder, FakeAdapter, make_job, make_monitor

from jobdeck import wiring
from jobdeck.clock import FrozenClock
from jobdeck.config import settings_from_toml
from jobdeck.errors import ConfigError
from jobdeck.model import Action, Capability, JobRef, JobState
from jobdeck.monitor import JobsChanged, TimelineChanged
from jobdeck.monitor.gate import GONE_REASON

FAILED = JobRef(backend="alpha", id="fail")
RUNNING = JobRef(backend="alpha", id="run")
#: A backend with no archive of its own: archive and restore go to jobdeck's archive.
NO_ARCHIVE = frozenset({Capability.LIST, Capability.RETRY, Capability.CANCEL})


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


def backend(clock: FrozenClock, capabilities: frozenset[Capability] | None = None) -> FakeAdapter:
    return FakeAdapter.build(
        "alpha",
        clock=clock,
        capabilities=capabilities,
        jobs=[make_job("run", JobState.RUNNING), make_job("fail", JobState.FAILED, error="exit 3")],
    )


async def test_a_failed_job_the_backend_forgets_stays_in_the_table_marked_gone(tmp_path: Path, clock) -> None:
    adapter = backend(clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    recorder = EventRecorder()
    monitor.add_listener(recorder)

    clock.advance(30)
    adapter.remove_job("fail")
    await monitor.poll_once()

    [diff] = recorder.of(JobsChanged)
    assert diff.removed == [] and diff.added == []
    [gone] = diff.changed
    assert (gone.ref, gone.state, gone.error, gone.gone_since) == (FAILED, JobState.FAILED, "exit 3", clock.now())
    assert gone.gone and gone.to_public()["gone"] is True
    assert monitor.job(FAILED) == gone
    assert [(job.id, job.gone) for job in monitor.jobs()] == [("run", False), ("fail", True)]
    assert monitor.job(RUNNING).to_public()["gone"] is False


async def test_a_gone_job_stays_marked_since_it_went_and_further_polls_announce_nothing(tmp_path, clock) -> None:
    adapter = backend(clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    adapter.remove_job("fail")
    await monitor.poll_once()
    went = clock.now()
    recorder = EventRecorder()
    monitor.add_listener(recorder)
    for _ in range(3):
        clock.advance(60)
        await monitor.poll_once()
    assert recorder.of(JobsChanged) == []
    assert monitor.job(FAILED).gone_since == went


async def test_a_gone_job_listed_again_comes_back_unmarked_as_a_change(tmp_path: Path, clock) -> None:
    adapter = backend(clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    adapter.remove_job("run")
    await monitor.poll_once()
    recorder = EventRecorder()
    monitor.add_listener(recorder)

    adapter.upsert_job(make_job("run", JobState.SUCCEEDED))
    await monitor.poll_once()

    [diff] = recorder.of(JobsChanged)
    assert diff.added == [] and diff.removed == []
    assert [(job.ref, job.state, job.gone) for job in diff.changed] == [(RUNNING, JobState.SUCCEEDED, False)]
    assert [event.event.state for event in recorder.of(TimelineChanged)] == [JobState.SUCCEEDED]
    assert [(job.id, job.gone) for job in monitor.jobs()] == [("fail", False), ("run", False)]


async def test_a_listing_that_brings_one_job_back_and_forgets_another_marks_only_that_one(tmp_path, clock) -> None:
    adapter = backend(clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    adapter.remove_job("run")
    await monitor.poll_once()
    # The same number of jobs as the table holds, and no new id: still one back, one gone.
    adapter.set_jobs([make_job("run", JobState.RUNNING)])
    await monitor.poll_once()
    assert [(job.id, job.gone) for job in monitor.jobs()] == [("run", False), ("fail", True)]


async def test_a_gone_job_keeps_its_observed_timeline(tmp_path: Path, clock) -> None:
    adapter = backend(clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    first_seen = clock.now()
    clock.advance(10)
    adapter.remove_job("fail")
    await monitor.poll_once()
    timeline = await monitor.timeline(FAILED)
    assert [(event.state, event.observed) for event in timeline] == [(JobState.FAILED, True)]
    assert timeline[0].at == first_seen


async def test_a_gone_job_leaves_the_table_once_it_has_been_gone_a_day(tmp_path: Path, clock) -> None:
    adapter = backend(clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    adapter.remove_job("fail")
    await monitor.poll_once()
    recorder = EventRecorder()
    monitor.add_listener(recorder)

    clock.advance(timedelta(hours=24).total_seconds() - 1)
    await monitor.poll_once()
    assert monitor.job(FAILED) is not None and recorder.of(JobsChanged) == []

    clock.advance(1)
    await monitor.poll_once()
    [diff] = recorder.of(JobsChanged)
    assert (diff.added, diff.changed, diff.removed) == ([], [], [FAILED])
    assert monitor.job(FAILED) is None
    assert [job.id for job in monitor.jobs()] == ["run"]
    assert await monitor.timeline(FAILED) == []  # what the live table observed of it is let go


async def test_how_long_gone_jobs_stay_is_a_setting_the_monitor_is_built_with(
    tmp_path: Path, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(tmp_path))
    adapter = backend(clock)
    monkeypatch.setattr(wiring, "build_adapters", lambda settings, clock: [adapter])
    monitor = wiring.build_monitor(settings_from_toml("live_keep_hours = 0.5"), read_only=True, clock=clock)
    await monitor.poll_once()
    adapter.remove_job("fail")
    await monitor.poll_once()
    clock.advance(30 * 60)
    await monitor.poll_once()
    assert monitor.job(FAILED) is None
    await monitor.stop()


def test_live_keep_hours_defaults_to_a_day_and_must_be_positive() -> None:
    assert settings_from_toml("").live_keep_hours == 24
    with pytest.raises(ConfigError, match="live_keep_hours"):
        settings_from_toml("live_keep_hours = 0")


# -- actions on a gone job ---------------------------------------------------------------


@pytest.mark.parametrize("action", [Action.RETRY, Action.CANCEL, Action.ARCHIVE])
async def test_the_gate_refuses_actions_on_a_gone_job_without_asking_the_backend(
    tmp_path: Path, clock, action: Action
) -> None:
    adapter = backend(clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    adapter.remove_job("fail")
    adapter.remove_job("run")
    await monitor.poll_once()
    ref = RUNNING if action is Action.CANCEL else FAILED
    assert monitor.why_not(ref, action) == GONE_REASON == "the backend no longer lists this job"
    result = await monitor.perform(ref, action)
    assert not result.ok and result.message == GONE_REASON
    assert adapter.mutations == []


async def test_a_gone_job_can_still_be_archived_and_restored_in_jobdecks_archive(tmp_path: Path, clock) -> None:
    adapter = backend(clock, NO_ARCHIVE)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    adapter.remove_job("fail")
    await monitor.poll_once()

    assert monitor.why_not(FAILED, Action.RETRY) == GONE_REASON
    assert monitor.why_not(FAILED, Action.ARCHIVE) is None
    assert (await monitor.perform(FAILED, Action.ARCHIVE)).ok
    job = monitor.job(FAILED)
    assert (job.archived_by, job.gone) == ("jobdeck", True)
    assert (await monitor.perform(FAILED, Action.RESTORE)).ok
    assert monitor.job(FAILED).archived is False
    assert adapter.mutations == []
