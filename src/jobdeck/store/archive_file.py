"""jobdeck's own archive: job references the user archived in jobdeck.

Backends without an archive of their own still get one: the monitor marks the
jobs listed here ``archived=True, archived_by="jobdeck"``; the backend is never
changed. The file is a small JSON document in the data folder::

    {"version": 1, "refs": ["local/20260101-120000-ab12", "julep/task-7"]}

Several decks may share a data folder, so the file on disk is the truth:

- a change (archive or restore of one job) is made under an exclusive lock
  (``archive.json.lock`` beside it): the file is read again and only that one
  change is applied to what it holds, then written atomically (a crash, even
  SIGKILL, leaves the old file or the new one);
- a reader notices another deck's change by the file's stat (one ``stat`` per
  look, on the poll path) and reads it again only then.

A missing file is an empty archive. A corrupt one is moved aside (so nothing
is lost) and the archive starts empty, with a warning the UI can show. A link
at the file's place is read through, and replaced by a file on the next write
(what it pointed to is never written).
"""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

from jobdeck import paths
from jobdeck.clock import Clock, SystemClock
from jobdeck.files import locked, remove_temporaries, write_atomic
from jobdeck.model import JobRef

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
#: Seconds a change waits for another deck's write to finish (each takes milliseconds).
LOCK_TIMEOUT = 2.0

#: A version of the file: (mtime_ns, size, inode); None when there is no file. An
#: atomic replace always makes a new inode, so a rewrite of the same size is seen too.
Stamp = tuple[int, int, int] | None


class ArchiveCorrupt(ValueError):
    """The archive file exists but is not an archive document."""


class JobdeckArchive:
    """A persistent set of job references, shared through its file by every deck
    (``store.base.ArchiveMarks`` as a file: ``archive.json``)."""

    def __init__(
        self, path: Path | None = None, *, clock: Clock | None = None, lock_timeout: float = LOCK_TIMEOUT
    ) -> None:
        self.path = path if path is not None else paths.archive_file()
        self._lock_path = self.path.with_name(f"{self.path.name}.lock")
        self._lock_timeout = lock_timeout
        self._clock = clock or SystemClock()
        #: Immutable, replaced on every change: ``refs()`` is read on every poll and lookup.
        self._refs: frozenset[JobRef] = frozenset()
        #: The version of the file ``_refs`` was read from (or written as).
        self._stamp: Stamp = None
        #: A sentence for the user when the file could not be read as it was.
        self.warning: str | None = None
        self._reload(_stamp(self.path))

    # -- the set ----------------------------------------------------------

    def contains(self, ref: JobRef) -> bool:
        return ref in self.refs()

    __contains__ = contains

    def refs(self) -> frozenset[JobRef]:
        """The archived refs as the file holds them now (read again only when it changed)."""
        stamp = _stamp(self.path)
        if stamp != self._stamp:
            self._reload(stamp)
        return self._refs

    def add(self, ref: JobRef) -> bool:
        """Archive ``ref``. False when it already was. OSError when the file cannot be written."""
        return self._change(ref, archived=True)

    def remove(self, ref: JobRef) -> bool:
        """Restore ``ref``. False when it was not archived. OSError when the file cannot be written."""
        return self._change(ref, archived=False)

    def _change(self, ref: JobRef, *, archived: bool) -> bool:
        """Apply one change to what is on disk, under the lock; memory follows the disk."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with locked(self._lock_path, timeout=self._lock_timeout):
            stamp = _stamp(self.path)
            try:
                current = self._read()
            except ArchiveCorrupt as exc:
                self._set_aside(str(exc))
                current = frozenset()
            except OSError as exc:
                # Writing now would replace an archive no one could read: refuse.
                raise OSError(exc.errno, f"cannot read it first: {exc.strerror or exc}") from exc
            self._refs, self._stamp = current, stamp
            if (ref in current) == archived:
                return False
            refs = current | {ref} if archived else current - {ref}
            remove_temporaries(self.path)  # a writer killed mid-write left them; none is live now
            self._save(refs)
            self._refs, self._stamp = refs, _stamp(self.path)
        return True

    # -- the file -----------------------------------------------------------

    def _reload(self, stamp: Stamp) -> None:
        """Read the file again, without the lock: writers replace it whole, atomically."""
        self._stamp = stamp
        if stamp is None:
            self._refs = frozenset()
            return
        try:
            self._refs = self._read()
            return
        except ArchiveCorrupt:
            pass
        except OSError as exc:
            self._refs = frozenset()
            self.warning = f"jobdeck's archive {self.path} could not be read ({exc}); starting empty"
            log.warning(self.warning)
            return
        # Corrupt: set it aside under the lock, so a deck writing meanwhile is not moved aside.
        self._refs = frozenset()
        try:
            with locked(self._lock_path, timeout=self._lock_timeout):
                try:
                    self._refs = self._read()
                except ArchiveCorrupt as exc:
                    self._set_aside(str(exc))
                self._stamp = _stamp(self.path)
        except OSError as exc:
            self.warning = (
                f"jobdeck's archive {self.path} is corrupt and was left as it is ({exc}); starting empty"
            )
            log.warning(self.warning)

    def _read(self) -> frozenset[JobRef]:
        """What the file holds: ArchiveCorrupt when it is not an archive, OSError when unreadable."""
        try:
            # Non-blocking: a FIFO at the file's place must not hang the deck.
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return frozenset()
        with open(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ArchiveCorrupt("it is not a regular file")
            data = handle.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ArchiveCorrupt(f"it is not text ({exc.reason})") from None
        return _parse(text)

    def _set_aside(self, why: str) -> None:
        stamp = self._clock.now().strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            os.replace(self.path, aside)
        except OSError as exc:
            self.warning = (
                f"jobdeck's archive {self.path} is corrupt ({why}) and could not be moved "
                f"aside ({exc}); starting empty"
            )
        else:
            self.warning = (
                f"jobdeck's archive was corrupt ({why}); it was moved to {aside} "
                "and the archive starts empty"
            )
        log.warning(self.warning)

    def _save(self, refs: frozenset[JobRef]) -> None:
        document = {"version": FORMAT_VERSION, "refs": sorted(str(ref) for ref in refs)}
        # A crash leaves the old file or the new one; only the user may read it.
        write_atomic(self.path, (json.dumps(document, indent=1) + "\n").encode(), mode=0o600)


def _stamp(path: Path) -> Stamp:
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:
        return (-1, -1, -1)  # there, but not even stat-able: read it to say why
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _parse(text: str) -> frozenset[JobRef]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArchiveCorrupt(f"not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(document, dict) or not isinstance(document.get("refs"), list):
        raise ArchiveCorrupt('expected an object with a "refs" list')
    refs: set[JobRef] = set()
    for item in document["refs"]:
        if not isinstance(item, str):
            raise ArchiveCorrupt(f"a job reference must be text, not {item!r}")
        try:
            refs.add(JobRef.parse(item))
        except ValueError as exc:
            raise ArchiveCorrupt(str(exc)) from None
    return frozenset(refs)
