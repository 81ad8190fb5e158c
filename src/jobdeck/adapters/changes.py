"""What a backend's push channel says changed (contract v2): ``Adapter.changes()`` yields these.

- ``Upsert(job)``: this job is now as given (new, or changed). The monitor puts it
  in the job table at once, without a poll.
- ``Gone(ref)``: the backend no longer has this job. The job table marks it gone
  from the backend; it is not deleted (a failed job stays in view).
- ``Poll()``: something changed, ask. A bare ``None`` means the same, so adapters
  written before contract v2 work unchanged.

A poll still follows on its own schedule and is the authority: a job a change
got wrong is put right by the next listing.
"""

from __future__ import annotations

from dataclasses import dataclass

from jobdeck.model import Job, JobRef


@dataclass(frozen=True, slots=True)
class Upsert:
    """The job as the backend now has it (whole: every field, not a patch)."""

    job: Job


@dataclass(frozen=True, slots=True)
class Gone:
    """The backend no longer has this job: a JobRef, or the job's id on this backend."""

    ref: JobRef | str

    @property
    def job_id(self) -> str:
        return self.ref.id if isinstance(self.ref, JobRef) else self.ref


@dataclass(frozen=True, slots=True)
class Poll:
    """Something changed: list the jobs now rather than at the next poll."""


#: What ``Adapter.changes()`` yields (None is read as ``Poll()``).
Change = Upsert | Gone | Poll
