"""The action log: one JSON object per line for every action asked of the deck.

    {"at": "2026-01-01T12:00:00+00:00", "backend": "julep", "job": "task-7",
     "action": "archive", "result": "ok", "message": "archived task-7"}

``result`` is "ok", "failed" (the backend said no or broke) or "refused"
(jobdeck's gate said no: read-only mode, unsupported, wrong state).
Writing the log must never break the action it records, so a failed write is
reported to the python logger and otherwise ignored.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from jobdeck import paths

log = logging.getLogger(__name__)

ActionOutcome = Literal["ok", "failed", "refused"]


class ActionLog:
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
            # One write() on an O_APPEND descriptor: concurrent decks never interleave a line.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError as exc:
            log.warning("could not write the action log %s: %s (entry: %s)", self.path, exc, entry)
            return False
        return True

    def entries(self) -> list[dict[str, Any]]:
        """Every readable entry, oldest first. Unreadable lines are skipped, never fatal."""
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        found: list[dict[str, Any]] = []
        for line in text.splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict):
                found.append(entry)
        return found
