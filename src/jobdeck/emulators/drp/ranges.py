"""Serving a log's bytes as DRP does: Go's ``http.ServeContent`` with ``Range: bytes=N-``."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

OCTET = "application/octet-stream"
_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


def serve_bytes(data: bytes, request: Request) -> Response:
    """What Go's ``http.ServeContent`` does with ``Range: bytes=N-`` (and ``N-M``)."""
    size = len(data)
    base = {"Accept-Ranges": "bytes"}
    header = request.headers.get("range")
    if request.method == "HEAD":
        return Response(status_code=200, headers={**base, "Content-Length": str(size)}, media_type=OCTET)
    if not header:
        return Response(data, headers=base, media_type=OCTET)
    match = _RANGE.match(header.strip())
    if match is None:
        return Response(status_code=416, headers={**base, "Content-Range": f"bytes */{size}"})
    start = int(match.group(1))
    end = int(match.group(2)) if match.group(2) else size - 1
    if start >= size:
        if size == 0:
            # Go: an empty file ignores the Range header and answers 200 (not 416).
            return Response(b"", headers=base, media_type=OCTET)
        return Response(status_code=416, headers={**base, "Content-Range": f"bytes */{size}"})
    end = min(end, size - 1)
    return Response(
        data[start : end + 1],
        status_code=206,
        headers={**base, "Content-Range": f"bytes {start}-{end}/{size}"},
        media_type=OCTET,
    )
