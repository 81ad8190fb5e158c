"""Status transitions the monitor saw itself, so every backend gets a timeline.

Between two polls a job's state may change; the monitor records that as a
``StatusEvent(observed=True)``. When the backend keeps a history of its own,
``merge_timelines`` prefers it and drops observed events it already covers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import datetime, timedelta

from jobdeck.clock import assume_utc
from jobdeck.model import Job, JobRef, JobState, StatusEvent

#: How many observed events are kept per job; older ones fall off.
DEFAULT_LIMIT = 200
#: An observed event this close to a backend event of the same state is the same transition.
DEFAULT_TOLERANCE = timedelta(seconds=5)


class ObservedHistory:
    """Per job, a bounded list of the states the monitor saw it in, in memory
    (``store.base.ObservedTransitions``)."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = limit
        self._events: dict[JobRef, deque[StatusEvent]] = {}

    def observe(self, job: Job, now: datetime) -> StatusEvent | None:
        """Record ``job``'s state if it differs from the last one seen; the new event or None."""
        history = self._events.get(job.ref)
        last = history[-1] if history else None
        if last is not None and last.state is job.state:
            return None
        event = StatusEvent(
            at=_when(job, after=last.at if last else None, now=now),
            state=job.state,
            raw_state=job.raw_state,
            observed=True,
        )
        if history is None:
            history = self._events[job.ref] = deque(maxlen=self._limit)
        history.append(event)
        return event

    def events(self, ref: JobRef) -> list[StatusEvent]:
        return list(self._events.get(ref, ()))

    def forget(self, ref: JobRef) -> None:
        self._events.pop(ref, None)

    def __contains__(self, ref: JobRef) -> bool:
        return ref in self._events


def state_time(job: Job, otherwise: datetime | None = None) -> datetime | None:
    """The job's own time for its state: ended for a finished job, started for a running
    one, created for a pending one (None where it has none); ``otherwise`` for another
    state (paused, unknown)."""
    state = job.state
    if state.is_terminal:
        return job.ended
    if state is JobState.RUNNING:
        return job.started
    if state is JobState.PENDING:
        return job.created
    return otherwise


def _when(job: Job, *, after: datetime | None, now: datetime) -> datetime:
    """Best guess of when ``job`` entered its current state.

    The job's own timestamp for that state if it has one (ended for a finished
    job, started for a running one, created for a pending one), else its
    ``updated`` time, else now. A timestamp older than the previous observed
    event cannot be this transition's, so it is skipped.
    """
    for candidate in (state_time(job), job.updated, job.started, job.created):
        if candidate is None:
            continue
        candidate = assume_utc(candidate)
        if after is None or candidate >= assume_utc(after):
            if candidate <= assume_utc(now):
                return candidate
    return now


def merge_timelines(
    backend: Iterable[StatusEvent],
    observed: Iterable[StatusEvent],
    *,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> list[StatusEvent]:
    """The backend's history plus the observed events it does not already cover, oldest first.

    An adapter may hand back observed events of its own among the backend's
    (Intuned keeps no history of status changes): those are observed too, so
    only the backend's own events cover others. An adapter's observed event is
    kept over the monitor's for the same transition (it says more).
    """
    own: list[StatusEvent] = []
    adapters: list[StatusEvent] = []
    for event in backend:
        (adapters if event.observed else own).append(event)
    # Each source is compared with the ones before it, never with itself: one
    # observer's two sightings of a state (running, paused, running again) both stand.
    kept_adapters = [event for event in adapters if not _covered(event, own, tolerance)]
    covering = own + kept_adapters
    merged = covering + [event for event in observed if not _covered(event, covering, tolerance)]
    # Stable sort: on equal times the backend's own event comes first.
    merged.sort(key=lambda event: assume_utc(event.at))
    return merged


def _covered(event: StatusEvent, known: list[StatusEvent], tolerance: timedelta) -> bool:
    return any(same_transition(other, event, tolerance) for other in known)


def same_transition(known: StatusEvent, event: StatusEvent, tolerance: timedelta) -> bool:
    """Whether ``event`` records the transition ``known`` already does: close in time, and the
    same state or the same raw state (a backend may map one raw state two ways, say Intuned's
    PENDING run, queued or under way)."""
    if abs(assume_utc(known.at) - assume_utc(event.at)) > tolerance:
        return False
    if known.state is event.state:
        return True
    return bool(known.raw_state and event.raw_state) and known.raw_state.casefold() == event.raw_state.casefold()
