"""Finding where the last lines of a log file begin, reading only its tail.

A log pane opens a huge log at its end: it asks for the offset of the last
N lines and reads from there, so a 1 GB log costs one small read, not a scan.
Older lines stay reachable by asking again with ``before`` (paging back).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from jobdeck.files import open_inside

#: Bytes read per step while walking back.
_BLOCK = 1 << 16
#: Walking back stops after this many bytes: a log of endless lines must not be read whole.
MAX_SCAN = 16 << 20


def tail_offset(
    path: Path, lines: int, before: int | None = None, *, max_scan: int = MAX_SCAN, inside: Path | None = None
) -> int:
    """The byte offset where the last ``lines`` lines before byte ``before`` begin.

    ``before`` defaults to the end of the file. The offset is always at a line
    start (just after a newline) or 0; an unfinished last line counts as a
    line. A missing file gives 0. When ``max_scan`` bytes hold fewer lines,
    the offset is the start of the earliest whole line found. With ``inside``,
    the file is read only if it is a regular file in that folder, links resolved
    (``jobdeck.files.open_inside``: a ``Refused`` error otherwise).
    """
    if lines <= 0 and before is not None:
        return before
    try:
        with _open(path, inside) as handle:
            size = os.fstat(handle.fileno()).st_size
            if lines <= 0:
                return size
            end = size if before is None else max(0, min(before, size))
            # The byte just before ``end`` ends the last line; it separates nothing.
            position = end - 1
            remaining = lines
            earliest = end
            while position > 0 and end - position < max_scan:
                start = max(0, position - _BLOCK)
                handle.seek(start)
                data = handle.read(position - start)
                index = len(data)
                while True:
                    index = data.rfind(b"\n", 0, index)
                    if index == -1:
                        break
                    earliest = start + index + 1
                    remaining -= 1
                    if remaining == 0:
                        return earliest
                position = start
    except FileNotFoundError:
        return 0
    if position <= 0:
        return 0
    # Stopped by ``max_scan``: from the earliest line start seen, else mid-line.
    return earliest if earliest < end else position


def _open(path: Path, inside: Path | None) -> BinaryIO:
    return open(path, "rb") if inside is None else open_inside(path, inside)
