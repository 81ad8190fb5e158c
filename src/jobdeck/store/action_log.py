"""The action log: one JSON object per line for every action asked of the deck.

    {"at": "2026-01-01T12:00:00+00:00", "backend": "julep", "job": "task-7",
     "action": "archive", "result": "ok", "message": "archived task-7"}

``result`` is "ok", "failed" (the backend could not: it answered no, or broke)
or "refused" (jobdeck's gate said no: read-only mode, unsupported, wrong state,
unknown job; or the backend said it never will: Unsupported, ReadOnlyRefused).
Writing the log must never break the action it records, so a failed write is
reported to the python logger and otherwise ignored. The log is never written
through a link, nor into a FIFO or device; and an entry after a last line cut
short (a crash mid-write) starts on a line of its own.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import stat
from datetime import datetime
from pathlib import Path
from typing import Any

from jobdeck import paths
from jobdeck.files import NotARegularFile, open_no_follow
from jobdeck.store.base import ActionOutcome

log = logging.getLogger(__name__)


class ActionLog:
    """The action records (``store.base.ActionRecords``) as a file: ``actions.jsonl``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else paths.action_log_file()

    def append(
        self,
        *,
        at: datetime,
        backend: str,
        job: str,
        action: str,
        result: ActionOutcome,
        message: str,
    ) -> bool:
        """Append one line. True when it was written; False (and a logged warning) otherwise."""
        entry = {
            "at": at.isoformat(),
            "backend": backend,
            "job": job,
            "action": action,
            "result": result,
            "message": message,
        }
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._write(line)
        except OSError as exc:
            log.warning("could not write the action log %s: %s (entry: %s)", self.path, exc, entry)
            return False
        return True

    def _write(self, line: bytes) -> None:
        # Read and write (to see the last byte); non-blocking, so a FIFO cannot hang the deck.
        fd = open_no_follow(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o600)
        try:
            size = _regular_size(fd, self.path)
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # the last entry was cut short: leave it on its own line
            # One write() on an O_APPEND descriptor: concurrent decks never interleave a line.
            written = os.write(fd, line)
            if written < len(line):
                raise OSError(errno.ENOSPC, f"only {written} of {len(line)} bytes were written")
        finally:
            os.close(fd)

    def entries(self) -> list[dict[str, Any]]:
        """Every readable entry, oldest first. Unreadable lines are skipped, never fatal."""
        try:
            fd = open_no_follow(self.path, os.O_RDONLY | os.O_NONBLOCK)
            with open(fd, "rb") as handle:
                _regular_size(fd, self.path)
                text = handle.read().decode("utf-8", errors="replace")
        except OSError:
            return []
        found: list[dict[str, Any]] = []
        for line in text.split("\n"):  # not splitlines(): U+2028 in a message is no line end
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict):
                found.append(entry)
        return found


def _regular_size(fd: int, path: Path) -> int:
    """The size of the open file ``fd``; NotARegularFile for a FIFO, device or folder."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise NotARegularFile(errno.EINVAL, f"{path} is not a regular file")
    return st.st_size
