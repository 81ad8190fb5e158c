"""DRP wire models, as the server sends them (``../shared/contracts/drp.md``).

Field names are the Go names, CapitalCase, exactly as on the wire. Times are
kept as aware datetimes and written the way Go's ``time.Time`` marshals them
(RFC3339 with up to nanoseconds, trailing zeros trimmed; the zero time for
"unset").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

#: Go's zero ``time.Time``: what an unset EndTime looks like (inference from Go, see contract).
ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)

JOB_STATES = ("created", "running", "failed", "finished", "incomplete")
EXIT_STATES = ("", "reboot", "poweroff", "stop", "complete", "failed")

_FRACTION = re.compile(r"\.(\d+)")


def go_time(value: datetime) -> str:
    """RFC3339Nano as Go writes it: UTC ``Z``, fraction without trailing zeros."""
    value = value.astimezone(UTC)
    text = value.replace(tzinfo=None, microsecond=0).isoformat()  # strftime drops year 1's zeros
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def parse_go_time(text: str) -> datetime:
    """An RFC3339 time with up to nanoseconds (Python keeps microseconds)."""
    text = text.strip()
    match = _FRACTION.search(text)
    if match:
        text = text[: match.start()] + "." + match.group(1)[:6].ljust(6, "0") + text[match.end() :]
    text = text.replace("Z", "+00:00").replace("z", "+00:00")
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


class _Wire(BaseModel):
    """Base of the wire models: strict about unknown fields, times in Go format."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @field_validator("*", mode="before")
    @classmethod
    def _times(cls, value: Any, info: Any) -> Any:
        field = cls.model_fields.get(info.field_name)
        if field is not None and field.annotation is datetime and isinstance(value, str):
            return parse_go_time(value)
        return value

    @field_serializer("*", when_used="always")
    def _write_times(self, value: Any) -> Any:
        return go_time(value) if isinstance(value, datetime) else value

    def wire(self) -> dict[str, Any]:
        """The JSON object the server sends."""
        return self.model_dump(mode="json", exclude_none=True)


class Job(_Wire):
    """``models.Job`` (v4.17). ``Token``, ``ExtraClaims`` and ``Action`` are omitempty."""

    Uuid: str
    Previous: str = ""
    Machine: str
    Task: str = ""
    Stage: str = ""
    Context: str = ""
    State: str = "created"
    ExitState: str = ""
    StartTime: datetime = ZERO_TIME
    EndTime: datetime = ZERO_TIME
    Archived: bool = False
    Current: bool = True
    CurrentIndex: int = 0
    NextIndex: int = 0
    Workflow: str = ""
    BootEnv: str = ""
    WorkOrder: str = ""
    Independent: bool = False
    TargetPrefix: str = ""
    TargetKey: str = ""
    ResultErrors: list[str] = Field(default_factory=list)
    ExtraClaims: list[dict[str, Any]] | None = None
    Token: str | None = None
    Action: dict[str, Any] | None = None
    Pipeline: str = ""
    Meta: dict[str, str] = Field(default_factory=dict)
    Validated: bool = True
    Available: bool = True
    Errors: list[str] = Field(default_factory=list)
    ReadOnly: bool = False
    Bundle: str = ""
    Endpoint: str = ""
    CreatedAt: datetime = ZERO_TIME
    CreatedBy: str = ""
    LastModifiedAt: datetime = ZERO_TIME
    LastModifiedBy: str = ""

    @field_validator("State")
    @classmethod
    def _state(cls, value: str) -> str:
        if value not in JOB_STATES:
            raise ValueError(f"Invalid State {value!r}")
        return value

    @field_validator("ExitState")
    @classmethod
    def _exit_state(cls, value: str) -> str:
        if value not in EXIT_STATES:
            raise ValueError(f"Invalid ExitState {value!r}")
        return value


class Machine(_Wire):
    """The machine fields the jobs API touches (a small subset of ``models.Machine``)."""

    Uuid: str
    Name: str
    Runnable: bool = True
    Workflow: str = ""
    BootEnv: str = "sledgehammer"
    Stage: str = ""
    Tasks: list[str] = Field(default_factory=list)
    CurrentTask: int = -1
    CurrentJob: str = ""
    JobState: str = ""
    JobExitState: str = ""
    JobResultErrors: list[str] = Field(default_factory=list)
    TaskErrorStacks: list[dict[str, Any]] = Field(default_factory=list)
    WorkflowComplete: bool = False
    WorkOrderMode: bool = False
    Meta: dict[str, str] = Field(default_factory=dict)
    Validated: bool = True
    Available: bool = True
    Errors: list[str] = Field(default_factory=list)
    ReadOnly: bool = False


class WorkOrder(_Wire):
    """The work order fields the restart call needs (subset of ``models.WorkOrder``)."""

    Uuid: str
    Machine: str
    Blueprint: str = ""
    Filter: str = ""
    State: str = "created"
    Status: str = ""
    Stage: str = ""
    Tasks: list[str] = Field(default_factory=list)
    CurrentTask: int = -1
    CurrentJob: str = ""
    StartTime: datetime = ZERO_TIME
    EndTime: datetime = ZERO_TIME
    Archived: bool = False
    Meta: dict[str, str] = Field(default_factory=dict)
    Validated: bool = True
    Available: bool = True
    Errors: list[str] = Field(default_factory=list)
    ReadOnly: bool = False


def error_body(*, model: str, key: str, type_: str, messages: list[str], code: int) -> dict[str, Any]:
    """``models.Error`` on the wire: ``{Model, Key, Type, Messages, Code}`` (no ``Object``)."""
    return {"Model": model, "Key": key, "Type": type_, "Messages": messages, "Code": code}


def event(*, time: datetime, type_: str, action: str, key: str, principal: str,
          obj: dict[str, Any] | None, original: dict[str, Any] | None = None) -> dict[str, Any]:
    """``models.Event`` on the wire. ``Original`` only for update/save."""
    body: dict[str, Any] = {
        "Time": go_time(time),
        "Type": type_,
        "Action": action,
        "Key": key,
        "Principal": principal,
        "Object": obj,
    }
    if original is not None:
        body["Original"] = original
    return body
