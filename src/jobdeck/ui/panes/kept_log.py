"""The log of a job its backend forgot: the tail jobdeck's history kept of it (issue 17),
as ``jobdeck logs`` prints it. No Textual: the log pane reads it in a thread worker and
shows it with the words below."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from jobdeck.model import JobRef
from jobdeck.safe_text import safe_line

if TYPE_CHECKING:  # (sqlite3 is loaded only where history is on)
    from jobdeck.store.sqlite.log_tails import KeptLogTail

#: Why ``b`` cannot page back through a kept tail.
NO_EARLIER = "the backend no longer lists this job: only the tail kept in history is left"


def read_kept_tail(path: Path, ref: JobRef) -> KeptLogTail | None:
    """The tail the history kept of ``ref``, or None (none kept, or no history to read)."""
    from jobdeck.store.sqlite.log_tails import kept_log_tail

    return kept_log_tail(path, ref)


def kept_tail_notice(ref: JobRef, kept: KeptLogTail) -> str:
    """What the pane says above a kept tail: where the lines come from, and how much."""
    size_kb = max(1, -(-len(kept.text.encode("utf-8", "replace")) // 1024))
    return f"no longer listed by {safe_line(ref.backend)}: showing the last {size_kb} KB kept in history"
