"""Pure formatting helpers for the deck: state glyphs and words, ages,
durations, progress bars, counts and terminal-safe text.

No Textual here, so the CLI (``jobdeck ls``) and the widgets format alike.
"""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len, set_cell_size

from jobdeck.model import Counts, JobState
from jobdeck.safe_text import make_safe, safe_line

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

#: The tone each state is drawn in: widgets name a component class after it ("timeline--ok").
STATE_TONE: dict[JobState, str] = {
    JobState.SUCCEEDED: "ok",
    JobState.FAILED: "error",
    JobState.CANCELED: "muted",
    JobState.RUNNING: "active",
    JobState.PENDING: "muted",
    JobState.PAUSED: "warning",
    JobState.UNKNOWN: "warning",
}

#: Shown where a time is missing.
MISSING = "—"

# Eighth blocks, index = eighths filled (0 is an empty cell).
_PARTIAL_BLOCKS = " ▏▎▍▌▋▊▉"
_FULL_BLOCK = "█"


def state_glyph(state: JobState, ascii: bool = False) -> str:
    """The one-cell glyph of ``state``."""
    return (STATE_GLYPH_ASCII if ascii else STATE_GLYPH)[state]


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


def ago(then: datetime | None, now: datetime | None) -> str:
    """``age`` as a phrase: "just now", "5m ago" (or "—")."""
    text = age(then, now)
    if text == MISSING:
        return text
    return "just now" if text == "now" else f"{text} ago"


def duration(seconds: float | None) -> str:
    """A duration, compactly: "0.4s", "12s", "5m03s", "2h05m", "3d04h"."""
    if seconds is None:
        return MISSING
    seconds = max(0.0, seconds)
    if seconds < 1:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    if whole < 86400:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"{whole // 86400}d{whole % 86400 // 3600:02d}h"


def bar(fraction: float | None, width: int, ascii: bool = False) -> str:
    """A progress bar exactly ``width`` cells wide; ``fraction`` is clamped to 0–1."""
    if width <= 0:
        return ""
    fraction = 0.0 if fraction is None else max(0.0, min(1.0, fraction))
    if ascii:
        filled = round(fraction * width)
        return "#" * filled + "-" * (width - filled)
    eighths = round(fraction * width * 8)
    full, partial = divmod(eighths, 8)
    text = _FULL_BLOCK * full
    if full < width:
        text += _PARTIAL_BLOCKS[partial]
    return text.ljust(width)


def percent(progress: float | None) -> str:
    """A 0–100 progress value as "45%" (or "—")."""
    if progress is None:
        return MISSING
    return f"{int(progress)}%"


def counts_text(counts: Counts, ascii: bool = False) -> str:
    """Success and failure counts: "9✓ 1✗ /12" (ASCII: "9 ok 1 fail /12")."""
    ok, fail = (" ok", " fail") if ascii else ("✓", "✗")
    text = f"{counts.succeeded}{ok} {counts.failed}{fail}"
    if counts.total is not None:
        text += f" /{counts.total}"
    return text


def terminal_safe(text: str | None) -> str:
    """``text`` with every escape sequence and control character gone (newlines kept)."""
    if not text:
        return ""
    return make_safe(text, keep_colour=False)


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
