"""The engine scripts stop their daemons by pid file (scripts/engines/lib.sh), and never a
process that merely has that pid now: a daemon that died long ago may have its pid given to
another program, whose group and session must be left alone."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from processes import Processes

LIB = Path(__file__).resolve().parent.parent / "scripts" / "engines" / "lib.sh"


def _lib(base: Path, command: str) -> subprocess.CompletedProcess[str]:
    script = f'source "{LIB}"; {command}'
    return subprocess.run(["bash", "-c", script], cwd=base, capture_output=True, text=True, timeout=60)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_a_pid_file_whose_pid_now_belongs_to_a_later_process_leaves_it_alone(tmp_path: Path) -> None:
    with Processes(grace=2) as processes:
        stranger = processes.start(["sleep", "60"], start_new_session=True)
        pid_file = tmp_path / "daemon.pid"
        pid_file.write_text(f"{stranger.pid}\n")
        written = time.time() - 30  # the daemon was started (and its pid written) long before
        os.utime(pid_file, (written, written))
        result = _lib(tmp_path, f'stop_pids "{tmp_path}" TERM 1 daemon')
        assert result.returncode == 0, result.stderr
        assert "is no longer the daemon" in result.stderr and "left alone" in result.stderr
        assert _alive(stranger.pid)


def test_a_daemon_started_by_the_script_is_stopped_by_its_pid_file(tmp_path: Path) -> None:
    started = _lib(tmp_path, f'start_daemon "{tmp_path}" daemon sleep 60; cat "{tmp_path}/daemon.pid"')
    pid = int(started.stdout.split()[-1])
    try:
        assert _alive(pid)
        result = _lib(tmp_path, f'stop_pids "{tmp_path}" TERM 5 daemon')
        assert result.returncode == 0, result.stderr
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid)
        assert not (tmp_path / "daemon.pid").exists()
    finally:
        if _alive(pid):
            os.kill(pid, 9)
