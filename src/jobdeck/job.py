"""One job as the deck shows it: a small immutable record (issue 22).

A million jobs are a million of these in the deck at once, so a job is a class with
slots, not a pydantic model: about 170 bytes of its own instead of 540 (a model keeps a
dictionary of its fields per instance), labels and counts that repeat from job to job
shared (a backend's jobs carry a handful of label sets), and an empty detail shared too.

It reads and copies like the model it replaced: keyword construction, attributes,
``model_copy(update=…)`` (which, as pydantic's, does not validate the update),
``model_dump`` and ``==``. Plain values of the right types are taken as they are; anything
else (a state or a time as text, a reference as a mapping …) goes through a pydantic
model of the same fields, which converts it or raises its ValidationError.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import to_jsonable_python

from jobdeck.job_parts import Counts, JobGroup, interned
from jobdeck.job_ref import JobRef
from jobdeck.job_states import JobState

FIELDS = (
    "ref", "name", "state", "raw_state", "created", "started", "ended", "updated", "progress", "counts",
    "archived", "archived_by", "gone_since", "labels", "error", "detail", "group",
)  # fmt: skip
_TIMES = ("created", "started", "ended", "updated", "gone_since")


class FrozenDict(dict[str, Any]):
    """A dictionary nobody may change: a job's labels and detail, shared between jobs."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a job's labels and detail cannot be changed: make a new job (model_copy)")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict:
        return self


NO_LABELS = FrozenDict()
#: Label sets seen, shared by every job that carries the same one.
_LABEL_SETS: dict[tuple[tuple[str, str], ...], FrozenDict] = {}
#: At this many different label sets (or counts) the record of them starts again: labels
#: unique to each job (or counts that move every poll) must not hold memory for good.
_SHARED_MOST = 65_536


def shared_labels(labels: dict[str, str] | None) -> FrozenDict:
    """The one FrozenDict of these labels (their keys and values interned; none: NO_LABELS)."""
    if not labels:
        return NO_LABELS
    key = tuple(labels.items())
    found = _LABEL_SETS.get(key)
    if found is None:
        found = FrozenDict({interned(name): interned(value) for name, value in key})
        if len(_LABEL_SETS) >= _SHARED_MOST:
            _LABEL_SETS.clear()
        _LABEL_SETS[key] = found
    return found


#: Counts seen, shared by every job that carries equal ones (a frozen model: safe to share).
_COUNTS: dict[tuple[int | None, int, int], Counts] = {}


def shared_counts(counts: Counts) -> Counts:
    """The one Counts of these numbers (since the record of them last started again)."""
    key = (counts.total, counts.succeeded, counts.failed)
    found = _COUNTS.get(key)
    if found is None:
        found = counts
        if len(_COUNTS) >= _SHARED_MOST:
            _COUNTS.clear()
        _COUNTS[key] = counts
    return found


class Job:
    """One job as the deck shows it."""

    __slots__ = (*FIELDS, "search_text")

    ref: JobRef
    name: str
    state: JobState
    raw_state: str | None
    created: datetime | None
    started: datetime | None
    ended: datetime | None
    updated: datetime | None
    #: 0–100.
    progress: float | None
    counts: Counts | None
    archived: bool
    #: Who archived it: "backend" (the backend's own archive) or "jobdeck" (jobdeck's own
    #: archive, for backends without one).
    archived_by: str | None
    #: Since when the backend no longer lists the job (contract v2: a backend may forget
    #: jobs). Set by the monitor's job table, which keeps the job in view; never by adapters.
    gone_since: datetime | None
    labels: FrozenDict
    error: str | None
    detail: FrozenDict
    #: The group the job is in (contract v2), or None: most backends have none.
    group: JobGroup | None
    #: Not a field: the job's searchable text, kept here by the filter (``jobdeck.query.index``)
    #: when first asked, None until then. A job never changes, so neither does its text; kept
    #: with the job, it goes with it (a map from jobs to texts cost 140 MB at a million).
    search_text: str | None

    def __init__(
        self,
        *,
        ref: JobRef,
        name: str,
        state: JobState,
        raw_state: str | None = None,
        created: datetime | None = None,
        started: datetime | None = None,
        ended: datetime | None = None,
        updated: datetime | None = None,
        progress: float | None = None,
        counts: Counts | None = None,
        archived: bool = False,
        archived_by: str | None = None,
        gone_since: datetime | None = None,
        labels: dict[str, str] | None = None,
        error: str | None = None,
        detail: dict[str, Any] | None = None,
        group: JobGroup | None = None,
    ) -> None:
        if not (
            type(ref) is JobRef
            and type(name) is str
            and type(state) is JobState
            and (raw_state is None or type(raw_state) is str)
            and (created is None or isinstance(created, datetime))
            and (started is None or isinstance(started, datetime))
            and (ended is None or isinstance(ended, datetime))
            and (updated is None or isinstance(updated, datetime))
            and (gone_since is None or isinstance(gone_since, datetime))
            and (progress is None or type(progress) is float or type(progress) is int)
            and (counts is None or type(counts) is Counts)
            and type(archived) is bool
            and (archived_by is None or type(archived_by) is str)
            and (error is None or type(error) is str)
            and (group is None or type(group) is JobGroup)
            and _plain_labels(labels)
            and (detail is None or type(detail) is dict or type(detail) is FrozenDict)
        ):
            given = {key: value for key, value in locals().items() if key in FIELDS and value is not None}
            _fill(self, _Validating.model_validate(given).__dict__)
            return
        set_slot = object.__setattr__
        set_slot(self, "ref", ref)
        set_slot(self, "name", name)
        set_slot(self, "state", state)
        set_slot(self, "raw_state", None if raw_state is None else interned(raw_state))
        set_slot(self, "created", created)
        set_slot(self, "started", started)
        set_slot(self, "ended", ended)
        set_slot(self, "updated", updated)
        set_slot(self, "progress", None if progress is None else max(0.0, min(100.0, float(progress))))
        set_slot(self, "counts", None if counts is None else shared_counts(counts))
        set_slot(self, "archived", archived)
        set_slot(self, "archived_by", archived_by)
        set_slot(self, "gone_since", gone_since)
        set_slot(self, "labels", shared_labels(labels))
        set_slot(self, "error", error)
        set_slot(self, "detail", _frozen_detail(detail))
        set_slot(self, "group", group)
        set_slot(self, "search_text", None)

    # -- reading --------------------------------------------------------------

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
        start = self.started
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

    # -- as the pydantic model did ----------------------------------------------

    def model_copy(self, *, update: dict[str, Any] | None = None) -> Job:
        """A copy with ``update``'s fields in place, taken as given (not validated)."""
        copy = Job.__new__(Job)
        set_slot = object.__setattr__
        for name in FIELDS:
            set_slot(copy, name, getattr(self, name))
        set_slot(copy, "search_text", None)
        for name, value in (update or {}).items():
            if name not in FIELDS:
                raise AttributeError(f"a job has no field {name!r}")
            if name == "labels":
                value = shared_labels(value)
            elif name == "detail":
                value = _frozen_detail(value)
            set_slot(copy, name, value)
        return copy

    @classmethod
    def model_construct(cls, **values: Any) -> Job:
        """A job of these fields taken as given (not validated), the rest at their defaults."""
        return Job(ref=values.pop("ref"), name=values.pop("name"), state=values.pop("state")).model_copy(update=values)

    def model_dump(self, *, mode: str = "python", exclude_none: bool = False) -> dict[str, Any]:
        """The fields as a dictionary (``mode="json"``: only JSON values)."""
        dumped: dict[str, Any] = {}
        for name in FIELDS:
            value = getattr(self, name)
            if value is None and exclude_none:
                continue
            if isinstance(value, (BaseModel, JobRef)):
                value = value.model_dump(mode=mode)
            elif isinstance(value, dict):
                value = dict(value)
            if mode == "json":
                value = to_jsonable_python(value)  # (as pydantic dumps: a UTC time ends in Z)
            dumped[name] = value
        return dumped

    def model_dump_json(self) -> str:
        """The fields as compact JSON, as the model wrote them."""
        return json.dumps(self.model_dump(mode="json"), separators=(",", ":"), ensure_ascii=False)

    # -- an immutable value --------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Job:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in FIELDS)

    __hash__ = None  # type: ignore[assignment] # as the model's: labels and detail are dictionaries

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a job cannot be changed: make a new one (model_copy), not set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a job cannot be changed")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuilt, (tuple(getattr(self, name) for name in FIELDS),))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in FIELDS)
        return f"Job({shown})"


def _plain_labels(labels: object) -> bool:
    if labels is None or type(labels) is FrozenDict:
        return True
    if type(labels) is not dict:
        return False
    return all(type(key) is str and type(value) is str for key, value in labels.items())  # type: ignore[attr-defined]


def _frozen_detail(detail: dict[str, Any] | None) -> FrozenDict:
    if not detail:
        return NO_LABELS
    return detail if type(detail) is FrozenDict else FrozenDict(detail)


def _fill(job: Job, values: dict[str, Any]) -> None:
    """Set a job's fields from validated values (the slow path of the constructor)."""
    set_slot = object.__setattr__
    for name in FIELDS:
        set_slot(job, name, values[name])
    set_slot(job, "search_text", None)
    labels = values["labels"]
    set_slot(job, "labels", shared_labels(labels))
    set_slot(job, "detail", _frozen_detail(values["detail"]))
    if job.counts is not None:
        set_slot(job, "counts", shared_counts(job.counts))
    if job.raw_state is not None:
        set_slot(job, "raw_state", interned(job.raw_state))


def _rebuilt(values: tuple[Any, ...]) -> Job:
    job = Job.__new__(Job)
    for name, value in zip(FIELDS, values, strict=True):
        object.__setattr__(job, name, value)
    object.__setattr__(job, "search_text", None)
    return job


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class _Validating(BaseModel):
    """The job's fields as pydantic validates them: the constructor's way for values that
    are not already of their types (text to a state or a time, a mapping to a reference)."""

    model_config = ConfigDict(frozen=True, defer_build=True, title="Job", arbitrary_types_allowed=True)

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
    archived_by: str | None = None
    gone_since: datetime | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    error: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)
    group: JobGroup | None = None

    @field_validator("progress")
    @classmethod
    def _clamp_progress(cls, value: float | None) -> float | None:
        if value is None:
            return None
        return max(0.0, min(100.0, float(value)))
