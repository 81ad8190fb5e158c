"""Fixtures shared by several test modules."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from processes import Processes

#: ``jobdeck run`` without the CLI around it, so runner tests do not depend on click.
RUNNER = [sys.executable, "-m", "jobdeck.local.runner"]


@pytest.fixture(autouse=True, scope="session")
def _a_cache_folder_of_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """What jobdeck caches (parsed CSS, the local spools' caches) goes to a folder of the test
    session, never the user's (a test that needs another sets its own)."""
    patch = pytest.MonkeyPatch()
    patch.setenv("JOBDECK_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    yield
    patch.undo()


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Data and config folders of this test only, in this process's environment; returned for subprocesses."""
    env = {"JOBDECK_DATA_DIR": str(tmp_path / "data"), "JOBDECK_CONFIG_DIR": str(tmp_path / "config")}
    monkeypatch.delenv("JOBDECK_CONFIG", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def start_runner() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Starts runners in the background; any still running at the end are stopped.

    Stopping one terminates it, and the runner passes that on to its command's group.
    """
    with Processes(grace=5) as processes:

        def start(spool: Path, *command: str, cwd: Path | None = None) -> subprocess.Popen[bytes]:
            return processes.start(
                [*RUNNER, "run", "--spool", str(spool), "--no-echo", "--", *command],
                cwd=cwd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

        yield start
