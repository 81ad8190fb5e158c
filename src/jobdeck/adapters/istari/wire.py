"""Istari's wire objects as the adapter reads them: tolerant by design.

Status names stay plain strings (an unknown one maps to UNKNOWN and is kept
raw), every field the deck can live without is optional, extra fields are
ignored. Enum values on the wire are Title-case (``"Completed"``).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from jobdeck.model import JobState

#: Every JobStatusName of the contract, in the order a job passes through them.
STATUS_NAMES: tuple[str, ...] = (
    "Created", "Pending", "Claimed", "Validating", "Running", "Uploading", "Completed", "Failed", "Canceled",
)

STATE_BY_STATUS: dict[str, JobState] = {
    "Created": JobState.PENDING,
    "Pending": JobState.PENDING,
    "Claimed": JobState.RUNNING,
    "Validating": JobState.RUNNING,
    "Running": JobState.RUNNING,
    "Uploading": JobState.RUNNING,
    "Completed": JobState.SUCCEEDED,
    "Failed": JobState.FAILED,
    "Canceled": JobState.CANCELED,
    "Unknown": JobState.UNKNOWN,
}


def statuses_of(state: JobState) -> list[str]:
    """The raw status names that normalize to ``state`` (for server-side filters)."""
    return [name for name, mapped in STATE_BY_STATUS.items() if mapped is state]


class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", protected_namespaces=())


class JobStatus(Wire):
    created: datetime
    name: str
    created_by_id: str | None = None
    message: str | None = None
    agent_id: str | None = None


class ArchiveEntry(Wire):
    created: datetime
    name: str
    reason: str | None = None
    created_by_id: str | None = None

    @property
    def archived(self) -> bool:
        return self.name.casefold() == "archived"


class Token(Wire):
    sha: str
    salt: str | None = None


class FileRevision(Wire):
    id: str | None = None
    content_token: Token | None = None
    name: str | None = None
    extension: str | None = None
    display_name: str | None = None
    size: int | None = None
    mime: str | None = None
    description: str | None = None

    @property
    def file_name(self) -> str | None:
        if self.display_name:
            return self.display_name
        if self.name and self.extension:
            return f"{self.name}.{self.extension}"
        return self.name


class File(Wire):
    id: str | None = None
    revisions: list[FileRevision] = Field(default_factory=list)

    @property
    def current(self) -> FileRevision | None:
        return self.revisions[-1] if self.revisions else None


class Comment(Wire):
    created: datetime | None = None
    created_by_id: str | None = None
    file: File | None = None


class FunctionVersion(Wire):
    name: str
    version: str | None = None
    module_name: str | None = None
    entrypoint: str | None = None
    tool_name: str | None = None
    tool_display_name: str | None = None


class AgentInformation(Wire):
    agent_id: str
    display_name: str | None = None


class Job(Wire):
    id: str
    created: datetime | None = None
    file: File | None = None
    comments: list[Comment] = Field(default_factory=list)
    archive_status_history: list[ArchiveEntry] = Field(default_factory=list)
    created_by_id: str | None = None
    function: FunctionVersion | None = None
    model_id: str | None = None
    assigned_agent_id: str | None = None
    assigned_agent_pool_id: str | None = None
    tenant_id: str | None = None
    status_history: list[JobStatus] = Field(default_factory=list)
    agent_information: AgentInformation | None = None

    @property
    def status(self) -> JobStatus | None:
        return self.status_history[-1] if self.status_history else None

    @property
    def archived(self) -> bool | None:
        """From the archive history; None when the registry sent none."""
        if not self.archive_status_history:
            return None
        return self.archive_status_history[-1].archived


class JobPage(Wire):
    """PageJob and OptionalTotalPageJob (``total``/``pages`` null unless include_total)."""

    items: list[Job]
    total: int | None = None
    page: int | None = None
    size: int | None = None
    pages: int | None = None


class TemporaryUrl(Wire):
    url: str
    expires: datetime | None = None


JOB_LIST = TypeAdapter(list[Job])
