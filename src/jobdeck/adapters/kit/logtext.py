"""Reading a growing log from a byte offset, as text, without splitting a character.

Shared by the adapters that get a log as raw bytes: the local spool's log
files and DRP's log endpoint.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from pathlib import Path

from jobdeck.files import open_inside

#: The most bytes one read returns, so a huge log never lands in memory at once;
#: callers continue from the returned offset.
MAX_READ = 1 << 20


@dataclass(frozen=True)
class LogPiece:
    text: str
    #: Where the next read starts: just after the last complete character.
    offset: int
    #: True when the read reached the end of the file as it was.
    at_end: bool


def decode_complete(data: bytes, *, final: bool) -> tuple[str, int]:
    """Decode UTF-8, keeping back an incomplete character at the end.

    Returns the text and how many bytes it consumed. Invalid bytes become
    U+FFFD. With ``final`` nothing is kept back (the log will not grow, so an
    incomplete tail is invalid).
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = decoder.decode(data, final=final)
    kept_back = len(decoder.getstate()[0])
    return text, len(data) - kept_back


def read_from(
    path: Path, offset: int, *, final: bool, limit: int = MAX_READ, inside: Path | None = None
) -> LogPiece:
    """The text of ``path`` from byte ``offset``; a missing file reads as empty.

    ``final`` says the writer is done, so an incomplete last character is
    decoded (as U+FFFD) rather than kept for the next read. With ``inside``, the
    file is read only if it is a regular file in that folder, links resolved
    (``jobdeck.files.open_inside``: a ``Refused`` error otherwise).
    """
    offset = max(0, offset)
    try:
        with open(path, "rb") if inside is None else open_inside(path, inside) as handle:
            size = os.fstat(handle.fileno()).st_size
            handle.seek(offset)
            data = handle.read(min(limit, max(0, size - offset)))
    except FileNotFoundError:
        return LogPiece(text="", offset=offset, at_end=True)
    at_end = offset + len(data) >= size
    text, used = decode_complete(data, final=final and at_end)
    return LogPiece(text=text, offset=offset + used, at_end=at_end and used == len(data))
