"""The settings every HTTP backend shares: how long a request may take, and how large its answer."""

from __future__ import annotations

from pydantic import Field

from jobdeck.adapters.base import BackendSettings
from jobdeck.adapters.http_body import DEFAULT_MAX_RESPONSE_MB

#: Seconds one request may take in all, retries and waits included, by default.
DEFAULT_DEADLINE = 30.0


class HttpBackendSettings(BackendSettings):
    #: Seconds to connect, and between two pieces of an answer.
    timeout: float = Field(default=10.0, gt=0, le=300)
    #: Seconds one request may take in all, however slowly its answer trickles in
    #: (retries and Retry-After waits included); past it the backend is unreachable.
    deadline: float = Field(default=DEFAULT_DEADLINE, gt=0, le=3600)
    #: The largest answer read, in MiB; a larger one is refused (never held in memory).
    max_response_mb: float = Field(default=DEFAULT_MAX_RESPONSE_MB, gt=0, le=4096)

    @property
    def max_response_bytes(self) -> int:
        return int(self.max_response_mb * 1024 * 1024)
