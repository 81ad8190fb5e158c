"""Writing files so that readers, and a crash, see the old content or the new, never half;
and one writer at a time where several processes share a file."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

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
