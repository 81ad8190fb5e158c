"""Watching folders with Linux's inotify on the event loop: no thread, and no wake-up at
all while nothing changes.

watchfiles (which jobdeck uses elsewhere) runs each watch in a thread that wakes every
``step`` milliseconds to look for changes and for its stop signal: with a followed log,
five spools and the theme folders, over fifty wake-ups a second, a fifth of what a deck
idle with jobs running cost (issue 22). Here the kernel's inotify descriptor is one more
file the event loop waits on; a batch is gathered on the loop's timers the way
watchfiles gathers one (``step`` of quiet, or ``debounce`` at most).

``Watch`` gives batches of paths (an overflow of the kernel's queue gives the watched
folders themselves: read everything). Linux only (``available``): ``changes``, what the
callers use (the local adapter's spool and log watches, the theme folders), falls back to
watchfiles elsewhere.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import os
import struct
import sys
from collections.abc import AsyncGenerator, Callable, Sequence

IN_MODIFY = 0x2
IN_ATTRIB = 0x4
IN_CLOSE_WRITE = 0x8
IN_MOVED_FROM = 0x40
IN_MOVED_TO = 0x80
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_Q_OVERFLOW = 0x4000
IN_IGNORED = 0x8000
IN_ONLYDIR = 0x1000000
IN_DONT_FOLLOW = 0x2000000
IN_ISDIR = 0x40000000

#: What a watched folder reports: its files written, made, removed, moved, and itself going.
MASK = (
    IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
    | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW
)
_EVENT = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len (then the name)


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.inotify_init1  # noqa: B018 — present?
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _libc()


def available() -> bool:
    """Whether inotify can be used here (Linux with a C library that has it)."""
    return _LIBC is not None


class Watch:
    """An inotify watch of the folders ``roots`` (and every folder under them if
    ``recursive``), read on the running event loop; ``keep`` says which changed paths count."""

    def __init__(
        self, roots: str | Sequence[str], *, recursive: bool, keep: Callable[[str], bool] | None = None
    ) -> None:
        self.roots = [os.fspath(roots)] if isinstance(roots, str) else [os.fspath(root) for root in roots]
        self.recursive = recursive
        self._keep = keep
        self._fd = -1
        self._paths: dict[int, str] = {}  # watch descriptor → folder
        self._pending: set[str] = set()
        self._arrived = asyncio.Event()
        self._gone: OSError | None = None
        #: Whether the kernel's queue overflowed since the tree was last walked: folders made
        #: meanwhile went unseen, unwatched (``batches`` walks the tree again).
        self._overflowed = False
        self._loop: asyncio.AbstractEventLoop | None = None

    async def open(self) -> None:
        """Start watching (a whole tree's folders are added on a thread). Raises OSError."""
        assert _LIBC is not None, "inotify is not available here"
        fd = _LIBC.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0:
            raise _os_error("inotify_init1", self.roots[0] if self.roots else "")
        self._fd = fd
        try:
            for root in self.roots:
                self._add(root)
            if self.recursive:
                for root in self.roots:
                    await asyncio.to_thread(self._add_below, root)
        except BaseException:
            self.close()
            raise
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(fd, self._read)

    def close(self) -> None:
        """Stop watching (the kernel drops every watch with the descriptor)."""
        if self._fd < 0:
            return
        if self._loop is not None:
            self._loop.remove_reader(self._fd)
        os.close(self._fd)
        self._fd = -1
        self._paths.clear()

    async def batches(
        self, *, step: float, debounce: float, timeout: float | None = None
    ) -> AsyncGenerator[set[str], None]:
        """Each batch of changed paths: after ``step`` seconds without a new change, or
        ``debounce`` seconds after the batch's first; an empty batch after ``timeout``
        seconds without any (None: wait). Raises OSError once a watched folder went."""
        loop = asyncio.get_running_loop()
        while True:
            if not self._pending and self._gone is None and not await self._news(timeout):
                yield set()
                continue
            first = loop.time()
            while self._gone is None:
                left = min(step, first + debounce - loop.time())
                if left <= 0 or not await self._news(left):
                    break
            if self._overflowed and self._gone is None:
                await self._watch_unseen_folders()
            if self._pending:
                batch, self._pending = self._pending, set()
                yield batch
            if self._gone is not None:
                raise self._gone

    async def _news(self, seconds: float | None) -> bool:
        """Whether a change (or the folder's going) arrives within ``seconds`` from now
        (None: wait until one does)."""
        self._arrived.clear()
        try:
            await asyncio.wait_for(self._arrived.wait(), seconds)
        except TimeoutError:
            return False
        return True

    # -- the kernel's events (on the loop) ----------------------------------------

    def _read(self) -> None:
        try:
            data = os.read(self._fd, 65536)
        except BlockingIOError:
            return
        except OSError as exc:
            self._went(exc)
            return
        offset = 0
        while offset + _EVENT.size <= len(data):
            wd, mask, _cookie, length = _EVENT.unpack_from(data, offset)
            raw = data[offset + _EVENT.size : offset + _EVENT.size + length]
            offset += _EVENT.size + length
            self._event(wd, mask, os.fsdecode(raw.rstrip(b"\0")))

    def _event(self, wd: int, mask: int, name: str) -> None:
        if mask & IN_Q_OVERFLOW:
            # Events were lost: all may have changed (whatever ``keep`` says of the folders
            # themselves), and a folder made meanwhile is not watched yet.
            self._pending.update(self.roots)
            self._overflowed = self.recursive
            self._arrived.set()
            return
        folder = self._paths.get(wd)
        if folder is None:
            return
        if mask & IN_IGNORED:
            del self._paths[wd]
            if folder in self.roots:
                self._went(FileNotFoundError(errno.ENOENT, "the watched folder went", folder))
            return
        if mask & (IN_DELETE_SELF | IN_MOVE_SELF):
            if folder in self.roots:
                self._went(FileNotFoundError(errno.ENOENT, "the watched folder moved or went", folder))
            return
        path = os.path.join(folder, name) if name else folder
        if self.recursive and mask & IN_ISDIR:
            if mask & IN_MOVED_FROM:
                self._drop_below(path)
            elif mask & (IN_CREATE | IN_MOVED_TO):
                self._add_new(path)
        self._changed(path)

    def _changed(self, path: str) -> None:
        if self._keep is None or self._keep(path):
            self._pending.add(path)
            self._arrived.set()

    def _went(self, error: OSError) -> None:
        self._gone = error
        self._arrived.set()

    # -- watches ------------------------------------------------------------------

    def _add(self, folder: str) -> None:
        assert _LIBC is not None
        wd = _LIBC.inotify_add_watch(self._fd, os.fsencode(folder), MASK)
        if wd < 0:
            raise _os_error("inotify_add_watch", folder)
        self._paths[wd] = folder

    def _add_below(self, folder: str) -> None:
        """Watch every folder under ``folder`` (links not followed); one that went meanwhile
        is skipped."""
        for base, folders, _ in os.walk(folder):
            for name in folders:
                path = os.path.join(base, name)
                try:
                    self._add(path)
                except FileNotFoundError:
                    continue
                except NotADirectoryError:  # a link to a folder: not followed
                    continue

    async def _watch_unseen_folders(self) -> None:
        """After an overflow: watch the folders of the tree whose coming was lost (those
        watched already keep their watch), on a thread as ``open`` does."""
        self._overflowed = False
        try:
            for root in self.roots:
                await asyncio.to_thread(self._add_below, root)
        except OSError as exc:  # out of watches: say so rather than miss changes silently
            self._went(exc)

    def _add_new(self, folder: str) -> None:
        """A folder came into the tree: watch it and what it already holds (made before its
        watch was in place: reported as changed too)."""
        try:
            self._add(folder)
            self._add_below(folder)
        except (FileNotFoundError, NotADirectoryError):
            return
        except OSError as exc:  # out of watches: say so rather than miss changes silently
            self._went(exc)

    def _drop_below(self, folder: str) -> None:
        """A folder moved away: its watches name paths that are no longer its."""
        assert _LIBC is not None
        prefix = os.path.join(folder, "")
        for wd, path in list(self._paths.items()):
            if path == folder or path.startswith(prefix):
                _LIBC.inotify_rm_watch(self._fd, wd)
                del self._paths[wd]


async def changes(
    roots: str | Sequence[str],
    *,
    recursive: bool,
    step: float,
    debounce: float,
    timeout: float | None = None,
    keep: Callable[[str], bool] | None = None,
    started: Callable[[], None] | None = None,
) -> AsyncGenerator[set[str], None]:
    """Each batch of the paths changed in the folders ``roots`` (seconds: ``step`` of quiet,
    ``debounce`` at most; an empty batch after ``timeout`` without any; ``keep``: which paths
    count): by a ``Watch`` on the event loop where there is inotify, else by watchfiles (a
    thread). ``started`` is called once the watch is in place. Raises OSError (or
    RuntimeError, from watchfiles) if it cannot watch."""
    folders = [roots] if isinstance(roots, str) else list(roots)
    if available():
        watch = Watch(folders, recursive=recursive, keep=keep)
        await watch.open()
        try:
            if started is not None:
                started()
            async for batch in watch.batches(step=step, debounce=debounce, timeout=timeout):
                yield batch
        finally:
            watch.close()
        return
    import watchfiles  # here: a thread and a Rust extension that start-up need not load

    stop = asyncio.Event()
    options: dict[str, object] = {}
    if timeout is not None:
        options = {"rust_timeout": int(timeout * 1000), "yield_on_timeout": True}
    if started is not None:
        started()  # (watchfiles' thread starts watching a moment later)
    watcher = watchfiles.awatch(
        *folders,
        stop_event=stop,
        step=int(step * 1000),
        debounce=int(debounce * 1000),
        watch_filter=None if keep is None else (lambda _change, path: keep(path)),
        recursive=recursive,
        **options,  # type: ignore[arg-type]
    )
    try:
        async for batch in watcher:
            yield {path for _, path in batch}
    finally:
        stop.set()  # lets the watcher's thread end now rather than at its next timeout
        await watcher.aclose()


def _os_error(call: str, path: str) -> OSError:
    number = ctypes.get_errno()
    return OSError(number, f"{call}: {os.strerror(number)}", path)
