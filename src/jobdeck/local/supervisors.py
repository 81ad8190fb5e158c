"""The supervisors of a spool's active jobs that run on this host, as its index last read
them: what a watch of their ends needs (the local adapter's ``supervisor_ends``)."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from jobdeck.local import procs
from jobdeck.local.job_records import JobRecord

#: (pid, start ticks in clock ticks since boot, None where unknown).
Supervisor = tuple[int, int | None]


class ActiveSupervisors:
    """Job folder → its supervisor, for the active jobs supervised on this host; safe to
    read from one thread while the index's scan writes from another."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_folder: dict[str, Supervisor] = {}

    def __len__(self) -> int:
        return len(self._by_folder)

    def copy(self) -> dict[str, Supervisor]:
        with self._lock:
            return dict(self._by_folder)

    def note(self, base: str, record: JobRecord) -> None:
        """Keep (or forget) the supervisor of a job folder just read: kept while its latest
        run is active, on this host, not archived, and its supervisor not known to be gone."""
        run, spec = record.latest, record.spec
        supervisor = run.supervisor if run is not None and run.state.is_active else None
        local = spec is not None and not record.archived and spec.host == procs.this_host()
        with self._lock:
            if supervisor is None or supervisor.runner_pid is None or record.supervisor_gone is not None or not local:
                self._by_folder.pop(base, None)
            else:
                self._by_folder[base] = (supervisor.runner_pid, supervisor.runner_start)

    def keep_only(self, folders: Iterable[str]) -> None:
        """Forget the supervisors of the job folders not in ``folders`` (the active ones)."""
        kept = set(folders)
        with self._lock:
            for folder in self._by_folder.keys() - kept:
                del self._by_folder[folder]
