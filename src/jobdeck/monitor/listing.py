"""One backend's listing by job id, re-using the last poll's work (issue 8).

Reading ``job.ref.id`` from 10,000 pydantic objects scattered in memory
costs about 10 ms a poll: each job is four objects deep. Adapters that keep
unchanged jobs between polls (DRP, the local backend, most of the time) hand
back the *very same objects*, so a poll is matched against the last one by
object identity first, and only the jobs that are new objects are read.

Identity is safe here because ``ListingIndex`` holds on to every object of
the last listing: no other object can share an id with one that is alive.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress, repeat
from operator import is_not

from jobdeck.model import Job, JobRef


@dataclass(frozen=True)
class Listing:
    """A poll's jobs by id, and which of them may differ from the last poll."""

    #: Every job by id (re-referenced to the backend's name), in listing order
    #: unless ``fast`` (then in the last listing's order).
    jobs: dict[str, Job]
    #: Jobs that are not the very objects of the last listing; when ``fast`` is
    #: False, every job (in no particular order). Only these can have been added or changed.
    touched: list[Job]
    #: The same ids as the last listing (none added, none removed).
    fast: bool


class ListingIndex:
    """Turns each listing of one backend into jobs by id."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        # id(listed object) -> job id, for the objects that won their id last time.
        self._known: dict[int, str] = {}
        # job id -> id(listed object): the inverse of _known.
        self._winner: dict[str, int] = {}
        # After a full index, the objects that won their ids: _known and _winner are built
        # from them when the next poll needs them, not on the way to the first frame.
        self._winners: dict[str, object] | None = None
        # The last listing itself: keeps its objects alive, so their ids stay theirs.
        self._held: list[Job] = []
        self._jobs: dict[str, Job] = {}

    def index(self, listed: object) -> Listing:
        """Index ``listed`` (what ``list_jobs`` returned); TypeError when it is not a list of Jobs."""
        if not isinstance(listed, list):
            raise TypeError(f"list_jobs() returned {type(listed).__name__}, not a list")
        listing = self._same_ids(listed)
        if listing is None:
            listing = self._full(listed)
        self._held = listed
        self._jobs = listing.jobs
        return listing

    def _same_ids(self, listed: list[object]) -> Listing | None:
        """The listing when it has exactly the last one's ids and no object twice; else None."""
        previous = self._jobs
        if not previous or len(listed) != len(previous):
            return None
        known, winner = self._id_maps()
        replacing = self._replaced_in_place(listed, known)
        if replacing is None:
            by_key = dict(zip(map(id, listed), listed))
            if len(by_key) != len(listed):
                return None
            # Set arithmetic runs in C: a cost per job, but a small one.
            replacing = {}
            for key in by_key.keys() - known.keys():
                original = by_key[key]
                job = self._checked(original)
                job_id = job.ref.id
                # Its id must be an old one, not listed twice, and its old object not listed too.
                if job_id not in previous or job_id in replacing or winner.get(job_id) in by_key:
                    return None
                replacing[job_id] = (original, job)
        jobs = previous.copy()
        for job_id, (original, job) in replacing.items():
            del known[winner[job_id]]
            known[id(original)] = job_id
            winner[job_id] = id(original)
            jobs[job_id] = job
        return Listing(jobs, [job for _, job in replacing.values()], fast=True)

    def _replaced_in_place(self, listed: list[object], known: dict[int, str]) -> dict[str, tuple[object, Job]] | None:
        """The new objects when the listing is the last one in the same order with some
        jobs replaced by new objects of the same id; None when it is not that.

        The common case (a backend lists in a stable order), found at C speed: the
        objects are compared pairwise by identity, no job is read unless it is new.
        """
        held = self._held
        if len(held) != len(listed):
            return None
        moved = list(compress(range(len(listed)), map(is_not, listed, held)))
        if len(moved) > len(listed) // 4:
            return None
        replacing: dict[str, tuple[object, Job]] = {}
        for position in moved:
            original = listed[position]
            job = self._checked(original)
            # Each new object takes the place of the one with its id: one for one, nothing
            # listed twice (a duplicate would sit where another id was).
            if known.get(id(held[position])) != job.ref.id:
                return None
            replacing[job.ref.id] = (original, job)
        return replacing

    def _full(self, listed: list[object]) -> Listing:
        if all(map(isinstance, listed, repeat(Job))):
            backend = self.backend
            refs = [job.ref for job in listed]  # type: ignore[attr-defined]
            ids = [ref.id for ref in refs if ref.backend == backend]
            if len(ids) == len(listed):
                # Every job a Job of this backend (the common case): no call per job, each
                # job read once (a first listing of a million jobs is on the way to the first
                # frame; each pass over them costs ~0.15 s, their memory far apart).
                jobs = dict(zip(ids, listed))  # type: ignore[arg-type]
                # The listing's own map: the table copies it before changing it (_own_jobs).
                self._winners = jobs  # type: ignore[assignment]
                touched = listed if len(jobs) == len(listed) else list(jobs.values())
                return Listing(jobs, touched, fast=False)  # type: ignore[arg-type]
        jobs: dict[str, Job] = {}
        originals: dict[str, object] = {}
        for original in listed:
            job = self._checked(original)
            job_id = job.ref.id
            jobs[job_id] = job
            originals[job_id] = original
        self._winners = originals
        return Listing(jobs, list(jobs.values()), fast=False)

    def _id_maps(self) -> tuple[dict[int, str], dict[str, int]]:
        """_known and _winner, built first if a full index left them to build."""
        if self._winners is not None:
            self._known = {id(original): job_id for job_id, original in self._winners.items()}
            self._winner = {job_id: key for key, job_id in self._known.items()}
            self._winners = None
        return self._known, self._winner

    def _checked(self, job: object) -> Job:
        """``job`` as a Job of this backend: a TypeError for anything else."""
        if not isinstance(job, Job):
            raise TypeError(f"list_jobs() returned a {type(job).__name__}, not a Job")
        if job.ref.backend != self.backend:
            job = job.model_copy(update={"ref": JobRef(backend=self.backend, id=job.ref.id)})
        return job
