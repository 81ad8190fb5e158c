"""Progress reported by a local job through its own output.

A job prints a marker line, and the deck shows counts and a progress bar::

    ::jobdeck succeeded=113 failed=7 total=300
    ::jobdeck progress=42.5

Keys may come in any combination and any order; a later line updates only
the keys it names. The line stays in the log as written (nothing is hidden
from the user). Unknown keys and bad values are ignored, so a marker can
never break a job's output.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

MARKER = b"::jobdeck "
#: Longest line kept while waiting for its newline; a marker is short.
_MAX_PENDING = 4096
_INT_KEYS = ("succeeded", "failed", "total")
_NOT_A_MARKER = b"\x00"


class ProgressReport(BaseModel):
    """``runs/<n>/progress.json``: the latest counts and progress a run reported."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    at: datetime
    progress: float | None = None
    succeeded: int | None = None
    failed: int | None = None
    total: int | None = None

    @property
    def has_counts(self) -> bool:
        return any(value is not None for value in (self.succeeded, self.failed, self.total))


def parse_marker(line: bytes) -> dict[str, float | int]:
    """The values of one marker line (``::jobdeck key=value ...``); {} for any other line."""
    stripped = line.strip()
    if not stripped.startswith(MARKER):
        return {}
    values: dict[str, float | int] = {}
    for item in stripped[len(MARKER) :].split():
        key, sep, raw = item.partition(b"=")
        if not sep:
            continue
        name = key.decode("ascii", errors="ignore").lower()
        try:
            if name == "progress":
                number = float(raw.rstrip(b"%"))
                if 0.0 <= number <= 100.0:
                    values[name] = number
            elif name in _INT_KEYS:
                count = int(raw)
                if count >= 0:
                    values[name] = count
        except ValueError:
            continue
    return values


class ProgressScanner:
    """Finds marker lines in a stream of output chunks that may split lines anywhere."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> dict[str, float | int]:
        """The values of every complete marker line in ``data`` (later ones win)."""
        data = self._pending + data
        complete, newline, partial = data.rpartition(b"\n")
        # A partial line too long to be a marker is replaced by a byte no
        # marker starts with, so its end can never pass for one.
        self._pending = partial if len(partial) <= _MAX_PENDING else _NOT_A_MARKER
        if not newline or MARKER not in complete:
            return {}
        found: dict[str, float | int] = {}
        for line in complete.split(b"\n"):
            if MARKER in line:
                found.update(parse_marker(line))
        return found
