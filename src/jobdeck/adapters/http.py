"""The HTTP helper every HTTP adapter uses: one place for timeouts, deadlines,
size limits, retries, Retry-After and the mapping of HTTP failures to
``jobdeck.errors`` kinds. Adapters import it all from here: ``HttpAdapter``
(their base), ``HttpClient`` (``http_client``) and the helpers beside them
(``http_batch``, ``http_body``, ``http_errors``, ``http_paths``, ``http_waits``).

Adapters never handle httpx errors themselves: ``HttpClient`` raises only
``AdapterError`` kinds, with messages that start with the backend's name and
say what was asked (method and path, never the query string, headers or
body, which may hold credentials). Error bodies, and every message built
from an answer, have the backend's secrets scrubbed out by value
(``jobdeck.redact.SecretScrubber``): a server echoing the request's
Authorization header in its 401 never gets the token shown.

| failure                                         | raised                              |
|-------------------------------------------------|-------------------------------------|
| connect error, timeout, dropped connection, 5xx | ``Unreachable``                     |
| no complete answer within ``deadline`` seconds  | ``Unreachable``                     |
| 401, 403                                        | ``AuthFailed``                      |
| 404                                             | ``NotFound``                        |
| 429 (after the retries)                         | ``Unreachable(retry_after=...)``    |
| any other status not in ``expect``              | ``BadResponse`` (backend's own text)|
| a body that is not JSON (or is cut short)       | ``BadResponse``                     |
| a body larger than ``max_response_bytes``       | ``BadResponse``                     |

Bounds: ``timeout`` is httpx's (to connect, and between two pieces of an
answer); ``deadline`` bounds a whole request, retries and waits included, so
a server trickling its body a byte a second cannot hold a poll for ever.
Bodies are read as a stream within ``max_response_bytes``; large JSON bodies
are decoded in a thread (``jobdeck.adapters.http_body``).

Retries: GET and HEAD (or ``retry=True``) get ``retries`` extra attempts on
Unreachable-class failures and 429, waiting through the injected clock
(Retry-After when the backend gives one, up to the wait policy's cap:
``jobdeck.adapters.http_waits``; a longer one fails the request at once).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping

import httpx

from jobdeck.adapters.base import Adapter, BackendSettings
from jobdeck.adapters.http_batch import CONCURRENT_REQUESTS, NotRun, all_results, gather_bounded
from jobdeck.adapters.http_client import (
    DEFAULT_MAX_RESPONSE_BYTES,
    MAX_RETRY_AFTER,
    ErrorMessage,
    HttpClient,
)
from jobdeck.adapters.http_errors import default_error_message, validate
from jobdeck.adapters.http_settings import DEFAULT_DEADLINE, HttpBackendSettings
from jobdeck.adapters.http_waits import parse_retry_after
from jobdeck.clock import Clock
from jobdeck.errors import Unreachable
from jobdeck.redact import secret_values

__all__ = [  # what adapters (and tests) import from here, wherever it lives
    "CONCURRENT_REQUESTS",
    "MAX_RETRY_AFTER",
    "HttpAdapter",
    "HttpClient",
    "NotRun",
    "all_results",
    "default_error_message",
    "gather_bounded",
    "parse_retry_after",
    "validate",
]


class HttpAdapter(Adapter):
    """Base of the adapters that speak HTTP: one ``HttpClient``, made by
    ``connect()`` when the monitor opens the adapter and closed with it.

    ``transport`` replaces the network (``emulator.transport()`` in tests).
    """

    def __init__(
        self,
        settings: BackendSettings,
        *,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(settings, clock=clock)
        self._transport = transport
        self._http: HttpClient | None = None

    @abstractmethod
    def connect(self) -> HttpClient:
        """The client for this backend. Reads its secrets: AuthFailed when one is missing."""

    def new_client(
        self,
        base_url: str,
        *,
        timeout: float,
        verify: bool | str = True,
        headers: Mapping[str, str] | None = None,
        error_message: ErrorMessage | None = None,
        backend: str | None = None,
    ) -> HttpClient:
        """An ``HttpClient`` with this adapter's clock, transport, limits and (unless given) name.

        Every secret the settings configure is scrubbed out of its error messages.
        """
        limits = self.settings if isinstance(self.settings, HttpBackendSettings) else None
        return HttpClient(
            backend=backend or self.name,
            base_url=base_url,
            clock=self.clock,
            headers=headers,
            timeout=timeout,
            verify=verify,
            transport=self._transport,
            error_message=error_message,
            deadline=limits.deadline if limits else DEFAULT_DEADLINE,
            max_response_bytes=limits.max_response_bytes if limits else DEFAULT_MAX_RESPONSE_BYTES,
            secrets=secret_values(dict(self.settings)),
        )

    async def open(self) -> None:
        if self._http is None:
            self._http = self.connect()

    async def close(self) -> None:
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()

    @property
    def http(self) -> HttpClient:
        if self._http is None:
            raise Unreachable(f"{self.name}: not connected (open() has not succeeded)")
        return self._http
