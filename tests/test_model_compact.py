"""A million jobs fit in memory: what repeats from job to job is held once (issue 22)."""

from __future__ import annotations

from jobdeck.model import Counts, Job, JobRef, JobState


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


def test_jobs_given_the_same_fields_share_one_record_of_them() -> None:
    first, second = _job(1), _job(2)
    assert first.model_fields_set == {"ref", "name", "state", "raw_state", "labels"}
    assert first.model_fields_set is second.model_fields_set
    assert first.ref.model_fields_set is second.ref.model_fields_set
    assert Counts(total=3).model_fields_set is Counts(total=4).model_fields_set


def test_jobs_given_other_fields_keep_their_own_record() -> None:
    plain, with_error = _job(1), _job(2, error="exit code 3")
    assert "error" in with_error.model_fields_set
    assert "error" not in plain.model_fields_set


def test_a_copy_with_changes_leaves_the_shared_record_alone() -> None:
    first, second = _job(1), _job(2)
    changed = first.model_copy(update={"progress": 50.0, "error": "late"})
    assert {"progress", "error"} <= changed.model_fields_set
    assert "progress" not in second.model_fields_set
    assert first.model_dump(exclude_unset=True).keys() == {"ref", "name", "state", "raw_state", "labels"}


def test_raw_states_backend_names_and_label_words_are_held_once() -> None:
    first, second = _job(1), _job(5)  # the same machine, m-01
    assert first.raw_state is second.raw_state
    assert first.ref.backend is second.ref.backend
    [(key_1, value_1)], [(key_2, value_2)] = first.labels.items(), second.labels.items()
    assert key_1 is key_2 and value_1 is value_2 == "m-01"


def test_held_once_changes_no_value_and_no_equality() -> None:
    assert _job(1) == _job(1)
    assert _job(1) != _job(2)
    assert _job(3).labels == {"machine": "m-03"}
    long_value = "x" * 500
    assert _job(1, error=long_value).error == long_value
