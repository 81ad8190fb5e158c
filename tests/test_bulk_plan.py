"""The bulk confirmation's words (README, Several jobs at once): how many on which backends,
then the marked jobs that cannot be acted on, grouped by backend and reason, a few names
each, made safe; and the refusal when none can."""

from __future__ import annotations

from fakes import make_job

from jobdeck.model import Job, JobRef, JobState
from jobdeck.ui.screens.bulk_plan import NAMES_SHOWN, REASONS_SHOWN, plan_bulk


class Gate:
    """The gate's answers for some jobs: ``why`` by job id (None: allowed)."""

    def __init__(self, jobs: list[Job], why: dict[str, str]) -> None:
        self.jobs = {job.ref: job for job in jobs}
        self.why = why

    def job(self, ref: JobRef) -> Job | None:
        return self.jobs.get(ref)

    def why_not(self, ref: JobRef, action: str) -> str | None:
        return self.why.get(ref.id) if ref in self.jobs else f"unknown job {ref}"


def test_the_plan_counts_by_backend_and_groups_what_cannot_be_done_by_reason() -> None:
    jobs = [
        make_job("1", backend="local", name="a"),
        make_job("2", backend="hpc", name="b"),
        make_job("3", backend="hpc", name="c"),
        *(make_job(f"d{i}", JobState.SUCCEEDED, backend="hpc", name=f"done-{i}") for i in range(5)),
    ]
    gate = Gate(jobs, {f"d{i}": "the job is succeeded, not running" for i in range(5)})
    gone = JobRef(backend="local", id="forgotten")

    plan = plan_bulk([job.ref for job in jobs] + [gone], "cancel", "Cancel", gate)

    assert plan.title == "Cancel 3 marked jobs?"
    assert plan.message().splitlines() == [
        "Cancel: 1 on local, 2 on hpc.",
        "6 other marked jobs cannot be acted on:",
        f"• 5 on hpc: the job is succeeded, not running (done-0, done-1, done-2 and {5 - NAMES_SHOWN} more)",
        "• 1 on local: unknown job local/forgotten (forgotten)",
    ]


def test_many_reasons_are_cut_and_hostile_names_made_safe() -> None:
    jobs = [make_job(str(i), backend="b", name=f"evil\x1b[2J{i}") for i in range(REASONS_SHOWN + 3)]
    gate = Gate(jobs, {str(i): f"reason {i}" for i in range(1, REASONS_SHOWN + 3)})

    message = plan_bulk([job.ref for job in jobs], "retry", "Retry", gate).message()

    assert "\x1b" not in message
    assert message.splitlines()[-1] == "• and 2 more reasons"


def test_when_none_can_be_done_the_refusal_says_why_with_counts() -> None:
    jobs = [make_job(str(i), JobState.SUCCEEDED) for i in range(3)]
    gate = Gate(jobs, {"0": "already archived", "1": "already archived", "2": "read-only mode"})

    plan = plan_bulk([job.ref for job in jobs], "archive", "Archive", gate)

    assert plan.able == []
    assert plan.refusal() == (
        "Archive: none of the 3 marked jobs can be acted on: already archived (2); read-only mode (1)"
    )
