"""What the log pane searches for, and where its last match is. No Textual here."""

from __future__ import annotations

import re


class LogSearch:
    """The search term, its pattern, and the line of the last match.

    The line is counted from the first line ever appended (dropped lines
    included), so it stays on its line while older lines are dropped.
    """

    def __init__(self) -> None:
        self.term: str | None = None
        self.pattern: re.Pattern[str] | None = None
        self.match_line: int | None = None
        #: Where the current match begins in its line (a character index of the plain text).
        self.match_start: int | None = None

    def start(self, term: str, *, backwards: bool, first_shown: int, last_shown: int, dropped: int) -> int:
        """The kept line a search for ``term`` begins at: next to the current match
        when it is on screen (between the lines ``first_shown`` and ``last_shown``),
        else the view's first line (its last, ``backwards``)."""
        if self.match_line is not None and term.casefold() == (self.term or "").casefold():
            current = self.match_line - dropped
            if first_shown <= current <= last_shown:
                return current + (-1 if backwards else 1)
        return last_shown if backwards else first_shown

    def found(self, term: str, pattern: re.Pattern[str], line: int, start: int = 0) -> None:
        """``term`` matched on ``line`` (counted as ``match_line`` is), at character ``start``."""
        self.term = term
        self.pattern = pattern
        self.match_line = line
        self.match_start = start

    def current_start(self, line: int) -> int | None:
        """Where the current match begins if it is on ``line`` (counted as ``match_line``), else None."""
        return self.match_start if self.match_line is not None and line == self.match_line else None

    def forget_match_before(self, dropped: int) -> None:
        """Lines before ``dropped`` went away: a match on one of them is gone."""
        if self.match_line is not None and self.match_line < dropped:
            self.match_line = None
            self.match_start = None

    def clear(self) -> None:
        self.term = None
        self.pattern = None
        self.match_line = None
        self.match_start = None
