"""A try's log read as a stream, keeping only its last lines: a log of hundreds of MB opens at
its end in bounded memory.

What Airflow 3.3 allows (``GET …/taskInstances/{task}/logs/{try}``,
airflow/api_fastapi/core_api/routes/public/log.py and utils/log/file_task_handler.py): each
request reads the whole log on the server and returns every line after the position its
``token`` carries; the token is signed with the server's secret and counts lines, so a
client cannot make one that starts near the end, and ``full_content`` changes nothing
about where a read starts. The JSON answer is built whole by the server, with the token
after every line; with ``Accept: application/x-ndjson`` the server streams the lines (500
at a time) but gives no token that moves on. So:

- a try that has ended is read once as NDJSON (the server streams it; ``read_ndjson_tail``);
- a running try, and every read on from a token, is the JSON answer read as a stream
  (``read_json_tail``: one array element at a time, the token from what follows the array).

Either way only the last ``keep`` lines are held, and the chunk says how many came before
them. The transfer is still the whole log, once, on opening: Airflow has no way to ask
for less.
"""

from __future__ import annotations

import asyncio
import codecs
import json
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from jobdeck.adapters.airflow.convert import SOURCES_GROUP, log_line
from jobdeck.adapters.kit.http_client import HttpClient
from jobdeck.errors import BadResponse

#: The lines of a try's log kept from one read: the last ones.
TAIL_LINES = 5_000
#: Bytes of the answer gathered before they are parsed, on a thread (the deck's loop stays free).
PARSE_BATCH = 1024 * 1024
#: The longest single log entry read (bytes of its JSON): a longer one is a broken answer.
MAX_ENTRY_BYTES = 4 * 1024 * 1024
NDJSON = "application/x-ndjson"
#: Seconds Airflow may take before the first byte of a log: it reads the whole log, counting its
#: lines, before it answers (about 35 s for 78 MB on a loaded machine).
LOG_WAIT_S = 600.0


class BrokenLog(ValueError):
    """The answer is not the log Airflow gives (not JSON where it should be, or an entry without end)."""


@dataclass
class Tail:
    """The last ``keep`` lines of what was read, how many lines came before them, and the token."""

    lines: deque[str]
    skipped: int = 0
    token: str | None = None
    in_sources: bool = False

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def add(self, entry: Any) -> None:
        # The "source details" group (SOURCES_GROUP) differs between running and finished reads: dropped.
        event = entry.get("event") if isinstance(entry, dict) else None
        if event == SOURCES_GROUP:
            self.in_sources = True
            return
        if self.in_sources:
            self.in_sources = event != "::endgroup::"
            return
        if len(self.lines) == self.lines.maxlen:
            self.skipped += 1
        self.lines.append(log_line(entry))

    def notice(self) -> str | None:
        if not self.skipped:
            return None
        return (f"the log's first {self.skipped:,} lines are not shown: it opens at its end "
                f"(the last {len(self.lines):,} lines)")


async def read_ndjson_tail(pieces: AsyncIterator[bytes], keep: int = TAIL_LINES) -> Tail:
    """The last ``keep`` lines of an NDJSON log (one JSON entry a line)."""
    tail = Tail(lines=deque(maxlen=keep))
    pending = b""

    def parse(batch: bytes, final: bool) -> None:
        nonlocal pending
        *whole, pending = (pending + batch).split(b"\n")
        for line in whole:
            _add_json_line(tail, line)
        if final:
            _add_json_line(tail, pending)
        elif len(pending) > MAX_ENTRY_BYTES:
            raise BrokenLog(f"a log entry longer than {MAX_ENTRY_BYTES:,} bytes")

    await _in_batches(pieces, parse)
    return tail


def _add_json_line(tail: Tail, line: bytes) -> None:
    if not line.strip():
        return
    try:
        tail.add(json.loads(line))
    except ValueError:
        raise BrokenLog(f"a log line that is not JSON: {line[:60]!r}") from None


async def read_json_tail(pieces: AsyncIterator[bytes], keep: int = TAIL_LINES) -> Tail:
    """The last ``keep`` lines of a JSON answer ``{"content": [...], "continuation_token": …}``,
    read one entry of ``content`` at a time; the token from the rest of the object."""
    tail = Tail(lines=deque(maxlen=keep))
    reader = _ContentArray()

    def parse(batch: bytes, final: bool) -> None:
        for entry in reader.feed(batch, final=final):
            tail.add(entry)

    await _in_batches(pieces, parse)
    tail.token = reader.rest().get("continuation_token") or None
    return tail


async def _in_batches(pieces: AsyncIterator[bytes], parse: Callable[[bytes, bool], None]) -> None:
    """``parse`` each PARSE_BATCH of the answer (on a thread when it is that large), then its end."""
    batch = bytearray()
    async for piece in pieces:
        batch += piece
        if len(batch) >= PARSE_BATCH:
            await asyncio.to_thread(parse, bytes(batch), False)
            batch.clear()
    parse(bytes(batch), True)


class _ContentArray:
    """An incremental reader of one JSON object whose ``content`` array may be huge: the
    array's entries are given as they complete, the object's other keys kept for ``rest``."""

    def __init__(self) -> None:
        self._decode = codecs.getincrementaldecoder("utf-8")(errors="replace").decode
        self._decoder = json.JSONDecoder()
        self._text = ""
        self._head: str | None = None  # the object up to the array's "[" (once found)
        self._after: list[str] = []  # the object after the array's "]"
        self._state = "head"

    def feed(self, piece: bytes, *, final: bool = False) -> list[Any]:
        self._text += self._decode(piece, final)
        entries: list[Any] = []
        if self._state == "head":
            self._find_array()
        if self._state == "array":
            entries = self._entries()
        if self._state == "after":
            self._after.append(self._text)
            self._text = ""
        if final and self._state != "after":
            raise BrokenLog("the log's answer ended before its content did")
        return entries

    def _find_array(self) -> None:
        key = self._text.find('"content"')
        value = self._text[key + len('"content"'):].lstrip(" \t\r\n:") if key >= 0 else ""
        if not value:
            if len(self._text) > MAX_ENTRY_BYTES:
                raise BrokenLog("the log's answer has no content")
            return
        if value[0] != "[":
            raise BrokenLog("the log's content is not a list of lines")
        start = self._text.index("[", key)
        self._head, self._text = self._text[:start], self._text[start + 1:]
        self._state = "array"

    def _entries(self) -> list[Any]:
        entries = []
        text, index = self._text, 0
        while True:
            while index < len(text) and text[index] in " \t\r\n,":
                index += 1
            if index >= len(text):
                break
            if text[index] == "]":
                self._text = text[index + 1:]
                self._state = "after"
                return entries
            try:
                entry, index = self._decoder.raw_decode(text, index)
            except ValueError:
                if len(text) - index > MAX_ENTRY_BYTES:
                    raise BrokenLog(f"a log entry longer than {MAX_ENTRY_BYTES:,} bytes, or not JSON") from None
                break
            entries.append(entry)
        self._text = text[index:]
        return entries

    def rest(self) -> dict[str, Any]:
        """The object's other keys (the token), its content left out."""
        try:
            rest = json.loads(f"{self._head}[]{''.join(self._after)}")
        except ValueError:
            raise BrokenLog("the log's answer is not a JSON object") from None
        return rest if isinstance(rest, dict) else {}


async def read_tail(http: HttpClient, path: str, params: dict[str, Any], *, ndjson: bool, backend: str,
                    keep: int | None = None) -> Tail:
    """GET a try's log as a stream (NDJSON when ``ndjson``), keeping its last ``keep`` lines (TAIL_LINES)."""
    keep = TAIL_LINES if keep is None else keep
    headers = {"Accept": NDJSON} if ndjson else None
    try:
        async with http.stream("GET", path, params=params, headers=headers, expect=(200,), wait=LOG_WAIT_S) as response:
            read = read_ndjson_tail if ndjson else read_json_tail
            return await read(response.aiter_bytes(), keep)
    except BrokenLog as exc:
        raise BadResponse(f"{backend}: the log at {path} could not be read: {exc}") from None
