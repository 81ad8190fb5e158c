"""The settings of a ``kind = "julep"`` backend."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from jobdeck.adapters.kit.http_settings import HttpBackendSettings


class JulepSettings(HttpBackendSettings):
    url_key: ClassVar[str] = "url"

    kind: Literal["julep"] = "julep"
    #: The agents-api base URL (hosted: https://api.julep.ai/api).
    url: str = Field(default="https://api.julep.ai/api", min_length=1)
    #: The environment variable holding the API key (never the key itself).
    api_key_env: str = Field(default="JULEP_API_KEY", min_length=1)
    #: The header the key travels in: "Authorization" (as "Bearer <key>") or "X-Auth-Key".
    auth_header: Literal["Authorization", "X-Auth-Key"] = "Authorization"
    #: Job (workflow) ids to watch; Julep cannot list jobs, only fetch them one by one.
    jobs: list[str] = Field(default_factory=list)
    #: Task ids whose executions are listed.
    tasks: list[str] = Field(default_factory=list)
    #: Display names of tasks, by task id (optional).
    task_names: dict[str, str] = Field(default_factory=dict)
    #: The newest executions listed per task.
    executions_per_task: int = Field(default=50, ge=1, le=999)

    @field_validator("jobs", "tasks")
    @classmethod
    def _uuids(cls, values: list[str]) -> list[str]:
        return [canonical_uuid(value) for value in values]


def canonical_uuid(value: str) -> str:
    """A UUID in its canonical form; ValueError in words otherwise (Julep ids are UUIDs)."""
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        raise ValueError(f"{value!r} is not a Julep id (a UUID such as 0190f3a2-6c1e-7b3d-9a42-5e8f1c2d3b4a)") from None
