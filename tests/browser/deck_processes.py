"""Free ports, and the deck processes of a `jobdeck serve` told apart by pid (read from /proc)."""

from __future__ import annotations

from pathlib import Path
from ports import free_port


def children(pid: int) -> set[int]:
    """The pids of the processes whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def is_deck(pid: int) -> bool:
    """Whether ``pid`` is (still) a jobdeck process, not gone and not a reused pid."""
    try:
        return "jobdeck" in Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return False
