"""The job table: every backend's jobs as its last poll listed them, and what the
monitor learnt of them itself.

- **Diffs**: each poll's listing is compared with the last one, and only what
  changed is announced (``JobsChanged``; ``TimelineChanged`` for a state change).
- **First sightings**: when a job was first seen is noted, and put in the observed
  history only once the job changes or its timeline is asked for.
- **Observed history**: the state transitions the monitor saw (``observed``).
- **Archive marks**: jobdeck's own archive is laid over the jobs as they are read
  (``archived_by="jobdeck"``); a change to it made between polls (by another deck
  on the data folder) has its rows announced at the next poll.
- **Gone marks**: a job a listing leaves out (or the backend pushes as ``Gone``) is
  kept, marked gone from the backend (``gone_since``), and announced as changed, not
  removed: a backend may forget jobs (a failed job must stay in view). It is unmarked
  if listed again, and leaves the table ``live_keep`` after it went.
- **Pushed changes**: a job the backend pushes (``Upsert``) is in the table at once;
  the next listing is still the authority, compared with the table at those jobs.

The archive and the observed history are the store's (``jobdeck.store``), which
is also handed what each poll (once per poll) and each pushed change changed
(``Store.record_changes``).

This is the hot path of a poll (``apply``, benchmarked as ``poll_diff_10k_ms``):
no work per job beyond what the diff needs, no call per job that can be saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain

from jobdeck.clock import Clock
from jobdeck.model import Job, JobRef, StatusEvent
from jobdeck.monitor.events import JobsChanged, MonitorEvent, TimelineChanged
from jobdeck.monitor.first_sightings import FirstSightings
from jobdeck.monitor.listing import Listing, ListingIndex
from jobdeck.store.base import Store, Transition


@dataclass(eq=False)
class BackendJobs:
    """One backend's part of the table."""

    #: Turns each listing into ``jobs``, re-using the last poll's work.
    listing: ListingIndex
    # ``jobs`` once built; else ``_listing``'s, built when first read (a first listing
    # of a million jobs maps them by id after the first frame, not on the way to it).
    _jobs: dict[str, Job] = field(default_factory=dict)
    _listing: Listing | None = None
    #: When jobs were first seen, until that sighting is put in the observed history:
    #: that waits until the job changes or its timeline is asked for, so a first poll
    #: of 100,000 jobs builds no 100,000 events (issue 8).
    first_seen: FirstSightings = field(default_factory=FirstSightings)
    #: jobdeck's archive as the last poll applied it: another deck on the data folder
    #: may change it between polls.
    archive_seen: frozenset[JobRef] = frozenset()
    #: Jobs the backend no longer lists, marked gone, by id, in the order they went.
    gone: dict[str, Job] = field(default_factory=dict)
    #: Ids a pushed change touched since the last poll. While there are any, ``jobs`` is
    #: the table's own copy (not the listing's, which the ListingIndex keeps).
    pushed: set[str] = field(default_factory=set)
    #: When jobs not listed yet were first seen by an earlier deck (a job watched with +
    #: in an earlier run, watched again at start), by id: their first sighting, not now.
    seen_before: dict[str, datetime] = field(default_factory=dict)

    @property
    def jobs(self) -> dict[str, Job]:
        """The adapter's last successful listing, by job id, in the backend's order."""
        if self._listing is not None:
            self._jobs, self._listing = self._listing.jobs, None
        return self._jobs

    @jobs.setter
    def jobs(self, jobs: dict[str, Job]) -> None:
        self._jobs, self._listing = jobs, None

    def take_unmapped(self, listing: Listing) -> None:
        """Make ``listing``'s jobs these, mapped by id when ``jobs`` is first read."""
        self._listing = listing

    def find(self, job_id: str) -> Job | None:
        """``jobs.get(job_id)``, without mapping a first listing not mapped yet (``Listing.find``)."""
        listing = self._listing
        return listing.find(job_id) if listing is not None else self._jobs.get(job_id)


#: How long a job gone from its backend stays in the live table (``Settings.live_keep_hours``).
DEFAULT_LIVE_KEEP = timedelta(hours=24)


class JobTable:
    """Every backend's jobs, diffed poll by poll, with jobdeck's archive laid over them."""

    def __init__(
        self,
        backends: Iterable[str],
        *,
        store: Store,
        clock: Clock,
        emit: Callable[[MonitorEvent], None],
        live_keep: timedelta = DEFAULT_LIVE_KEEP,
    ) -> None:
        self._store = store
        self._live_keep = live_keep
        # Its parts are fixed for its life: held here, a call less on the poll path.
        self._archive = store.archive
        self._observed = store.observed
        self._clock = clock
        self._emit = emit
        self._backends = {name: BackendJobs(listing=ListingIndex(name)) for name in backends}

    # -- reading ------------------------------------------------------------------

    def jobs(self) -> list[Job]:
        """Every job of every backend, in config order then listing order (then the gone
        ones, in the order they went), archive marks on."""
        archived = self._archive.refs()
        every = [job for backend in self._backends.values() for job in backend.jobs.values()]
        if any(backend.gone for backend in self._backends.values()):
            every = [
                job
                for backend in self._backends.values()
                for job in chain(backend.jobs.values(), backend.gone.values())
            ]
        return overlay_all(every, archived)

    def job(self, ref: JobRef) -> Job | None:
        """``ref`` as last listed (or marked gone), archive mark on; None when it is not in the table."""
        raw = self.raw_job(ref)
        return overlay(raw, self._archive.refs()) if raw else None

    def raw_job(self, ref: JobRef) -> Job | None:
        """``ref`` as its backend last listed it (or marked gone; no archive mark); None when
        it is not in the table."""
        backend = self._backends.get(ref.backend)
        if backend is None:
            return None
        job = backend.find(ref.id)
        return job if job is not None or not backend.gone else backend.gone.get(ref.id)

    def marked(self, job: Job) -> Job:
        """``job`` with jobdeck's archive mark, if jobdeck archived it."""
        return overlay(job, self._archive.refs())

    def observed(self, ref: JobRef) -> list[StatusEvent]:
        """The states the monitor saw ``ref`` in, oldest first, its first sighting included."""
        backend = self._backends.get(ref.backend)
        first = backend.find(ref.id) if backend else None
        if backend is not None and first is not None:
            # Unchanged since first seen (a change records the sighting), so this is that job.
            self._record_first_sighting(backend, first)
        return self._observed.events(ref)

    # -- a poll -------------------------------------------------------------------

    def index(self, backend: str, listed: object) -> Listing:
        """Index what ``backend``'s ``list_jobs`` returned; TypeError when it is not a list of Jobs."""
        return self._backends[backend].listing.index(listed)

    def forget_listing(self, backend: str) -> None:
        """The last listing indexed for ``backend`` will not be applied: index the next in full."""
        self._backends[backend].listing.forget()

    def apply(self, name: str, listing: Listing) -> None:
        """Make ``listing`` the jobs of backend ``name``; announce what changed."""
        backend = self._backends[name]
        previous = backend.jobs
        now = self._clock.now()
        if not previous and not listing.mapped and not backend.gone and not backend.pushed:
            # A first listing of many jobs: mapped by id when first needed (after the first frame).
            backend.take_unmapped(listing)
            self._first(name, backend, listing, now)
            return
        fresh = backend.jobs = listing.jobs
        added: list[Job] = []
        changed: list[Job] = []
        transitions: list[Transition] = []
        first_seen = backend.first_seen
        # A listing with the last one's ids says which jobs are new objects: only those can differ.
        candidates: Iterable[tuple[str, Job]]
        candidates = ((job.ref.id, job) for job in listing.touched) if listing.fast else fresh.items()
        pushed, backend.pushed = backend.pushed, set()
        if pushed and listing.fast:
            # Pushed changes made the table differ from the last listing at those ids.
            candidates = chain(candidates, _pushed_candidates(pushed, listing))
        if not previous and not listing.fast:
            # A first listing: every job is new (a million of them, on the way to the first frame).
            added = list(fresh.values())
            first_seen.all_seen_at(now)
            if backend.seen_before:
                self._seen_before(backend, fresh)
            candidates = ()
        seen_before = backend.seen_before
        # The listing compared its touched jobs with these very versions (no push since): they differ.
        compared = listing.compared_with is previous
        for job_id, job in candidates:
            before = previous.get(job_id)
            if before is None:
                added.append(job)
                first_seen[job_id] = seen_before.pop(job_id, now) if seen_before else now
            elif before is not job and (compared or before != job):
                changed.append(job)
                self._record_first_sighting(backend, before)
                event = self._observed.observe(job, now)
                if event is not None:
                    transitions.append((job.ref, event))
        # The same number of jobs and none new means the same ids: nothing to look for.
        if listing.fast:  # the last listing's ids: only a pushed job can be missing
            missing = [job_id for job_id in pushed if job_id in previous and job_id not in fresh]
        elif len(fresh) == len(previous) and not added:
            missing = []
        else:
            missing = [job_id for job_id in previous if job_id not in fresh]
        if backend.gone and added:
            changed += self._listed_again(backend, added, now, transitions)
        removed = [previous[job_id].ref for job_id in missing]
        self._store.record_changes(
            name, now, added=added, changed=changed, removed=removed, transitions=transitions, complete=True
        )
        # Gone from the backend, not from the table (announced as changed); only age takes jobs out.
        went = [self._mark_gone(backend, job_id, previous[job_id], now) for job_id in missing]
        expired = self._age_out(backend, now) if backend.gone else []
        archived = self._archive.refs()
        if archived is not backend.archive_seen:
            changed += self._archive_moves(name, backend, archived, previous, added, changed)
        if added or changed or went or expired:
            self._emit(
                JobsChanged(
                    backend=name,
                    added=overlay_all(added, archived),
                    changed=overlay_all(changed + went if went else changed, archived),
                    removed=expired,
                )
            )
        for ref, event in transitions:
            self._emit(TimelineChanged(ref=ref, event=event))

    def _first(self, name: str, backend: BackendJobs, listing: Listing, now: datetime) -> None:
        """A first listing, its jobs not mapped by id yet: every job is new."""
        added = listing.touched
        backend.first_seen.all_seen_at(now)
        if backend.seen_before:
            self._seen_before(backend, backend.jobs)
        self._store.record_changes(name, now, added=added, changed=(), removed=(), transitions=(), complete=True)
        archived = self._archive.refs()
        if archived is not backend.archive_seen:
            self._archive_moves(name, backend, archived, {}, added, [])
        if added:
            self._emit(JobsChanged(backend=name, added=overlay_all(added, archived), changed=[], removed=[]))

    def _archive_moves(
        self,
        name: str,
        backend: BackendJobs,
        archived: frozenset[JobRef],
        previous: dict[str, Job],
        added: list[Job],
        changed: list[Job],
    ) -> list[Job]:
        """Jobs of ``backend`` archived or restored since the last poll (by another deck
        on this data folder, or by this one) that the poll did not change otherwise:
        their rows must be drawn again all the same."""
        moved = {ref.id for ref in archived ^ backend.archive_seen if ref.backend == name}
        backend.archive_seen = archived
        if not moved:  # a first poll (nothing seen yet) of a million jobs need not read their ids
            return []
        moved -= {job.id for job in added} | {job.id for job in changed}
        return [backend.jobs[job_id] for job_id in moved if job_id in backend.jobs and job_id in previous]

    # -- pushed changes (contract v2) ----------------------------------------------

    def upsert(self, name: str, job: object) -> None:
        """Put ``job``, pushed by backend ``name`` (``Upsert``), in the table now and announce
        it as a poll's diff would. TypeError when it is not a Job."""
        if not isinstance(job, Job):
            raise TypeError(f"an Upsert carries a {type(job).__name__}, not a Job")
        if job.ref.backend != name or job.gone_since is not None:  # gone is the table's to say
            job = job.model_copy(update={"ref": JobRef(backend=name, id=job.ref.id), "gone_since": None})
        backend = self._backends[name]
        job_id = job.ref.id
        before = backend.jobs.get(job_id)
        if before is job or before == job:
            return
        now = self._clock.now()
        self._own_jobs(backend, job_id)[job_id] = job
        added: list[Job] = []
        changed: list[Job] = []
        transitions: list[Transition] = []
        if before is None and backend.gone.get(job_id) is None:
            added.append(job)
            backend.first_seen[job_id] = now
        elif before is None:
            changed += self._listed_again(backend, [job], now, transitions)
        else:
            changed.append(job)
            self._record_first_sighting(backend, before)
            event = self._observed.observe(job, now)
            if event is not None:
                transitions.append((job.ref, event))
        self._store.record_changes(
            name, now, added=added, changed=changed, removed=(), transitions=transitions, complete=False
        )
        archived = self._archive.refs()
        self._emit(JobsChanged(backend=name, added=overlay_all(added, archived), changed=overlay_all(changed, archived)))
        for ref, event in transitions:
            self._emit(TimelineChanged(ref=ref, event=event))

    def gone(self, name: str, job_id: object) -> None:
        """Backend ``name`` says it no longer has ``job_id`` (``Gone``): marked gone now, as
        a listing without it would. Nothing for a job not in the table. TypeError for a non-string id."""
        if not isinstance(job_id, str):
            raise TypeError(f"a Gone names a job by a {type(job_id).__name__}, not by its id")
        backend = self._backends[name]
        job = backend.jobs.get(job_id)
        if job is None:
            return  # not known, or gone already
        del self._own_jobs(backend, job_id)[job_id]
        now = self._clock.now()
        self._store.record_changes(
            name, now, added=(), changed=(), removed=(job.ref,), transitions=(), complete=False
        )
        went = self._mark_gone(backend, job_id, job, now)
        self._emit(JobsChanged(backend=name, changed=overlay_all([went], self._archive.refs())))

    def _own_jobs(self, backend: BackendJobs, job_id: str) -> dict[str, Job]:
        """``backend.jobs`` to change at ``job_id`` between polls: the table's own copy
        from the first push on (the listing's dict is the ListingIndex's too)."""
        if not backend.pushed:
            backend.jobs = dict(backend.jobs)
        backend.pushed.add(job_id)
        return backend.jobs

    # -- gone marks -----------------------------------------------------------------

    def _mark_gone(self, backend: BackendJobs, job_id: str, job: Job, now: datetime) -> Job:
        """``job`` (no longer listed) kept in the table, marked gone since ``now``."""
        self._record_first_sighting(backend, job)  # its timeline stays in view with it
        went = backend.gone[job_id] = job.model_copy(update={"gone_since": now})
        return went

    def _listed_again(
        self, backend: BackendJobs, added: list[Job], now: datetime, transitions: list[Transition]
    ) -> list[Job]:
        """The jobs of ``added`` that were gone, taken out of it (they are not new) and
        unmarked: they changed, and a state change is observed as any other."""
        gone = backend.gone
        back = [job for job in added if job.ref.id in gone]
        for job in back:
            del gone[job.ref.id]
            backend.first_seen.pop(job.ref.id)
            event = self._observed.observe(job, now)
            if event is not None:
                transitions.append((job.ref, event))
        if back:
            added[:] = [job for job in added if job not in back]
        return back

    def _age_out(self, backend: BackendJobs, now: datetime) -> list[JobRef]:
        """Take the jobs gone for longer than ``live_keep`` out of the table; their refs.
        The oldest went first, so the look stops at the first one still kept."""
        limit = now - self._live_keep
        expired: list[JobRef] = []
        for job in backend.gone.values():
            if job.gone_since is None or job.gone_since > limit:
                break
            expired.append(job.ref)
        for ref in expired:
            del backend.gone[ref.id]
            self._observed.forget(ref)
        return expired

    def seen_since(self, name: str, job_id: str, when: datetime) -> None:
        """Say that ``job_id`` of backend ``name``, not listed yet, was first seen at ``when``
        (by an earlier deck): its first observed event is dated then when it is listed."""
        backend = self._backends.get(name)
        if backend is not None and job_id not in backend.jobs:
            backend.seen_before[job_id] = when

    def _seen_before(self, backend: BackendJobs, fresh: dict[str, Job]) -> None:
        """Date the first sightings of ``fresh`` jobs an earlier deck saw first then."""
        for job_id in [job_id for job_id in backend.seen_before if job_id in fresh]:
            backend.first_seen[job_id] = backend.seen_before.pop(job_id)

    def _record_first_sighting(self, backend: BackendJobs, job: Job) -> None:
        """Put the deferred first sighting of ``job`` (as it was then) into the observed history."""
        seen = backend.first_seen.pop(job.id)
        if seen is not None:
            self._observed.observe(job, seen)


def _pushed_candidates(pushed: set[str], listing: Listing) -> list[tuple[str, Job]]:
    """The listed jobs at ``pushed`` ids that ``listing.touched`` does not hold already."""
    touched = {job.ref.id for job in listing.touched}
    return [(job_id, listing.jobs[job_id]) for job_id in pushed if job_id in listing.jobs and job_id not in touched]


def overlay_all(jobs: list[Job], archived: frozenset[JobRef]) -> list[Job]:
    """``jobs`` with jobdeck's archive marks (``archived``: jobdeck's archive)."""
    if not archived:  # the common case, and hashing 100,000 refs is not free
        return jobs
    return [overlay(job, archived) for job in jobs]


def overlay(job: Job, archived: frozenset[JobRef]) -> Job:
    """``job`` marked archived by jobdeck when it is in ``archived`` and the backend has not archived it."""
    if job.archived or job.ref not in archived:
        return job
    return job.model_copy(update={"archived": True, "archived_by": "jobdeck"})
