"""What the adapter reads from DRP, tolerant of drift: every field but
``Uuid`` is optional, unknown fields are kept, unknown enum values pass
(and map to JobState.UNKNOWN). CapitalCase as on the wire."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, field_validator

from jobdeck.clock import assume_utc
from jobdeck.model import JobState

STATES: dict[str, JobState] = {
    "created": JobState.PENDING,
    "running": JobState.RUNNING,
    "finished": JobState.SUCCEEDED,
    "failed": JobState.FAILED,
    # The task was interrupted (e.g. a reboot) and waits for the agent to continue it.
    "incomplete": JobState.PAUSED,
}

#: Fields never shown, logged or exported: the runner's JWT and its claims.
SECRET_FIELDS = ("Token", "ExtraClaims")

_FRACTION = re.compile(r"\.(\d+)")


def parse_time(value: Any) -> datetime | None:
    """An RFC3339(Nano) time; Go's zero time and "" are None."""
    if value is None or isinstance(value, datetime):
        return value
    text = str(value).strip()
    if not text or text.startswith("0001-01-01"):
        return None
    match = _FRACTION.search(text)
    if match:
        text = text[: match.start()] + "." + match.group(1)[:6].ljust(6, "0") + text[match.end() :]
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return assume_utc(parsed)


class WireJob(BaseModel):
    model_config = ConfigDict(extra="allow")

    Uuid: str
    Previous: str = ""
    Machine: str = ""
    Task: str = ""
    Stage: str = ""
    Context: str = ""
    State: str = ""
    ExitState: str = ""
    StartTime: datetime | None = None
    EndTime: datetime | None = None
    Archived: bool = False
    Current: bool = False
    CurrentIndex: int = 0
    NextIndex: int = 0
    Workflow: str = ""
    BootEnv: str = ""
    WorkOrder: str = ""
    Independent: bool = False
    TargetPrefix: str = ""
    TargetKey: str = ""
    ResultErrors: list[str] | None = None
    Errors: list[str] | None = None
    Meta: dict[str, Any] | None = None
    CreatedAt: datetime | None = None
    CreatedBy: str = ""
    LastModifiedAt: datetime | None = None
    LastModifiedBy: str = ""

    @field_validator("StartTime", "EndTime", "CreatedAt", "LastModifiedAt", mode="before")
    @classmethod
    def _time(cls, value: Any) -> datetime | None:
        return parse_time(value)


class WireMachine(BaseModel):
    model_config = ConfigDict(extra="allow")

    Uuid: str
    Name: str = ""
    Runnable: bool | None = None


class WireWorkOrder(BaseModel):
    model_config = ConfigDict(extra="allow")

    Uuid: str
    State: str = ""


JOBS = TypeAdapter(list[WireJob])
MACHINES = TypeAdapter(list[WireMachine])


def error_text(body: Any) -> str | None:
    """The message of a DRP error body ``{Model, Key, Type, Messages, Code}``."""
    if isinstance(body, dict) and isinstance(body.get("Messages"), list):
        return "; ".join(str(message) for message in body["Messages"]) or None
    return None

