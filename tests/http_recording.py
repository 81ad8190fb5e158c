"""Answers of a real engine's HTTP API, recorded once and replayed through the real adapter.

``Recorder`` wraps the network while a recording script drives an adapter against the
engine (scripts/engines/<engine> up), keeping each answer by its request: method, path
and query. ``replay(file)`` is an httpx transport that answers the same requests with
the recorded status, type and body, so the adapter's whole HTTP path (headers, paging,
validation, conversion) runs as it did against the engine, without it.

A request asked again with a query that moves with time (``updated_at_gte`` …) gets the
latest answer recorded for its path (and type); anything never recorded is a 404, as a
server says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

#: Query parameters whose value is a time: matched by path alone when the exact request was not recorded.
MOVING = frozenset({"updated_at_gte", "start_date_gte", "run_after_gte", "end_date_gte"})
#: Response headers worth keeping (the rest are the server's, and change each run).
KEPT_HEADERS = ("content-type", "date")


def request_key(request: httpx.Request) -> str:
    """``GET /path?sorted=query``, and `` accept=TYPE`` when the request asks a type of its own
    (Airflow streams a log as NDJSON to ``Accept: application/x-ndjson``, as JSON otherwise)."""
    query = sorted(parse_qsl(request.url.query.decode(), keep_blank_values=True))
    accept = request.headers.get("accept", "*/*")
    return (f"{request.method} {request.url.path}" + (f"?{urlencode(query)}" if query else "")
            + (f" accept={accept}" if accept != "*/*" else ""))


def _path_key(key: str) -> str:
    path, _, rest = key.partition("?")
    return path + (" " + rest.split(" ", 1)[1] if " " in rest else "")


class Recorder(httpx.AsyncBaseTransport):
    """The network, keeping every answer (the latest of each request) for ``save``; ``scrub``
    replaces texts in the bodies (a temporary folder by the name a screenshot shows)."""

    def __init__(self, scrub: dict[str, str] | None = None) -> None:
        self._network = httpx.AsyncHTTPTransport()
        self.scrub = scrub or {}
        self.answers: dict[str, dict[str, Any]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._network.handle_async_request(request)
        body = await response.aread()
        await response.aclose()
        if self.scrub:
            text = body.decode("utf-8", errors="replace")
            for old, new in self.scrub.items():
                text = text.replace(old, new)
            body = text.encode()
        headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
        self.answers[request_key(request)] = {"status": response.status_code, "headers": headers,
                                              "body": body.decode("utf-8", errors="replace")}
        return httpx.Response(response.status_code, headers=headers, content=body, request=request)

    async def aclose(self) -> None:
        await self._network.aclose()

    def save(self, path: Path, **meta: Any) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({**meta, "answers": dict(sorted(self.answers.items()))}, indent=1,
                                   ensure_ascii=False) + "\n")


class Replay(httpx.AsyncBaseTransport):
    """The recorded answers, as the engine gave them; ``without`` paths answer 404 (a part of the API gone).
    ``missing`` lists what was asked and never recorded (a screenshot taken on an incomplete
    recording checks it is empty, so the gap shows instead of passing)."""

    def __init__(self, recorded: dict[str, dict[str, Any]], without: frozenset[str] = frozenset()) -> None:
        self.recorded = recorded
        self.without = without
        self.asked: list[str] = []
        self.missing: list[str] = []
        self._by_path = {_path_key(key): answer for key, answer in recorded.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = request_key(request)
        self.asked.append(key)
        answer = None if request.url.path in self.without else self.recorded.get(key)
        if answer is None and request.url.path not in self.without and any(
                name in MOVING for name, _ in parse_qsl(request.url.query.decode())):
            answer = self._by_path.get(_path_key(key))
        if answer is None:
            if request.url.path not in self.without:
                self.missing.append(key)
            return httpx.Response(404, json={"detail": "Not Found"}, request=request)
        return httpx.Response(answer["status"], headers=answer["headers"], content=answer["body"].encode(),
                              request=request)


def load(path: Path) -> dict[str, Any]:
    """A recording: its metadata, and its answers under ``answers``."""
    return json.loads(path.read_text())
