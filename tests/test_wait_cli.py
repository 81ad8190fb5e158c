"""`jobdeck wait REF [--timeout]` (README, Alerts): blocks until the job ends; exit 0 when
it succeeded, 1 failed, 3 canceled, 4 no such job, 124 the timeout passed first, 2 a usage
error (a REF that names no backend, or several jobs). Against
the local spool (real `jobdeck run` jobs) and the DRP emulator served by `jobdeck emulate`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from cli_helpers import invoke
from fakes import make_job
from served_emulators import Served, serve_process, wait_until_served  # noqa: F401 (serve_process: a fixture)

from jobdeck.adapters import registry
from jobdeck.adapters.base import Adapter, BackendSettings
from jobdeck.cli.wait import EXIT_CANCELED, EXIT_NOT_FOUND, EXIT_TIMEOUT
from jobdeck.model import Job, JobState

PYTHON = sys.executable


class StoppedSettings(BackendSettings):
    kind: Literal["stopped-jobs"] = "stopped-jobs"


class StoppedAdapter(Adapter):
    """A backend whose one job was canceled (Slurm's CANCELLED, Ray's STOPPED …)."""

    kind = "stopped-jobs"
    Settings = StoppedSettings

    async def list_jobs(self) -> list[Job]:
        return [make_job("1", JobState.CANCELED, backend=self.name, name="stopped", raw_state="CANCELLED")]


registry.register("stopped-jobs", StoppedAdapter)


def jobdeck(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``python -m jobdeck ARGS`` as a script would run it."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("JOBDECK_")} | env
    return subprocess.run([PYTHON, "-m", "jobdeck", *args], env=full, capture_output=True, text=True, timeout=timeout)


def ref_of(name: str) -> str:
    listed = json.loads(invoke("ls", "--json", "--all").stdout)
    return next(job["ref"] for job in listed if job["name"] == name)


def run_job(env: dict[str, str], name: str, code: str) -> None:
    jobdeck(env, "run", "--name", name, "--", PYTHON, "-c", code)


# -- the local spool ------------------------------------------------------------------------


def test_a_job_that_succeeded_is_exit_0_and_one_that_failed_exit_1_with_nothing_printed(sandbox) -> None:
    run_job(sandbox, "ok", "pass")
    run_job(sandbox, "crash", "import sys; sys.exit(4)")

    succeeded = invoke("wait", ref_of("ok"))
    failed = invoke("wait", ref_of("crash"))

    assert (succeeded.exit_code, succeeded.output) == (0, "")
    assert (failed.exit_code, failed.output) == (1, "")  # stderr is no terminal here: no progress


def test_wait_blocks_until_a_running_job_ends(sandbox, start_runner: Callable[..., Any], tmp_path: Path) -> None:
    go = tmp_path / "go"
    start_runner(
        tmp_path / "data" / "spool",
        PYTHON, "-c",
        f"import pathlib, time, sys\nwhile not pathlib.Path({str(go)!r}).exists(): time.sleep(0.05)\nsys.exit(2)",
    )
    ref = wait_for_listed("python")
    waiting = subprocess.Popen(
        [PYTHON, "-m", "jobdeck", "wait", ref, "--timeout", "60"],
        env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(1.0)
        assert waiting.poll() is None  # still waiting: the job runs until it is told to go
        go.touch()
        out, err = waiting.communicate(timeout=60)
    finally:
        if waiting.poll() is None:
            waiting.kill()
            waiting.wait()

    assert (waiting.returncode, out, err) == (1, "", "")


def test_a_timeout_is_exit_124_and_says_so(sandbox, start_runner: Callable[..., Any], tmp_path: Path) -> None:
    start_runner(tmp_path / "data" / "spool", PYTHON, "-c", "import time; time.sleep(60)")
    ref = wait_for_listed("python")

    result = invoke("wait", ref, "--timeout", "0.5")

    assert result.exit_code == EXIT_TIMEOUT
    assert result.stderr == f"jobdeck: {ref} has not ended after 0.5 s\n"


def test_a_canceled_job_is_exit_3(sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[[backends]]\nkind = "stopped-jobs"\nname = "hpc"\n')
    monkeypatch.setenv("JOBDECK_CONFIG", str(config))

    assert invoke("wait", "hpc/1").exit_code == EXIT_CANCELED


def test_no_such_job_is_exit_4(sandbox) -> None:
    unknown = invoke("wait", "local/no-such-job")
    unknown_bare = invoke("wait", "no-such-job")

    assert (unknown.exit_code, unknown.stderr) == (EXIT_NOT_FOUND, "jobdeck: no job local/no-such-job (see `jobdeck ls --all`)\n")
    assert unknown_bare.exit_code == EXIT_NOT_FOUND and "no job 'no-such-job'" in unknown_bare.stderr


def test_a_reference_that_names_no_backend_or_several_jobs_is_a_usage_error_exit_2(sandbox) -> None:
    run_job(sandbox, "twin", "pass")
    run_job(sandbox, "twin", "pass")

    no_backend = invoke("wait", "drp/123")
    ambiguous = invoke("wait", "twin")

    assert no_backend.exit_code == 2 and "no backend 'drp' (configured: local" in no_backend.stderr
    assert ambiguous.exit_code == 2
    assert "'twin' is ambiguous: it matches jobs:\n  local/" in ambiguous.stderr and "give one as BACKEND/ID" in ambiguous.stderr


def test_a_bad_timeout_is_a_usage_error(sandbox) -> None:
    assert invoke("wait", "local/x", "--timeout", "-1").exit_code == 2
    assert invoke("wait", "local/x", "--timeout", "nan").exit_code == 2


def wait_for_listed(name_part: str, seconds: float = 20) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        listed = json.loads(invoke("ls", "--json").stdout)
        running = [job["ref"] for job in listed if name_part in job["name"] and job["state"] == "running"]
        if running:
            return running[0]
        time.sleep(0.1)
    raise AssertionError(f"no running job named like {name_part!r}")


# -- an emulator ------------------------------------------------------------------------------------


def test_wait_on_the_drp_emulator_ends_with_the_jobs_own_outcome(
    serve_process: type[Served], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = serve_process([PYTHON, "-m", "jobdeck", "emulate", "drp", "--speed", "0"])
    wait_until_served(served.url)
    config = tmp_path / "config.toml"
    # No history: it would read every finished job's log, and the emulator's request log
    # goes to a pipe that is read only when it stops (a full pipe would hold it up).
    config.write_text(
        f'history = false\n[[backends]]\nkind = "drp"\nname = "drp"\nendpoint = "{served.url}"\n'
        'user_env = "DRP_USER"\npassword_env = "DRP_PASSWORD"\ninterval = 0.5\n'
    )
    env = {
        "JOBDECK_DATA_DIR": str(tmp_path / "data"), "JOBDECK_CONFIG": str(config),
        "DRP_USER": "rocketskates", "DRP_PASSWORD": "r0cketsk8ts",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    jobs = json.loads(invoke("ls", "--json", "--all").stdout)
    failed = next(job["ref"] for job in jobs if job["state"] == "failed")
    succeeded = next(job["ref"] for job in jobs if job["state"] == "succeeded")
    running = next(job["ref"] for job in jobs if job["state"] == "running")

    assert invoke("wait", failed).exit_code == 1
    assert invoke("wait", succeeded).exit_code == 0
    waiting = subprocess.Popen(
        [PYTHON, "-m", "jobdeck", "wait", running, "--timeout", "60"],
        env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(1.0)
        assert waiting.poll() is None
        httpx.post(f"{served.url}/_emulator/advance", params={"seconds": 600}, timeout=10).raise_for_status()
        waiting.communicate(timeout=60)
    finally:
        if waiting.poll() is None:
            waiting.kill()
            waiting.wait()
    ended = next(job for job in json.loads(invoke("ls", "--json", "--all").stdout) if job["ref"] == running)

    assert ended["state"] in ("succeeded", "failed")
    assert waiting.returncode == {"succeeded": 0, "failed": 1}[ended["state"]]
