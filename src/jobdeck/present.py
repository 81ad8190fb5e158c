"""How a job reads as plain text, for the CLI and the deck alike: state glyphs
and words, ages, counts, and text made safe and fitted to a width.

Below both ``cli`` and ``ui`` (no Textual here), so ``jobdeck ls`` and the
job list show a job the same way. What only the deck draws (tones, bars,
durations) is in ``jobdeck.ui.deck_text``.
"""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len, set_cell_size

from jobdeck.model import Counts, JobState
from jobdeck.safe_text import safe_line

#: One glyph per state. Colour is never the only cue: the glyph differs too.
STATE_GLYPH: dict[JobState, str] = {
    JobState.PENDING: "◌",
    JobState.RUNNING: "▶",
    JobState.SUCCEEDED: "✓",
    JobState.FAILED: "✗",
    JobState.CANCELED: "⊘",
    JobState.PAUSED: "‖",
    JobState.UNKNOWN: "?",
}

#: The same in plain ASCII, for terminals without the glyphs.
STATE_GLYPH_ASCII: dict[JobState, str] = {
    JobState.PENDING: ".",
    JobState.RUNNING: ">",
    JobState.SUCCEEDED: "+",
    JobState.FAILED: "x",
    JobState.CANCELED: "-",
    JobState.PAUSED: "=",
    JobState.UNKNOWN: "?",
}

#: Shown where a time is missing.
MISSING = "—"

#: Before the name of a job its backend no longer lists (a backend may forget jobs; the
#: deck keeps them, marked): a mark, and in plain ASCII a word.
GONE_MARK = "∅ "
GONE_MARK_ASCII = "[gone] "
#: What the deck says of such a job.
GONE_NOTE = "gone from the backend"


def state_glyph(state: JobState, ascii: bool = False) -> str:
    """The one-cell glyph of ``state``."""
    return (STATE_GLYPH_ASCII if ascii else STATE_GLYPH)[state]


def gone_mark(ascii: bool = False) -> str:
    """The mark before the name of a job its backend no longer lists."""
    return GONE_MARK_ASCII if ascii else GONE_MARK


def state_word(state: JobState) -> str:
    """The short word for ``state``; the same word the filter's ``state:`` accepts."""
    return state.value


def age(then: datetime | None, now: datetime | None) -> str:
    """How long ago ``then`` was, compactly: "now", "12s", "5m", "3h", "4d", "2y"."""
    if then is None or now is None:
        return MISSING
    seconds = (now - then).total_seconds()
    if seconds < 1:
        # Also the future: a backend's clock slightly ahead of ours.
        return "now"
    if seconds < 60:
        return f"{int(seconds)}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    days = int(seconds // 86400)
    if days < 365:
        return f"{days}d"
    return f"{days // 365}y"


def counts_text(counts: Counts, ascii: bool = False) -> str:
    """Success and failure counts: "9✓ 1✗ /12" (ASCII: "9 ok 1 fail /12")."""
    ok, fail = (" ok", " fail") if ascii else ("✓", "✗")
    text = f"{counts.succeeded}{ok} {counts.failed}{fail}"
    if counts.total is not None:
        text += f" /{counts.total}"
    return text


def one_line(text: str | None) -> str:
    """``text`` made terminal-safe on one line: line breaks and runs of spaces become one space."""
    return " ".join(safe_line(text).split())


def truncate(text: str, width: int, ellipsis: str = "…") -> str:
    """``text`` cut to at most ``width`` cells, ending in ``ellipsis`` when cut."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    keep = width - cell_len(ellipsis)
    if keep <= 0:
        return set_cell_size(ellipsis, width)
    return set_cell_size(text, keep).rstrip() + ellipsis


def fit(text: str, width: int, *, align_right: bool = False) -> str:
    """``text`` truncated with an ellipsis and padded to exactly ``width`` cells."""
    text = truncate(text, width)
    pad = " " * (width - cell_len(text))
    return pad + text if align_right else text + pad
