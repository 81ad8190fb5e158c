"""The filter language's group: term (contract v2 groups)."""

from __future__ import annotations

import pytest
from fakes import make_job

from jobdeck.model import JobGroup, JobState, StateCounts
from jobdeck.query import QueryError, parse_query

TRANSLATE = JobGroup(key="0190f3a2-aaaa", name="Translate-Batch", counts=StateCounts.of([JobState.FAILED]))
ARRAY = JobGroup(key="1234", name="1234_[0-99]")

JOBS = [
    make_job("e1", JobState.FAILED, backend="julep", name="translate-batch: b-1", group=TRANSLATE),
    make_job("e2", JobState.SUCCEEDED, backend="julep", name="translate-batch: b-2", group=TRANSLATE),
    make_job("1234", JobState.RUNNING, backend="hpc", name="render", group=ARRAY),
    make_job("77", JobState.RUNNING, backend="local", name="translate-batch by hand", labels={"group": "ops"}),
]


def ids(query: str) -> list[str]:
    return [job.id for job in parse_query(query).filter(JOBS)]


def test_group_matches_the_name_of_the_jobs_group_ignoring_case() -> None:
    assert ids("group:translate") == ["e1", "e2"]
    assert ids("group:TRANSLATE-batch") == ["e1", "e2"]


def test_group_matches_the_groups_key_too() -> None:
    assert ids("group:0190f3a2") == ["e1", "e2"]
    assert ids("group:1234") == ["1234"]


def test_group_takes_several_values_and_a_job_without_a_group_never_matches() -> None:
    assert ids("group:translate,1234_") == ["e1", "e2", "1234"]
    assert ids("group:by hand") == []


def test_a_group_term_does_not_match_across_name_and_key() -> None:
    assert ids("group:99]1234") == []


def test_a_negated_group_keeps_jobs_of_other_groups_and_jobs_without_one() -> None:
    assert ids("-group:translate") == ["1234", "77"]


def test_a_label_named_group_is_still_reached_as_a_label() -> None:
    assert ids("group:ops") == []
    assert ids("label:group=ops") == ["77"]


def test_group_without_a_value_says_what_it_needs() -> None:
    with pytest.raises(QueryError, match="group: needs a value"):
        parse_query("group:")
