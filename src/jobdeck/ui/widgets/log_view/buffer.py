"""The log pane's lines, apart from drawing them: a bounded buffer of raw text.

No Textual here. ``append`` splits a chunk into lines and keeps the trailing
partial line for the next chunk; it stores raw text (conversion happens when a
line is drawn) and measures the widest line for horizontal scrolling. Where
these lines sit in the log is kept beside them: the bytes before the first one
that were never loaded, the lines dropped since, and the end of an earlier
window paged to.
"""

from __future__ import annotations

import re

from jobdeck.safe_text import display_width, to_plain

_LINE_SPLIT = re.compile(r"\r?\n")

#: Longer lines are cut: one runaway line must not make every render slow.
MAX_LINE_CHARS = 16_384

#: Anything that makes a line's width differ from its length: control characters
#: (escape sequences, tabs, carriage returns) and everything beyond ASCII.
_NOT_PLAIN_ASCII = re.compile(r"[^\x0a\x20-\x7e]")

#: A pending line longer than this is measured by its length, not cell by cell,
#: so a line that grows a character at a time stays cheap to append to.
_MEASURED_PARTIAL = 2048


class LogBuffer:
    """At most ``max_lines`` complete lines (the oldest go first) and the pending partial line.

    ``lines`` is read-only by convention: change it through ``append``,
    ``drop_oldest`` and ``clear``.
    """

    def __init__(self, max_lines: int) -> None:
        self.max_lines = max(1, max_lines)
        self.lines: list[str] = []
        #: The last line while it waits for its newline ("" when none waits).
        self.partial = ""
        #: Lines dropped from the top to respect ``max_lines``.
        self.dropped = 0
        #: Bytes of the log before the first line loaded (a long log is opened at its tail).
        self.skipped_bytes = 0
        #: Where an earlier window of the log ends (a byte offset); None while on the tail.
        self.window_end: int | None = None
        #: Why earlier lines cannot be loaded (the log's cursors are not byte offsets), or None.
        self.earlier_unavailable: str | None = None
        #: The widest line in cells.
        self.widest = 0

    @property
    def count(self) -> int:
        """Lines kept, the pending partial line included."""
        return len(self.lines) + (1 if self.partial else 0)

    @property
    def excess(self) -> int:
        """Complete lines beyond ``max_lines`` (0 when within it)."""
        return max(0, len(self.lines) - self.max_lines)

    def entries(self) -> list[str]:
        """The kept lines, the partial line last."""
        return [*self.lines, self.partial] if self.partial else self.lines

    def entry(self, index: int) -> str:
        """Kept line ``index``; the partial line just past the complete ones."""
        return self.lines[index] if index < len(self.lines) else self.partial

    def append(self, text: str) -> list[str]:
        """Add a raw chunk of log; returns the complete lines it adds (oldest first).
        Lines beyond ``max_lines`` stay until ``drop_oldest``."""
        joined = self.partial + text
        # str.split is several times faster than the regex; most logs have no \r.
        pieces = joined.split("\n") if "\r" not in joined else _LINE_SPLIT.split(joined)
        self.partial, flushed = bounded_partial(pieces.pop())
        if flushed is not None:
            pieces.append(flushed)
        longest = max(map(len, pieces), default=0)
        new_lines = pieces if longest <= MAX_LINE_CHARS else [_bounded(line) for line in pieces]
        self.lines.extend(new_lines)
        if new_lines:
            self.widest = max(self.widest, _widest(new_lines, joined))
        if self.partial:
            partial = self.partial
            partial_width = display_width(partial) if len(partial) <= _MEASURED_PARTIAL else len(partial)
            self.widest = max(self.widest, partial_width)
        return new_lines

    def drop_oldest(self, count: int) -> None:
        del self.lines[:count]
        self.dropped += count

    def clear(self) -> None:
        """Forget every line and where they sat in the log."""
        self.lines.clear()
        self.partial = ""
        self.dropped = 0
        self.skipped_bytes = 0
        self.window_end = None
        self.widest = 0

    def find(self, pattern: re.Pattern[str], start: int, *, backwards: bool) -> tuple[int, re.Match[str]] | None:
        """The first kept line from ``start`` on (or back) whose plain text matches
        ``pattern``, wrapping around, with its match; None when no line matches."""
        entries = self.entries()
        step = -1 if backwards else 1
        for offset in range(len(entries)):
            index = (start + step * offset) % len(entries)
            match = pattern.search(to_plain(entries[index]))
            if match is not None:
                return index, match
        return None


def _bounded(line: str) -> str:
    """``line`` cut to ``MAX_LINE_CHARS``, saying so."""
    if len(line) <= MAX_LINE_CHARS:
        return line
    return f"{line[:MAX_LINE_CHARS]} … [{len(line) - MAX_LINE_CHARS:,} more characters not shown]"


def bounded_partial(partial: str) -> tuple[str, str | None]:
    """(pending text, a line to flush) for the pending line after an append.

    A progress bar redraws itself after ``\r`` and may never end its line:
    once text follows the last ``\r``, what came before can never show again,
    so it is forgotten (with its colour; a small price). A runaway line
    without ``\r`` is flushed as a complete line, as a terminal would wrap it.
    """
    rewind = partial.rfind("\r", 0, len(partial) - 1)
    if rewind > 0 and to_plain(partial[rewind:]):
        partial = partial[rewind:]
    if len(partial) <= MAX_LINE_CHARS:
        return partial, None
    return "", partial


def _widest(lines: list[str], chunk: str) -> int:
    """The widest of ``lines`` (all taken from ``chunk``) in cells.

    Measuring every line cell by cell costs more than everything else an
    append does; a chunk of plain printable ASCII (most logs) is measured
    by length instead, in one pass of C code.
    """
    if not _NOT_PLAIN_ASCII.search(chunk):
        return max(map(len, lines))
    return max(map(display_width, lines))
