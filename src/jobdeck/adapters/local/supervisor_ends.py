"""The ends of the local jobs' supervisors, watched on the event loop (Linux pidfds).

A running job changes its files as it goes (the spool's watch sees them) except in
one way: its supervisor, ``jobdeck run``, dies without a word (killed, the machine's
OOM killer). Polls read every active job again for that alone. A pidfd is a file
descriptor for a process that becomes readable when the process ends: one per
supervisor, waited on by the event loop like any other file, says the moment one
ends. With every active job's supervisor watched and the spool's
watch quiet, a poll has nothing to read (``SpoolIndex.quiet``).

``open_new`` runs in the adapter's thread (it reads ``/proc`` to be sure a pid is still
the supervisor that was recorded, not a process given its pid since); ``register``
and the ends run on the loop.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading

from jobdeck.local import procs
from jobdeck.local.supervisors import Supervisor
#: At most this many supervisors watched (a descriptor each, out of the process's 1,024 or
#: so): with more jobs running, polls read the running jobs as they did before.
MOST_WATCHED = 256


def available() -> bool:
    """Whether processes can be watched by pidfd here (Linux 5.3 and later)."""
    return sys.platform.startswith("linux") and hasattr(os, "pidfd_open")


class SupervisorEnds:
    """pidfds of the supervisors of a spool's active jobs: ``all_watched`` turns False when
    one ends (the next poll then reads the spool, and sees which)."""

    def __init__(self) -> None:
        self._watched: dict[Supervisor, int] = {}  # on the loop: → its pidfd
        self._opened: list[tuple[Supervisor, int]] = []  # from the thread, for the loop
        self._lock = threading.Lock()
        self._wanted: dict[str, Supervisor] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        #: Whether every supervisor of the last scan is watched (and none ended since).
        self.all_watched = False

    def open_new(self, wanted: dict[str, Supervisor]) -> None:
        """In the scan's thread: open a pidfd for each supervisor in ``wanted`` (job folder →
        supervisor) not watched yet, still alive as the process recorded."""
        if not available():
            return
        with self._lock:
            known = set(self._watched) | {supervisor for supervisor, _ in self._opened}
        opened: list[tuple[Supervisor, int]] = []
        for supervisor in wanted.values():
            pid, started = supervisor
            if supervisor in known or started is None or len(known) + len(opened) >= MOST_WATCHED:
                continue  # (without its start time a pid cannot be told from a new process's)
            try:
                fd = os.pidfd_open(pid)
            except OSError:  # gone already (the next scan reads it), or not allowed
                continue
            if not procs.is_alive(pid, started):  # its pid is another process's now
                os.close(fd)
                continue
            opened.append((supervisor, fd))
        with self._lock:
            if self._closed:  # the adapter closed while this scan ran
                for _, fd in opened:
                    os.close(fd)
                return
            self._opened += opened
            self._wanted = dict(wanted)

    def register(self) -> None:
        """On the loop, after a scan: wait on the pidfds opened, close those of supervisors
        no longer wanted, and say whether every one wanted is watched."""
        loop = self._loop = asyncio.get_running_loop()
        with self._lock:
            opened, self._opened = self._opened, []
            wanted = self._wanted
        for supervisor, fd in opened:
            if supervisor in self._watched:
                os.close(fd)
                continue
            self._watched[supervisor] = fd
            loop.add_reader(fd, self._ended, supervisor)
        keep = set(wanted.values())
        for supervisor in [supervisor for supervisor in self._watched if supervisor not in keep]:
            self._drop(supervisor)
        self.all_watched = available() and keep <= self._watched.keys()

    def close(self) -> None:
        for supervisor in list(self._watched):
            self._drop(supervisor)
        with self._lock:
            self._closed = True
            opened, self._opened = self._opened, []
        for _, fd in opened:
            os.close(fd)
        self.all_watched = False

    def _ended(self, supervisor: Supervisor) -> None:
        self._drop(supervisor)
        self.all_watched = False

    def _drop(self, supervisor: Supervisor) -> None:
        fd = self._watched.pop(supervisor)
        if self._loop is not None:
            self._loop.remove_reader(fd)
        os.close(fd)
