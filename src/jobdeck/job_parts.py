"""What a job carries besides its own fields: success and failure counts, and the group
it belongs to (contract v2). Frozen pydantic models (a job's Counts are shared where they
repeat: ``job.shared_counts``)."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jobdeck.job_states import JobState


#: Strings of at most this length are interned (states, label values).
_INTERN_UP_TO = 64


def interned(text: str) -> str:
    """One copy of a short string that repeats from job to job (a state, a label)."""
    return sys.intern(text) if len(text) <= _INTERN_UP_TO else text


class Counts(BaseModel):
    """Success and failure counts of a run (payloads, array tasks, steps …)."""

    model_config = ConfigDict(frozen=True)

    total: int | None = None
    succeeded: int = 0
    failed: int = 0

    @property
    def done(self) -> int:
        return self.succeeded + self.failed

    @property
    def fraction(self) -> float | None:
        """Share of the total that has finished (0–1), or None without a total."""
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


# -- groups (contract v2) ------------------------------------------------------


class StateCounts(BaseModel):
    """How many jobs (or array tasks, or executions) of a group are in each state.

    States with no job are left out, and the rest kept in JobState's order.
    """

    model_config = ConfigDict(frozen=True)

    by_state: dict[JobState, int] = Field(default_factory=dict)

    @field_validator("by_state", mode="before")
    @classmethod
    def _known_states_only(cls, value: Any) -> Any:
        # A backend's tally may name a state this version does not know: it counts as unknown.
        if not isinstance(value, dict):
            return value
        tally: dict[JobState, int] = {}
        for state, count in value.items():
            key = state if isinstance(state, JobState) else JobState.parse(str(state))
            tally[key] = tally.get(key, 0) + _whole_count(count)
        # In JobState's order, so a tally reads (and dumps) the same however it was counted.
        return {state: tally[state] for state in JobState if tally.get(state)}

    @classmethod
    def of(cls, states: Iterable[JobState]) -> StateCounts:
        """The tally of ``states``, one per job."""
        return cls(by_state=dict(Counter(states)))

    def __hash__(self) -> int:
        # Frozen, so hashable like the other models: a group can be a key (Celery groups by it).
        return hash(tuple(self.by_state.items()))

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    def count(self, state: JobState) -> int:
        """How many are in ``state`` (0 for a state nobody is in)."""
        return self.by_state.get(state, 0)

    def as_counts(self) -> Counts:
        """Success and failure counts over the whole tally: a canceled job ended
        without succeeding, so it counts as a failure (its own word is in ``by_state``)."""
        return Counts(
            total=self.total,
            succeeded=self.count(JobState.SUCCEEDED),
            failed=self.count(JobState.FAILED) + self.count(JobState.CANCELED),
        )


def _whole_count(value: Any) -> int:
    """A count from a backend: a whole number of at least 0 (ValueError otherwise)."""
    try:
        count = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"a count is a whole number, not {str(value)[:40]!r}") from None
    return max(0, count)


class JobGroup(BaseModel):
    """What a job belongs to: a Slurm array (its row is the group, its tasks the
    runs), a Celery task name, the Julep task an execution is of.

    A group is a key, not a parent job: a task name or a Julep task is no job of
    its own. Jobs of one backend with the same key are in the same group.
    """

    model_config = ConfigDict(frozen=True)

    #: The backend's own id of the group (array job id, task name, task id).
    key: str
    #: What the deck shows (``1234_[0-99]``, ``tasks.add``, ``translate-batch``).
    name: str
    #: The group's jobs by state, or None when the backend does not count them.
    counts: StateCounts | None = None
    #: What the counts are over, in words, when not the whole group ("the latest 20 executions").
    scope: str | None = None
    #: Retries among the counted jobs (a Celery task's retries, an Airflow run's task tries
    #: after the first), or None when the backend does not count them.
    retries: int | None = None
    #: The states of the group's latest jobs, newest last (Airflow's grid in one line); empty when not told.
    recent: tuple[JobState, ...] = ()
    #: Jobs of the group that ended per minute over the last ``rate_window_s`` seconds, or None.
    per_minute: float | None = None
    rate_window_s: float | None = None

    def to_public(self) -> dict[str, Any]:
        counts = self.counts
        public: dict[str, Any] = {
            "key": self.key,
            "name": self.name,
            "counts": {state.value: n for state, n in counts.by_state.items()} if counts is not None else None,
            "scope": self.scope,
        }
        # Only what the backend tells: a group of another backend reads as before.
        if self.retries is not None:
            public["retries"] = self.retries
        if self.recent:
            public["recent"] = [state.value for state in self.recent]
        if self.per_minute is not None:
            public["per_minute"] = self.per_minute
            public["rate_window_s"] = self.rate_window_s
        return public
