"""Is a process still alive? Answers that survive pid reuse and zombies.

A pid alone is not an identity: once a process dies its pid can be given to
another one. Where ``/proc`` exists we also record the process's start time
(in clock ticks since boot) and compare it. A zombie (exited, never reaped,
which happens under container inits that do not reap) counts as dead.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessInfo:
    state: str  # one letter: R, S, D, Z, T …
    start_ticks: int


def process_info(pid: int) -> ProcessInfo | None:
    """State and start time of ``pid`` from ``/proc``; None if unknown or gone."""
    try:
        raw = (_PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may itself hold spaces
    # or parentheses, so the fixed fields are those after the last ")".
    _, _, rest = raw.rpartition(")")
    fields = rest.split()
    try:
        return ProcessInfo(state=fields[0], start_ticks=int(fields[19]))
    except (IndexError, ValueError):
        return None


def start_ticks(pid: int) -> int | None:
    """When ``pid`` started, in clock ticks since boot (None where unknown)."""
    info = process_info(pid)
    return info.start_ticks if info else None


def is_alive(pid: int, started: int | None = None) -> bool:
    """True if ``pid`` runs and, when ``started`` is given, is the same process."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, it is just not ours
    info = process_info(pid)
    if info is None:
        return True  # no /proc to ask: trust the signal check
    if info.state == "Z":
        return False
    return started is None or info.start_ticks == started


def this_host() -> str:
    return socket.gethostname()
