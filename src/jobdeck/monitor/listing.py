"""One backend's listing by job id, re-using the last poll's work (issue 8).

Reading ``job.ref.id`` from 10,000 jobs scattered in memory costs milliseconds
a poll: each job is three objects deep. Adapters that keep
unchanged jobs between polls (DRP, the local backend, most of the time) hand
back the *very same objects*, so a poll is matched against the last one by
object identity first, and only the jobs that are new objects are read.

Identity is safe here because ``ListingIndex`` holds on to every object of
the last listing: no other object can share an id with one that is alive.
"""

from __future__ import annotations

from itertools import compress, repeat
from operator import attrgetter, is_not

from jobdeck.model import Job, JobRef

#: From this many jobs, a first listing is mapped by id when first read, not as it is
#: indexed: a million jobs' map (~0.3 s) is then no part of the way to the first frame.
#: Below it the map is made at once (at most ~60 ms, in the index's thread from
#: ``scheduler.INDEX_IN_THREAD_FROM`` on), so an id listed twice is one job from the start.
#: (From the same size the job list maps its jobs by ref in its index thread, after the first
#: frame, and shows such an id once then: its ``INDEX_IN_THREAD_FROM``.)
MAP_LATER_FROM = 200_000
#: Jobs mapped by id in one step: a map built in another thread lets the UI's thread have
#: the interpreter between steps (one call over a million jobs would hold it ~0.3 s).
_MAP_STEP = 20_000
#: The most lookups by id remembered for a listing not mapped yet (``Listing.find``).
_FOUND_KEPT = 256

_ID = attrgetter("ref.id")


class Listing:
    """A poll's jobs by id, and which of them may differ from the last poll."""

    __slots__ = ("_jobs", "_listed", "_ids_last_first", "_found", "touched", "fast", "compared_with")

    def __init__(
        self,
        jobs: dict[str, Job] | None,
        touched: list[Job],
        fast: bool,
        *,
        listed: list[Job] | None = None,
        compared_with: dict[str, Job] | None = None,
    ) -> None:
        #: The jobs that may differ from the last listing (only these can have been added
        #: or changed); when ``fast`` is False, every job (in no particular order; a first
        #: listing's as listed, a job the backend listed twice there twice only when its map
        #: is made later: ``MAP_LATER_FROM``).
        self.touched = touched
        #: The same ids as the last listing (none added, none removed).
        self.fast = fast
        #: When ``fast``, the last listing's jobs by id, which every job of ``touched``
        #: differs from (compared already: ``!=``); None when they were not compared.
        self.compared_with = compared_with
        self._jobs = jobs
        # A first listing's jobs, every one a Job of this backend, to map by id when
        # ``jobs`` is first read: not on the way to the first frame.
        self._listed = listed
        # Until then, what ``find`` reads: the ids, last listed first, and its last answers.
        self._ids_last_first: list[str] | None = None
        self._found: dict[str, Job | None] = {}

    @property
    def jobs(self) -> dict[str, Job]:
        """Every job by id (re-referenced to the backend's name), in listing order unless
        ``fast`` (then in the last listing's order); the last of an id listed twice wins."""
        jobs = self._jobs
        if jobs is None:
            listed = self._listed or []
            # Each job read once more (a map of a million ids: ~0.3 s, their memory far apart),
            # a step at a time (the index's thread builds it at the next poll, beside the UI's).
            # The listing is kept (the index holds it anyway): the index's thread and the UI
            # may both get here first, and then both build the same map.
            jobs = {}
            for start in range(0, len(listed), _MAP_STEP):
                part = listed[start : start + _MAP_STEP]
                jobs.update(zip(map(_ID, part), part))
            self._jobs = jobs
            self._ids_last_first, self._found = None, {}  # (``find`` reads the map from now on)
        return jobs

    def find(self, job_id: str) -> Job | None:
        """The job listed as ``job_id`` (the last listed of an id listed twice), or None: read
        from ``jobs`` once that is built, else without building it. A first listing of a
        million jobs is looked up as soon as its first frame is drawn (the job under the
        cursor), long before its map is needed: its ids are listed once (~50 ms) and
        searched at C speed (~15 ms a job), and the last answers are kept."""
        jobs = self._jobs
        if jobs is not None:
            return jobs.get(job_id)
        found = self._found
        if job_id in found:
            return found[job_id]
        listed = self._listed or []
        ids = self._ids_last_first
        if ids is None:
            ids = self._ids_last_first = list(map(_ID, reversed(listed)))
        try:
            job: Job | None = listed[len(ids) - 1 - ids.index(job_id)]
        except ValueError:
            job = None
        if len(found) >= _FOUND_KEPT:
            found.clear()
        found[job_id] = job
        return job

    @property
    def mapped(self) -> bool:
        """Whether ``jobs`` is built (reading it builds it)."""
        return self._jobs is not None


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
        self._winners: Listing | dict[str, object] | None = None
        # The last listing itself: keeps its objects alive, so their ids stay theirs.
        self._held: list[Job] = []
        self._last: Listing | None = None

    def index(self, listed: object) -> Listing:
        """Index ``listed`` (what ``list_jobs`` returned); TypeError when it is not a list of Jobs."""
        if not isinstance(listed, list):
            raise TypeError(f"list_jobs() returned {type(listed).__name__}, not a list")
        listing = self._same_ids(listed)
        if listing is None:
            listing = self._full(listed)
        self._held = listed
        self._last = listing
        return listing

    def forget(self) -> None:
        """Forget the last listing (it was not applied): the next one is indexed in full."""
        self._known, self._winner, self._winners = {}, {}, None
        self._held, self._last = [], None

    def _same_ids(self, listed: list[object]) -> Listing | None:
        """The listing when it has exactly the last one's ids and no object twice; else None."""
        previous = self._last.jobs if self._last is not None else None
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
        differing: list[Job] = []
        for job_id, (original, job) in replacing.items():
            del known[winner[job_id]]
            known[id(original)] = job_id
            winner[job_id] = id(original)
            jobs[job_id] = job
            if previous[job_id] != job:  # (a big listing is indexed off the UI thread: compared there)
                differing.append(job)
        return Listing(jobs, differing, fast=True, compared_with=previous)

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
        if all(map(isinstance, listed, repeat(Job))) and _all_of(listed, self.backend):  # type: ignore[arg-type]
            # Every job a Job of this backend (the common case). A first listing of a million
            # jobs is on the way to the first frame, which needs no map by id (each pass over
            # them costs ~0.1 s, their memory far apart): it is built when first read.
            listing = Listing(None, listed, fast=False, listed=listed)  # type: ignore[arg-type]
            if len(listed) < MAP_LATER_FROM and len(listing.jobs) != len(listed):
                # An id listed twice (a page shifted under a paged listing): one job, the last listed.
                listing.touched = list(listing.jobs.values())
            # The listing's own map: the table copies it before changing it (_own_jobs).
            self._winners = listing
            return listing
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
            winners = self._winners.jobs if isinstance(self._winners, Listing) else self._winners
            self._known = {id(original): job_id for job_id, original in winners.items()}
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


def _all_of(jobs: list[Job], backend: str) -> bool:
    """Whether every one of ``jobs`` names ``backend`` in its ref (names interned: by identity first)."""
    backends = {job.ref.backend for job in jobs}
    return not backends or backends == {backend}
