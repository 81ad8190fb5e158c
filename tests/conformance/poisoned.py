"""A transport wrapper that rewrites an emulator's JSON answers: the "poisoned answer"
of the conformance suite.

``Poisoned(emulator.transport())`` passes every request on; while ``rewrite`` is
set, the JSON body of each successful answer is decoded, handed to
``rewrite(body)`` and sent on re-encoded. Other answers (errors, logs, event
streams, HEAD) pass untouched. A backend thus says anything a test needs (a
raw state its contract lists, or one no contract knows) without the emulator
learning to say it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

Rewrite = Callable[[Any], Any]


class Poisoned(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.rewrite: Rewrite | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        rewrite = self.rewrite
        is_json = "json" in response.headers.get("content-type", "")
        if rewrite is None or not is_json or request.method == "HEAD" or not 200 <= response.status_code < 300:
            return response
        try:
            body = json.loads(await response.aread())
        finally:
            await response.aclose()
        headers = [(key, value) for key, value in response.headers.raw if key.lower() != b"content-length"]
        return httpx.Response(response.status_code, headers=headers, json=rewrite(body), request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def rewrite_dicts(body: Any, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """``body`` with ``change`` applied to every dict in it, innermost first."""
    if isinstance(body, list):
        return [rewrite_dicts(item, change) for item in body]
    if isinstance(body, dict):
        return change({key: rewrite_dicts(value, change) for key, value in body.items()})
    return body
