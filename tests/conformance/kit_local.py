"""The ``local`` kind against a spool of real jobs, run by ``jobdeck run``.

The jobs are run once a session into a template spool (``real_spool``), which
each test copies. The spool's ``events.jsonl`` records each raw state beside
the normalized state its writer (the runner, or jobdeck's own cancel and
retry) gave it; a newer runner may write a state this jobdeck does not know.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from kit import Kit, expected_states

from jobdeck.adapters.local import LocalAdapter, LocalSettings
from jobdeck.clock import FrozenClock
from jobdeck.errors import AdapterError, Unreachable
from jobdeck.local.spool import ARCHIVE_DIR, EVENTS_FILE, LOG_FILE, RUNS_DIR, Spool
from jobdeck.model import JobState

#: In the environment of every real job: jobdeck records a job's command, never its environment.
SECRET_ENV = "JOBDECK_CONFORMANCE_LOCAL_TOKEN"
SECRET = "local-conformance-secret-58c2d9"
#: ``jobdeck run`` without the CLI around it.
RUNNER = [sys.executable, "-m", "jobdeck.local.runner", "run", "--no-echo"]
#: The real jobs of the template spool: a success reporting counts, a failure, a command that is not there.
REAL_JOBS = (
    ["python3", "-c", "print('hello'); print('::jobdeck progress=50 succeeded=1 failed=0 total=2')"],
    ["python3", "-c", "import sys; print('about to fail'); sys.exit(3)"],
    ["no-such-command-for-the-conformance-suite"],
)
#: A job that writes a line, then waits to be let go on (file ``go-<n>`` in its folder) before the
#: next: its log grows only when a test lets time pass. It gives up waiting after a minute.
PACED_LINES = 6
PACED_WRITER = [
    "python3", "-c",
    "import os, time\n"
    f"for n in range({PACED_LINES}):\n"
    "    print('line', n, flush=True)\n"
    "    deadline = time.monotonic() + 60\n"
    "    while not os.path.exists(f'go-{n}') and time.monotonic() < deadline:\n"
    "        time.sleep(0.005)\n",
]
#: Real seconds a test waits at most for a real job to appear.
PATIENCE = 20.0


def run_real_jobs(spool: Path) -> None:
    """Run REAL_JOBS to their end in ``spool``, all at once, with the secret in their environment."""
    spool.mkdir()
    env = {**os.environ, SECRET_ENV: SECRET}
    runners = [
        subprocess.Popen([*RUNNER, "--spool", str(spool), "--", *argv], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
        for argv in REAL_JOBS
    ]
    for runner in runners:
        runner.wait(timeout=60)


class LocalKit(Kit):
    kind = "local"
    #: As the runner (and jobdeck's cancel and retry) write them.
    raw_states: ClassVar[dict[str, JobState]] = {
        "pending": JobState.PENDING,
        "retry-requested": JobState.PENDING,
        "running": JobState.RUNNING,
        "cancel-requested": JobState.RUNNING,
        "exited": JobState.SUCCEEDED,  # or failed, by its exit code
        "signaled": JobState.FAILED,
        "canceled": JobState.CANCELED,
        "no-such-command": JobState.FAILED,
        "cannot-start": JobState.FAILED,
    }
    quiet_raw_state = "canceled"
    drifted_raw_states = frozenset({"held-by-operator"})
    failures: ClassVar[dict[str, type[AdapterError]]] = {"spool-gone": Unreachable}
    unknown_job_id = "20990101-000000-dead"
    real_time = True

    def set_up(self) -> None:
        self.spool = self.tmp_path / "spool"
        shutil.copytree(self.request.getfixturevalue("real_spool"), self.spool, symlinks=True)
        self.start_runner = self.request.getfixturevalue("start_runner")
        #: The folder and id of the job of ``job_with_growing_log``, once started.
        self.paced: tuple[Path, str] | None = None
        self.secrets.append(SECRET)

    def new_adapter(self, **settings: Any) -> LocalAdapter:
        adapter = LocalAdapter(LocalSettings(spool=self.spool, **settings), clock=FrozenClock())
        adapter.runner_module = "jobdeck.local.runner"  # a retry's runner, without the CLI around it
        return adapter

    # -- the spool as a newer (or older) writer left it --------------------------------

    def poison_states(self, raw: str) -> None:
        known = self.raw_states.get(raw)
        # A state this jobdeck does not know is written as a newer runner would: as itself.
        self._rewrite_latest_events(raw, expected_states(known)[0].value if known else raw)

    def drift(self) -> None:
        self._rewrite_latest_events("held-by-operator", "held", extra={"hold": {"by": "operator"}})

    def _rewrite_latest_events(self, raw: str, state: str, extra: dict[str, Any] | None = None) -> None:
        event = {"at": datetime.now(UTC).isoformat(), "state": state, "raw_state": raw, **(extra or {})}
        line = (json.dumps(event) + "\n").encode()
        for root in (self.spool, self.spool / ARCHIVE_DIR):
            for folder in sorted(root.glob("*/")) if root.is_dir() else ():
                numbers = Spool.run_numbers(folder)
                if numbers and not folder.name.startswith("."):
                    # A new file (a new inode): the spool's cache sees it even within one clock tick.
                    events = folder / RUNS_DIR / str(numbers[-1]) / EVENTS_FILE
                    events.with_suffix(".new").write_bytes(line)
                    os.replace(events.with_suffix(".new"), events)

    # -- failing ------------------------------------------------------------------------

    async def fail(self, failure: str) -> LocalAdapter:
        if failure != "spool-gone":
            raise ValueError(f"local cannot fail as {failure!r}")
        shutil.rmtree(self.spool)
        assert isinstance(self.adapter, LocalAdapter)
        return self.adapter

    # -- real time ------------------------------------------------------------------------

    async def let_time_pass(self) -> None:
        if self.paced is not None:
            folder, job_id = self.paced
            log = self.spool / job_id / RUNS_DIR / "1" / LOG_FILE
            written = log.read_bytes().count(b"\n") if log.exists() else 0
            let_go = len(list(folder.glob("go-*")))
            if written > let_go:  # it waits after its latest line: let it write the next
                (folder / f"go-{let_go}").touch()
        await asyncio.sleep(0.02)

    async def job_with_growing_log(self) -> str:
        before = set(os.listdir(self.spool))
        folder = self.tmp_path / "paced"
        folder.mkdir()
        self.start_runner(self.spool, *PACED_WRITER, cwd=folder)
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            new = set(os.listdir(self.spool)) - before
            if new:
                self.paced = (folder, new.pop())
                return self.paced[1]
            await asyncio.sleep(0.01)
        raise AssertionError(f"no job appeared in {self.spool} within {PATIENCE} s")

