"""A million jobs fit in memory: a job is a small immutable record, and what repeats from
job to job is held once (issue 22)."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from jobdeck.job import FIELDS, _Validating
from jobdeck.model import Counts, Job, JobGroup, JobRef, JobState, Run

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _job(number: int, **fields: object) -> Job:
    # Strings built at run time, as a backend's parsed answer gives them (not shared literals).
    return Job(
        ref=JobRef(backend="".join(["sl", "urm"]), id=f"j{number}"),
        name=f"job-{number}",
        state=JobState.RUNNING,
        raw_state="".join(["RUN", "NING"]),
        labels={"".join(["mach", "ine"]): f"m-{number % 4:02d}"},
        **fields,  # type: ignore[arg-type]
    )


def test_a_job_keeps_no_dictionary_of_its_own() -> None:
    assert not hasattr(_job(1), "__dict__")
    assert not hasattr(_job(1).ref, "__dict__")


def test_raw_states_backend_names_and_label_words_are_held_once() -> None:
    first, second = _job(1), _job(5)  # the same machine, m-01
    assert first.raw_state is second.raw_state
    assert first.ref.backend is second.ref.backend
    [(key_1, value_1)], [(key_2, value_2)] = first.labels.items(), second.labels.items()
    assert key_1 is key_2 and value_1 is value_2 == "m-01"


def test_jobs_with_the_same_labels_share_one_mapping_and_an_empty_detail() -> None:
    assert _job(1).labels is _job(5).labels
    assert _job(1).labels is not _job(2).labels
    assert _job(1).detail is _job(2).detail == {}


def test_jobs_with_equal_counts_share_one_counts_however_each_was_given() -> None:
    given = _job(1, counts=Counts(total=4, succeeded=3)).counts
    assert _job(2, counts=Counts(total=4, succeeded=3)).counts is given
    assert _job(3, counts={"total": 4, "succeeded": 3}).counts is given  # type: ignore[arg-type]
    assert _job(4, counts=Counts(total=4, succeeded=2)).counts is not given


def test_shared_labels_and_detail_cannot_be_changed_through_one_job() -> None:
    job = _job(1, detail={"partition": "gpu"})
    with pytest.raises(TypeError):
        job.labels["machine"] = "m-99"  # type: ignore[index]
    with pytest.raises(TypeError):
        job.detail.update(partition="cpu")
    assert _job(5).labels == {"machine": "m-01"}


def test_a_job_cannot_be_changed_only_copied_with_changes() -> None:
    job = _job(1)
    with pytest.raises(AttributeError):
        job.name = "other"  # type: ignore[misc]
    changed = job.model_copy(update={"progress": 50.0, "error": "late", "labels": {"machine": "m-09"}})
    assert (changed.progress, changed.error, changed.labels) == (50.0, "late", {"machine": "m-09"})
    assert (job.progress, job.error, job.labels) == (None, None, {"machine": "m-01"})
    with pytest.raises(AttributeError, match="no field"):
        job.model_copy(update={"colour": "red"})


def test_held_once_changes_no_value_and_no_equality() -> None:
    assert _job(1) == _job(1)
    assert _job(1) != _job(2)
    assert _job(3).labels == {"machine": "m-03"}
    long_value = "x" * 500
    assert _job(1, error=long_value).error == long_value


def test_values_not_of_their_types_are_converted_as_pydantic_converts_them() -> None:
    job = Job(
        ref={"backend": "slurm", "id": "7"},  # type: ignore[arg-type]
        name="x",
        state="running",  # type: ignore[arg-type]
        started="2026-12-01T12:00:00Z",  # type: ignore[arg-type]
        progress=250,
        counts={"total": 3, "succeeded": 1},  # type: ignore[arg-type]
    )
    assert job.ref == JobRef(backend="slurm", id="7")
    assert job.state is JobState.RUNNING
    assert job.started == NOW
    assert job.progress == 100.0
    assert job.counts == Counts(total=3, succeeded=1)
    assert _job(1, progress=-3).progress == 0.0


def test_a_value_that_cannot_be_converted_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="state"):
        Job(ref=JobRef(backend="b", id="1"), name="x", state="no such state at all")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="labels"):
        Job(ref=JobRef(backend="b", id="1"), name="x", state=JobState.RUNNING, labels={"n": 3})  # type: ignore[dict-item]


def test_a_job_dumps_as_the_model_did() -> None:
    job = _job(1, started=NOW, counts=Counts(total=2, succeeded=1))
    dumped = job.model_dump(mode="json")
    assert dumped["ref"] == {"backend": "slurm", "id": "j1"}
    assert dumped["state"] == "running"
    assert dumped["started"] == "2026-12-01T12:00:00Z"
    assert dumped["counts"] == {"total": 2, "succeeded": 1, "failed": 0}
    assert job.model_dump()["started"] is NOW
    assert "error" not in job.model_dump(exclude_none=True)
    assert '"name":"job-1"' in job.model_dump_json()


def test_a_job_dumps_as_json_what_pydantic_dumps_of_the_same_fields() -> None:
    # A backend's detail may hold more than JSON's types (a set, a path, bytes, a state, a time).
    detail = {"ids": {3}, "path": Path("/spool/a"), "raw": b"x", "was": JobState.FAILED, "at": (NOW, 1), "é": "ü"}
    job = _job(1, started=NOW, detail=detail, group=JobGroup(key="k", name="k"))
    fields = {name: getattr(job, name) for name in FIELDS}
    assert job.model_dump(mode="json") == _Validating(**fields).model_dump(mode="json")
    assert json.loads(job.model_dump_json()) == _Validating(**fields).model_dump(mode="json")
    assert job.model_dump_json() == _Validating(**fields).model_dump_json()


def test_a_job_survives_pickling_and_copying() -> None:
    job = _job(1, started=NOW, detail={"k": [1, 2]})
    assert pickle.loads(pickle.dumps(job)) == job
    assert copy.deepcopy(job) == job
    assert pickle.loads(pickle.dumps(job.ref)) == job.ref


def test_a_reference_inside_a_pydantic_model_validates_and_dumps_as_before() -> None:
    run = Run(job={"backend": "slurm", "id": "7"}, id="1", state=JobState.RUNNING)  # type: ignore[arg-type]
    assert run.job == JobRef(backend="slurm", id="7")
    assert run.model_dump(mode="json")["job"] == {"backend": "slurm", "id": "7"}
    assert Run.model_validate_json(run.model_dump_json()) == run
    assert not isinstance(run.job, BaseModel)


def test_a_reference_of_kinds_of_strings_holds_their_text_as_the_model_did() -> None:
    class Kind(StrEnum):
        SLURM = "slurm"

    ref = JobRef(backend=Kind.SLURM, id=Kind.SLURM)
    assert ref == JobRef(backend="slurm", id="slurm") and type(ref.backend) is str and type(ref.id) is str
    run = Run(job={"backend": Kind.SLURM, "id": "7"}, id="1", state=JobState.RUNNING)  # type: ignore[arg-type]
    assert run.job == JobRef(backend="slurm", id="7")
    with pytest.raises(TypeError):
        JobRef(backend="slurm", id=7)  # type: ignore[arg-type]


def test_references_are_keys_that_compare_by_value() -> None:
    assert {JobRef(backend="a", id="1"): 1}[JobRef(backend="a", id="1")] == 1
    assert JobRef(backend="a", id="1") != JobRef(backend="a", id="2")
    assert str(JobRef.parse("a/b/c")) == "a/b/c"
    with pytest.raises(AttributeError):
        JobRef(backend="a", id="1").id = "2"  # type: ignore[misc]


def test_the_record_of_shared_labels_starts_again_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    from jobdeck import job as job_module

    monkeypatch.setattr(job_module, "_SHARED_MOST", 3)
    monkeypatch.setattr(job_module, "_LABEL_SETS", {})
    def labelled(number: int) -> Job:
        return Job(ref=JobRef(backend="b", id=str(number)), name="x", state=JobState.RUNNING,
                   labels={"run": f"unique-{number}"})

    jobs = [labelled(number) for number in range(10)]
    assert len(job_module._LABEL_SETS) <= 3
    assert [job.labels for job in jobs] == [{"run": f"unique-{number}"} for number in range(10)]
    assert labelled(9).labels is jobs[9].labels  # the newest still shared
