"""Reading a DRP job's log: live with ``Range: bytes=<offset>-`` (a connection dropped
half way keeps its whole lines and resumes from the next byte), or from the server's
archive once DRP has archived the job."""

from __future__ import annotations

import httpx

from jobdeck.adapters.kit.http import HttpClient
from jobdeck.adapters.kit.http_paths import segment
from jobdeck.adapters.kit.logtext import decode_complete
from jobdeck.errors import BadResponse, NotFound, Unreachable
from jobdeck.model import LogChunk

ARCHIVED_NOTICE = "This job's log is archived on the DRP server (Archived=true); showing the archived entry."
NOT_IN_ARCHIVE = "This job's log is archived on the DRP server, and the archive has no entry for it."


async def read_live(http: HttpClient, job_id: str, offset: int, *, done: bool, backend: str) -> LogChunk:
    """The log of job ``job_id`` (not archived) from byte ``offset``; NotFound if the server has none.
    ``done``: the job has ended, so its log will not grow."""
    headers = {"Range": f"bytes={offset}-"} if offset else None
    received = bytearray()
    status = 0
    try:
        async with http.stream("GET", f"/jobs/{segment(job_id)}/log", headers=headers, expect=(200, 206, 416)) as response:
            status = response.status_code
            if status == 206:
                _check_range(response, offset, backend)
            if status != 416:
                async for piece in response.aiter_bytes():
                    received += piece
    except Unreachable:
        if not received:
            raise
        # Dropped half way: keep whole lines only and resume from the next byte.
        cut = received.rfind(b"\n") + 1
        return LogChunk(text=received[:cut].decode("utf-8", "replace"), offset=offset + cut)
    if status == 200 and offset:
        received = received[offset:]  # the server ignored the Range (e.g. an empty log)
    text, cut = decode_complete(bytes(received), final=done)
    return LogChunk(text=text, offset=offset + cut, complete=done and cut == len(received))


async def read_archived(http: HttpClient, job_id: str, offset: int) -> LogChunk:
    """The archived log of ``job_id`` from byte ``offset``, whole (the archive does not grow)."""
    try:
        response = await http.request("GET", f"/jobs/{segment(job_id)}/archive")
    except NotFound:
        return LogChunk(text="", offset=offset, complete=True, notice=NOT_IN_ARCHIVE)
    data = response.content
    return LogChunk(text=data[offset:].decode("utf-8", "replace"), offset=max(offset, len(data)),
                    complete=True, notice=ARCHIVED_NOTICE)


def _check_range(response: httpx.Response, offset: int, backend: str) -> None:
    header = response.headers.get("Content-Range", "")
    if not header.startswith(f"bytes {offset}-"):
        raise BadResponse(f"{backend}: the log came back from the wrong byte ({header or 'no Content-Range'})")
