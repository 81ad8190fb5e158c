"""Text only the deck draws: the tone of each state (its component classes),
a state as styled text, backend health glyphs, wall-clock times, progress
bars, percentages, durations and "… ago". Shared by the widgets, so no
widget imports another for a helper.

How a job reads as plain text, shared with the CLI, is in ``jobdeck.present``.
No Textual here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

from rich.style import Style
from rich.text import Text

from jobdeck.clock import assume_utc
from jobdeck.model import JobState
from jobdeck.monitor.events import HealthStatus
from jobdeck.present import MISSING, age, state_glyph, state_word
from jobdeck.safe_text import make_safe, safe_line

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

#: One glyph per backend health status (the health bar, the kiosk's backend cards).
STATUS_GLYPH: dict[HealthStatus, str] = {
    HealthStatus.STARTING: "◌",
    HealthStatus.OK: "●",
    HealthStatus.DEGRADED: "◐",
    HealthStatus.DOWN: "✗",
}
STATUS_GLYPH_ASCII: dict[HealthStatus, str] = {
    HealthStatus.STARTING: ".",
    HealthStatus.OK: "+",
    HealthStatus.DEGRADED: "~",
    HealthStatus.DOWN: "x",
}

# Eighth blocks, index = eighths filled (0 is an empty cell).
_PARTIAL_BLOCKS = " ▏▎▍▌▋▊▉"
_FULL_BLOCK = "█"


def state_text(state: JobState, raw_state: str | None, *, ascii: bool, style: Style) -> Text:
    """Glyph and word of a state, plus the backend's raw state when it says something else."""
    text = Text(f"{state_glyph(state, ascii)} {state_word(state)}", style=style)
    raw = safe_line(raw_state)
    if raw and raw.casefold() != state.value:
        text.append(f" ({raw})")
    return text


def wall_time(moment: datetime, zone: tzinfo = UTC) -> str:
    """``2026-01-01 12:00:03`` in ``zone`` (naive times are taken to be UTC)."""
    return f"{assume_utc(moment).astimezone(zone):%Y-%m-%d %H:%M:%S}"


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


def terminal_safe(text: str | None) -> str:
    """``text`` with every escape sequence and control character gone (newlines kept)."""
    if not text:
        return ""
    return make_safe(text, keep_colour=False)


#: What a URL may hold to be put in a link as it is: the adapters percent-encode ids
#: (``kit.http_paths.web_page``), so anything else means a URL not made that way.
_LINKABLE = re.compile(r"https?://[A-Za-z0-9._~:/?#@!$&()*+,;=%-]+")


def link_markup(url: str) -> str | None:
    """``url`` as Textual markup: a link the terminal can open (OSC 8) showing the URL
    itself; None when it holds a character a link could not (a quote, a bracket, a space)."""
    if not _LINKABLE.fullmatch(url):
        return None
    return f"[link='{url}']{url}[/link]"


def literal(text: str) -> str:
    """``text`` as Textual markup that shows it as it is: every ``[`` escaped (Textual's
    ``escape`` leaves ``[B]`` and ``[$x]``, read as a style and a variable)."""
    return text.replace("[", "\\[")
