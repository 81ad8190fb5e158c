"""Istari's wire objects as the registry serves them (``/api/v2``, snake_case).

Built from ``../shared/contracts/istari.md`` and the vendor's generated models:
every field the vendor client requires is present, enum values are Title-case
strings, datetimes are ISO-8601 in UTC.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class JobStatusName(StrEnum):
    CREATED = "Created"
    PENDING = "Pending"
    CLAIMED = "Claimed"
    VALIDATING = "Validating"
    RUNNING = "Running"
    UPLOADING = "Uploading"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELED = "Canceled"
    UNKNOWN = "Unknown"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({JobStatusName.COMPLETED, JobStatusName.FAILED, JobStatusName.CANCELED})


class ArchiveStatusName(StrEnum):
    """Names of archive history entries."""

    ACTIVE = "Active"
    ARCHIVED = "Archived"


class ArchiveStatus(StrEnum):
    """The list filter (lower case on the wire, unlike the history entries)."""

    ACTIVE = "active"
    ARCHIVED = "archived"
    ALL = "all"


class Wire(BaseModel):
    # ``model_id`` is a real Istari field name; pydantic's "model_" namespace must not object.
    model_config = ConfigDict(protected_namespaces=(), extra="ignore")


class Token(Wire):
    id: str
    created: datetime
    sha: str
    salt: str
    created_by_id: str | None = None


class _ArchiveStatusEntry(Wire):
    """One entry of an archive status history; each subclass adds the id of what it is about."""

    id: str
    created: datetime
    name: ArchiveStatusName
    reason: str | None
    created_by_id: str | None


class FileRevisionArchiveStatus(_ArchiveStatusEntry):
    file_revision_id: str


class FileArchiveStatus(_ArchiveStatusEntry):
    file_id: str


class FileRevision(Wire):
    id: str
    created: datetime
    file_id: str | None
    content_token: Token
    properties_token: Token
    archive_status_history: list[FileRevisionArchiveStatus] = Field(default_factory=list)
    name: str | None = None
    extension: str | None = None
    size: int | None = None
    description: str | None = None
    mime: str | None = None
    display_name: str | None = None
    created_by_id: str | None = None


class File(Wire):
    id: str
    created: datetime
    revisions: list[FileRevision]
    archive_status_history: list[FileArchiveStatus] = Field(default_factory=list)
    resource_id: str | None = None
    resource_type: str | None = None
    created_by_id: str | None = None
    tenant_id: str | None = None


class ResourceArchiveStatus(_ArchiveStatusEntry):
    resource_id: str


class Comment(Wire):
    id: str
    created: datetime
    file: File
    comments: list[Comment] = Field(default_factory=list)
    archive_status_history: list[ResourceArchiveStatus] = Field(default_factory=list)
    created_by_id: str
    resource_id: str | None
    resource_type: str | None = None


class FunctionStatus(Wire):
    id: str
    created: datetime
    created_by_id: str
    name: str  # "supported" | "deprecated"
    reason: str | None
    function_id: str


class FunctionVersion(Wire):
    id: str
    created: datetime
    name: str
    version: str
    module_name: str
    module_version: str
    entrypoint: str
    function_schema: str | None
    run_command: str
    created_by_id: str
    status: FunctionStatus
    tool_name: str | None = None
    tool_display_name: str | None = None


class JobStatus(Wire):
    id: str
    created: datetime
    job_id: str
    name: JobStatusName
    created_by_id: str | None = None
    message: str | None = None
    agent_id: str | None = None


class JobAgentInformation(Wire):
    agent_id: str
    display_name: str


class Job(Wire):
    id: str
    created: datetime
    file: File
    comments: list[Comment] = Field(default_factory=list)
    archive_status_history: list[ResourceArchiveStatus] = Field(default_factory=list)
    created_by_id: str
    function: FunctionVersion
    model_id: str | None = None
    assigned_agent_id: str | None = None
    assigned_agent_pool_id: str | None = None
    tenant_id: str | None = None
    status_history: list[JobStatus] = Field(default_factory=list)
    agent_information: JobAgentInformation | None = None

    @property
    def status_name(self) -> JobStatusName:
        return self.status_history[-1].name if self.status_history else JobStatusName.UNKNOWN

    @property
    def archived(self) -> bool:
        return bool(self.archive_status_history) and (
            self.archive_status_history[-1].name is ArchiveStatusName.ARCHIVED
        )


class PageJob(Wire):
    items: list[Job]
    total: int
    page: int
    size: int
    pages: int


class OptionalTotalPageJob(Wire):
    items: list[Job]
    total: int | None
    page: int
    size: int
    pages: int | None


# -- request bodies ---------------------------------------------------------------


class Archive(Wire):
    reason: str


class Restore(Wire):
    reason: str


class JobStatusMessage(Wire):
    message: str


class NewJob(Wire):
    revision: FileRevision


class TemporaryUrl(Wire):
    url: str
    expires: datetime | None = None


class NewJobAssignedAgent(Wire):
    agent_id: str


class NewJobAssignedAgentPool(Wire):
    agent_pool_id: str
