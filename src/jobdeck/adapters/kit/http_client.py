"""``HttpClient``: one backend's httpx client, which raises only ``jobdeck.errors`` kinds
(the table of failures, bounds and retries is in ``jobdeck.adapters.kit.http``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Container, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx

from jobdeck.adapters.kit.http_body import (
    DEFAULT_MAX_RESPONSE_MB,
    MIB,
    BodyTooLarge,
    error_body_cleaned,
    loads,
    loads_off_loop,
    read_within,
    with_body,
    without_lone_surrogates,
)
from jobdeck.adapters.kit.http_errors import Failures, default_error_message, seconds, short
from jobdeck.adapters.kit.http_paths import path_only, without_credentials
from jobdeck.adapters.kit.http_settings import DEFAULT_DEADLINE
from jobdeck.adapters.kit.http_waits import DECK_MAX_RETRY_AFTER, parse_retry_after, wait_policy
from jobdeck.adapters.kit.tls import Verify, httpx_verify
from jobdeck.clock import Clock
from jobdeck.errors import AdapterError, BadResponse, Unreachable
from jobdeck.redact import SecretScrubber, header_secrets

#: The longest Retry-After the deck waits for inside one request (seconds).
MAX_RETRY_AFTER = DECK_MAX_RETRY_AFTER
#: First backoff between attempts after an Unreachable-class failure; doubles each time.
BACKOFF_SECONDS = 0.5
#: Methods retried without being asked (they change nothing on the backend).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD"})
#: The largest answer read by default (bytes).
DEFAULT_MAX_RESPONSE_BYTES = DEFAULT_MAX_RESPONSE_MB * MIB

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
        verify: Verify | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
        retries: int = 2,
        error_message: ErrorMessage | None = None,
        deadline: float = DEFAULT_DEADLINE,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        secrets: Iterable[str] = (),
    ) -> None:
        self.backend = backend
        self.clock = clock
        self.timeout = timeout
        self.deadline = deadline
        self.max_response_bytes = max_response_bytes
        self.retries = max(0, retries)
        self.error_message = error_message or default_error_message
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers=dict(headers or {}),
            timeout=timeout,
            verify=httpx_verify(verify) if transport is None else True,
            transport=transport,
        )
        where = without_credentials(self._client.base_url)
        self._fail = Failures(backend, where, timeout, deadline, max_response_bytes)
        in_url = [self._client.base_url.password or ""]
        self._scrub = SecretScrubber([*secrets, *header_secrets(headers or {}), *in_url])

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
        """Send a request; the response if its status is in ``expect``, else an AdapterError.

        The whole of it, retries and waits included, takes at most ``deadline`` seconds.
        """
        method = method.upper()
        what = f"{method} {path_only(path)}"
        attempts = 1 + (self.retries if (method in IDEMPOTENT_METHODS if retry is None else retry) else 0)
        deadline = asyncio.timeout(self.deadline)
        try:
            async with deadline:
                for attempt in range(attempts):
                    last = attempt == attempts - 1
                    try:
                        response = await self._exchange(
                            method, path, what, params=params, json=json, content=content, headers=headers
                        )
                        self._check(response, what, expect)
                        return response
                    except (httpx.HTTPError, httpx.InvalidURL) as exc:
                        error = self._transport_error(exc, what)
                        if last:
                            raise error from None
                        await self.clock.sleep(self._backoff(attempt))
                    except _RateLimited as limited:
                        await self.clock.sleep(self._rate_limit_wait(limited, what, attempt, last, deadline))
                    except Unreachable:
                        if last:
                            raise
                        await self.clock.sleep(self._backoff(attempt))
        except TimeoutError:
            if not deadline.expired():
                raise
            raise self._fail.past_deadline(what) from None
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns or raises

    async def get_json(
        self,
        path: str,
        *,
        params: Params = None,
        headers: Mapping[str, str] | None = None,
        expect: Container[int] = (200,),
    ) -> Any:
        """GET ``path`` and decode its JSON body (BadResponse if it is not JSON).

        A large body is decoded off the event loop (the deck's monitor shares the UI's loop).
        """
        response = await self.request("GET", path, params=params, headers=headers, expect=expect)
        try:
            return await loads_off_loop(response.content)
        except ValueError as exc:
            raise self._not_json(response, exc) from None

    def decode_json(self, response: httpx.Response) -> Any:
        """The JSON body of ``response``; BadResponse if it is not valid JSON (or cut short)."""
        try:
            return loads(response.content)
        except ValueError as exc:
            raise self._not_json(response, exc) from None

    def stream(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        headers: Mapping[str, str] | None = None,
        expect: Container[int] = (200, 206),
        wait: float | None = None,
    ) -> AbstractAsyncContextManager[httpx.Response]:
        """A streamed response (``async with``); a connection dropped while reading raises Unreachable.

        Not retried: a stream that broke is resumed by the caller (from the
        byte offset it got to), not started again. The deadline bounds the
        wait for its start (and an error's body), not the stream itself:
        an event stream may rightly last for ever. ``wait``: seconds the
        server may take to start answering, and between two reads, where it
        rightly takes longer than the deadline and timeout (a server that
        reads a huge file whole before its first byte).
        """
        return self._stream(method.upper(), path, params=params, headers=headers, expect=expect, wait=wait)

    @asynccontextmanager
    async def _stream(
        self, method: str, path: str, *, params: Params, headers: Mapping[str, str] | None, expect: Container[int],
        wait: float | None = None,
    ) -> AsyncIterator[httpx.Response]:
        what = f"{method} {path_only(path)}"
        deadline = asyncio.timeout(max(self.deadline, wait or 0.0))
        patient = {}
        if wait is not None:
            patient["timeout"] = httpx.Timeout(**(self._client.timeout.as_dict() | {"read": max(self.timeout, wait)}))
        try:
            async with deadline:
                request = self._client.build_request(method, path, params=params, headers=headers, **patient)
                response = await self._client.send(request, stream=True)
                if response.status_code not in expect:
                    try:
                        failed = await self._read(response, what)
                    finally:
                        await response.aclose()
                    self._check(failed, what, expect)
        except TimeoutError:
            if not deadline.expired():
                raise
            raise self._fail.past_deadline(what) from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise self._transport_error(exc, what) from None
        except _RateLimited as limited:
            raise self._fail.rate_limited(what, limited.retry_after) from None
        try:
            try:
                yield response
            except httpx.HTTPError as exc:
                raise self._transport_error(exc, what) from None
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _exchange(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Params,
        json: Any,
        content: bytes | str | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        """One request and its whole answer, read within the size limit."""
        request = self._client.build_request(method, path, params=params, json=json, content=content, headers=headers)
        response = await self._client.send(request, stream=True)
        try:
            return await self._read(response, what)
        finally:
            await response.aclose()

    async def _read(self, response: httpx.Response, what: str) -> httpx.Response:
        """``response`` with its body read (within the limit); an error body has the secrets scrubbed
        out, and its lone surrogates replaced."""
        try:
            body = await read_within(response, self.max_response_bytes)
        except BodyTooLarge as large:
            raise self._fail.too_large(what, large.size) from None
        if response.status_code >= 400:
            body = error_body_cleaned(self._scrub.data(body))
        return with_body(response, body)

    # -- mapping failures ---------------------------------------------------------------

    def _check(self, response: httpx.Response, what: str, expect: Container[int]) -> None:
        status = response.status_code
        if status in expect:
            return
        if status == 429:
            raise _RateLimited(parse_retry_after(response.headers.get("Retry-After"), self.clock))
        raise self._fail.status(status, what, self._backend_text(response))

    def _backend_text(self, response: httpx.Response) -> str:
        try:
            text = self.error_message(response)
        except Exception:  # a backend's odd error body must not hide the status
            text = None
        return short(self._scrub.text(without_lone_surrogates(text or "")))

    def _rate_limit_wait(
        self, limited: _RateLimited, what: str, attempt: int, last: bool, deadline: asyncio.Timeout
    ) -> float:
        """How long to wait before the next attempt after a 429; Unreachable when not waiting."""
        asked, policy = limited.retry_after, wait_policy()
        if asked is not None:
            # Not waited for at all when it is too long: the caller (the monitor's backoff) waits instead.
            when = deadline.when()
            left = when - asyncio.get_running_loop().time() if when is not None else float("inf")
            if asked > policy.max_retry_after:
                why = f"longer than jobdeck waits ({seconds(policy.max_retry_after)} s)"
                raise self._fail.rate_limited(what, asked, why)
            if asked > left:
                why = f"longer than is left of the {seconds(self.deadline)} s deadline"
                raise self._fail.rate_limited(what, asked, why)
        if last:
            raise self._fail.rate_limited(what, asked)
        wait = self._backoff(attempt) if asked is None else asked
        if policy.report is not None:
            policy.report(f"{self.backend}: rate limited, retrying in {seconds(wait)} s")
        return wait

    def _not_json(self, response: httpx.Response, exc: ValueError) -> BadResponse:
        path = response.request.url.path
        base = self._client.base_url.path.rstrip("/")
        return self._fail.not_json(f"{response.request.method} {path.removeprefix(base) if base else path}", exc)

    def _transport_error(self, exc: httpx.HTTPError | httpx.InvalidURL, what: str) -> AdapterError:
        return self._fail.transport(exc, what, short(self._scrub.text(str(exc))))

    def _backoff(self, attempt: int) -> float:
        return BACKOFF_SECONDS * 2**attempt

