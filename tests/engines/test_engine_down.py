"""``scripts/engines/<name> down`` leaves nothing of that engine running: a job's own process,
which runs in a session of its own (a Ray job's entrypoint, an Airflow task) and outlives the
daemons that started it, is stopped too, found by pid (lib.sh's ``sweep_marked``: the
environment start_daemon gave the engine names its folder, or the process is in its daemon's
session), never by name across the machine.

Each test starts an engine of its own (not the session's: it stops it), starts a long job on
it, calls ``down`` and checks by pid.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest
from engine_session import start_own, stop_own

sys.path.insert(0, str(Path(__file__).parent / "airflow_data"))
from runs import client, task_of, trigger, wait_until  # noqa: E402


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"  # a zombie has ended (whoever reaps it)


def stat_field(pid: int, index: int) -> int:
    """A number of /proc/PID/stat after the command's name (0 state, 1 ppid, 2 pgrp, 3 session)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[index])


def left_of(base: Path, session: int) -> list[int]:
    """The running processes of ``base``'s engine: whose environment names ``base`` (what
    start_daemon started, and what those started), or in the session of its daemon ``session``."""
    marker = f"JOBDECK_ENGINE_BASE={base.resolve()}".encode()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if marker in (proc / "environ").read_bytes().split(b"\0") or stat_field(int(proc.name), 3) == session:
                found.append(int(proc.name))
        except (OSError, ValueError, IndexError):
            continue
    return [pid for pid in found if alive(pid)]


def test_ray_down_stops_a_running_job_s_entrypoint_too(tmp_path: Path) -> None:
    base = tmp_path / "ray"
    base.mkdir()
    engine = start_own("ray", base)
    try:
        pid_file = tmp_path / "entrypoint.pid"
        answer = httpx.post(f"{engine.env['RAY_ADDRESS']}/api/jobs/", timeout=60,
                            json={"entrypoint": f"sh -c 'echo $$ > {pid_file}; exec sleep 600'", "submission_id": "long"})
        answer.raise_for_status()
        wait_until(lambda: pid_file.is_file() and pid_file.read_text().strip(), "the entrypoint running")
        entrypoint = int(pid_file.read_text())
        assert alive(entrypoint)
        head = int((base / "ray.pid").read_text())
        assert stat_field(entrypoint, 3) != stat_field(head, 3)  # a session of its own: the head's group is not all
    finally:
        stopped = stop_own("ray", base)
    assert stopped.returncode == 0, stopped.stderr
    assert not alive(entrypoint)
    assert left_of(base, head) == []


def test_airflow_down_stops_a_running_task_too(tmp_path: Path) -> None:
    base = tmp_path / "airflow"
    base.mkdir()
    engine = start_own("airflow", base)
    try:
        with client(engine.env) as rest:
            job_id = trigger(rest, "jd_long", "down-1", {"seconds": 600})
            task = wait_until(lambda: (t := task_of(rest, job_id, "tick"))["state"] == "running" and t.get("pid") and t,
                              "jd_long's task running with a pid")
        task_pid = int(task["pid"])
        standalone = int((base / "airflow.pid").read_text())
        assert alive(task_pid)
        assert stat_field(task_pid, 2) != standalone  # a process group of its own: standalone's is not all
        before = left_of(base, standalone)
        assert task_pid in before
    finally:
        stopped = stop_own("airflow", base)
    assert stopped.returncode == 0, stopped.stderr
    assert [pid for pid in before if alive(pid)] == []
    assert left_of(base, standalone) == []


@pytest.fixture(autouse=True)
def _nothing_left(tmp_path: Path):
    """Whatever a failing test left, stopped (the down of both engines is idempotent)."""
    yield
    for name in ("ray", "airflow"):
        if (tmp_path / name).is_dir():
            stop_own(name, tmp_path / name)
