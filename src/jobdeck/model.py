"""The common model: what every adapter returns and every view renders.

Adapters convert their backend's wire format into these types; nothing above
the adapter layer ever sees a backend's own shapes except through
``Job.detail`` (already redacted).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# A job and its parts, where a job is and what may be done to it, and a log read by cursor:
# named here with the rest.
from jobdeck.job import Job as Job  # noqa: F401
from jobdeck.job_parts import Counts as Counts, JobGroup as JobGroup, StateCounts as StateCounts  # noqa: F401
from jobdeck.job_ref import JobRef as JobRef  # noqa: F401
from jobdeck.job_states import Action as Action, Capability as Capability, JobState as JobState  # noqa: F401
from jobdeck.job_states import map_state as map_state  # noqa: F401
from jobdeck.log_cursor import LogChunk as LogChunk, LogCursor as LogCursor  # noqa: F401


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
