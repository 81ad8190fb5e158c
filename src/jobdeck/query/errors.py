"""The filter language's one error, and how it is told to a person."""

from __future__ import annotations


class QueryError(ValueError):
    """A filter term that cannot be understood; the message says why, for the user, and
    ``position`` and ``end`` where the term is in the text (when known)."""

    def __init__(self, message: str, *, position: int | None = None, end: int | None = None) -> None:
        super().__init__(message)
        self.position = position
        self.end = end

    def described(self) -> str:
        """The message with where it is (a column, counted from 1), as the deck, the history
        view and the CLI show it. Not yet made terminal-safe: the text may hold the user's."""
        where = f" (at column {self.position + 1})" if self.position is not None else ""
        return f"{self}{where}"
