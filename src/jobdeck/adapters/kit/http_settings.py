"""The settings every HTTP backend shares: where it is (one base URL, checked the same
way for every kind), how its certificates are verified, how long a request may take,
and how large its answer may be."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import httpx
from pydantic import Field, ValidationInfo, field_validator

from jobdeck.adapters.base import BackendSettings
from jobdeck.adapters.kit.http_body import DEFAULT_MAX_RESPONSE_MB
from jobdeck.adapters.kit.tls import Verify

#: Seconds one request may take in all, retries and waits included, by default.
DEFAULT_DEADLINE = 30.0


class HttpBackendSettings(BackendSettings):
    """Subclasses name their base URL field in ``url_key`` (``endpoint``, ``registry_url`` …):
    it is checked here and is where ``HttpAdapter.connect()`` sends requests (``api_url``)."""

    #: The field that holds the backend's base URL.
    url_key: ClassVar[str] = "url"

    #: TLS verification: true, false (allowed, and shown as a warning), or the path of a CA bundle.
    verify: Verify = True
    #: Seconds to connect, and between two pieces of an answer.
    timeout: float = Field(default=10.0, gt=0, le=300)
    #: Seconds one request may take in all, however slowly its answer trickles in
    #: (retries and Retry-After waits included); past it the backend is unreachable.
    deadline: float = Field(default=DEFAULT_DEADLINE, gt=0, le=3600)
    #: The largest answer read, in MiB; a larger one is refused (never held in memory).
    max_response_mb: float = Field(default=DEFAULT_MAX_RESPONSE_MB, gt=0, le=4096)

    @field_validator("verify", mode="before")
    @classmethod
    def _verify_is_a_switch_or_a_file(cls, value: Any) -> Any:
        # A string is always a path: "false" in quotes is a file name, not a switch turned off.
        if isinstance(value, bool | Path):
            return value
        if isinstance(value, str) and value.strip():
            return Path(value)
        raise ValueError("verify is true, false, or the path of a CA bundle (a PEM file)")

    @field_validator("*")
    @classmethod
    def _base_url_is_http(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name != cls.url_key:
            return value
        return http_base_url(value, key=cls.url_key)

    @property
    def api_url(self) -> str:
        """The URL request paths are relative to."""
        return str(getattr(self, self.url_key))

    @property
    def max_response_bytes(self) -> int:
        return int(self.max_response_mb * 1024 * 1024)


def http_base_url(value: Any, *, key: str) -> str:
    """``value`` as a base URL (spaces and a trailing ``/`` dropped); ValueError in words otherwise."""
    text = str(value).strip().rstrip("/")
    if not text.lower().startswith(("http://", "https://")):
        raise ValueError(f"{key} must start with https:// (or http://), e.g. https://jobs.example:8443")
    try:
        host = httpx.URL(text).host
    except httpx.InvalidURL as exc:
        raise ValueError(f"{key} is not a URL: {exc}") from None
    if not host:
        raise ValueError(f"{key} names no host, e.g. https://jobs.example:8443")
    return text
