"""What the local adapter watches in the spool, and how often.

On Linux the watches are inotify descriptors the event loop waits on (``jobdeck.inotify_watch``):
nothing runs while nothing changes. Elsewhere they are watchfiles' (a thread each,
waking every ``step``). Both are imported where a watch starts, never here: they
cost start-up time the deck need not wait for.
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from jobdeck.local.layout import ARCHIVE_DIR, LOG_FILE

if TYPE_CHECKING:
    import watchfiles

#: Batch timings (ms): a batch is yielded after this much quiet … (watchfiles' thread
#: also wakes this often: with one spool watcher per backend always running, the list's
#: is longer, as a new job can wait a quarter second; a followed log cannot)
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


def changes_the_list(change: watchfiles.Change | None, path: str) -> bool:
    """Log writes and temporary files never change the job list; everything else may."""
    name = os.path.basename(path)
    if name == LOG_FILE:
        return False
    return not name.startswith(".") or name == ARCHIVE_DIR


def _lists(path: str) -> bool:
    return changes_the_list(None, path)


def log_changes(folder: Path) -> AsyncGenerator[set[str], None]:
    """A batch of changed paths each time a followed log's folder changes, or an empty one
    after ``LOG_RECHECK_MS`` without a change. Raises OSError if it cannot be watched."""
    from jobdeck import inotify_watch  # here: ctypes costs start-up time (see the module's doc)

    return inotify_watch.changes(
        os.fspath(folder),
        recursive=False,
        step=STEP_MS / 1000,
        debounce=LOG_DEBOUNCE_MS / 1000,
        timeout=LOG_RECHECK_MS / 1000,
    )


def list_changes(spool: Path, *, inside: bool, started: Callable[[], None]) -> AsyncGenerator[set[str], None]:
    """Each batch of paths in ``spool`` (and inside its job folders if ``inside``) that may
    change the job list; ``started`` is called once the watch is in place. Raises OSError
    (or RuntimeError, from watchfiles) if it cannot watch."""
    from jobdeck import inotify_watch  # see log_changes

    return inotify_watch.changes(
        os.fspath(spool),
        recursive=inside,
        step=LIST_STEP_MS / 1000,
        debounce=LIST_DEBOUNCE_MS / 1000,
        keep=_lists,
        started=started,
    )


async def next_change(watcher: AsyncGenerator[set[str], None]) -> bool:
    """Wait for the watcher's next batch (or its timeout); False if it cannot watch any more."""
    try:
        await anext(watcher)
    except (OSError, RuntimeError, StopAsyncIteration):
        return False
    return True
