"""jobdeck's own archive: job references the user archived in jobdeck.

Backends without an archive of their own still get one: the monitor marks the
jobs listed here ``archived=True, archived_by="jobdeck"``; the backend is never
changed. The file is a small JSON document in the data folder::

    {"version": 1, "refs": ["local/20260101-120000-ab12", "julep/task-7"]}

A missing file is an empty archive. A corrupt one is moved aside (so nothing
is lost) and the archive starts empty, with a warning the UI can show.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from jobdeck import paths
from jobdeck.clock import Clock, SystemClock
from jobdeck.files import write_atomic
from jobdeck.model import JobRef

log = logging.getLogger(__name__)

FORMAT_VERSION = 1


class ArchiveCorrupt(ValueError):
    """The archive file exists but is not an archive document."""


class JobdeckArchive:
    """A persistent set of job references, written atomically on every change."""

    def __init__(self, path: Path | None = None, *, clock: Clock | None = None) -> None:
        self.path = path if path is not None else paths.archive_file()
        self._clock = clock or SystemClock()
        #: Immutable, replaced on every change: ``refs()`` is read on every poll and lookup.
        self._refs: frozenset[JobRef] = frozenset()
        #: A sentence for the user when the file could not be read as it was.
        self.warning: str | None = None
        self._load()

    # -- the set ----------------------------------------------------------

    def contains(self, ref: JobRef) -> bool:
        return ref in self._refs

    __contains__ = contains

    def refs(self) -> frozenset[JobRef]:
        return self._refs

    def add(self, ref: JobRef) -> bool:
        """Archive ``ref``. False when it already was. OSError when the file cannot be written."""
        if ref in self._refs:
            return False
        self._replace(self._refs | {ref})
        return True

    def remove(self, ref: JobRef) -> bool:
        """Restore ``ref``. False when it was not archived. OSError when the file cannot be written."""
        if ref not in self._refs:
            return False
        self._replace(self._refs - {ref})
        return True

    def _replace(self, refs: frozenset[JobRef]) -> None:
        previous, self._refs = self._refs, refs
        try:
            self._save()
        except OSError:
            self._refs = previous  # memory and disk must agree
            raise

    # -- the file -----------------------------------------------------------

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as exc:
            if isinstance(exc, UnicodeDecodeError):
                self._set_aside(f"it is not text ({exc.reason})")
            else:
                self.warning = f"jobdeck's archive {self.path} could not be read ({exc}); starting empty"
                log.warning(self.warning)
            return
        try:
            self._refs = _parse(text)
        except ArchiveCorrupt as exc:
            self._set_aside(str(exc))

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

    def _save(self) -> None:
        document = {"version": FORMAT_VERSION, "refs": sorted(str(ref) for ref in self._refs)}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # A crash leaves the old file or the new one; only the user may read it.
        write_atomic(self.path, (json.dumps(document, indent=1) + "\n").encode(), mode=0o600)


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
