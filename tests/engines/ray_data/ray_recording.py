"""HTTP answers recorded once from a real engine and replayed, as httpx transports.

``Recording`` wraps a real transport and keeps, for each request (method, path, query),
the last answer: status, content type and body. ``Replay`` answers a request with what was
recorded for it, and a request never recorded with a 599 naming it (so a snapshot taken
on an incomplete recording shows the gap instead of passing). Only the adapter's own
HTTP client runs on top: every line of the adapter's requests and parsing is the real one.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import httpx


def request_key(request: httpx.Request) -> str:
    query = urlencode(sorted(parse_qsl(request.url.query.decode(), keep_blank_values=True)))
    return f"{request.method} {request.url.path}" + (f"?{query}" if query else "")


class Recording(httpx.AsyncBaseTransport):
    def __init__(self, scrub: dict[str, str] | None = None) -> None:
        self._real = httpx.AsyncHTTPTransport()
        self.scrub = scrub or {}
        self.answers: dict[str, dict[str, object]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._real.handle_async_request(request)
        body = await response.aread()
        await response.aclose()
        text = body.decode("utf-8", errors="replace")
        for old, new in self.scrub.items():
            text = text.replace(old, new)
        self.answers[request_key(request)] = {
            "status": response.status_code,
            "content_type": response.headers.get("content-type", ""),
            "body": text,
        }
        return httpx.Response(response.status_code, headers={"content-type": response.headers.get("content-type", "")},
                              content=text.encode(), request=request)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(dict(sorted(self.answers.items())), indent=1, ensure_ascii=False) + "\n")

    async def aclose(self) -> None:
        await self._real.aclose()


class Replay(httpx.AsyncBaseTransport):
    def __init__(self, path: Path) -> None:
        self.answers: dict[str, dict[str, object]] = json.loads(path.read_text())
        self.missing: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = request_key(request)
        answer = self.answers.get(key)
        if answer is None:
            self.missing.append(key)
            return httpx.Response(599, text=f"not in the recording: {key}", request=request)
        return httpx.Response(int(answer["status"]), headers={"content-type": str(answer["content_type"])},
                              content=str(answer["body"]).encode(), request=request)
