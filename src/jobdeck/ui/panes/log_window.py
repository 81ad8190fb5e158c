"""Reading the lines before those the log pane shows (``b``), one bounded window at a time.

The pane keeps at most ``max_lines`` lines. ``b`` replaces them with the
``max_lines`` lines before the first one, read from the backend between two
byte offsets. This class finds the offsets and reads the text; the log pane
shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from jobdeck.model import JobRef

#: The most of a log one press of b reads (a window is log_lines lines; this bounds
#: a backend whose line starts are unknown, or whose lines are huge).
EARLIER_WINDOW_MAX_BYTES = 16 << 20


class LogSource(Protocol):
    """Where the log is read from (the Monitor)."""

    async def log_tail_offset(self, ref: JobRef, lines: int, before: int | None = None) -> int: ...

    async def read_log_between(self, ref: JobRef, start: int, end: int) -> str: ...


class ShownLog(Protocol):
    """What the log pane shows (the LogView)."""

    @property
    def max_lines(self) -> int: ...

    @property
    def line_count(self) -> int: ...

    @property
    def dropped_lines(self) -> int: ...

    @property
    def start_offset(self) -> int: ...


@dataclass(frozen=True)
class LogWindow:
    """The log's text from byte ``start`` to byte ``end``."""

    text: str
    start: int
    end: int


class LogWindowReader:
    """Finds and reads the window of a log before the lines shown."""

    def __init__(self, *, max_bytes: int) -> None:
        #: See EARLIER_WINDOW_MAX_BYTES.
        self.max_bytes = max_bytes
        #: Where the followed log has been read to (byte offset): the end of the lines shown.
        self.followed_to = 0

    async def earlier(self, source: LogSource, ref: JobRef, shown: ShownLog) -> LogWindow | None:
        """The ``shown.max_lines`` lines before the first line shown; None when that line
        starts the log. AdapterError when the log cannot be read."""
        first = shown.start_offset
        if shown.dropped_lines:
            # Lines went by since the pane opened: find where the first kept one begins.
            first = await source.log_tail_offset(ref, shown.line_count, before=self.followed_to)
        if first <= 0:
            return None  # nothing before it: no backend call
        start = await source.log_tail_offset(ref, shown.max_lines, before=first)
        # A backend that cannot say where those lines begin answers 0: never read a whole
        # log's head into memory for one window.
        start = max(start, first - self.max_bytes)
        return LogWindow(await source.read_log_between(ref, start, first), start, first)
