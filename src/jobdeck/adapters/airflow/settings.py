"""The settings of a ``kind = "airflow"`` backend."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from jobdeck.adapters.kit.http_settings import HttpBackendSettings


class AirflowSettings(HttpBackendSettings):
    url_key: ClassVar[str] = "url"

    kind: Literal["airflow"] = "airflow"
    #: The API server (``airflow api-server`` / ``airflow standalone``; port 8080 by default).
    url: str = Field(default="http://127.0.0.1:8080", min_length=1)
    #: The user exchanged for a token at ``/auth/token`` with the password below.
    user: str = Field(default="admin", min_length=1)
    #: The environment variable holding that user's password. Never shown.
    password_env: str = "AIRFLOW_PASSWORD"
    #: Only these DAG ids (empty: every DAG).
    dags: list[str] = Field(default_factory=list)
    #: The newest runs listed (over all DAGs, or per DAG of ``dags``).
    max_runs: int = Field(default=500, ge=1, le=100_000)
