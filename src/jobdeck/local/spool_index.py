"""A spool's job list kept between polls: a poll reads only the job folders that changed.

Listing a spool of 50,000 jobs reads every folder (a few ``stat`` calls each, even
when nothing changed): over a second of CPU, every poll. While a watcher reports the
spool's changes (``note_changed``), a poll re-reads only the folders it named and the
jobs still active (a running job's supervisor may die without a file changing); the
rest keep their records. Without a watcher, or when it may have missed something
(it just started, its batches overflowed, or a long while passed), a poll reads the
whole spool as before (``Spool.scan``).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from jobdeck.local.job_records import JobRecord
from jobdeck.local.layout import ARCHIVE_DIR
from jobdeck.local.spool import Spool

#: A whole read at least this often (seconds), even while a watcher reports changes.
FULL_SCAN_EVERY = 600.0
#: Changes a watcher reports in the first moments of its life may have been made before it
#: watched: the first whole read counts only if it started this long after the watcher.
WATCH_SETTLE = 0.5
#: More changed folders than this in one poll: read the whole spool instead.
MOST_CHANGED = 5_000
#: From this many jobs the watcher watches the spool folder only, not every job's folders:
#: a recursive watch of 50,000 jobs (150,000 folders) takes seconds to set up, holding the
#: GIL (the deck froze), and inotify watches are a limited resource of the whole machine.
WATCH_EVERY_FOLDER_UP_TO = 2_000
#: Watching the spool folder only, a job is created, removed, archived and restored in view
#: of the watcher, but a change inside a finished job (a rerun started by another deck) is
#: not: each poll re-reads (by stat) this share of the finished jobs, all of them in turn.
RECHECK_SHARE = 1 / 30


class SpoolIndex:
    """The records of a spool's jobs (live, then archived, each by id), updated by poll."""

    def __init__(self, spool: Spool, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.spool = spool
        self._clock = clock
        self._root = os.fspath(spool.root)
        self._archive = os.fspath(spool.archive_root)
        #: Records by job folder path, in listing order.
        self._records: dict[str, JobRecord] = {}
        #: When the last whole read started (-inf: never).
        self._full_at = float("-inf")
        #: When the watcher started, or None while none is watching.
        self._watching_since: float | None = None
        #: Whether the watcher sees inside every job folder (else only the spool folder).
        self._watching_inside = True
        #: Where the next re-check of finished jobs starts (``RECHECK_SHARE``).
        self._recheck_at = 0
        #: Job folders named by the watcher since the last poll; None: something it cannot
        #: place (the spool itself), read everything.
        self._changed: set[str] | None = set()
        #: Whether job folders came or went (a new job, an archive move): the folders are listed again.
        self._folders_changed = False
        # The watcher notes changes on the event loop while a poll reads in a thread.
        self._lock = threading.Lock()

    # -- what the watcher says ------------------------------------------------

    @property
    def watch_inside(self) -> bool:
        """Whether a watcher should watch inside every job folder (a small spool), or
        only the spool folder itself (``WATCH_EVERY_FOLDER_UP_TO``)."""
        return len(self._records) <= WATCH_EVERY_FOLDER_UP_TO

    def watching(self, started: bool, *, inside: bool = True) -> None:
        """A watcher of the spool started (True) or stopped (False); ``inside``: it sees
        changes inside the job folders too, not only jobs coming and going."""
        self._watching_since = self._clock() if started else None
        self._watching_inside = inside

    def note_changed(self, paths: Iterable[str]) -> None:
        """The watcher saw these paths change (anywhere in the spool or its archive)."""
        with self._lock:
            self._note(paths)

    def _note(self, paths: Iterable[str]) -> None:
        if self._changed is None:
            return
        for path in paths:
            folder, top = self._job_folder(path)
            if folder is None:
                self._changed = None  # the spool or the archive folder itself
                return
            self._changed.add(folder)
            self._folders_changed = self._folders_changed or top
        if len(self._changed) > MOST_CHANGED:
            self._changed = None

    def _job_folder(self, path: str) -> tuple[str | None, bool]:
        """The job folder ``path`` is in, and whether it is that folder itself."""
        for base in (self._archive, self._root):
            if path.startswith(base + os.sep):
                rest = path[len(base) + 1 :]
                name, sep, _ = rest.partition(os.sep)
                if base == self._root and name == ARCHIVE_DIR:
                    continue  # in the archive: the first base handles it (a bare .archive is below)
                if not name:
                    return None, False
                return os.path.join(base, name), not sep
        return None, False

    # -- polling ----------------------------------------------------------------

    def scan(self) -> list[JobRecord]:
        """Every job's record, read again where it may have changed (see the module's doc)."""
        now = self._clock()
        with self._lock:
            changed, folders_changed = self._changed, self._folders_changed
            self._changed, self._folders_changed = set(), False
        watched = self._watching_since
        if (
            changed is None
            or watched is None
            or self._full_at < watched + WATCH_SETTLE
            or now - self._full_at > FULL_SCAN_EVERY
        ):
            self._full_at = now
            records = self.spool.scan()
            self._records = {os.fspath(record.folder): record for record in records}
            return records
        try:
            return self._update(changed, folders_changed)
        except BaseException:
            self._full_at = float("-inf")  # what was noted is lost: read everything next time
            raise

    def _update(self, changed: set[str], folders_changed: bool) -> list[JobRecord]:
        old = self._records
        if folders_changed:
            order = [(os.fspath(folder), archived) for folder, archived in self.spool.job_folders()]
        else:
            order = [(base, record.archived) for base, record in old.items()]
        read_job = self.spool.read_job
        records: dict[str, JobRecord] = {}
        start, share = 0, 0
        if not self._watching_inside and order:
            share = max(1, int(len(order) * RECHECK_SHARE))
            start = self._recheck_at % len(order)
            self._recheck_at = start + share
        count = len(order)
        for position, (base, archived) in enumerate(order):
            record = old.get(base)
            if (
                record is None
                or base in changed
                or record.state.is_active
                or (position - start) % count < share
            ):
                try:
                    record = read_job(Path(base), archived=archived)
                except FileNotFoundError:
                    continue  # archived or restored while we looked
                except OSError as exc:
                    record = JobRecord(
                        id=os.path.basename(base),
                        folder=Path(base),
                        archived=archived,
                        spec=None,
                        problems=(f"cannot read the job folder: {exc.strerror or exc}",),
                    )
            records[base] = record
        if folders_changed:
            self.spool.forget_all_but(set(records))
        self._records = records
        return list(records.values())
