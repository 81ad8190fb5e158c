"""The HTTP helper every HTTP adapter uses: one place for timeouts, retries,
Retry-After and the mapping of HTTP failures to ``jobdeck.errors`` kinds.

Adapters never handle httpx errors themselves: ``HttpClient`` raises only
``AdapterError`` kinds, with messages that start with the backend's name and
say what was asked (method and path, never the query string, headers or
body, which may hold credentials).

| failure                                         | raised                              |
|-------------------------------------------------|-------------------------------------|
| connect error, timeout, dropped connection, 5xx | ``Unreachable``                     |
| 401, 403                                        | ``AuthFailed``                      |
| 404                                             | ``NotFound``                        |
| 429 (after the retries)                         | ``Unreachable(retry_after=...)``    |
| any other status not in ``expect``              | ``BadResponse`` (backend's own text)|
| a body that is not JSON (or is cut short)       | ``BadResponse``                     |

Retries: GET and HEAD (or ``retry=True``) get ``retries`` extra attempts on
Unreachable-class failures and 429, waiting through the injected clock
(Retry-After when the backend gives one, capped at MAX_RETRY_AFTER).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import ssl
from abc import abstractmethod
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Container,
    Mapping,
    Sequence,
)
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypeVar, overload

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from jobdeck.adapters.base import Adapter, BackendSettings
from jobdeck.clock import Clock
from jobdeck.errors import AdapterError, AuthFailed, BadResponse, NotFound, Unreachable

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

#: The longest Retry-After the client waits for before giving up (seconds).
MAX_RETRY_AFTER = 30.0
#: First backoff between attempts after an Unreachable-class failure; doubles each time.
BACKOFF_SECONDS = 0.5
#: Methods retried without being asked (they change nothing on the backend).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD"})
#: How much of a backend's error text goes into a message.
ERROR_TEXT_LIMIT = 200
#: How many requests of one batch (a poll's counts) ``gather_bounded`` keeps in flight at once.
CONCURRENT_REQUESTS = 8

ErrorMessage = Callable[[httpx.Response], str | None]
Params = Mapping[str, Any] | None


class _RateLimited(Exception):
    """A 429 still to be retried (internal)."""

    def __init__(self, retry_after: float | None) -> None:
        self.retry_after = retry_after


class HttpClient:
    """An httpx client for one backend that raises only ``jobdeck.errors`` kinds."""

    def __init__(
        self,
        *,
        backend: str,
        base_url: str,
        clock: Clock,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
        retries: int = 2,
        error_message: ErrorMessage | None = None,
    ) -> None:
        self.backend = backend
        self.clock = clock
        self.timeout = timeout
        self.retries = max(0, retries)
        self.error_message = error_message or default_error_message
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers=dict(headers or {}),
            timeout=timeout,
            verify=_ssl_context(verify) if transport is None else True,
            transport=transport,
        )
        self._where = _without_credentials(self._client.base_url)

    # -- requests -----------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        json: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        expect: Container[int] = (200,),
        retry: bool | None = None,
    ) -> httpx.Response:
        """Send a request; the response if its status is in ``expect``, else an AdapterError."""
        method = method.upper()
        what = f"{method} {_path_only(path)}"
        attempts = 1 + (self.retries if (method in IDEMPOTENT_METHODS if retry is None else retry) else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = await self._client.request(
                    method, path, params=params, json=json, content=content, headers=headers
                )
                self._check(response, what, expect)
                return response
            except httpx.HTTPError as exc:
                error = self._transport_error(exc, what)
                if last:
                    raise error from None
                await self.clock.sleep(self._backoff(attempt))
            except _RateLimited as limited:
                if last:
                    raise Unreachable(
                        f"{self.backend}: {what} was refused: too many requests (HTTP 429)"
                        + (f"; retry after {limited.retry_after:g} s" if limited.retry_after is not None else ""),
                        retry_after=limited.retry_after,
                    ) from None
                await self.clock.sleep(
                    self._backoff(attempt) if limited.retry_after is None else min(limited.retry_after, MAX_RETRY_AFTER)
                )
            except Unreachable:
                if last:
                    raise
                await self.clock.sleep(self._backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns or raises

    async def get_json(
        self,
        path: str,
        *,
        params: Params = None,
        headers: Mapping[str, str] | None = None,
        expect: Container[int] = (200,),
    ) -> Any:
        """GET ``path`` and decode its JSON body (BadResponse if it is not JSON)."""
        response = await self.request("GET", path, params=params, headers=headers, expect=expect)
        return self.decode_json(response)

    def decode_json(self, response: httpx.Response) -> Any:
        """The JSON body of ``response``; BadResponse if it is not valid JSON (or cut short)."""
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError) as exc:
            path = response.request.url.path
            base = self._client.base_url.path.rstrip("/")
            what = f"{response.request.method} {path.removeprefix(base) if base else path}"
            raise BadResponse(f"{self.backend}: {what}: the response is not valid JSON ({_short(exc)})") from None

    def stream(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        headers: Mapping[str, str] | None = None,
        expect: Container[int] = (200, 206),
    ) -> AbstractAsyncContextManager[httpx.Response]:
        """A streamed response (``async with``); a connection dropped while reading raises Unreachable.

        Not retried: a stream that broke is resumed by the caller (from the
        byte offset it got to), not started again.
        """
        return self._stream(method.upper(), path, params=params, headers=headers, expect=expect)

    @asynccontextmanager
    async def _stream(
        self, method: str, path: str, *, params: Params, headers: Mapping[str, str] | None, expect: Container[int]
    ) -> AsyncIterator[httpx.Response]:
        what = f"{method} {_path_only(path)}"
        request = self._client.build_request(method, path, params=params, headers=headers)
        try:
            response = await self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc, what) from None
        try:
            if response.status_code not in expect:
                try:
                    await response.aread()
                except httpx.HTTPError as exc:
                    raise self._transport_error(exc, what) from None
                try:
                    self._check(response, what, expect)
                except _RateLimited as limited:
                    raise Unreachable(
                        f"{self.backend}: {what} was refused: too many requests (HTTP 429)",
                        retry_after=limited.retry_after,
                    ) from None
            try:
                yield response
            except httpx.HTTPError as exc:
                raise self._transport_error(exc, what) from None
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- mapping failures ---------------------------------------------------------------

    def _check(self, response: httpx.Response, what: str, expect: Container[int]) -> None:
        status = response.status_code
        if status in expect:
            return
        text = self._backend_text(response)
        said = f": {text}" if text else ""
        if status == 429:
            raise _RateLimited(parse_retry_after(response.headers.get("Retry-After"), self.clock))
        if status >= 500:
            raise Unreachable(f"{self.backend}: {what} failed on the server (HTTP {status}){said}")
        if status in (401, 403):
            reason = "the credentials were rejected" if status == 401 else "permission denied"
            raise AuthFailed(f"{self.backend}: {what}: {reason} (HTTP {status}){said}")
        if status == 404:
            raise NotFound(f"{self.backend}: {what}: not found (HTTP 404){said}")
        raise BadResponse(f"{self.backend}: {what}: unexpected HTTP {status}{said}")

    def _backend_text(self, response: httpx.Response) -> str:
        try:
            text = self.error_message(response)
        except Exception:  # a backend's odd error body must not hide the status
            text = None
        return _short(text or "")

    def _transport_error(self, exc: httpx.HTTPError, what: str) -> AdapterError:
        if isinstance(exc, httpx.TimeoutException):
            return Unreachable(f"{self.backend}: {what} timed out after {self.timeout:g} s")
        if isinstance(exc, httpx.ConnectError):
            reason = _short(exc) or "connection refused"
            return Unreachable(f"{self.backend}: cannot connect to {self._where} ({reason})")
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return Unreachable(f"{self.backend}: {what}: bad address {self._where} ({_short(exc)})")
        if isinstance(exc, httpx.DecodingError):
            return BadResponse(f"{self.backend}: {what}: the response could not be decoded ({_short(exc)})")
        return Unreachable(f"{self.backend}: {what}: the connection broke ({_short(exc) or type(exc).__name__})")

    def _backoff(self, attempt: int) -> float:
        return BACKOFF_SECONDS * 2**attempt


# -- helpers adapters use too ------------------------------------------------------------


async def gather_bounded(
    calls: Sequence[Callable[[], Awaitable[T]]], *, limit: int = CONCURRENT_REQUESTS
) -> list[T | Exception]:
    """Run ``calls`` concurrently, at most ``limit`` at once.

    Their outcomes in the order of ``calls``: the result, or the exception it
    raised. A caller that goes through them in order and stops at the first
    exception does what a loop awaiting the calls one by one would have done.
    Once a call has failed, the later calls not yet started are not started at
    all (their outcome is ``NotRun``), so a failing backend is not asked
    everything anyway; the earlier ones still run, so the order holds.
    """
    gate = asyncio.Semaphore(limit)
    first_failed = len(calls)

    async def run(index: int, call: Callable[[], Awaitable[T]]) -> T:
        nonlocal first_failed
        async with gate:
            if index > first_failed:
                raise NotRun
            try:
                return await call()
            except Exception:
                first_failed = min(first_failed, index)
                raise

    outcomes = await asyncio.gather(*(run(index, call) for index, call in enumerate(calls)), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
            raise outcome  # cancellation and the like are never an outcome
    return outcomes  # type: ignore[return-value]  # BaseExceptions were raised above


def all_results(outcomes: Sequence[T | Exception]) -> list[T]:
    """The results of a ``gather_bounded`` batch that needs them all: its first exception is raised instead.

    First in the order of the calls, as a loop awaiting them one by one would have raised it.
    """
    results: list[T] = []
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            raise outcome
        results.append(outcome)
    return results


class NotRun(Exception):
    """The outcome of a ``gather_bounded`` call left out because an earlier one failed."""


def parse_retry_after(value: str | None, clock: Clock) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date), capped; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        seconds = (when - clock.now()).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def default_error_message(response: httpx.Response) -> str | None:
    """The usual places a backend puts its error text: ``message``, ``detail``, ``error``."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return response.reason_phrase or None
    for key in ("message", "detail", "error", "Messages"):
        value = body.get(key) if isinstance(body, dict) else None
        if isinstance(value, dict):
            value = value.get("message")
        if isinstance(value, list):
            value = "; ".join(str(item) for item in value)
        if value:
            return str(value)
    return response.reason_phrase or None


@overload
def validate(model: type[M], data: Any, *, what: str, backend: str) -> M: ...
@overload
def validate(model: TypeAdapter[T], data: Any, *, what: str, backend: str) -> T: ...
def validate(model: type[BaseModel] | TypeAdapter[Any], data: Any, *, what: str, backend: str) -> Any:
    """``data`` validated by a pydantic model or TypeAdapter; BadResponse naming the first bad fields."""
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_python(data)
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        problems = [f"{_location(error['loc'])}: {error['msg']}" for error in errors[:3]]
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise BadResponse(f"{backend}: {what} is not in the expected format: {'; '.join(problems)}{more}") from None


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def _ssl_context(verify: bool | str) -> ssl.SSLContext | bool:
    if isinstance(verify, str):
        try:
            return ssl.create_default_context(cafile=verify)
        except (OSError, ssl.SSLError) as exc:
            raise AdapterError(f"cannot use the CA file {verify}: {_short(exc)}") from None
    return verify


def _path_only(path: str) -> str:
    # Query strings can carry credentials (DRP's ?token=): never in a message.
    return path.split("?", 1)[0]


def _without_credentials(url: httpx.URL) -> str:
    return str(url.copy_with(username=None, password=None, query=None)).rstrip("/")


def _short(text: object) -> str:
    one_line = " ".join(str(text).split())
    return one_line if len(one_line) <= ERROR_TEXT_LIMIT else one_line[: ERROR_TEXT_LIMIT - 1] + "…"


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
        """An ``HttpClient`` with this adapter's clock, transport and (unless given) name."""
        return HttpClient(
            backend=backend or self.name,
            base_url=base_url,
            clock=self.clock,
            headers=headers,
            timeout=timeout,
            verify=verify,
            transport=self._transport,
            error_message=error_message,
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
