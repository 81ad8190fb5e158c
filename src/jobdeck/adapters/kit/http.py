"""The HTTP helper every HTTP adapter uses: one place for timeouts, deadlines,
size limits, retries, Retry-After and the mapping of HTTP failures to
``jobdeck.errors`` kinds. Adapters import it all from here: ``HttpAdapter``
(their base: constructor, ``connect()``, TLS, the shared settings of
``http_settings``), ``HttpClient`` (``http_client``) and the helpers beside them
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
are decoded in a thread (``jobdeck.adapters.kit.http_body``).

Retries: GET and HEAD (or ``retry=True``) get ``retries`` extra attempts on
Unreachable-class failures and 429, waiting through the injected clock
(Retry-After when the backend gives one, up to the wait policy's cap:
``jobdeck.adapters.kit.http_waits``; a longer one fails the request at once).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import httpx

from jobdeck.adapters.base import Adapter, BackendSettings
from jobdeck.adapters.kit.http_batch import CONCURRENT_REQUESTS, NotRun, all_results, gather_bounded
from jobdeck.adapters.kit.http_client import MAX_RETRY_AFTER, HttpClient
from jobdeck.adapters.kit.http_errors import default_error_message, validate
from jobdeck.adapters.kit.http_settings import HttpBackendSettings
from jobdeck.adapters.kit.http_waits import parse_retry_after
from jobdeck.adapters.kit.tls import TLS_OFF_WARNING, tls_words
from jobdeck.clock import Clock
from jobdeck.errors import Unreachable
from jobdeck.redact import secret_values

__all__ = [  # what adapters (and tests) import from here, wherever it lives
    "CONCURRENT_REQUESTS",
    "MAX_RETRY_AFTER",
    "HttpAdapter",
    "HttpBackendSettings",
    "HttpClient",
    "NotRun",
    "all_results",
    "default_error_message",
    "gather_bounded",
    "parse_retry_after",
    "validate",
]


class HttpAdapter(Adapter):
    """Base of the adapters that speak HTTP: one ``HttpClient``, made by ``connect()``
    when the monitor opens the adapter and closed with it.

    A subclass names its ``Settings`` (an ``HttpBackendSettings``), says how it
    authenticates (``auth_headers``), how its backend words an error
    (``error_message``) and what ``jobdeck info`` shows of it (``describe_backend``);
    the base URL, TLS verification, timeouts, deadline and size limit are the
    settings', the same for every kind. So is the warning when verification is off.

    ``transport`` replaces the network (``emulator.transport()`` in tests).
    """

    Settings: ClassVar[type[BackendSettings]] = HttpBackendSettings
    settings: HttpBackendSettings

    def __init__(
        self,
        settings: BackendSettings,
        *,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not isinstance(settings, self.Settings):
            raise TypeError(f"{type(self).__name__} takes {self.Settings.__name__}, not {type(settings).__name__}")
        super().__init__(settings, clock=clock)
        self._transport = transport
        self._http: HttpClient | None = None
        #: The client of long-lived streams (made when first asked for, closed with the adapter).
        self._stream_http: HttpClient | None = None

    # -- what a subclass says about its backend ------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        """The headers that carry the credentials, read from the environment
        (``base.read_secret``: AuthFailed when one is missing). Default: none."""
        return {}

    def error_message(self, response: httpx.Response) -> str | None:
        """The backend's own words from an error answer (secrets are scrubbed afterwards)."""
        return default_error_message(response)

    def describe_backend(self) -> dict[str, str]:
        """This backend's lines for ``jobdeck info``, between its kind and its TLS (no secrets)."""
        return {"url": self.settings.api_url}

    # -- the client -------------------------------------------------------------------------

    def connect(self) -> HttpClient:
        """The client for this backend. Reads its secrets: AuthFailed when one is missing."""
        return self.new_client(headers=self.auth_headers())

    def new_client(
        self,
        base_url: str | None = None,
        *,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        backend: str | None = None,
    ) -> HttpClient:
        """An ``HttpClient`` with this adapter's clock, transport, TLS, limits, error words and
        (unless given) base URL, timeout and name.

        Every secret the settings configure is scrubbed out of its error messages.
        """
        settings = self.settings
        return HttpClient(
            backend=backend or self.name,
            base_url=base_url or settings.api_url,
            clock=self.clock,
            headers=headers,
            timeout=settings.timeout if timeout is None else timeout,
            verify=settings.verify,
            transport=self._transport,
            error_message=self.error_message,
            deadline=settings.deadline,
            max_response_bytes=settings.max_response_bytes,
            secrets=secret_values(dict(settings)),
        )

    async def open(self) -> None:
        if self._http is None:
            self._http = self.connect()

    async def close(self) -> None:
        streams, self._stream_http = self._stream_http, None
        http, self._http = self._http, None
        try:
            if streams is not None:
                await streams.aclose()
        finally:
            if http is not None:
                await http.aclose()

    def stream_client(self, timeout: float) -> HttpClient:
        """The client of long-lived streams (followed logs, event streams): connections of its
        own, since a stream holds one for as long as it lasts, and ``timeout`` as its read timeout
        (one that outlasts the stream's quiet spells). Made when first asked for, once the adapter
        is open (Unreachable before), and closed with it."""
        if self._stream_http is None:
            self.http  # noqa: B018 - Unreachable when not open
            self._stream_http = self.new_client(timeout=timeout, headers=self.auth_headers())
        return self._stream_http

    @property
    def http(self) -> HttpClient:
        if self._http is None:
            raise Unreachable(f"{self.name}: not connected (open() has not succeeded)")
        return self._http

    # -- what every HTTP backend tells --------------------------------------------------------

    def describe(self) -> dict[str, str]:
        info = {"kind": self.kind, **self.describe_backend(), "tls": tls_words(self.settings.verify)}
        warnings = self.warnings()
        if warnings:
            info["warning"] = "; ".join(warnings)
        return info

    def warnings(self) -> tuple[str, ...]:
        # Verification off is allowed (self-signed lab servers), and never quiet.
        return (TLS_OFF_WARNING,) if self.settings.verify is False else ()
