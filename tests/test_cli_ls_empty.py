"""`jobdeck ls` with nothing to show says why on stderr: on a fresh install, how to get a job;
with jobs that the query leaves out, that none match. Standard output stays the table (or
`[]` with --json), so scripts read nothing else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import invoke


def test_a_fresh_install_says_how_to_start_a_job_or_the_demo(sandbox: dict[str, str]) -> None:
    result = invoke("ls")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.strip() == "no jobs yet: start one with `jobdeck run -- COMMAND`, or try `jobdeck demo`"


def test_json_on_a_fresh_install_is_an_empty_list_and_nothing_else(sandbox: dict[str, str]) -> None:
    result = invoke("ls", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [] and result.stderr == ""


def run_hello(sandbox: dict[str, str]) -> None:
    """``jobdeck run --name hello`` as a user would: one local job in the sandbox's spool."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBDECK_")} | sandbox
    ran = subprocess.run(
        [sys.executable, "-m", "jobdeck", "run", "--name", "hello", "--", sys.executable, "-c", "print('hi')"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert ran.returncode == 0, ran.stderr


def test_jobs_the_query_leaves_out_are_told_apart_from_no_jobs_at_all(sandbox: dict[str, str]) -> None:
    run_hello(sandbox)
    result = invoke("ls", "state:failed")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr.strip() == "no jobs match"
    assert "hello" in invoke("ls").stdout


def test_only_archived_jobs_are_pointed_at_with_archived(sandbox: dict[str, str]) -> None:
    run_hello(sandbox)
    spool = Path(sandbox["JOBDECK_DATA_DIR"]) / "spool"
    [job] = [folder for folder in spool.iterdir() if not folder.name.startswith(".")]
    (spool / ".archive").mkdir(exist_ok=True)
    job.rename(spool / ".archive" / job.name)  # what archiving a local job does
    result = invoke("ls")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr.strip() == "no jobs but archived ones: `jobdeck ls --archived` lists them"
    assert "hello" in invoke("ls", "--archived").stdout
