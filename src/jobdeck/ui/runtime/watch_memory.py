"""The jobs watched with ``+`` (known to the deck only by id), remembered across restarts.

A backend that cannot list its jobs (Julep) shows only those the config names
and those the user adds with ``+``; without this, an added one is gone at the
next start. They are kept in ``ui-state.json`` in the data folder, beside the
remembered theme (``ThemeMemory``, which keeps this key as it writes its own),
and watched again when the deck starts. The config file is never rewritten.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from jobdeck import paths
from jobdeck.files import write_atomic

log = logging.getLogger(__name__)

#: The most jobs remembered (the oldest go first): a bound on the file and on start-up's calls.
MAX_WATCHED = 200
_KEY = "watched"


class WatchMemory:
    """``(backend, job id)`` pairs, oldest first, in a small JSON file."""

    def __init__(self, file: Path | None = None) -> None:
        self.file = file or paths.data_dir() / "ui-state.json"

    def recall(self) -> list[tuple[str, str]]:
        """Every job remembered, oldest first (entries that are not a pair of strings are skipped)."""
        entries = self._read().get(_KEY)
        if not isinstance(entries, list):
            return []
        return [
            (entry[0], entry[1])
            for entry in entries
            if isinstance(entry, list) and len(entry) == 2 and all(isinstance(part, str) and part for part in entry)
        ]

    def remember(self, backend: str, job_id: str) -> None:
        """Add ``job_id`` on ``backend`` (again: it moves to the end)."""
        kept = [pair for pair in self.recall() if pair != (backend, job_id)]
        kept.append((backend, job_id))
        self._write([list(pair) for pair in kept[-MAX_WATCHED:]])

    def _write(self, entries: list[list[str]]) -> None:
        data = self._read()
        data[_KEY] = entries
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.file, json.dumps(data).encode())
        except OSError as exc:
            # The watch itself worked; only the next start will not know of it.
            log.warning("cannot remember the watched jobs in %s: %s", self.file, exc)

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}
