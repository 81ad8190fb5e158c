"""The log's filter mode: only the lines that hold a term, with lines of context around each.

No Textual here. Lines are fed in order, as they arrive, and what to show comes
back: the matching lines, up to ``context`` lines before and after each, and a
separator where lines were left out between two groups (as ``grep -C`` does).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from jobdeck.safe_text import to_plain
from jobdeck.ui.widgets.log_view.buffer import bounded_partial

#: Shown where lines were left out between two groups of shown lines.
SEPARATOR = "--"


class LineFilter:
    """Lines holding ``term`` (case-insensitive, as typed: no pattern) and their context."""

    def __init__(self, term: str, context: int = 2, *, text_of: Callable[[str], str] = str) -> None:
        self.term = term
        #: What of a line is matched (its plain text: colours and escapes are not text).
        self._text_of = text_of
        self.context = max(0, context)
        self._needle = term.casefold()
        #: The latest lines not shown, kept in case a match follows (its "before" context).
        self._before: deque[str] = deque(maxlen=self.context)
        #: Lines still to show after the last match.
        self._after = 0
        #: Whether a line was left out since the last one shown.
        self._gap = False
        self._shown_any = False
        #: Lines that matched so far.
        self.matches = 0

    def feed(self, lines: Iterable[str]) -> list[str]:
        """What to show of ``lines`` (the next ones of the log), in order."""
        shown: list[str] = []
        for line in lines:
            if self._needle in self._text_of(line).casefold():
                self.matches += 1
                if self._gap and self._shown_any:
                    shown.append(SEPARATOR)
                shown.extend(self._before)
                self._before.clear()
                shown.append(line)
                self._shown_any, self._gap, self._after = True, False, self.context
            elif self._after:
                shown.append(line)
                self._after -= 1
            else:
                if self.context == 0 or len(self._before) == self.context:
                    self._gap = True  # a line goes unshown for good
                if self.context:
                    self._before.append(line)
        return shown


class FilteredLog:
    """The log as received, kept beside a view that shows only what a LineFilter lets
    through, so that the filter can change or go without reading the log again.

    Lines are kept raw (the view makes them safe as it always does), at most
    ``max_lines`` of them, like the view itself.
    """

    def __init__(self, term: str, context: int, lines: Iterable[str], partial: str, *, max_lines: int) -> None:
        self.filter = LineFilter(term, context, text_of=_plain)
        self._lines: deque[str] = deque(lines, maxlen=max(1, max_lines))
        self._partial = partial
        self._max_lines = max(1, max_lines)

    @property
    def term(self) -> str:
        return self.filter.term

    def shown_so_far(self) -> str:
        """What the view shows of the lines kept so far (the filter starts on them)."""
        return _joined(self.filter.feed(self._lines))

    def feed(self, text: str) -> str:
        """Take a chunk of the log; what of it the view shows (complete lines only)."""
        pieces = (self._partial + text).split("\n")
        # A progress bar that only ever rewinds (\r) never ends its line: kept bounded, as the view keeps it.
        self._partial, flushed = bounded_partial(pieces.pop())
        if flushed is not None:
            pieces.append(flushed)
        self._lines.extend(pieces)
        return _joined(self.filter.feed(pieces))

    def whole_text(self) -> str:
        """Every line kept, for the view to show when the filter goes."""
        return _joined(self._lines) + self._partial

    def anew(self, term: str | None = None) -> FilteredLog:
        """The same filter (or one for ``term``) on a log that starts again (another job or run)."""
        return FilteredLog(term if term is not None else self.term, self.filter.context, (), "",
                           max_lines=self._max_lines)

    def again(self, term: str) -> FilteredLog:
        """Another term over the lines kept so far."""
        return FilteredLog(term, self.filter.context, self._lines, self._partial, max_lines=self._max_lines)


def _joined(lines: Iterable[str]) -> str:
    text = "\n".join(lines)
    return text + "\n" if text else ""


def _plain(line: str) -> str:
    # Matched on what the user sees: colours and other escapes are not text.
    return to_plain(line.removesuffix("\r"))
