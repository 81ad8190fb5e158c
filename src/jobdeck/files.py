"""Writing files so that readers, and a crash, see the old content or the new, never half;
one writer at a time where several processes share a file; and opening a file only
where it is meant to be (no link followed out of its folder)."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

#: How often a writer waiting for a lock tries again.
_LOCK_RETRY = 0.005
#: flock(2) errors that mean "this file system has no locks" rather than "held by another".
_NO_LOCKS_HERE = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}


class Refused(OSError):
    """jobdeck will not use this file; ``str()`` is the reason in words (no errno)."""

    def __str__(self) -> str:
        return str(self.strerror)


class LockBusy(Refused):
    """Another process held the lock for longer than the caller would wait."""


class OutsideFolder(Refused):
    """The path leads, through a link, out of the folder it must stay in."""


class NotARegularFile(Refused):
    """A FIFO, device or folder where a file should be: reading it could hang or never end."""


def open_no_follow(path: Path, flags: int, mode: int = 0o600) -> int:
    """``os.open`` that refuses a symbolic link at ``path`` (Refused, saying so)."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except OSError as exc:
        # O_NOFOLLOW fails with ELOOP (EMLINK on FreeBSD) on a link.
        if exc.errno in (errno.ELOOP, errno.EMLINK) and os.path.islink(path):
            raise Refused(exc.errno, f"{path} is a symbolic link; jobdeck does not follow it") from None
        raise


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (``os.write`` may write less than asked)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` atomically: a sibling temporary file, synced, renamed over.

    The file ends up with permissions ``mode`` (less the umask). On failure the
    temporary file is removed and ``path`` is left as it was. A link at ``path``
    is replaced, never written through.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def open_inside(path: Path, folder: Path) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file inside ``folder``.

    Links are resolved first (those that stay inside are fine): OutsideFolder when
    the file, or a folder on its way, leads out of ``folder``; NotARegularFile for a
    FIFO, a device or a folder; FileNotFoundError when there is nothing. The file
    opened is checked again, so a link swapped in after the first check is caught.
    """
    root = os.path.realpath(folder)
    target = os.path.realpath(path)
    if not _is_within(target, root):
        raise OutsideFolder(errno.EACCES, f"{path} leads outside {folder}")
    try:
        # Non-blocking: opening a FIFO would otherwise wait for a writer.
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):  # it became a link since it was resolved
            raise OutsideFolder(errno.EACCES, f"{path} leads outside {folder}") from None
        raise
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise NotARegularFile(errno.EACCES, f"{path} is not a regular file")
        if not _opened_within(fd, opened, target, root):
            raise OutsideFolder(errno.EACCES, f"{path} leads outside {folder}")
        return open(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def opened_path(fd: int) -> str | None:
    """Where the kernel says the open file ``fd`` is (Linux ``/proc``), or None if it cannot."""
    try:
        where = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None
    if not where.startswith(os.sep):
        return None  # a pipe or socket, not a path
    return where.removesuffix(" (deleted)")


def _opened_within(fd: int, opened: os.stat_result, target: str, root: str) -> bool:
    """Whether the file open as ``fd`` is inside ``root``: a folder on the way to
    ``target`` may have been swapped for a link between the check and the open."""
    where = opened_path(fd)
    if where is not None:
        return _is_within(where, root)
    # No /proc: the resolved path must still lead, inside the folder, to the file opened.
    try:
        now = os.stat(target, follow_symlinks=False)
    except OSError:
        return False
    same = (now.st_dev, now.st_ino) == (opened.st_dev, opened.st_ino)
    return same and _is_within(os.path.realpath(target), root)


def remove_temporaries(path: Path) -> None:
    """Remove what ``write_atomic(path)`` left when its process was killed mid-write.

    Only safe while holding the lock every writer of ``path`` takes (see ``locked``):
    then no temporary of ``path`` can belong to a live write.
    """
    prefix = f".{path.name}."
    with contextlib.suppress(OSError), os.scandir(path.parent) as entries:
        for entry in entries:
            if entry.name.startswith(prefix) and entry.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


@contextlib.contextmanager
def locked(lock_path: Path, *, timeout: float) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``lock_path`` (created, mode 0600) for the block.

    The kernel drops the lock when its holder dies, even by SIGKILL, so a crash
    never leaves it held. LockBusy after ``timeout`` seconds of waiting; OSError if
    the lock file cannot be opened (a link there is refused, not followed). On a
    file system without locks the block runs unlocked.
    """
    fd = open_no_follow(lock_path, os.O_RDWR | os.O_CREAT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockBusy(
                        errno.EWOULDBLOCK, f"{lock_path.name} is in use by another jobdeck; try again"
                    ) from None
                time.sleep(_LOCK_RETRY)
            except OSError as exc:
                if exc.errno not in _NO_LOCKS_HERE:
                    raise
                break
        yield
    finally:
        os.close(fd)  # releases the lock
