"""A spool's finished jobs kept from one start of the deck to the next (issue 22).

Reading a spool of 50,000 jobs means parsing 100,000 files: about 4.5 s on a 2-core
server before the deck can show them. So the spool index keeps the facts of its finished
jobs (``job_facts``) in one file of the user's cache folder, each with the version of its
job folder it was read from, and a deck started again shows them from there: each one
whose runs folder and latest events are at the same version (two ``stat`` calls), the
others read again. The next poll checks every kept job by all of its files, as a whole
read does (``spool_index``). The file is written by the first whole read of a spool, then
at most every few minutes while finished jobs change, come or go.

Where: ``<cache folder>/spools/<digest of the spool's path>.json`` — the user's own
cache, never the spool, so a read-only spool, a spool on NFS or one that several users
share works the same, and nobody else's file is ever taken for facts. Several decks on one
spool share the file: each writes it whole with an atomic rename, and any of their
versions is a good start.

A file that is missing, unreadable, not a regular file of the user's own (a link, a FIFO,
another user's), corrupt, of another format, made by other code (a
fingerprint of the modules that make the facts; jobdeck's version where they are no files
of their own, in a zipped install) or for another spool (its path and the
folder's device and inode) is ignored, with a debug note: the spool is then read as
without it. Only finished jobs (succeeded, failed, canceled) are kept: the others are
read at every start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import time
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from jobdeck.files import write_atomic
from jobdeck.local import job_facts
from jobdeck.local.job_facts import JobFacts

log = logging.getLogger(__name__)

#: The layout of the file; another one is ignored.
FORMAT = 1
#: Spool files kept at most in the folder; the least recently written go first.
MAX_FILES = 8
#: A temporary file older than this (seconds) was left by a writer that died: removed.
STALE_TEMPORARY = 3600.0


#: The modules that read a job folder into facts (a newer jobdeck may read the same files
#: into other facts), and where they are.
_FACT_MODULES = ("job_facts.py", "job_records.py", "reading.py", "records.py", "control.py", "progress.py")
_MODULES_AT = Path(__file__).parent


def _code_fingerprint() -> str:
    """Which code made the facts: the format, then the modules' sizes and times."""
    return f"{FORMAT} {_modules_fingerprint(_MODULES_AT)}"


@cache  # the modules do not change under a running process: stat'ed once, not per load/save
def _modules_fingerprint(folder: Path) -> str:
    """The sizes and times of the modules that make the facts (``_FACT_MODULES`` in
    ``folder``), and jobdeck's version when one of them cannot be stat'ed (a zipped
    install): a cache of another version is then not taken for this one's."""
    parts = []
    for name in _FACT_MODULES:
        try:
            info = (folder / name).stat()
        except OSError:
            import jobdeck

            return f"jobdeck {jobdeck.__version__}"
        parts.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
    return " ".join(parts)


def cache_path(folder: Path, root: str) -> Path:
    """The file that keeps the spool at ``root`` in ``folder``."""
    digest = hashlib.sha256(os.fsencode(os.path.abspath(root))).hexdigest()[:32]
    return folder / f"{digest}.json"


def _identity(root: str) -> list[int] | None:
    try:
        st = os.stat(root)
    except OSError:
        return None
    return [st.st_dev, st.st_ino]


def load(folder: Path, root: str, archive: str) -> dict[str, JobFacts] | None:
    """The facts kept for the spool at ``root`` (its archive at ``archive``), by job folder
    path (``root`` or ``archive``, then the job's id); None when there are none to use (see
    the module's doc). Never raises."""
    path = cache_path(folder, root)
    try:
        data = _read_own_file(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.debug("the spool cache %s cannot be read: %s", path, exc)
        return None
    if data is None:
        log.debug("the spool cache %s is not a file of this user's: not used", path)
        return None
    try:
        document = json.loads(data)
        if document.get("fingerprint") != _code_fingerprint():
            log.debug("the spool cache %s was made by other code: not used", path)
            return None
        if document.get("spool") != os.path.abspath(root) or document.get("identity") != _identity(root):
            log.debug("the spool cache %s is of another spool: not used", path)
            return None
        known: dict[str, JobFacts] = {}
        live, archived = os.path.join(root, ""), os.path.join(archive, "")
        from_row, sep = job_facts.from_row, os.sep
        for row in document["jobs"]:
            name = row[0]
            if type(name) is not str or sep in name or name.startswith(".") or not name:
                raise ValueError("a cache row's id is not a job folder's name")
            place = (archived if row[1] is True else live) + name
            facts = known[place] = from_row(row, place)
            if not facts.state.is_terminal:
                raise ValueError("a cache row keeps a job that was not finished")
        return known
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OverflowError) as exc:
        log.debug("the spool cache %s is not usable (%s): ignored", path, exc)
        return None


def _read_own_file(path: Path) -> bytes | None:
    """The bytes of ``path`` if it is a regular file of this user's (not a link, a FIFO, or
    a file another user put in the folder); None otherwise."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid():
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read()
    finally:
        os.close(fd)


def save(folder: Path, root: str, facts: Iterable[JobFacts]) -> None:
    """Keep the finished jobs of ``facts`` for the spool at ``root``. OSError if it cannot."""
    identity = _identity(root)
    if identity is None:
        return
    rows = [job_facts.to_row(item) for item in facts if item.state.is_terminal and item.key and item.key[1]]
    document = {
        "format": FORMAT,
        "fingerprint": _code_fingerprint(),
        "spool": os.path.abspath(root),
        "identity": identity,
        "written": time.time(),
        "jobs": rows,
    }
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = json.dumps(document, separators=(",", ":"), check_circular=False).encode()
    # Commands and their folders are the user's: the file is theirs alone.
    write_atomic(cache_path(folder, root), data, mode=0o600)
    _tidy(folder)


def _tidy(folder: Path) -> None:
    """Remove the files beyond ``MAX_FILES`` (least recently written first), and the
    temporary files of writers that died."""
    try:
        with os.scandir(folder) as entries:
            found = [(entry.stat().st_mtime, entry.path, entry.name) for entry in entries if entry.is_file()]
    except OSError:
        return
    now = time.time()
    kept = sorted((item for item in found if item[2].endswith(".json")), reverse=True)
    doomed = [item[1] for item in kept[MAX_FILES:]]
    doomed += [item[1] for item in found if item[2].endswith(".tmp") and now - item[0] > STALE_TEMPORARY]
    for path in doomed:
        try:
            os.unlink(path)
        except OSError:
            pass
