"""Groups in the common model (contract v2): a job may be in a group (a Slurm
array, a Celery task name, a Julep task) whose jobs are counted by state."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from jobdeck.model import Counts, Job, JobGroup, JobRef, JobState, StateCounts


def a_job(**fields: object) -> Job:
    return Job(ref=JobRef(backend="b", id="1"), name="job", state=JobState.RUNNING, **fields)  # type: ignore[arg-type]


def test_a_tally_counts_each_state_once_per_job_and_leaves_out_empty_states() -> None:
    tally = StateCounts.of([JobState.FAILED, JobState.SUCCEEDED, JobState.FAILED])

    assert tally.by_state == {JobState.SUCCEEDED: 1, JobState.FAILED: 2}
    assert tally.count(JobState.FAILED) == 2
    assert tally.count(JobState.RUNNING) == 0
    assert tally.total == 3


def test_tallies_of_the_same_jobs_are_equal_whatever_order_they_were_counted_in() -> None:
    one = StateCounts.of([JobState.RUNNING, JobState.SUCCEEDED])
    other = StateCounts(by_state={"succeeded": 1, "running": 1, "failed": 0})

    assert one == other
    assert list(other.by_state) == [JobState.RUNNING, JobState.SUCCEEDED]


def test_a_state_this_version_does_not_know_is_counted_as_unknown() -> None:
    tally = StateCounts(by_state={"running": 2, "REQUEUED_HOLD": 1, "warped": 2})

    assert tally.by_state == {JobState.RUNNING: 2, JobState.UNKNOWN: 3}


@pytest.mark.parametrize("bad", ["many", None, float("inf"), [1]])
def test_a_count_that_is_not_a_whole_number_is_refused_with_a_sentence(bad: object) -> None:
    with pytest.raises(ValidationError, match="a count is a whole number"):
        StateCounts(by_state={"running": bad})


def test_a_negative_count_counts_as_none() -> None:
    assert StateCounts(by_state={"running": -3, "failed": 1}).by_state == {JobState.FAILED: 1}


def test_success_and_failure_counts_of_a_tally_count_a_canceled_job_as_not_succeeded() -> None:
    tally = StateCounts.of([JobState.SUCCEEDED] * 3 + [JobState.FAILED, JobState.CANCELED, JobState.RUNNING])

    assert tally.as_counts() == Counts(total=6, succeeded=3, failed=2)


def test_a_job_has_no_group_unless_its_backend_gives_one() -> None:
    job = a_job()

    assert job.group is None
    assert job.to_public()["group"] is None


def test_a_group_is_a_key_and_a_name_with_optional_counts() -> None:
    group = JobGroup(key="1234", name="1234_[0-99]")

    assert group.counts is None and group.scope is None
    assert a_job(group=group).group == JobGroup(key="1234", name="1234_[0-99]")


def test_ls_json_shows_the_group_with_its_counts_by_state_name() -> None:
    tally = StateCounts.of([JobState.SUCCEEDED, JobState.SUCCEEDED, JobState.FAILED])
    group = JobGroup(key="t-1", name="translate-batch", counts=tally, scope="the latest 3 executions")

    public = a_job(group=group).to_public()

    assert public["group"] == {
        "key": "t-1",
        "name": "translate-batch",
        "counts": {"succeeded": 2, "failed": 1},
        "scope": "the latest 3 executions",
    }
    json.dumps(public)  # plain JSON, no enum or model left in it


def test_a_group_without_counts_says_so_in_json() -> None:
    public = a_job(group=JobGroup(key="tasks.add", name="tasks.add")).to_public()

    assert public["group"] == {"key": "tasks.add", "name": "tasks.add", "counts": None, "scope": None}


def test_a_group_can_be_a_key_like_any_frozen_model() -> None:
    counted = JobGroup(key="t", name="t", counts=StateCounts.of([JobState.RUNNING]))
    same = JobGroup(key="t", name="t", counts=StateCounts(by_state={"running": 1}))

    assert {counted: "x"}[same] == "x"
