"""A test session's engines are stopped however the session ends: at its fixtures' teardown, and
also when its process is terminated (SIGTERM: a CI job cancelled, a `timeout` run out) or
exits without tearing down. Shown with real Celery (Redis, two workers, Flower: the quickest
engine to start) in a child Python process that uses ``EngineSession`` as the tests do.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from engine_session import SCRIPTS, Engine

HERE = Path(__file__).parent
#: The child: starts Celery, prints its folder, then waits for a line (or a signal).
CHILD = """
import sys
from engine_session import EngineSession
engine = EngineSession().get("celery")
print(engine.base, flush=True)
sys.stdin.readline()
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"  # a zombie has ended (whoever reaps it)


@pytest.mark.parametrize("ending", ["SIGTERM", "exit without teardown"])
def test_the_engines_are_stopped_when_the_session_s_process_ends_badly(celery_engine: Engine, ending: str) -> None:
    # celery_engine: installed (or this skips, saying why); the child starts a Celery of its own.
    child = subprocess.Popen([sys.executable, "-c", CHILD], cwd=HERE, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    base: Path | None = None
    try:
        assert child.stdout is not None and child.stdin is not None
        base = Path(child.stdout.readline().strip())
        pids = {path.stem: int(path.read_text()) for path in base.glob("*.pid")}
        assert {"redis", "w1", "w2", "flower"} <= set(pids), (pids, child.stderr and child.stderr.read())
        assert all(_alive(pid) for pid in pids.values())
        if ending == "SIGTERM":
            child.send_signal(signal.SIGTERM)
            assert child.wait(timeout=120) == -signal.SIGTERM  # it still ends as terminated
        else:
            child.stdin.close()
            assert child.wait(timeout=120) == 0
        assert [name for name, pid in pids.items() if _alive(pid)] == []
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if base is not None and base.is_absolute():  # whatever a failure here left running
            subprocess.run(["bash", str(SCRIPTS / "celery"), "down", str(base)], capture_output=True, timeout=120)
