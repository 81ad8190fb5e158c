"""The store: what jobdeck keeps of its own, below the monitor's job table.

The job table (``jobdeck.monitor.job_table``) and the action gate
(``jobdeck.monitor.gate``) keep everything through one ``Store``; ``wiring``
chooses which. It has three parts, each with one job, and the hooks a history
of every poll needs:

- ``archive``: jobdeck's own archive (jobs the user archived in jobdeck; the
  backend is never changed), laid over the jobs as they are read;
- ``actions``: a record of every action asked of the deck and its outcome;
- ``observed``: the state transitions the monitor saw itself (every backend
  gets a timeline);
- ``record_changes``: what each poll (once per poll) or pushed change changed,
  as the job table computed it anyway;
- ``warnings`` for the user, and ``close`` when the monitor stops.

Implementations: ``store.memory.MemoryStore`` (today's: the archive and the
action log in their files, the observed history in memory, the poll hook a
no-op) and ``store.sqlite.HistoryStore`` (the same, plus a history: it records every
job and transition from ``record_changes``, in batches on a thread of its own).

The poll path (``JobTable.apply``, benchmarked) calls ``archive.refs()`` and
``record_changes`` once per poll and ``observed.observe`` once per changed job,
so none of them may do slow work (today's archive costs one ``stat`` a poll): a
store that writes its records queues them.
The parts are fixed for the store's life (the table holds them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal, Protocol

from jobdeck.model import Job, JobRef, StatusEvent

#: How an action ended: done ("ok"), the backend could not ("failed"), or jobdeck's
#: gate or the backend said it never will ("refused": read-only, unsupported …).
ActionOutcome = Literal["ok", "failed", "refused"]

#: A state change the monitor saw in a poll: the job and the event it made.
Transition = tuple[JobRef, StatusEvent]


class ArchiveMarks(Protocol):
    """jobdeck's archive: the refs of the jobs the user archived in jobdeck."""

    def refs(self) -> frozenset[JobRef]:
        """The archived refs now. Read on every poll and lookup, so cheap; and the same
        object until they change (the job table compares them by identity, once per poll)."""
        ...

    def __contains__(self, ref: JobRef) -> bool: ...

    def add(self, ref: JobRef) -> bool:
        """Archive ``ref``: False when it already was; OSError when it cannot be kept."""
        ...

    def remove(self, ref: JobRef) -> bool:
        """Restore ``ref``: False when it was not archived; OSError when it cannot be kept."""
        ...


class ActionRecords(Protocol):
    """Every action asked of the deck, with its outcome."""

    def append(
        self, *, at: datetime, backend: str, job: str, action: str, result: ActionOutcome, message: str
    ) -> bool:
        """Record one action. Never raises: the action it records must not break
        because of it. True when it was kept."""
        ...


class ObservedTransitions(Protocol):
    """Per job, the states the monitor saw it in, oldest first."""

    def observe(self, job: Job, now: datetime) -> StatusEvent | None:
        """Note ``job``'s state, seen at ``now``: the new event when it differs from the
        last one noted (its time the job's own when it has one), else None."""
        ...

    def events(self, ref: JobRef) -> list[StatusEvent]:
        """What was noted of ``ref``, oldest first (the monitor merges it into timelines)."""
        ...

    def forget(self, ref: JobRef) -> None:
        """``ref`` left the live table: drop what is held for its live timeline (a
        history keeps its own records)."""
        ...


class Store(Protocol):
    """Everything jobdeck keeps of its own, behind one object (see the module's text)."""

    @property
    def archive(self) -> ArchiveMarks: ...

    @property
    def actions(self) -> ActionRecords: ...

    @property
    def observed(self) -> ObservedTransitions: ...

    def record_changes(
        self,
        backend: str,
        at: datetime,
        *,
        added: Sequence[Job],
        changed: Sequence[Job],
        removed: Sequence[JobRef],
        transitions: Sequence[Transition],
        complete: bool,
    ) -> None:
        """What changed in ``backend``'s jobs, seen at ``at``.

        ``complete``: True for a successful poll, called once per poll, empty lists
        included: the backend listed every job it has, so a job not named is still
        listed as it was ("last seen" at ``at``). False for a change the backend
        pushed between polls (``Upsert``, ``Gone``): it says nothing of other jobs.

        The jobs are as the backend gave them (no archive marks). ``added``: jobs
        seen for the first time (their first sighting); ``changed``: known jobs,
        now different (a job listed again after it was gone included);
        ``removed``: refs the backend no longer has (the job table keeps them,
        marked gone); ``transitions``: the state changes ``observed`` noted of
        ``changed`` jobs. The lists are the caller's and may change after the
        call: copy what is kept. Never waits on a disk, never raises.
        """
        ...

    def record_log_tail(self, ref: JobRef, created: datetime | None, text: str) -> None:
        """Keep ``text``, the last part of the log of the job ``ref`` created at ``created``
        (its identity where ids are reused), which has finished; it replaces what was kept
        of that job. The monitor reads it (never the store) and caps its size. A store
        that keeps no history keeps nothing. Never waits on a disk, never raises.
        """
        ...

    def warnings(self) -> list[str]:
        """Sentences for the user about what could not be kept as it was (e.g. a
        corrupt archive file set aside)."""
        ...

    def close(self) -> None:
        """The monitor has stopped: keep what is pending, let go of files. Idempotent."""
        ...
