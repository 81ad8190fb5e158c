"""Settings of a ``kind = "drp"`` backend."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from jobdeck.adapters.kit.http_settings import HttpBackendSettings

#: A list filter key is a DRP index name (CapitalCase), e.g. ``Workflow``.
_INDEX_NAME = r"^[A-Z][A-Za-z0-9]*$"


class DrpSettings(HttpBackendSettings):
    url_key: ClassVar[str] = "endpoint"

    kind: Literal["drp"] = "drp"
    #: ``https://host:8092`` (``/api/v3`` is added when missing).
    endpoint: str
    #: Basic auth: environment variables holding the user name and the password …
    user_env: str | None = None
    password_env: str | None = None
    #: … or a Bearer token (``drpcli users token``).
    token_env: str | None = None
    #: Older spellings of ``verify`` (DRP ships self-signed certificates), still read:
    #: ``insecure = true`` is ``verify = false``, ``ca_file = "<bundle>"`` is ``verify = "<bundle>"``.
    insecure: bool = Field(default=False, exclude=True)
    ca_file: Path | None = Field(default=None, exclude=True)
    #: Server-side list filters, index → value (``{"Workflow": "ubuntu-base", "State": "Ne(finished)"}``).
    filters: dict[str, str] = Field(default_factory=dict)
    #: The newest jobs the deck keeps (by StartTime); older ones are not fetched.
    max_jobs: int = Field(default=500, ge=1, le=100_000)
    page_size: int = Field(default=100, ge=1, le=1000)
    #: Seconds between full listings; in between only jobs modified since the last poll travel.
    full_refresh: float = Field(default=60.0, gt=0, le=86_400)
    #: Listen on the event websocket (capability PUSH); polling stays the fallback.
    push: bool = True
    #: At most this many machines (and work orders) get their counts refreshed per poll.
    counts_budget: int = Field(default=20, ge=0, le=1000)

    @field_validator("filters")
    @classmethod
    def _filters(cls, value: dict[str, str]) -> dict[str, str]:
        import re

        for key in value:
            if not re.match(_INDEX_NAME, key) or key in ("Token",):
                raise ValueError(f"filter key {key!r} is not a DRP index name (CapitalCase, e.g. Workflow)")
        return value

    @model_validator(mode="after")
    def _auth_and_tls(self) -> DrpSettings:
        basic = self.user_env is not None or self.password_env is not None
        if basic and (self.user_env is None or self.password_env is None):
            raise ValueError("Basic auth needs both user_env and password_env")
        if basic and self.token_env is not None:
            raise ValueError("set either user_env/password_env or token_env, not both")
        if not basic and self.token_env is None:
            raise ValueError("set user_env and password_env (Basic auth) or token_env (a Bearer token)")
        self._older_tls_spelling()
        return self

    def _older_tls_spelling(self) -> None:
        """``insecure`` / ``ca_file`` folded into ``verify``, the one setting every HTTP backend reads."""
        older = self.older_tls_keys
        if not older:
            return
        if "verify" in self.model_fields_set:
            raise ValueError(f"{' and '.join(older)} is the older spelling of verify: set verify only")
        if self.insecure and self.ca_file is not None:
            raise ValueError(
                "insecure = true skips verification, so ca_file would be ignored: "
                'set one of them, preferably as verify = false or verify = "<CA file>"'
            )
        if self.insecure:
            self.verify = False
        elif self.ca_file is not None:
            self.verify = self.ca_file

    @property
    def older_tls_keys(self) -> list[str]:
        """The older spellings of ``verify`` this table was written with."""
        return [key for key in ("insecure", "ca_file") if key in self.model_fields_set]

    @property
    def api_url(self) -> str:
        return self.endpoint if self.endpoint.endswith("/api/v3") else f"{self.endpoint}/api/v3"
