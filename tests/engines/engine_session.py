"""Real engines for the tests: installed on demand, started once per test session, stopped at its end.

Each engine has a script, ``scripts/engines/<name>`` (see ``scripts/engines/lib.sh`` for the
commands it answers). The first test that asks for an engine installs it (as root: apt, and
pip into a virtual environment of its own outside ``.venv``) and starts it under a temporary
folder; every later test of the session gets the same running engine; the session's end
stops it by pid. Where it cannot be installed (not root, no apt-get) the tests skip with the
script's reason; any other failure fails them, with the end of the script's output.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "engines"
#: The exit status of ``install`` that means "cannot be installed on this machine".
CANNOT_INSTALL = 3
#: How long installing may take (a cold pip install of Ray is about a minute).
INSTALL_TIMEOUT_S = 900
START_TIMEOUT_S = 300
STOP_TIMEOUT_S = 120


@dataclass
class Engine:
    """A running engine: where it lives and the settings its clients need."""

    name: str
    base: Path
    #: The KEY=VALUE lines ``up`` printed (URLs, SLURM_CONF, a venv's bin folder, ...).
    env: dict[str, str] = field(default_factory=dict)

    def environ(self) -> dict[str, str]:
        """This process's environment with the engine's settings on top (for subprocesses)."""
        return {**os.environ, **self.env}


@dataclass
class _Outcome:
    engine: Engine | None = None
    skip: str | None = None
    failure: str | None = None


class EngineSession:
    """The engines of one test session; each is started at most once."""

    def __init__(self) -> None:
        self._outcomes: dict[str, _Outcome] = {}
        self._root = Path(tempfile.mkdtemp(prefix="jobdeck-engines-"))

    def get(self, name: str) -> Engine:
        """The running engine NAME, starting it on first use; skips or fails the asking test."""
        outcome = self._outcomes.get(name)
        if outcome is None:
            outcome = self._outcomes[name] = self._start(name)
        if outcome.skip is not None:
            pytest.skip(outcome.skip)
        if outcome.failure is not None:
            pytest.fail(outcome.failure, pytrace=False)
        assert outcome.engine is not None
        return outcome.engine

    def stop_all(self) -> None:
        for name, outcome in self._outcomes.items():
            if outcome.engine is not None:
                _script(name, "down", str(outcome.engine.base), timeout=STOP_TIMEOUT_S)

    def _start(self, name: str) -> _Outcome:
        installed = _script(name, "install", timeout=INSTALL_TIMEOUT_S)
        if installed.returncode == CANNOT_INSTALL:
            reason = installed.stderr.strip().splitlines()[-1:] or ["no reason given"]
            return _Outcome(skip=f"{name}: cannot be installed here: {reason[0]}")
        if installed.returncode != 0:
            return _Outcome(failure=_explain(name, "install", installed))
        base = self._root / name
        base.mkdir(parents=True)
        started = _script(name, "up", str(base), timeout=START_TIMEOUT_S)
        engine = Engine(name, base, _key_values(started.stdout))
        if started.returncode != 0:
            # Whatever did start is stopped now, not left running past the session.
            _script(name, "down", str(base), timeout=STOP_TIMEOUT_S)
            return _Outcome(failure=_explain(name, "up", started))
        return _Outcome(engine=engine)


def _script(name: str, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    script = SCRIPTS / name
    if not script.exists():
        return subprocess.CompletedProcess([str(script)], 1, "", f"no such engine script: {script}")
    try:
        return subprocess.run(
            ["bash", str(script), *args], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(exc.cmd, 124, "", f"timed out after {timeout:.0f} s: {exc.stderr!s}")


def _key_values(stdout: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in stdout.splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def _explain(name: str, command: str, result: subprocess.CompletedProcess[str]) -> str:
    tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-30:])
    return f"scripts/engines/{name} {command} exited {result.returncode}:\n{tail}"
