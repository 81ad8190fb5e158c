"""Observed status transitions and their merge with a backend's own history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fakes import make_job

from jobdeck.model import JobState, StatusEvent
from jobdeck.store.observed import ObservedHistory, merge_timelines

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_the_first_sighting_is_recorded_at_the_jobs_own_time_for_that_state() -> None:
    history = ObservedHistory()
    event = history.observe(make_job("1", JobState.RUNNING, created=at(0), started=at(5)), now=at(60))
    assert event == StatusEvent(at=at(5), state=JobState.RUNNING, raw_state="running", observed=True)


def test_a_job_without_timestamps_is_recorded_at_now() -> None:
    history = ObservedHistory()
    event = history.observe(make_job("1", JobState.PAUSED), now=at(60))
    assert event is not None and event.at == at(60)


def test_an_unchanged_state_records_nothing() -> None:
    history = ObservedHistory()
    job = make_job("1", JobState.RUNNING)
    history.observe(job, now=at(0))
    assert history.observe(job.model_copy(update={"progress": 50.0}), now=at(2)) is None
    assert len(history.events(job.ref)) == 1


def test_a_state_change_is_recorded_in_order() -> None:
    history = ObservedHistory()
    job = make_job("1", JobState.PENDING)
    history.observe(job, now=at(0))
    history.observe(job.model_copy(update={"state": JobState.RUNNING}), now=at(2))
    history.observe(job.model_copy(update={"state": JobState.FAILED, "ended": at(3)}), now=at(4))
    assert [(e.state, e.at) for e in history.events(job.ref)] == [
        (JobState.PENDING, at(0)),
        (JobState.RUNNING, at(2)),
        (JobState.FAILED, at(3)),
    ]


def test_a_timestamp_older_than_the_previous_event_is_not_trusted() -> None:
    history = ObservedHistory()
    job = make_job("1", JobState.PENDING)
    history.observe(job, now=at(10))
    event = history.observe(job.model_copy(update={"state": JobState.RUNNING, "started": at(1)}), now=at(12))
    assert event is not None and event.at == at(12)


def test_the_history_of_a_job_is_bounded() -> None:
    history = ObservedHistory(limit=5)
    job = make_job("1", JobState.PENDING)
    for i in range(20):
        state = JobState.RUNNING if i % 2 else JobState.PAUSED
        history.observe(job.model_copy(update={"state": state}), now=at(i))
    events = history.events(job.ref)
    assert len(events) == 5
    assert events[-1].at == at(19)


def test_forgetting_a_job_drops_its_history() -> None:
    history = ObservedHistory()
    job = make_job("1")
    history.observe(job, now=at(0))
    history.forget(job.ref)
    assert history.events(job.ref) == [] and job.ref not in history


def test_merge_drops_observed_events_the_backend_already_has_and_sorts_oldest_first() -> None:
    backend = [
        StatusEvent(at=at(0), state=JobState.PENDING),
        StatusEvent(at=at(10), state=JobState.RUNNING),
    ]
    observed = [
        StatusEvent(at=at(12), state=JobState.RUNNING, observed=True),  # same transition, seen late
        StatusEvent(at=at(30), state=JobState.FAILED, observed=True),  # the backend does not know it yet
        StatusEvent(at=at(5), state=JobState.PAUSED, observed=True),
    ]
    merged = merge_timelines(backend, observed, tolerance=timedelta(seconds=5))
    assert [(e.state, e.observed) for e in merged] == [
        (JobState.PENDING, False),
        (JobState.PAUSED, True),
        (JobState.RUNNING, False),
        (JobState.FAILED, True),
    ]


def test_merge_compares_naive_and_aware_times_without_failing() -> None:
    naive = StatusEvent(at=datetime(2026, 1, 1, 12, 0), state=JobState.RUNNING)
    observed = [StatusEvent(at=at(1), state=JobState.RUNNING, observed=True)]
    assert merge_timelines([naive], observed) == [naive]


def test_observed_events_an_adapter_returns_with_the_backends_are_dropped_when_the_backend_has_them() -> None:
    own_end = StatusEvent(at=at(26), state=JobState.SUCCEEDED, raw_state="COMPLETED", actor="intuned")
    adapters_own_sighting = StatusEvent(at=at(26), state=JobState.SUCCEEDED, raw_state="COMPLETED", observed=True,
                                        message="PENDING → COMPLETED", actor="jobdeck")
    merged = merge_timelines([own_end, adapters_own_sighting], [])
    assert merged == [own_end]


def test_the_adapters_observed_event_is_kept_over_the_monitors_for_the_same_transition() -> None:
    adapters = StatusEvent(at=at(10), state=JobState.PAUSED, raw_state="PAUSED", observed=True, message="→ PAUSED")
    monitors = StatusEvent(at=at(11), state=JobState.PAUSED, raw_state="PAUSED", observed=True)
    assert merge_timelines([adapters], [monitors]) == [adapters]


def test_an_observed_event_with_the_raw_state_of_a_backend_event_at_that_time_is_the_same_transition() -> None:
    # Intuned's PENDING run is queued or under way: the backend says running, the monitor saw pending.
    started = StatusEvent(at=at(0), state=JobState.RUNNING, raw_state="PENDING", actor="intuned")
    seen = StatusEvent(at=at(0), state=JobState.PENDING, raw_state="PENDING", observed=True)
    assert merge_timelines([started], [seen]) == [started]


def test_an_observed_event_of_another_state_and_raw_state_is_kept() -> None:
    started = StatusEvent(at=at(0), state=JobState.RUNNING, raw_state="PENDING")
    paused = StatusEvent(at=at(1), state=JobState.PAUSED, raw_state="PAUSED", observed=True)
    assert merge_timelines([started], [paused]) == [started, paused]


def test_one_observers_two_sightings_of_a_state_close_together_both_stand() -> None:
    running, paused, running_again = (
        StatusEvent(at=at(seconds), state=state, observed=True)
        for seconds, state in ((0, JobState.RUNNING), (1, JobState.PAUSED), (2, JobState.RUNNING))
    )
    assert merge_timelines([], [running, paused, running_again]) == [running, paused, running_again]
    assert merge_timelines([running, paused, running_again], []) == [running, paused, running_again]
