"""What the local adapter watches in the spool, and how often (watchfiles).

watchfiles is imported where a watch starts, never here: it costs start-up
time the deck need not wait for.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from pathlib import Path
from typing import TYPE_CHECKING

from jobdeck.local.layout import ARCHIVE_DIR, LOG_FILE

if TYPE_CHECKING:
    import watchfiles

#: watchfiles timings (ms): a batch is yielded after this much quiet … (the watcher's
#: thread also wakes this often: with one spool watcher per backend always running,
#: the list's is longer, as a new job can wait a quarter second; a followed log cannot)
STEP_MS = 50
LIST_STEP_MS = 250
#: … or after this long at most while changes keep coming.
LIST_DEBOUNCE_MS = 500
#: watchfiles groups a log's writes for this long before the pane hears of them:
#: short, because it is most of the delay between a line written and shown.
LOG_DEBOUNCE_MS = 50
#: A log follower also re-reads this often without any change seen (a missed event costs no
#: more; a supervisor that died is seen this late, as the list sees it at a poll). Each
#: re-read reads the job afresh (a running job is never cached) on a thread: at 250 ms it
#: was a visible part of an idle deck's CPU, at 1 s still a tenth of a deck idle with jobs
#: running (issue 22).
LOG_RECHECK_MS = 2500


def changes_the_list(change: watchfiles.Change, path: str) -> bool:
    """Log writes and temporary files never change the job list; everything else may."""
    name = Path(path).name
    if name == LOG_FILE:
        return False
    return not name.startswith(".") or name == ARCHIVE_DIR


async def next_change(watcher: AsyncGenerator[set[tuple[watchfiles.Change, str]], None]) -> bool:
    """Wait for the watcher's next batch (or its timeout); False if it cannot watch any more."""
    try:
        await anext(watcher)
    except (OSError, RuntimeError, StopAsyncIteration):
        return False
    return True
