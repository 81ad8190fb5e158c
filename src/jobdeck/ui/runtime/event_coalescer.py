"""Coalescing monitor events for slow links (the low-bandwidth setting).

Instead of redrawing for every poll of every backend, the deck receives the
events buffered since the last flush, merged: one ``JobsChanged`` per backend
holding each job's latest version, the latest health of each backend, one
timeline change per job. Nothing is lost: a job added and changed arrives as
added with its latest data; a job added and removed within one batch never
arrives at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from jobdeck.model import Job, JobRef
from jobdeck.monitor.events import ActionDone, HealthChanged, JobsChanged, MonitorEvent, TimelineChanged


def merge_events(events: Iterable[MonitorEvent]) -> list[MonitorEvent]:
    """``events`` merged into the fewest events with the same final effect."""
    # Per backend, per ref: (was it new in this batch, latest job or None if removed).
    jobs: dict[str, dict[JobRef, tuple[bool, Job | None]]] = {}
    health: dict[str, HealthChanged] = {}
    timelines: dict[JobRef, TimelineChanged] = {}
    actions: list[ActionDone] = []
    for event in events:
        if isinstance(event, JobsChanged):
            refs = jobs.setdefault(event.backend, {})
            for job in event.added:
                new = refs[job.ref][0] if job.ref in refs else True
                refs[job.ref] = (new, job)
            for job in event.changed:
                new = refs[job.ref][0] if job.ref in refs else False
                refs[job.ref] = (new, job)
            for ref in event.removed:
                new = refs[ref][0] if ref in refs else False
                refs[ref] = (new, None)
        elif isinstance(event, HealthChanged):
            health[event.health.name] = event
        elif isinstance(event, TimelineChanged):
            timelines[event.ref] = event
        else:
            actions.append(event)
    merged: list[MonitorEvent] = []
    for backend, refs in jobs.items():
        added = [job for new, job in refs.values() if new and job is not None]
        changed = [job for new, job in refs.values() if not new and job is not None]
        removed = [ref for ref, (new, job) in refs.items() if job is None and not new]
        if added or changed or removed:
            merged.append(JobsChanged(backend=backend, added=added, changed=changed, removed=removed))
    merged += health.values()
    merged += timelines.values()
    merged += actions
    return merged


class EventCoalescer:
    """A monitor listener that buffers events until ``flush`` delivers them merged.

    Events pass straight through until the first jobs arrive, so the deck
    is not empty for a whole flush period after it opens (``jobs_shown``: the
    listener already shows jobs, read from the monitor when it subscribed).
    """

    def __init__(self, deliver: Callable[[MonitorEvent], None], *, jobs_shown: bool = False) -> None:
        self._deliver = deliver
        self._pending: list[MonitorEvent] = []
        self._first_jobs_delivered = jobs_shown

    def __call__(self, event: MonitorEvent) -> None:
        if not self._first_jobs_delivered:
            self._first_jobs_delivered = isinstance(event, JobsChanged)
            self._deliver(event)
            return
        self._pending.append(event)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def flush(self) -> None:
        events, self._pending = self._pending, []
        for event in merge_events(events):
            self._deliver(event)
