"""The settings of a ``kind = "celery"`` backend: through Flower's API, or the broker's event stream."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from jobdeck.adapters.kit.http_settings import HttpBackendSettings

#: Where the tasks are read from.
FLOWER = "flower"
BROKER = "broker"


class CelerySettings(HttpBackendSettings):
    url_key: ClassVar[str] = "flower_url"

    kind: Literal["celery"] = "celery"
    #: Flower's base URL (its REST API is under /api). Either this or ``broker_url_env``.
    flower_url: str | None = None
    #: The environment variable holding Flower's credentials: "user:password" (basic auth,
    #: as ``--basic-auth``) or a bearer token; never the credentials themselves.
    auth_env: str | None = Field(default=None, min_length=1)
    #: The environment variable holding the broker's URL (it may hold a password): jobdeck then
    #: receives the workers' task events itself (needs the optional extra ``jobdeck[celery]``).
    broker_url_env: str | None = Field(default=None, min_length=1)
    #: The newest tasks listed (Flower's ``limit``; the tasks kept in broker mode).
    max_tasks: int = Field(default=1000, ge=1, le=100_000)
    #: Seconds after which a worker that sent no heartbeat counts as offline (broker mode).
    heartbeat_timeout: float = Field(default=10.0, gt=0, le=3600)

    @model_validator(mode="before")
    @classmethod
    def _one_way_in(cls, data: Any) -> Any:
        if isinstance(data, dict):
            flower, broker = data.get("flower_url"), data.get("broker_url_env")
            if not flower and not broker:
                raise ValueError(
                    'give flower_url (Flower\'s API, e.g. "http://127.0.0.1:5555") or broker_url_env '
                    '(the variable holding the broker URL, e.g. "CELERY_BROKER_URL")'
                )
            if flower and broker:
                raise ValueError("give flower_url or broker_url_env, not both")
        return data

    @property
    def mode(self) -> str:
        return FLOWER if self.flower_url else BROKER

    @property
    def api_url(self) -> str:
        return self.flower_url or "http://127.0.0.1"  # broker mode makes no HTTP client
