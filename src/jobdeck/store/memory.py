"""Today's store: jobdeck's archive and the action log in their files in the data
folder, the observed history in memory only (gone when the deck quits).

It keeps no history of polls: ``record_changes``, ``record_log_tail`` and ``close`` do nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from jobdeck import paths
from jobdeck.clock import Clock
from jobdeck.model import Job, JobRef
from jobdeck.store.action_log import ActionLog
from jobdeck.store.archive_file import JobdeckArchive
from jobdeck.store.base import Transition
from jobdeck.store.observed import ObservedHistory


class MemoryStore:
    """A ``Store``: ``archive.json`` and ``actions.jsonl``, the observed history in memory."""

    def __init__(self, folder: Path | None = None, *, clock: Clock | None = None) -> None:
        """The files in ``folder`` (tests, benchmarks), else where ``jobdeck.paths`` says
        (``JOBDECK_DATA_DIR`` moves them). ``clock`` names a corrupt archive set aside."""
        if folder is None:
            self.archive = JobdeckArchive(clock=clock)
            self.actions = ActionLog()
        else:
            self.archive = JobdeckArchive(folder / paths.archive_file().name, clock=clock)
            self.actions = ActionLog(folder / paths.action_log_file().name)
        self.observed = ObservedHistory()

    def record_changes(
        self,
        backend: str,
        at: datetime,
        *,
        added: Sequence[Job],
        changed: Sequence[Job],
        removed: Sequence[JobRef],
        transitions: Sequence[Transition],
        complete: bool,
    ) -> None:
        """Nothing: the observed history already holds the transitions, and no more is kept."""

    def record_log_tail(self, ref: JobRef, created: datetime | None, text: str) -> None:
        """Nothing: no history is kept, so no log tail either."""

    def warnings(self) -> list[str]:
        return [self.archive.warning] if self.archive.warning else []

    def close(self) -> None:
        """Nothing is pending: every change was written when it was made."""
