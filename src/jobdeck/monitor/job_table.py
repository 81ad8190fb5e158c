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

The archive and the observed history are the store's (``jobdeck.store``), which
is also handed what each poll (once per poll) and each pushed change changed
(``Store.record_changes``).

This is the hot path of a poll (``apply``, benchmarked as ``poll_diff_10k_ms``):
no work per job beyond what the diff needs, no call per job that can be saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from jobdeck.clock import Clock
from jobdeck.model import Job, JobRef, StatusEvent
from jobdeck.monitor.events import JobsChanged, MonitorEvent, TimelineChanged
from jobdeck.monitor.listing import Listing, ListingIndex
from jobdeck.store.base import Store, Transition


@dataclass(eq=False)
class BackendJobs:
    """One backend's part of the table."""

    #: Turns each listing into ``jobs``, re-using the last poll's work.
    listing: ListingIndex
    #: The adapter's last successful listing, by job id, in the backend's order.
    jobs: dict[str, Job] = field(default_factory=dict)
    #: When jobs were first seen, by id, until that sighting is put in the observed
    #: history: that waits until the job changes or its timeline is asked for, so a
    #: first poll of 100,000 jobs builds no 100,000 events (issue 8). Keyed by id,
    #: not JobRef: hashing a pydantic model costs microseconds.
    first_seen: dict[str, datetime] = field(default_factory=dict)
    #: jobdeck's archive as the last poll applied it: another deck on the data folder
    #: may change it between polls.
    archive_seen: frozenset[JobRef] = frozenset()


class JobTable:
    """Every backend's jobs, diffed poll by poll, with jobdeck's archive laid over them."""

    def __init__(
        self,
        backends: Iterable[str],
        *,
        store: Store,
        clock: Clock,
        emit: Callable[[MonitorEvent], None],
    ) -> None:
        self._store = store
        # Its parts are fixed for its life: held here, a call less on the poll path.
        self._archive = store.archive
        self._observed = store.observed
        self._clock = clock
        self._emit = emit
        self._backends = {name: BackendJobs(listing=ListingIndex(name)) for name in backends}

    # -- reading ------------------------------------------------------------------

    def jobs(self) -> list[Job]:
        """Every job of every backend, in config order then listing order, archive marks on."""
        archived = self._archive.refs()
        every = [job for backend in self._backends.values() for job in backend.jobs.values()]
        return overlay_all(every, archived)

    def job(self, ref: JobRef) -> Job | None:
        """``ref`` as last listed, archive mark on; None when it is not listed."""
        raw = self.raw_job(ref)
        return overlay(raw, self._archive.refs()) if raw else None

    def raw_job(self, ref: JobRef) -> Job | None:
        """``ref`` as its backend last listed it (no archive mark); None when it is not listed."""
        backend = self._backends.get(ref.backend)
        return backend.jobs.get(ref.id) if backend else None

    def marked(self, job: Job) -> Job:
        """``job`` with jobdeck's archive mark, if jobdeck archived it."""
        return overlay(job, self._archive.refs())

    def observed(self, ref: JobRef) -> list[StatusEvent]:
        """The states the monitor saw ``ref`` in, oldest first, its first sighting included."""
        backend = self._backends.get(ref.backend)
        first = backend.jobs.get(ref.id) if backend else None
        if backend is not None and first is not None:
            # Unchanged since first seen (a change records the sighting), so this is that job.
            self._record_first_sighting(backend, first)
        return self._observed.events(ref)

    # -- a poll -------------------------------------------------------------------

    def index(self, backend: str, listed: object) -> Listing:
        """Index what ``backend``'s ``list_jobs`` returned; TypeError when it is not a list of Jobs."""
        return self._backends[backend].listing.index(listed)

    def apply(self, name: str, listing: Listing) -> None:
        """Make ``listing`` the jobs of backend ``name``; announce what changed."""
        backend = self._backends[name]
        previous = backend.jobs
        fresh = backend.jobs = listing.jobs
        now = self._clock.now()
        added: list[Job] = []
        changed: list[Job] = []
        transitions: list[Transition] = []
        first_seen = backend.first_seen
        # A listing with the last one's ids says which jobs are new objects: only those can differ.
        candidates = ((job.ref.id, job) for job in listing.touched) if listing.fast else fresh.items()
        for job_id, job in candidates:
            before = previous.get(job_id)
            if before is None:
                added.append(job)
                first_seen[job_id] = now
            elif before is not job and before != job:
                changed.append(job)
                self._record_first_sighting(backend, before)
                event = self._observed.observe(job, now)
                if event is not None:
                    transitions.append((job.ref, event))
        # The same number of jobs and none new means the same ids: nothing to look for.
        unchanged_ids = listing.fast or (len(fresh) == len(previous) and not added)
        removed = [] if unchanged_ids else [job.ref for job_id, job in previous.items() if job_id not in fresh]
        for ref in removed:
            first_seen.pop(ref.id, None)
            self._observed.forget(ref)
        self._store.record_changes(
            name, now, added=added, changed=changed, removed=removed, transitions=transitions, complete=True
        )
        archived = self._archive.refs()
        if archived is not backend.archive_seen:
            changed += self._archive_moves(name, backend, archived, previous, added, changed)
        if added or changed or removed:
            self._emit(
                JobsChanged(
                    backend=name,
                    added=overlay_all(added, archived),
                    changed=overlay_all(changed, archived),
                    removed=removed,
                )
            )
        for ref, event in transitions:
            self._emit(TimelineChanged(ref=ref, event=event))

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
        moved -= {job.id for job in added} | {job.id for job in changed}
        return [backend.jobs[job_id] for job_id in moved if job_id in backend.jobs and job_id in previous]

    def _record_first_sighting(self, backend: BackendJobs, job: Job) -> None:
        """Put the deferred first sighting of ``job`` (as it was then) into the observed history."""
        seen = backend.first_seen.pop(job.id, None)
        if seen is not None:
            self._observed.observe(job, seen)


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
