"""Slurm jobs submitted as soon as the session's Slurm is up (engine_session.py): a job past its
time limit is failed by the controller a minute or more after it started (Slurm's least --time
is a minute and it checks limits about every 30 s), so it runs while other tests do, and the
test of it (test_slurm_adapter.py) finds it timed out or nearly, wherever it runs in the
session. MinJobAge keeps it in the controller for an hour."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from slurm_jobs import sbatch  # noqa: E402

#: The job past its time limit: the same the test would submit itself.
TOO_SLOW = ("-J", "too slow", "-t", "1")
TOO_SLOW_SCRIPT = "echo starting; sleep 300"


def submit(engine: Any) -> dict[str, str]:
    # Without SLURM_JWT: with it, Slurm's commands authenticate as the token's user (slurmtest).
    env = {key: value for key, value in engine.environ().items() if key != "SLURM_JWT"}
    return {"timeout": sbatch(env, engine.env["SLURM_JOBS_DIR"], *TOO_SLOW, script=TOO_SLOW_SCRIPT)}
