"""A spool's job list kept between polls: a poll reads only the job folders that changed.

Listing a spool of 50,000 jobs reads every folder (a few ``stat`` calls each, even
when nothing changed): over a second of CPU, every poll. While a watcher reports the
spool's changes (``note_changed``), a poll re-reads only the folders it named and the
jobs still active (a running job's supervisor may die without a file changing); the
rest keep their records. Without a watcher, or when it may have missed something
(it just started, its batches overflowed, or a long while passed), a poll reads the
whole spool, each folder checked by its version (``reading.job_key``: a few ``stat``
calls) and read again only if it changed. When the watcher named nothing and every
active job's supervisor is watched for its end, a poll need not scan at all (``quiet``).

With a cache folder, the finished jobs' facts are kept from one start to the next
(``spool_cache``): the first poll takes a kept job as it was if its runs and latest events
are at the same version (``reading.same_version``: two ``stat`` calls, no listing of its
runs), and the second poll checks every one of them as a whole read does (``job_key``: a
hand edit of a spec, or a run folder swapped for another within one tick of the clock).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from jobdeck.heap import held_still
from jobdeck.local import mounts, spool_cache
from jobdeck.local.job_facts import JobFacts, facts_of
from jobdeck.local.job_records import JobRecord
from jobdeck.local.layout import ARCHIVE_DIR, job_folder_names
from jobdeck.local.reading import job_key, same_version
from jobdeck.local.spool import Spool
from jobdeck.local.supervisors import ActiveSupervisors

log = logging.getLogger(__name__)

#: A whole read at least this often (seconds), even while a watcher reports changes
#: (watching the spool folder only: the folders listed again).
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
#: of the watcher, and a new run touches its job's folder (``writing.create_run``); a change
#: inside a finished job made otherwise (by hand) is not seen: each poll re-reads (by stat)
#: this share of the finished jobs, all of them in turn (each once an hour at 2 s polls).
RECHECK_SHARE = 1 / 1800
#: The spool cache (``spool_cache``) is written again at most this often (seconds), when
#: a finished job changed, came or went since it was last written or read.
SAVE_EVERY = 300.0


class SpoolIndex:
    """The facts of a spool's jobs (live, then archived, each by id), updated by poll."""

    def __init__(
        self,
        spool: Spool,
        *,
        clock: Callable[[], float] = time.monotonic,
        cache_folder: Path | None = None,
        network: bool | None = None,
    ) -> None:
        self.spool = spool
        #: Whether the spool is on a network filesystem (None: found out at the first scan):
        #: its folders are listed at every poll, other machines' writes going unheard.
        self._network = network
        self._clock = clock
        self._root = os.fspath(spool.root)
        self._archive = os.fspath(spool.archive_root)
        #: Where the finished jobs are kept between starts (``spool_cache``); None: nowhere.
        self._cache_folder = cache_folder
        #: Whether the jobs were taken from the cache on their folder's stamp alone: the
        #: next poll checks each by its version.
        self._unverified = False
        #: Whether a finished job changed, came or went since the cache was read or written.
        self._unsaved = False
        self._saved_at = float("-inf")
        self._scans = 0
        #: The facts in listing order, where each job folder's are, and which are active.
        self._records: list[JobFacts] = []
        self._positions: dict[str, int] = {}
        self._active: set[int] = set()
        #: The positions the last ``scan`` read again (their records may be new objects),
        #: or None when it read or listed everything.
        self.reread: list[int] | None = None
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
        #: The active jobs' supervisors on this host, for a watch of their ends (``quiet``).
        self.supervisors = ActiveSupervisors()
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

    def quiet(self, supervisors_watched: bool) -> bool:
        """Whether a scan now would find nothing new: the watcher (inside every job folder,
        caught up with, the spool's writes all heard) named nothing since the last scan, no
        whole read or cache write is due, and (``supervisors_watched``) the end of every
        active job's supervisor is watched (the one change that writes no file)."""
        now = self._clock()
        with self._lock:
            watched = self._watching_since
            return (
                supervisors_watched
                and self._scans > 0
                and watched is not None
                and self._watching_inside
                and self._full_at >= watched + WATCH_SETTLE
                and now - self._full_at <= FULL_SCAN_EVERY
                and self._changed is not None
                and not self._changed
                and not self._folders_changed
                and not self._unverified
                and not self._network
                and not (self._unsaved and now - self._saved_at >= SAVE_EVERY)
                and len(self.supervisors) == len(self._active)
            )

    # -- polling ----------------------------------------------------------------

    def scan(self) -> list[JobFacts]:
        """Every job's facts, read again where they may have changed (see the module's doc).
        ``reread`` then says which positions may hold new facts."""
        now = self._clock()
        self._scans += 1
        if self._scans == 1 and self._cache_folder is not None:
            with held_still(self._folders_on_disk()):
                kept = spool_cache.load(self._cache_folder, self._root, self._archive)
                if kept:
                    self._full_at = now
                    self._read_all(kept, quick=True)
                    self._unverified = True
                    self.reread = None
                    return list(self._records)
        self._save_if_due(now)
        if self._network is None:
            self._network = mounts.is_network(self._root)
        with self._lock:
            changed, folders_changed = self._changed, self._folders_changed
            self._changed, self._folders_changed = set(), False
        folders_changed = folders_changed or self._network  # (what other machines made)
        watched = self._watching_since
        caught_up = watched is not None and self._full_at >= watched + WATCH_SETTLE
        due = now - self._full_at > FULL_SCAN_EVERY
        if (
            changed is not None
            and (due or not caught_up)
            and watched is not None
            and not self._watching_inside
            and self._records
            and not self._unverified
        ):
            # What the watcher of the spool folder may have missed is a job come or gone:
            # listing the folders again (with the active jobs read) catches up, at a small
            # part of the cost of reading every job.
            self._full_at = now
            folders_changed = True
        elif changed is None or not caught_up or due or self._unverified:
            self._full_at = now
            # Reading every job of a big spool builds hundreds of thousands of objects: no
            # collection walks them meanwhile (3 of the 7.5 s of reading 50,000 jobs).
            with held_still(max(len(self._records), self._folders_on_disk())):
                self._read_all(dict(zip(self._positions, self._records)), quick=False)
            self._unverified = False
            self.reread = None
            self.supervisors.keep_only(self._records[position].folder for position in self._active)
            if self._scans == 1:
                # The whole spool was read without a cache: kept at once (about 0.3 s for
                # 50,000 jobs, a tenth of that read), so a deck closed at once or a
                # one-poll command (`jobdeck ls`) spares the next start that read too.
                self._save_if_due(now)
            return list(self._records)
        try:
            if folders_changed:
                self._relist(changed)
                self.reread = None
            else:
                self.reread = self._reread(changed)
            self.supervisors.keep_only(self._records[position].folder for position in self._active)
        except BaseException:
            self._full_at = float("-inf")  # what was noted is lost: read everything next time
            raise
        return list(self._records)

    def _folders_on_disk(self) -> int:
        """About how many job folders the spool holds, for free: a folder's link count is two
        and one per folder in it (0 where the filesystem does not count so)."""
        try:
            return max(0, os.stat(self._root).st_nlink - 2)
        except OSError:
            return 0

    def _read_all(self, known: dict[str, JobFacts], *, quick: bool) -> None:
        """Every job folder, each read again unless ``known`` has its facts and it did not
        change: by its version (``job_key``), or ``quick``: by the folder's own stamp."""
        records: list[JobFacts] = []
        for base, archived in self._folder_paths():
            old = known.get(base)
            if quick and old is not None and old.archived is archived and same_version(base, old.key):
                records.append(old)
                continue
            facts = self._read(base, archived, old)
            if facts is not None:
                records.append(facts)
        positions = {facts.folder: position for position, facts in enumerate(records)}
        if known.keys() - positions.keys():
            self._unsaved = True  # jobs went (those that came were read: ``_read`` says)
        self._records, self._positions = records, positions
        self._active = {position for position, facts in enumerate(records) if facts.state.is_active}
        self._forget_finished()

    def _forget_finished(self) -> None:
        """Drop what the spool's reader keeps of finished jobs (their parsed files: about
        300 MB at 50,000 jobs): their facts are kept here and checked by their versions; a
        job's runs and timeline are read again when asked for."""
        self.spool.forget_all_but({self._records[position].folder for position in self._active})

    def _relist(self, changed: set[str]) -> None:
        """Jobs came or went: list the folders again, reading the new, changed and active ones."""
        old = dict(zip(self._positions, self._records))
        active = {self._records[position].folder for position in self._active}
        records: list[JobFacts] = []
        positions: dict[str, int] = {}
        now_active: set[int] = set()
        for base, archived in self._folder_paths():
            record = old.get(base)
            if record is None or base in changed or base in active:
                record = self._read(base, archived, record)
                if record is None:
                    continue
                if record.state.is_active:
                    now_active.add(len(records))
            positions[base] = len(records)
            records.append(record)
        if len(positions) != len(old) or positions.keys() != old.keys():
            self._unsaved = True
        self._records, self._positions, self._active = records, positions, now_active
        self._forget_finished()

    def _folder_paths(self) -> list[tuple[str, bool]]:
        """Every job folder's path and whether it is archived, live then archived, each by
        id, without a Path object each (50,000 of them cost a quarter of a second)."""
        found: list[tuple[str, bool]] = []
        for base, archived in ((self._root, False), (self._archive, True)):
            try:
                names = job_folder_names(base)
            except FileNotFoundError:
                if archived:
                    continue
                raise
            prefix = os.path.join(base, "")
            found.extend((prefix + name, archived) for name in names)
        return found

    def _reread(self, changed: set[str]) -> list[int]:
        """Read again the jobs named, the active ones and this poll's share of the finished
        ones; the positions whose record is a new object."""
        records = self._records
        positions = {self._positions[base] for base in changed if base in self._positions}
        positions |= self._active
        if not self._watching_inside and records:
            share = max(1, int(len(records) * RECHECK_SHARE)) if RECHECK_SHARE else 0
            start = self._recheck_at % len(records)
            self._recheck_at = start + share
            positions.update(position % len(records) for position in range(start, start + share))
        new = records.copy()
        reread: list[int] = []
        for position in sorted(positions):
            old = records[position]
            record = self._read(old.folder, old.archived, old)
            if record is None:  # gone meanwhile: the watcher reports it, and the next poll lists again
                continue
            if record is not old:
                new[position] = record
                reread.append(position)
            if record.state.is_active:
                self._active.add(position)
            else:
                self._active.discard(position)
        self._records = new
        return reread

    def _read(self, base: str, archived: bool, old: JobFacts | None = None) -> JobFacts | None:
        """The facts of a job folder: ``old`` if it is finished and its folder is at the same
        version, else read again (None: the folder went)."""
        try:
            key = None
            if old is not None and not old.state.is_active:
                key = job_key(base, archived)
                if key == old.key:
                    return old
            key, record = self.spool.read_job_keyed(Path(base), archived=archived, key=key)
            facts = facts_of(record, key)
            if not facts.state.is_active:
                self.spool.forget(base)  # see ``_forget_finished``
            else:
                self.supervisors.note(base, record)
        except FileNotFoundError:
            return None  # archived or restored while we looked
        except OSError as exc:
            record = JobRecord(
                id=os.path.basename(base),
                folder=Path(base),
                archived=archived,
                spec=None,
                problems=(f"cannot read the job folder: {exc.strerror or exc}",),
            )
            facts = facts_of(record)  # no key: read again next time
        if not facts.state.is_active or (old is not None and not old.state.is_active):
            self._unsaved = True  # a finished job changed (or one finished): the cache is behind
        return facts

    # -- the cache (spool_cache) ----------------------------------------------------

    def _save_if_due(self, now: float) -> None:
        """Write the finished jobs to the cache if they changed since it was read or
        written, and it was not written in the last ``SAVE_EVERY`` seconds. Never raises:
        a cache that cannot be written means a slower start, said in a debug note."""
        if self._cache_folder is None or not self._unsaved or now - self._saved_at < SAVE_EVERY:
            return
        self._saved_at = now
        try:
            spool_cache.save(self._cache_folder, self._root, self._records)
        except OSError as exc:
            log.debug("the spool cache of %s cannot be written: %s", self._root, exc)
            return
        self._unsaved = False
