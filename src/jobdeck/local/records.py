"""The file formats of a spool: a job's spec and its runs' status events.

Both are parsed with pydantic so a hand-edited or truncated file gives a
sentence saying what is wrong instead of a traceback.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from jobdeck.clock import assume_utc
from jobdeck.model import JobState

SPEC_VERSION = 1

# Raw states written to events.jsonl. The normalized state is stored beside them.
RAW_PENDING = "pending"
RAW_RETRY_REQUESTED = "retry-requested"
RAW_RUNNING = "running"
RAW_CANCEL_REQUESTED = "cancel-requested"
RAW_EXITED = "exited"
RAW_SIGNALED = "signaled"
RAW_CANCELED = "canceled"
RAW_NO_SUCH_COMMAND = "no-such-command"
RAW_CANNOT_START = "cannot-start"

ACTOR_RUNNER = "runner"
ACTOR_JOBDECK = "jobdeck"


class JobSpec(BaseModel):
    """``spec.json``: what a job runs. Written once, when the job is created."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    version: int = SPEC_VERSION
    id: str
    name: str | None = None
    argv: list[str] = Field(min_length=1)
    cwd: str
    created: datetime
    host: str

    # A time without a zone (a hand-edited file) is taken as UTC, so times always compare.
    _created_aware = field_validator("created")(assume_utc)


class RunEvent(BaseModel):
    """One line of ``events.jsonl``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    at: datetime
    state: JobState
    raw_state: str
    message: str | None = None
    exit_code: int | None = None
    #: The command's process, and its process group (the group is what cancel signals).
    pid: int | None = None
    pgid: int | None = None
    pid_start: int | None = None
    #: The supervisor (``jobdeck run``) of the run.
    runner_pid: int | None = None
    runner_start: int | None = None
    actor: str | None = None

    _at_aware = field_validator("at")(assume_utc)

    def to_line(self) -> bytes:
        return (self.model_dump_json(exclude_none=True) + "\n").encode("utf-8")


def describe_validation_error(exc: ValidationError) -> str:
    """The first problem of a pydantic error, in a few words: ``argv: field required``."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "value"
    return f"{where}: {first['msg'].lower()}"
