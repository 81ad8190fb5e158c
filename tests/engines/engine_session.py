"""Real engines for the tests: installed on demand, started once per test session, stopped at its end.

Each engine has a script, ``scripts/engines/<name>`` (see ``scripts/engines/lib.sh`` for the
commands it answers). The first test that asks for an engine installs it (as root: apt, and
pip into a virtual environment of its own outside ``.venv``) and starts it under a temporary
folder; every later test of the session gets the same running engine; the session's end
stops it by pid. Where it cannot be installed (not root, no apt-get) the tests skip with the
script's reason; any other failure fails them, with the end of the script's output.

An engine is stopped even when the session does not end well: its folder is noted before
``up`` runs (an ``up`` cut short by a time-out or ctrl+c has started daemons already), and
``stop_all`` runs at the interpreter's exit and on SIGTERM or SIGHUP (a killed CI job, a
closed terminal) as well as at the session's end; it stops each engine once.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import threading
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
    #: Jobs submitted as soon as it started (``<name>_data/early_jobs.py``), by role: a test that
    #: waits long on one (a Slurm time limit is a minute at least) finds it done or nearly.
    early: dict[str, str] = field(default_factory=dict)

    def environ(self) -> dict[str, str]:
        """This process's environment with the engine's settings on top (for subprocesses)."""
        return {**os.environ, **self.env}


def shared_session(config: pytest.Config) -> EngineSession:
    """The test session's one EngineSession, whoever asks (the engine tests, the conformance
    kits, the browser tests): each engine starts once a session, not once a folder. Kept on
    the config under a plain attribute, so a second copy of this module (loaded from its
    file under another name) finds the same one."""
    session = getattr(config, "_jobdeck_engines", None)
    if session is None:
        session = EngineSession()
        config._jobdeck_engines = session  # type: ignore[attr-defined]
        config.add_cleanup(session.stop_all)
    return session


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
        #: The folder of each engine whose ``up`` has begun, until it is stopped.
        self._running: dict[str, Path] = {}
        self._stopping = threading.RLock()  # a signal may come while it stops them
        #: The `up` running now: cut short before its engine is stopped (or it would start more).
        self._starting: list[subprocess.Popen[str]] = []
        #: Only this process stops them (not a child forked from it, which inherits atexit).
        self._owner = os.getpid()
        atexit.register(self.stop_all)
        _stop_on_signals(self)

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
        """Stops every engine started (or half started), each once; later calls do nothing."""
        if os.getpid() != self._owner:
            return
        with self._stopping:
            for starting in list(self._starting):
                starting.kill()
            while self._running:
                name, base = self._running.popitem()
                _script(name, "down", str(base), timeout=STOP_TIMEOUT_S)

    def _start(self, name: str) -> _Outcome:
        installed = _script(name, "install", timeout=INSTALL_TIMEOUT_S)
        if installed.returncode == CANNOT_INSTALL:
            reason = installed.stderr.strip().splitlines()[-1:] or ["no reason given"]
            return _Outcome(skip=f"{name}: cannot be installed here: {reason[0]}")
        if installed.returncode != 0:
            return _Outcome(failure=_explain(name, "install", installed))
        base = self._root / name
        base.mkdir(parents=True)
        self._running[name] = base  # before `up`: what it starts is stopped however it ends
        started = _script(name, "up", str(base), timeout=START_TIMEOUT_S, running=self._starting)
        engine = Engine(name, base, _key_values(started.stdout))
        if started.returncode != 0:
            # Whatever did start is stopped now, not left running past the session.
            _script(name, "down", str(base), timeout=STOP_TIMEOUT_S)
            self._running.pop(name, None)
            return _Outcome(failure=_explain(name, "up", started))
        engine.early = _early_jobs(engine)
        return _Outcome(engine=engine)


def start_own(name: str, base: Path) -> Engine:
    """An engine of the calling test's own under ``base``, not the session's (a test that stops
    it: ``stop_own``); skips as ``EngineSession.get`` does where it cannot be installed."""
    installed = _script(name, "install", timeout=INSTALL_TIMEOUT_S)
    if installed.returncode == CANNOT_INSTALL:
        pytest.skip(f"{name}: cannot be installed here: {installed.stderr.strip()}")
    if installed.returncode != 0:
        pytest.fail(_explain(name, "install", installed), pytrace=False)
    started = _script(name, "up", str(base), timeout=START_TIMEOUT_S)
    if started.returncode != 0:
        stop_own(name, base)
        pytest.fail(_explain(name, "up", started), pytrace=False)
    return Engine(name, base, _key_values(started.stdout))


def stop_own(name: str, base: Path) -> subprocess.CompletedProcess[str]:
    """``scripts/engines/NAME down BASE``, waited for."""
    return _script(name, "down", str(base), timeout=STOP_TIMEOUT_S)


def _early_jobs(engine: Engine) -> dict[str, str]:
    """What ``<name>_data/early_jobs.py``'s ``submit(engine)`` submitted, by role; nothing when it
    has none or fails (a test then submits its own job, only waiting longer)."""
    path = Path(__file__).with_name(f"{engine.name}_data") / "early_jobs.py"
    if not path.is_file():
        return {}
    try:
        spec = importlib.util.spec_from_file_location(f"{engine.name}_early_jobs", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return dict(module.submit(engine))
    except Exception as exc:  # noqa: BLE001 - the tests submit their own; say why this did not
        print(f"{engine.name}: the early jobs were not submitted: {exc}", file=sys.stderr)
        return {}


#: The sessions whose engines a SIGTERM or SIGHUP stops.
_SESSIONS: list[EngineSession] = []
_signals_set = False


def _stop_on_signals(session: EngineSession) -> None:
    """On SIGTERM or SIGHUP: stop the engines, then end as the signal would have (Python runs
    no atexit function when a signal kills it). Chains to a handler already set."""
    global _signals_set
    _SESSIONS.append(session)
    if _signals_set or threading.current_thread() is not threading.main_thread():
        return
    _signals_set = True
    for signum in (signal.SIGTERM, signal.SIGHUP):
        previous = signal.getsignal(signum)

        def stop_then_end(number: int, frame: object, previous: object = previous) -> None:
            for each in _SESSIONS:
                each.stop_all()
            if callable(previous):
                previous(number, frame)
                return
            if previous is signal.SIG_IGN:
                return
            signal.signal(number, signal.SIG_DFL)
            os.kill(os.getpid(), number)

        signal.signal(signum, stop_then_end)


def _script(
    name: str, *args: str, timeout: float, running: list[subprocess.Popen[str]] | None = None
) -> subprocess.CompletedProcess[str]:
    """``scripts/engines/NAME ARGS…``, waited for; in ``running`` while it runs (to be cut short)."""
    script = SCRIPTS / name
    if not script.exists():
        return subprocess.CompletedProcess([str(script)], 1, "", f"no such engine script: {script}")
    command = ["bash", str(script), *args]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        if running is not None:
            running.append(process)
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            return subprocess.CompletedProcess(command, 124, out, f"timed out after {timeout:.0f} s: {err}")
        except BaseException:  # a test's time-out, ctrl+c: the script stops here too
            process.kill()
            raise
        finally:
            if running is not None and process in running:
                running.remove(process)
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def _key_values(stdout: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in stdout.splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def _explain(name: str, command: str, result: subprocess.CompletedProcess[str]) -> str:
    tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-30:])
    return f"scripts/engines/{name} {command} exited {result.returncode}:\n{tail}"
