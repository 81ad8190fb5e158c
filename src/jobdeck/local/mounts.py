"""Which filesystem a folder is on, from Linux's ``/proc/self/mountinfo``.

A spool on a network filesystem (NFS on a cluster's home folders, say) is written by
other machines too: inotify hears only this machine's writes, so the spool's index
lists its folders again at every poll there (``SpoolIndex``).
"""

from __future__ import annotations

import os
import re

#: Filesystems whose files other machines write (their changes are not heard by inotify here).
NETWORK_TYPES = frozenset(
    {
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "lustre", "gpfs", "9p", "afs", "glusterfs",
        "beegfs", "panfs", "ocfs2", "gfs2", "orangefs", "pvfs2", "fuse.sshfs", "fuse.glusterfs",
        "fuse.s3fs", "fuse.rclone", "fuse.gcsfuse", "fuse.ceph", "fuse.beegfs",
    }
)

MOUNTINFO = "/proc/self/mountinfo"

_ESCAPED = re.compile(r"\\([0-7]{3})")


def filesystem_type(path: str, mountinfo: str | None = None) -> str | None:
    """The type of the filesystem ``path`` is on (``ext4``, ``nfs4`` …), from ``mountinfo``'s
    text (None: read this process's); None where it cannot be told."""
    if mountinfo is None:
        try:
            with open(MOUNTINFO, encoding="utf-8", errors="replace") as handle:
                mountinfo = handle.read()
        except OSError:
            return None
    real = os.path.realpath(path)
    found, longest = None, -1
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        fields, kinds = left.split(), right.split()
        if not sep or len(fields) < 5 or not kinds:
            continue
        mount_point = _ESCAPED.sub(lambda match: chr(int(match.group(1), 8)), fields[4])
        inside = real == mount_point or real.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) > longest:  # the deepest mount holding it
            found, longest = kinds[0], len(mount_point)
    return found


def is_network(path: str, mountinfo: str | None = None) -> bool:
    """Whether ``path`` is on a filesystem other machines write (``NETWORK_TYPES``)."""
    return filesystem_type(path, mountinfo) in NETWORK_TYPES
