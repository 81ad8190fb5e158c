"""The settings of a ``kind = "ray"`` backend."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from jobdeck.adapters.kit.http_settings import HttpBackendSettings


class RaySettings(HttpBackendSettings):
    url_key: ClassVar[str] = "url"

    kind: Literal["ray"] = "ray"
    #: The dashboard, where the Jobs API is (``ray start --head`` prints it; port 8265 by default).
    url: str = Field(default="http://127.0.0.1:8265", min_length=1)
    #: The environment variable holding extra request headers as a JSON object, for a dashboard
    #: behind an auth proxy (``{"Authorization": "Bearer …"}``). Never shown.
    headers_env: str | None = None
    #: Count the Ray tasks of each job that started a Ray driver (the state API; one request per
    #: such job while it runs, and once after it ended).
    task_counts: bool = True
