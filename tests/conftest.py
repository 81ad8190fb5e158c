"""Fixtures shared by several test modules."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

#: ``jobdeck run`` without the CLI around it, so runner tests do not depend on click.
RUNNER = [sys.executable, "-m", "jobdeck.local.runner"]


@pytest.fixture
def start_runner() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Starts runners in the background; any still running at the end are stopped."""
    started: list[subprocess.Popen[bytes]] = []

    def start(spool: Path, *command: str, cwd: Path | None = None) -> subprocess.Popen[bytes]:
        runner = subprocess.Popen(
            [*RUNNER, "run", "--spool", str(spool), "--no-echo", "--", *command],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(runner)
        return runner

    yield start
    for runner in started:
        if runner.poll() is None:
            runner.terminate()  # the runner passes it on to its command's group
            try:
                runner.wait(timeout=5)
            except subprocess.TimeoutExpired:
                runner.kill()
                runner.wait()
