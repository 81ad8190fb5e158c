"""Reading an answer's body within a size limit, and decoding its JSON.

- ``read_within``: the body of a streamed response, refused as soon as it
  passes the limit (Content-Length is checked before reading; a body without
  one is counted while it arrives), so a 200 MB answer never sits in memory.
- ``loads``: JSON from a body; a lone surrogate (``"\\ud800"``, or its raw
  bytes) becomes U+FFFD, so one bad field never fails a poll (such a string
  cannot be written as UTF-8 anywhere later). The check is a fast search of
  the raw body; strings are only walked when it finds a candidate.
- ``loads_off_loop``: the same for large bodies, in a thread, in pieces.
  ``json.loads`` holds the GIL for a whole document (a 30 MB list stalls the
  event loop 0.4 s even from a thread), so a large body is decoded element by
  element of its outer list or object (and of a list or object inside that:
  ``{"items": [...]}``), letting the loop run between elements.
"""

from __future__ import annotations

import asyncio
import json
import re
from json.decoder import JSONDecoder
from typing import Any

import httpx

from jobdeck.surrogates import LONE_SURROGATE, replace_lone_surrogates

#: The largest answer read by default (MiB): generous, far above any page a backend sends.
DEFAULT_MAX_RESPONSE_MB = 64
MIB = 1024 * 1024
#: Bodies at least this large are decoded in a thread, off the event loop (the deck's UI loop).
THREAD_DECODE_BYTES = 1 * MIB
#: How deep ``loads_off_loop`` splits a document into pieces (the outer object, and a list in it).
_SPLIT_DEPTH = 2

#: A ``\ud800``–``\udfff`` escape (its literal prefix makes the search fast).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
#: A raw UTF-8-encoded surrogate (json reads bytes with surrogatepass).
_RAW_SURROGATE = re.compile(rb"\xed[\xa0-\xbf]")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_scan_once = JSONDecoder().scan_once


class BodyTooLarge(Exception):
    """The body is larger than the limit (``size``: what Content-Length said, if it said)."""

    def __init__(self, size: int | None) -> None:
        self.size = size


async def read_within(response: httpx.Response, limit: int) -> bytes:
    """The (decoded) body of a streamed ``response``; BodyTooLarge once it passes ``limit`` bytes."""
    if response.request.method == "HEAD":
        return b""  # its Content-Length is that of the GET's body, which is not sent
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(int(declared))
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(None)
    return bytes(body)


def with_body(response: httpx.Response, body: bytes) -> httpx.Response:
    """A plain response like the streamed ``response``, holding ``body`` (already decompressed)."""
    headers = response.headers
    if "Content-Encoding" in headers:
        headers = httpx.Headers(
            [(k, v) for k, v in headers.multi_items() if k.lower() not in ("content-encoding", "content-length")]
        )
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        extensions=response.extensions,
    )


def loads(content: bytes | str) -> Any:
    """JSON from ``content`` with lone surrogates replaced; ValueError if it is not JSON.

    Bytes that are not valid UTF-8 are read with U+FFFD in their place rather
    than failing the whole answer.
    """
    try:
        data = json.loads(content)
    except UnicodeDecodeError:
        assert isinstance(content, bytes)
        data = json.loads(content.decode(json.detect_encoding(content), "replace"))
    return without_lone_surrogates(data) if _may_hold_surrogate(content) else data


async def loads_off_loop(content: bytes) -> Any:
    """``loads(content)``; in a thread and in pieces from THREAD_DECODE_BYTES on."""
    if len(content) < THREAD_DECODE_BYTES:
        return loads(content)
    return await asyncio.to_thread(_loads_in_pieces, content)


def error_body_cleaned(body: bytes) -> bytes:
    """A JSON error body with its lone surrogates replaced; any other body as it is.

    Adapters read error bodies themselves (``response.json()``) for the text of a
    refused action: it must be writable like everything else from a backend.
    """
    if not _may_hold_surrogate(body):
        return body
    try:
        return json.dumps(loads(body)).encode()
    except ValueError:
        return body


def without_lone_surrogates(data: Any) -> Any:
    """``data`` (decoded JSON) with every lone surrogate in its strings, keys included, replaced by U+FFFD."""
    if isinstance(data, str):
        return replace_lone_surrogates(data)
    if isinstance(data, dict):
        return {without_lone_surrogates(key): without_lone_surrogates(value) for key, value in data.items()}
    if isinstance(data, list):
        return [without_lone_surrogates(item) for item in data]
    return data


def _may_hold_surrogate(content: bytes | str) -> bool:
    if isinstance(content, str):
        return "\\ud" in content or "\\uD" in content or LONE_SURROGATE.search(content) is not None
    # About 5 % of json.loads' time; a single-byte `in` is a memchr.
    if _SURROGATE_ESCAPE.search(content) is not None:
        return True
    return b"\xed" in content and _RAW_SURROGATE.search(content) is not None


def _loads_in_pieces(content: bytes) -> Any:
    encoding = json.detect_encoding(content)
    try:
        text = content.decode(encoding, "surrogatepass")
    except UnicodeDecodeError:
        text = content.decode(encoding, "replace")
    data, end = _value(text, _skip(text, 0), _SPLIT_DEPTH)
    end = _skip(text, end)
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return without_lone_surrogates(data) if _may_hold_surrogate(content) else data


def _skip(text: str, index: int) -> int:
    match = _WHITESPACE.match(text, index)
    return match.end() if match else index


def _value(text: str, index: int, depth: int) -> tuple[Any, int]:
    """The JSON value at ``index`` (no whitespace before it) and the index after it."""
    opener = text[index : index + 1]
    if depth and opener == "[":
        return _array(text, index + 1, depth - 1)
    if depth and opener == "{":
        return _object(text, index + 1, depth - 1)
    try:
        return _scan_once(text, index)  # type: ignore[no-any-return]
    except StopIteration as stop:
        raise json.JSONDecodeError("Expecting value", text, stop.value) from None


def _array(text: str, index: int, depth: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    index = _skip(text, index)
    if text[index : index + 1] == "]":
        return items, index + 1
    while True:
        item, index = _value(text, _skip(text, index), depth)
        items.append(item)
        index = _skip(text, index)
        closer = text[index : index + 1]
        if closer == "]":
            return items, index + 1
        if closer != ",":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, index)
        index += 1


def _object(text: str, index: int, depth: int) -> tuple[dict[str, Any], int]:
    members: dict[str, Any] = {}
    index = _skip(text, index)
    if text[index : index + 1] == "}":
        return members, index + 1
    while True:
        if text[index : index + 1] != '"':
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, index)
        key, index = _scan_once(text, index)
        index = _skip(text, index)
        if text[index : index + 1] != ":":
            raise json.JSONDecodeError("Expecting ':' delimiter", text, index)
        members[key], index = _value(text, _skip(text, index + 1), depth)
        index = _skip(text, index)
        closer = text[index : index + 1]
        if closer == "}":
            return members, index + 1
        if closer != ",":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, index)
        index = _skip(text, index + 1)
