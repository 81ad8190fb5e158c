"""The model's words for where a job is and what may be done to it: ``JobState`` (and how a
backend's raw states map to it), ``Capability`` and the standard ``Action``s.

No pydantic here: the enums every layer names, re-exported by ``jobdeck.model``.
"""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    """Normalized state. Every adapter maps its raw states onto these."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    PAUSED = "paused"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def is_active(self) -> bool:
        return self in (JobState.PENDING, JobState.RUNNING, JobState.PAUSED)

    @classmethod
    def parse(cls, value: str | None) -> JobState:
        """A normalized state from its name; anything else is UNKNOWN, never an error."""
        try:
            return cls((value or "").strip().lower())
        except ValueError:
            return cls.UNKNOWN


_TERMINAL = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED})


def map_state(raw: str | None, table: dict[str, JobState]) -> JobState:
    """Map a backend's raw state through ``table``; unknown values map to UNKNOWN.

    Lookup is exact first, then case-insensitive, so adapters can write their
    tables in the backend's own casing and still survive casing drift.
    """
    if raw is None:
        return JobState.UNKNOWN
    if raw in table:
        return table[raw]
    folded = {k.casefold(): v for k, v in table.items()}
    return folded.get(raw.casefold(), JobState.UNKNOWN)


class Capability(StrEnum):
    """What an adapter can do. The UI shows a missing one as unavailable, with a reason."""

    LIST = "list"
    LOG = "log"
    TIMELINE = "timeline"
    COUNTS = "counts"
    PROGRESS = "progress"
    ARCHIVE = "archive"
    RESTORE = "restore"
    RETRY = "retry"
    CANCEL = "cancel"
    PUSH = "push"
    RUNS = "runs"
    PAUSE = "pause"
    RESUME = "resume"
    #: Jobs known only by id can be added to what the backend lists (Julep).
    WATCH = "watch"


class Action(StrEnum):
    """User intents that mutate a backend. All of them pass the monitor's action gate."""

    ARCHIVE = "archive"
    RESTORE = "restore"
    RETRY = "retry"
    CANCEL = "cancel"
    PAUSE = "pause"
    RESUME = "resume"

    @property
    def capability(self) -> Capability:
        return Capability(self.value)
