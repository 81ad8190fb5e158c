"""When each job of one backend was first seen, until that sighting is recorded.

The job table puts a job's first sighting in the observed history only once the job
changes or its timeline is asked for (issue 8). A first listing of a million jobs
saw them all at one moment: that moment is kept once (``all_seen_at``), not once
per job (a map of a million ids cost 0.2 s of the first frame and 40 MB; issue 22).
"""

from __future__ import annotations

from datetime import datetime


class FirstSightings:
    """Job id → when it was first seen, each taken (``pop``) once."""

    def __init__(self) -> None:
        # Jobs seen one by one (added by a later poll or a push). Keyed by id, not JobRef:
        # hashing a pydantic model costs microseconds.
        self._at: dict[str, datetime] = {}
        # When every job of a first listing was seen, and which of them were taken since.
        self._all_at: datetime | None = None
        self._taken: set[str] = set()

    def all_seen_at(self, at: datetime) -> None:
        """Every job of a first listing (no job seen before) was first seen ``at``."""
        self._all_at = at
        self._taken = set()

    def __setitem__(self, job_id: str, at: datetime) -> None:
        self._at[job_id] = at

    def pop(self, job_id: str) -> datetime | None:
        """When ``job_id`` was first seen, if not taken before (then never again); else None.
        Ask only for jobs listed (or pushed) since the first listing: they all were seen."""
        seen = self._at.pop(job_id, None)
        if self._all_at is None or job_id in self._taken:
            return seen
        self._taken.add(job_id)
        return seen if seen is not None else self._all_at
