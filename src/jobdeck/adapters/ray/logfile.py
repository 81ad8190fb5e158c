"""A Ray job's log file read through the state API (``/api/v0/logs/file``), as raw bytes
streamed from the node's agent: a read from a byte offset keeps at most ``MAX_READ`` bytes,
and finding where the last lines begin keeps only the end of the file, so a log of hundreds
of MB opens at its end without being held in memory (the Jobs API's ``/logs`` sends it whole,
as JSON: 5 s for 109 MB here, against 0.6 s streamed).

The file is ``job-driver-<submission id>.log`` on the driver's node, the same bytes the Jobs
API's log and its websocket tail give, so their byte offsets agree.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from jobdeck.adapters.kit.http import HttpClient
from jobdeck.adapters.kit.logtext import MAX_READ
from jobdeck.adapters.ray.wire import RayJob

FILE_PATH = "/api/v0/logs/file"
#: The end of the file kept while looking for where its last lines begin.
TAIL_WINDOW = 8 << 20
#: The most bytes one read returns. A read streams the file from its start (the state API has
#: no offset), so reads far into a log return more, up to this: reading a 100 MB log whole
#: takes about 15 reads, not 100.
MAX_FAR_READ = 16 << 20


class FileUnavailable(Exception):
    """The state API has no such file (not written yet, an older Ray, the node gone): read the Jobs API's log."""


def read_limit(offset: int) -> int:
    """How much a read from ``offset`` returns at most: MAX_READ, more far into a log."""
    return max(MAX_READ, min(offset // 2, MAX_FAR_READ))


def file_params(wire: RayJob) -> dict[str, Any] | None:
    """Where the job's log file is, or None before its driver has a node."""
    if not wire.driver_node_id or not wire.submission_id:
        return None
    return {"node_id": wire.driver_node_id, "filename": f"job-driver-{wire.submission_id}.log", "lines": -1}


async def read_file(http: HttpClient, params: dict[str, Any], *, start: int, limit: int) -> tuple[bytes, bool]:
    """The file's bytes from ``start``, at most ``limit`` of them, and whether its end was reached."""
    kept = bytearray()
    position = 0
    ended = True
    async with http.stream("GET", FILE_PATH, params=params, expect=(200, 500)) as response:
        if response.status_code != 200:
            raise FileUnavailable
        async for piece in response.aiter_bytes():
            end = position + len(piece)
            if end > start:
                kept += piece[max(0, start - position) :]
            position = end
            if len(kept) > limit:
                ended = False
                break
    if len(kept) > limit:
        ended = False
        del kept[limit:]
    return bytes(kept), ended


async def tail_offset(http: HttpClient, params: dict[str, Any], lines: int, before: int | None) -> int:
    """The byte offset where the last ``lines`` lines before byte ``before`` (the end when None) begin."""
    window = bytearray()
    base = 0  # the file offset of window[0]
    position = 0
    async with http.stream("GET", FILE_PATH, params=params, expect=(200, 500)) as response:
        if response.status_code != 200:
            raise FileUnavailable
        async for piece in response.aiter_bytes():
            if before is not None and position + len(piece) > before:
                piece = piece[: max(0, before - position)]
            window += piece
            position += len(piece)
            if len(window) > 2 * TAIL_WINDOW:
                cut = len(window) - TAIL_WINDOW
                del window[:cut]
                base += cut
            if before is not None and position >= before:
                break
    start = line_start(bytes(window), lines)
    if start is None:  # fewer lines in the window than asked for
        if base == 0:
            return 0
        first = window.find(b"\n")
        return base + (first + 1 if first >= 0 else len(window))
    return base + start


def line_start(data: bytes, lines: int) -> int | None:
    """Where the last ``lines`` lines of ``data`` begin; None when it has fewer than that."""
    position = len(data)
    if position and data[position - 1 : position] == b"\n":
        position -= 1  # the line that ends the data is the last one, not an empty one after it
    wanted = max(1, lines)
    for counted in range(1, wanted + 1):
        found = data.rfind(b"\n", 0, position)
        if found < 0:
            return 0 if counted == wanted else None
        position = found
    return position + 1


STREAM_PATH = "/api/v0/logs/stream"
#: Seconds between the agent's reads of a followed file (Ray's Jobs API tail reads once a second,
#: and its websocket adds about half a second more: lines came 1.5 s late there, 0.1 s here).
STREAM_INTERVAL = 0.25


async def stream_file(http: HttpClient, params: dict[str, Any], offset: int) -> AsyncIterator[tuple[bytes, int]]:
    """The file from byte ``offset`` as the agent streams it, growing: each new piece with the
    offset after it. The stream sends the file from its start each time it is opened, so what
    was received before ``offset`` (by an earlier stream) is skipped. It does not end with the job."""
    received = 0
    async with http.stream("GET", STREAM_PATH, params={**params, "interval": STREAM_INTERVAL}, expect=(200, 500)) as response:
        if response.status_code != 200:
            raise FileUnavailable
        async for piece in response.aiter_bytes():
            start, received = received, received + len(piece)
            if received > offset:
                yield piece[max(0, offset - start) :], received
