"""The common model: what every adapter returns and every view renders.

Adapters convert their backend's wire format into these types; nothing above
the adapter layer ever sees a backend's own shapes except through
``Job.detail`` (already redacted).
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Where a job is and what may be done to it, and a log read by cursor: named here with the rest.
from jobdeck.job_states import Action as Action, Capability as Capability, JobState as JobState  # noqa: F401
from jobdeck.job_states import map_state as map_state  # noqa: F401
from jobdeck.log_cursor import LogChunk as LogChunk, LogCursor as LogCursor  # noqa: F401


#: The sets of given field names that frozen models share (``_compact``), by their names.
_FIELDS_SETS: dict[frozenset[str], set[str]] = {}
#: Beyond this many different sets, a model keeps its own.
_FIELDS_SETS_MOST = 4096
#: Strings of at most this length are interned by ``_compact`` (states, label values).
_INTERN_UP_TO = 64


def _compact(model: BaseModel) -> None:
    """Share what a frozen model holds once per instance but seldom differs (issue 22).

    Pydantic keeps, per instance, the set of the field names given: 730 bytes for a Job,
    a third of it. A frozen model never changes its set (``model_copy`` copies it first),
    so models given the same fields share one. A million jobs hold about 0.9 GB less.
    """
    given = model.__pydantic_fields_set__
    key = frozenset(given)
    shared = _FIELDS_SETS.get(key)
    if shared is None:
        if len(_FIELDS_SETS) >= _FIELDS_SETS_MOST:
            return
        shared = _FIELDS_SETS[key] = given
    object.__setattr__(model, "__pydantic_fields_set__", shared)


def _interned(text: str) -> str:
    return sys.intern(text) if len(text) <= _INTERN_UP_TO else text


class JobRef(BaseModel):
    """A job's identity across backends: the backend's configured name plus its id."""

    model_config = ConfigDict(frozen=True)

    backend: str
    id: str

    @model_validator(mode="after")
    def _share(self) -> JobRef:
        _compact(self)
        self.__dict__["backend"] = _interned(self.backend)
        return self

    def __str__(self) -> str:
        return f"{self.backend}/{self.id}"

    @classmethod
    def parse(cls, text: str) -> JobRef:
        """``backend/id`` → JobRef. The id may itself contain slashes."""
        backend, sep, job_id = text.partition("/")
        if not sep or not backend or not job_id:
            raise ValueError(f"a job reference looks like BACKEND/ID, not {text!r}")
        return cls(backend=backend, id=job_id)


class Counts(BaseModel):
    """Success and failure counts of a run (payloads, array tasks, steps …)."""

    model_config = ConfigDict(frozen=True)

    total: int | None = None
    succeeded: int = 0
    failed: int = 0

    @model_validator(mode="after")
    def _share(self) -> Counts:
        _compact(self)
        return self

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


class Job(BaseModel):
    """One job as the deck shows it."""

    model_config = ConfigDict(frozen=True)

    ref: JobRef
    name: str
    state: JobState
    raw_state: str | None = None
    created: datetime | None = None
    started: datetime | None = None
    ended: datetime | None = None
    updated: datetime | None = None
    progress: float | None = Field(default=None, description="0–100")
    counts: Counts | None = None
    archived: bool = False
    # Who archived it: "backend" (the backend's own archive) or "jobdeck"
    # (jobdeck's own archive, for backends without one).
    archived_by: str | None = None
    #: Since when the backend no longer lists the job (contract v2: a backend may forget
    #: jobs). Set by the monitor's job table, which keeps the job in view; never by adapters.
    gone_since: datetime | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    error: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)
    #: The group the job is in (contract v2), or None: most backends have none.
    group: JobGroup | None = None

    @field_validator("progress")
    @classmethod
    def _clamp_progress(cls, value: float | None) -> float | None:
        if value is None:
            return None
        return max(0.0, min(100.0, float(value)))

    @model_validator(mode="after")
    def _share(self) -> Job:
        # The raw state and the labels' keys and values repeat from job to job: one copy each.
        _compact(self)
        held = self.__dict__
        if self.raw_state is not None:
            held["raw_state"] = _interned(self.raw_state)
        labels = self.labels
        if labels:
            held["labels"] = {_interned(key): _interned(value) for key, value in labels.items()}
        return self

    @property
    def backend(self) -> str:
        return self.ref.backend

    @property
    def id(self) -> str:
        return self.ref.id

    @property
    def gone(self) -> bool:
        """Whether the backend no longer lists the job (see ``gone_since``)."""
        return self.gone_since is not None

    def duration(self, now: datetime) -> float | None:
        """Seconds between start and end; for a job not ended, to ``now``, unless nothing says
        it still runs: one gone from its backend counts to when it went, one whose state is
        unknown to its last update (neither keeps counting up for ever)."""
        start = self.started or None
        if start is None:
            return None
        end = self.ended or self.gone_since or (self.updated if self.state is JobState.UNKNOWN else None) or now
        return max(0.0, (end - start).total_seconds())

    def to_public(self) -> dict[str, Any]:
        """The stable JSON shape of ``jobdeck ls --json``."""
        return {
            "ref": str(self.ref),
            "backend": self.ref.backend,
            "id": self.ref.id,
            "name": self.name,
            "state": self.state.value,
            "raw_state": self.raw_state,
            "created": _iso(self.created),
            "started": _iso(self.started),
            "ended": _iso(self.ended),
            "updated": _iso(self.updated),
            "progress": self.progress,
            "counts": self.counts.model_dump() if self.counts else None,
            "archived": self.archived,
            "archived_by": self.archived_by,
            "gone": self.gone_since is not None,
            "gone_since": _iso(self.gone_since),
            "labels": dict(self.labels),
            "error": self.error,
            "group": self.group.to_public() if self.group is not None else None,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class Run(BaseModel):
    """One execution of a job. Backends with one execution per job expose the job as its single run."""

    # defer_build here and below: pydantic builds a validator at the first use, not at
    # import. The first frame needs none of these models (start-up time).
    model_config = ConfigDict(frozen=True, defer_build=True)

    job: JobRef
    id: str
    state: JobState
    raw_state: str | None = None
    started: datetime | None = None
    ended: datetime | None = None
    counts: Counts | None = None
    progress: float | None = None
    error: str | None = None
    reason: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class RunPage(BaseModel):
    """One page of a job's runs, newest first. Pages count from 0."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    runs: list[Run]
    page: int = Field(default=0, ge=0)
    #: How many pages there are, or None when the backend does not say.
    pages: int | None = None
    #: How many runs there are in all, or None when the backend does not say.
    total: int | None = None
    #: Runs per full page, or None when unknown (then run positions past page 0 are too).
    page_size: int | None = None

    @property
    def first_position(self) -> int | None:
        """The position (from 0, newest first) of this page's first run among all runs."""
        if self.page == 0:
            return 0
        return self.page * self.page_size if self.page_size else None

    @property
    def has_older(self) -> bool:
        """Whether a page after this one may hold older runs (unknown counts as may)."""
        if self.pages is not None:
            return self.page + 1 < self.pages
        return bool(self.runs)


class StatusEvent(BaseModel):
    """One entry of a status timeline."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    at: datetime
    state: JobState
    raw_state: str | None = None
    message: str | None = None
    actor: str | None = None
    # True when jobdeck saw the transition itself rather than reading it from the backend.
    observed: bool = False
    #: The id of the run the event is about, where the backend says (Run.id).
    run: str | None = None


class ActionResult(BaseModel):
    """What an action did, in words for the user and the action log."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    ok: bool
    message: str
    # A job the action created (a retry that starts a new job), if any.
    new_ref: JobRef | None = None
