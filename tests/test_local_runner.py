"""`jobdeck run`: the supervisor of a local job, with real subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from jobdeck.local import procs
from jobdeck.local.layout import job_folder_names
from jobdeck.local.records import RunEvent
from jobdeck.local.runner import rerun_job, run_job, spawn_detached
from jobdeck.local.spool import JobRecord, Spool
from jobdeck.model import JobState

T = TypeVar("T")
RUNNER = [sys.executable, "-m", "jobdeck.local.runner"]


def wait_until(condition: Callable[[], T | None], timeout: float = 10.0, what: str = "condition") -> T:
    """Poll ``condition`` until it gives something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def jobs(spool: Path) -> list[JobRecord]:
    """Every job of the spool (the runner makes live ones only)."""
    if not spool.exists():
        return []
    store = Spool(spool)
    return [store.read_job(spool / name, archived=False) for name in job_folder_names(spool)]


def only_job(spool: Path) -> JobRecord:
    records = jobs(spool)
    assert len(records) == 1
    return records[0]


def events_of(record: JobRecord, run: int = 1) -> list[RunEvent]:
    return list(Spool(record.folder.parent).read_run(record.folder, run).events)


def log_of(record: JobRecord, run: int = 1) -> bytes:
    return (Spool.run_folder(record.folder, run) / "log").read_bytes()


Starter = Callable[..., subprocess.Popen[bytes]]


def running_job(spool: Path) -> JobRecord | None:
    records = jobs(spool)
    if records and records[0].state is JobState.RUNNING:
        return records[0]
    return None


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    return tmp_path / "spool"


def test_stdout_and_stderr_go_to_the_log_merged_in_order(spool: Path) -> None:
    script = "echo one; echo two >&2; printf 'thr'; printf 'ee\\n' >&2; echo four"
    assert run_job(["sh", "-c", script], name="mixed", spool=spool, echo=False) == 0
    record = only_job(spool)
    assert log_of(record) == b"one\ntwo\nthree\nfour\n"
    assert record.spec is not None and record.spec.name == "mixed"


@pytest.mark.parametrize(("code", "state"), [(0, JobState.SUCCEEDED), (3, JobState.FAILED)])
def test_the_commands_exit_code_is_returned_and_recorded(spool: Path, code: int, state: JobState) -> None:
    assert run_job(["sh", "-c", f"exit {code}"], name=None, spool=spool, echo=False) == code
    record = only_job(spool)
    assert [e.state for e in events_of(record)] == [JobState.PENDING, JobState.RUNNING, state]
    last = events_of(record)[-1]
    assert (last.exit_code, last.message) == (code, f"exit code {code}")


def test_events_name_the_command_its_group_and_the_runner(spool: Path) -> None:
    run_job(["true"], name=None, spool=spool, echo=False)
    running = events_of(only_job(spool))[1]
    assert running.pid is not None and running.pgid == running.pid
    assert running.runner_pid == os.getpid()


def test_a_missing_command_fails_with_127_and_a_clear_message(
    spool: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_job(["no-such-command-xyz", "arg"], name=None, spool=spool, echo=False) == 127
    assert capsys.readouterr().err == "jobdeck: no such command: no-such-command-xyz\n"
    record = only_job(spool)
    last = events_of(record)[-1]
    assert (last.state, last.exit_code, last.raw_state) == (JobState.FAILED, 127, "no-such-command")
    assert log_of(record) == b"jobdeck: no such command: no-such-command-xyz\n"


def test_no_command_at_all_is_refused_without_making_a_job(
    spool: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_job([], name=None, spool=spool, echo=False) == 125
    assert "no command given" in capsys.readouterr().err
    assert not jobs(spool)


def test_echo_copies_the_output_to_the_runners_stdout(spool: Path, capfd: pytest.CaptureFixture[str]) -> None:
    run_job(["sh", "-c", "echo visible; echo also >&2"], name=None, spool=spool, echo=True)
    assert capfd.readouterr().out == "visible\nalso\n"


def test_the_command_runs_in_the_given_folder(spool: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    run_job(["pwd"], name=None, spool=spool, cwd=work, echo=False)
    record = only_job(spool)
    assert record.spec is not None and record.spec.cwd == str(work)
    assert log_of(record).decode().strip() == str(work.resolve())


def test_eight_concurrent_runs_make_eight_distinct_intact_jobs(spool: Path, start_runner: Starter) -> None:
    runners = [start_runner(spool, "sh", "-c", f"echo job {i}; exit {i}") for i in range(8)]
    codes = [runner.wait(timeout=30) for runner in runners]
    assert codes == list(range(8))
    records = jobs(spool)
    assert len({record.id for record in records}) == 8
    logs = sorted(log_of(record) for record in records)
    assert logs == [f"job {i}\n".encode() for i in range(8)]
    assert all(
        record.error in (None, f"exit code {record.latest.exit_code}") for record in records if record.latest
    )
    assert sorted(record.latest.exit_code or 0 for record in records if record.latest) == list(range(8))


def test_a_rerun_is_run_2_with_the_same_command_and_folder(
    spool: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "ran"
    run_job(["sh", "-c", f"echo x >> {marker}; pwd"], name="again", spool=spool, cwd=tmp_path, echo=False)
    job_id = only_job(spool).id
    monkeypatch.chdir("/")  # the rerun must use the job's folder, not ours
    assert rerun_job(job_id, spool=spool) == 0
    record = only_job(spool)
    assert record.run_numbers == (1, 2)
    assert log_of(record, 2) == log_of(record, 1) == f"{tmp_path.resolve()}\n".encode()
    assert marker.read_text() == "x\nx\n"


def test_a_rerun_of_an_unknown_job_says_so(spool: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Spool(spool).ensure()
    assert rerun_job("20990101-000000-beef", spool=spool) == 125
    assert capsys.readouterr().err == "jobdeck: no such job: 20990101-000000-beef\n"


def test_a_rerun_whose_folder_is_gone_fails_with_126(
    spool: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "gone"
    work.mkdir()
    run_job(["true"], name=None, spool=spool, cwd=work, echo=False)
    work.rmdir()
    assert rerun_job(only_job(spool).id, spool=spool) == 126
    assert f"no such working folder: {work}" in capsys.readouterr().err
    assert only_job(spool).state is JobState.FAILED


def test_sigterm_to_the_runner_cancels_the_job_and_stops_its_command(
    spool: Path, start_runner: Starter
) -> None:
    runner = start_runner(spool, "sleep", "30")
    record = wait_until(lambda: running_job(spool), what="the job to run")
    child = events_of(record)[-1]
    runner.send_signal(signal.SIGTERM)
    assert runner.wait(timeout=10) == 128 + signal.SIGTERM
    last = events_of(only_job(spool))[-1]
    assert last.state is JobState.CANCELED
    assert last.message == "canceled by SIGTERM to the runner (killed by SIGTERM, exit code 143)"
    assert child.pid is not None and not procs.is_alive(child.pid, child.pid_start)


def test_a_hangup_does_not_stop_the_job(spool: Path, tmp_path: Path, start_runner: Starter) -> None:
    go = tmp_path / "go"
    runner = start_runner(spool, "sh", "-c", f"while [ ! -e {go} ]; do sleep 0.02; done; echo finished")
    wait_until(lambda: running_job(spool), what="the job to run")
    runner.send_signal(signal.SIGHUP)
    go.touch()
    assert runner.wait(timeout=10) == 0
    assert log_of(only_job(spool)) == b"finished\n"


def test_a_background_grandchild_holding_the_output_does_not_hold_the_runner(spool: Path) -> None:
    started = time.monotonic()
    assert run_job(["sh", "-c", "sleep 30 & echo done"], name=None, spool=spool, echo=False) == 0
    assert time.monotonic() - started < 5
    record = only_job(spool)
    assert log_of(record) == b"done\n"
    group = events_of(record)[1].pgid
    assert group is not None
    os.killpg(group, signal.SIGKILL)  # the leftover sleep


def test_a_cancel_requested_before_the_start_means_the_command_never_runs(
    spool: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    run_job(["touch", str(marker)], name=None, spool=spool, echo=False)
    marker.unlink()
    store = Spool(spool)
    record = only_job(spool)
    _, run_folder = store.create_run(record.folder)
    now = events_of(record)[0].at
    store.append_event(run_folder, RunEvent(at=now, state=JobState.PENDING, raw_state="retry-requested"))
    store.append_event(run_folder, RunEvent(at=now, state=JobState.PENDING, raw_state="cancel-requested"))
    assert rerun_job(record.id, spool=spool) == 128 + signal.SIGTERM
    assert only_job(spool).run_numbers == (1, 2)  # it took the prepared run, made no third
    assert events_of(only_job(spool), 2)[-1].state is JobState.CANCELED
    assert not marker.exists()


def test_spawn_detached_starts_a_runner_that_is_not_our_child(spool: Path) -> None:
    args = ["run", "--spool", str(spool), "--name", "detached", "--", "sh", "-c", "echo far away"]
    pid = spawn_detached(args, module="jobdeck.local.runner")
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    record = wait_until(
        lambda: next((r for r in jobs(spool) if r.state.is_terminal), None),
        what="the detached job to end",
    )
    assert record.state is JobState.SUCCEEDED
    assert log_of(record) == b"far away\n"
    assert events_of(record)[0].runner_pid == pid


def test_the_module_entry_runs_and_reruns_like_the_cli(spool: Path) -> None:
    done = subprocess.run(
        [*RUNNER, "run", "--spool", str(spool), "--", "sh", "-c", "echo hi; exit 4"],
        capture_output=True,
        timeout=30,
    )
    assert (done.returncode, done.stdout) == (4, b"hi\n")
    job_id = only_job(spool).id
    again = subprocess.run(
        [*RUNNER, "run", "--rerun", job_id, "--spool", str(spool)], capture_output=True, timeout=30
    )
    assert again.returncode == 4
    assert only_job(spool).run_numbers == (1, 2)
    spec = json.loads((spool / job_id / "spec.json").read_text())
    assert spec["argv"] == ["sh", "-c", "echo hi; exit 4"]
