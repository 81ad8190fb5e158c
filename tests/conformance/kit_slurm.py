"""The ``slurm`` kind (mode "cli") against a real Slurm (``scripts/engines/slurm``), started once
for the conformance suite, as the engine tests do.

Each kit gets a partition of its own on the one node (``scontrol create partition``), and its
adapter lists only that partition: the kit's jobs are all it sees. They start held, so that
cancelling them all (the quiet raw state) leaves every one CANCELLED. A raw state is produced
the way Slurm produces it: a job that exits 3 is FAILED, one submitted with ``--begin`` is
PENDING (BeginTime). Slurm cannot be made to report a state its release does not know, nor a
lower-case one: the tests that need one skip, saying so (the JSON of other releases, unknown
versions included, is read in tests/engines/test_slurm_versions.py).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest
from kit import Kit
from waiting import poll_until

from jobdeck.adapters.slurm import SlurmAdapter, SlurmSettings
from jobdeck.errors import AdapterError, Unreachable
from jobdeck.model import JobState

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engines"))
from engine_session import Engine  # noqa: E402
from kit_engines import engine_for  # noqa: E402

#: In every kit job's environment: Slurm keeps a job's environment, jobdeck never shows it.
SECRET_ENV = "JOBDECK_CONFORMANCE_SLURM_SECRET"
SECRET = "slurm-conformance-secret-4e1a7c"
PATIENCE = 60.0
NOT_FROM_SLURM = (
    "a real slurmctld reports only the states of its own release, in upper case: it cannot be made to "
    "say an unknown state (other releases' JSON, unknown versions included: tests/engines/test_slurm_versions.py)"
)
#: Each raw state, and the job (sbatch arguments, script) that gets it from Slurm.
PRODUCERS: dict[str, tuple[list[str], str]] = {
    "PENDING (JobHeldUser)": (["--hold"], "true"),
    "PENDING (BeginTime)": (["--begin=now+3600"], "true"),
    "RUNNING": ([], "sleep 120"),
    "COMPLETED": ([], "echo done"),
    "FAILED": ([], "exit 3"),
}

_partitions = itertools.count(1)


def slurm_engine(request: pytest.FixtureRequest) -> Engine:
    """The conformance suite's Slurm, started on first use and stopped at the session's end."""
    return engine_for(request, "slurm")


class SlurmKit(Kit):
    kind = "slurm"
    raw_states: ClassVar[dict[str, JobState]] = {
        "PENDING (JobHeldUser)": JobState.PAUSED,
        "PENDING (BeginTime)": JobState.PENDING,
        "RUNNING": JobState.RUNNING,
        "COMPLETED": JobState.SUCCEEDED,
        "FAILED": JobState.FAILED,
        "CANCELLED": JobState.CANCELED,
    }
    quiet_raw_state = "CANCELLED"
    drifted_raw_states = frozenset()
    failures: ClassVar[dict[str, type[AdapterError]]] = {"squeue-missing": Unreachable, "controller-down": Unreachable}
    unknown_job_id = "999999"
    real_time = True

    def set_up(self) -> None:
        self.engine = slurm_engine(self.request)
        self.conf = self.engine.env["SLURM_CONF"]
        self._path = os.environ.get("PATH", os.defpath)
        self.monkeypatch.setenv("SLURM_CONF", self.conf)
        self.monkeypatch.delenv("SLURM_JWT", raising=False)  # with it, Slurm's commands act as its user
        self.secrets.append(SECRET)
        self.partition = f"kit{os.getpid()}x{next(_partitions)}"
        self._slurm("scontrol", "create", f"PartitionName={self.partition}", "Nodes=localhost",
                    "MaxTime=INFINITE", "State=UP")
        self.request.addfinalizer(self._clean_up)
        self.ids = [self._submit(["--hold"], "echo first"), self._submit(["--hold"], "echo second")]
        self._wait({job_id: {"PENDING"} for job_id in self.ids})

    def new_adapter(self, **settings: Any) -> SlurmAdapter:
        options = {"name": "slurm", "users": ["*"], "partitions": [self.partition], "command_timeout": 10,
                   "accounting_interval": 1, **settings}
        return SlurmAdapter(SlurmSettings(**options))

    # -- Slurm, as its own client ------------------------------------------------------------

    def _environ(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key != "SLURM_JWT"}
        return {**env, "SLURM_CONF": self.conf, "PATH": self._path}

    def _slurm(self, *argv: str, script: str | None = None) -> str:
        done = subprocess.run(self._command(argv), input=script, env=self._environ(), capture_output=True, text=True,
                              timeout=60, check=False)
        assert done.returncode == 0, f"{' '.join(argv)}: {done.stderr.strip()}"
        return done.stdout.strip()

    def _submit(self, args: list[str], script: str) -> str:
        folder = self.engine.env["SLURM_JOBS_DIR"]
        return self._slurm("sbatch", "--parsable", f"--partition={self.partition}", f"--chdir={folder}",
                           f"--export=ALL,{SECRET_ENV}={SECRET}", *args,
                           script=f"#!/bin/bash\n{script}\n").split(";")[0]

    def _states(self) -> dict[str, str]:
        out = self._slurm("squeue", "--noheader", f"--partition={self.partition}", "--states=all", "--format=%i %T")
        return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)

    def _wait(self, wanted: dict[str, set[str]]) -> None:
        poll_until(self._states, lambda states: all(states.get(job_id) in allowed for job_id, allowed in wanted.items()),
                   timeout=PATIENCE, every=0.2,
                   failure=lambda states: f"Slurm did not show {wanted} within {PATIENCE} s: {states}")

    def _command(self, argv: tuple[str, ...] | list[str]) -> list[str]:
        """``argv`` with its program found on Slurm's PATH (a test may have taken it off this process's)."""
        found = shutil.which(argv[0], path=self._environ()["PATH"]) or argv[0]
        return [found, *argv[1:]]

    def _clean_up(self) -> None:
        for argv in (["scancel", f"--partition={self.partition}"], ["scontrol", "delete", f"PartitionName={self.partition}"]):
            subprocess.run(self._command(argv), env=self._environ(), capture_output=True, timeout=60, check=False)

    # -- the states, as Slurm gives them ------------------------------------------------------

    def poison_states(self, raw: str) -> None:
        if raw not in self.raw_states:
            pytest.skip(NOT_FROM_SLURM)
        if raw == "CANCELLED":
            self._slurm("scancel", f"--partition={self.partition}")
            self._wait({job_id: {"CANCELLED", "COMPLETED", "FAILED"} for job_id in self._states()})
            return
        args, script = PRODUCERS[raw]
        job_id = self._submit(args, script)
        self._wait({job_id: {raw.split(" ")[0]}})

    def drift(self) -> None:
        pytest.skip(NOT_FROM_SLURM)

    async def fail(self, failure: str) -> SlurmAdapter:
        if failure == "squeue-missing":
            self.monkeypatch.setenv("PATH", str(self.tmp_path / "no-slurm-here"))
        elif failure == "controller-down":
            dead = self.tmp_path / "slurm.conf"
            lines = Path(self.conf).read_text().splitlines()
            # No controller on port 1; short timeouts: refused at once, not after Slurm's 10 s of retries.
            kept = [line for line in lines if not line.startswith(("SlurmctldPort=", "MessageTimeout=", "TCPTimeout="))]
            dead.write_text("\n".join([*kept, "SlurmctldPort=1", "MessageTimeout=1", "TCPTimeout=1", ""]))
            self.monkeypatch.setenv("SLURM_CONF", str(dead))
        else:
            raise ValueError(f"slurm cannot fail as {failure!r}")
        assert isinstance(self.adapter, SlurmAdapter)
        return self.adapter

    async def let_time_pass(self) -> None:
        await asyncio.sleep(0.5)

    async def job_with_growing_log(self) -> str:
        job_id = self._submit(["-o", "kit-%j.out"], "for i in $(seq 16); do echo line $i; sleep 0.2; done")
        self._wait({job_id: {"RUNNING"}})
        return job_id
