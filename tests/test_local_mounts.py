"""A spool on a network filesystem (jobdeck.local.mounts): told from /proc/self/mountinfo, and
listed again at every poll, as other machines' writes reach no watch here."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from local_watching import watching

from jobdeck.adapters.local import LocalAdapter, LocalSettings
from jobdeck.clock import FrozenClock
from jobdeck.local import mounts
from jobdeck.local.spool_index import SpoolIndex

MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
30 22 0:40 / /home rw,relatime shared:20 - nfs4 filer:/export/home rw,vers=4.2
31 30 8:2 / /home/local rw,relatime shared:21 - xfs /dev/sdb1 rw
32 22 0:41 / /mnt/team\\040share rw,relatime - cifs //files/team rw
33 22 0:42 / /scratch rw - lustre 10.0.0.1@tcp:/scratch rw
"""


@pytest.mark.parametrize(
    ("path", "kind", "network"),
    [
        ("/var/lib/jobdeck/spool", "ext4", False),
        ("/home/ana/.local/share/jobdeck/spool", "nfs4", True),
        ("/home/local/spool", "xfs", False),  # the deepest mount holding it
        ("/home", "nfs4", True),
        ("/mnt/team share/spool", "cifs", True),  # a mount point with a space (\\040)
        ("/scratch/ana/spool", "lustre", True),
        ("/homeless/spool", "ext4", False),  # not under /home: a prefix of the name is no mount
    ],
)
def test_the_filesystem_of_a_folder_is_told_from_mountinfo(path: str, kind: str, network: bool) -> None:
    assert mounts.filesystem_type(path, MOUNTINFO) == kind
    assert mounts.is_network(path, MOUNTINFO) is network


def test_unreadable_mountinfo_tells_nothing() -> None:
    assert mounts.filesystem_type("/anywhere", "garbage\nmore garbage - \n") is None
    assert not mounts.is_network("/anywhere", "")


def test_this_machines_own_folder_is_found(tmp_path: Path) -> None:
    assert mounts.filesystem_type(str(tmp_path)) is not None


async def test_a_network_spool_shows_a_job_no_watch_told_of_at_the_next_poll(tmp_path: Path, monkeypatch) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    adapter = LocalAdapter(LocalSettings(spool=spool), clock=FrozenClock())
    adapter._index = SpoolIndex(adapter.spool, network=True)
    async with watching(adapter):
        await asyncio.sleep(1.0)  # the watch in place and caught up with
        await adapter.list_jobs()
        await asyncio.sleep(0.6)
        await adapter.list_jobs()
        # Another machine writes to the spool: no watch here hears of it.
        monkeypatch.setattr(adapter._index, "note_changed", lambda paths: None)
        await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "jobdeck.local.runner", "run", "--spool", str(spool), "--no-echo", "--", "true"],
            check=True, capture_output=True, timeout=60,
        )
        assert len(await adapter.list_jobs()) == 1
