"""A poll's Jobs kept by what they were made from (``ListedJobs``): an unchanged job is the
very same object poll after poll."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from jobdeck.model import Job

S = TypeVar("S")


class ListedJobs:
    """The last listing's Jobs by id, each with what it was made from.

    A poll hands back the very Job object of the last one while its source is
    equal, so the monitor (``jobdeck.monitor.listing``) and the job list skip
    it by identity instead of reading and redrawing every job on every poll.
    """

    def __init__(self) -> None:
        self._last: dict[str, tuple[Any, Job]] = {}

    def convert(self, sources: Iterable[tuple[str, S]], to_job: Callable[[S], Job]) -> list[Job]:
        """``to_job`` of each ``(job id, source)``, reusing the last poll's Job where the source is equal."""
        last, kept = self._last, {}
        jobs: list[Job] = []
        for job_id, source in sources:
            hit = last.get(job_id)
            job = hit[1] if hit is not None and (hit[0] is source or hit[0] == source) else to_job(source)
            kept[job_id] = (source, job)
            jobs.append(job)
        self._last = kept
        return jobs
