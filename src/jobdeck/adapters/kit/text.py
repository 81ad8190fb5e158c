"""Text from a backend put on one line for a row, a toast or a message."""

from __future__ import annotations

ELLIPSIS = "…"


def one_line(text: str, limit: int) -> str:
    """``text`` with its whitespace runs made single spaces, at most ``limit`` characters long
    (cut with an ellipsis)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + ELLIPSIS
