"""The local adapter: the deck's view of a spool, and its actions on real runners."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from watchfiles import Change

from jobdeck.adapters.local import LocalAdapter, LocalSettings, changes_the_list
from jobdeck.clock import FrozenClock
from jobdeck.errors import NotFound, Unreachable
from jobdeck.local import procs
from jobdeck.local.records import RunEvent
from jobdeck.local.spool import Spool
from jobdeck.model import Capability, Job, JobState, LogChunk, LogCursor

T = TypeVar("T")
RUNNER = [sys.executable, "-m", "jobdeck.local.runner"]


async def eventually(probe: Callable[[], Awaitable[T | None]], timeout: float = 10.0, what: str = "it") -> T:
    """Await ``probe`` until it gives something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def process_gone(pid: int) -> bool:
    return not procs.is_alive(pid)


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    folder = tmp_path / "spool"
    folder.mkdir()  # a spool the settings name must exist; only the default one is created
    return folder


@pytest.fixture
def adapter(spool: Path) -> LocalAdapter:
    local = LocalAdapter(LocalSettings(spool=spool), clock=FrozenClock())
    local.runner_module = "jobdeck.local.runner"  # retries run the runner without the CLI
    return local


def run_to_end(spool: Path, *command: str, name: str | None = None, cwd: Path | None = None) -> int:
    naming = ["--name", name] if name else []
    done = subprocess.run(
        [*RUNNER, "run", "--spool", str(spool), "--no-echo", *naming, "--", *command],
        cwd=cwd,
        capture_output=True,
        timeout=30,
    )
    return done.returncode


Starter = Callable[..., subprocess.Popen[bytes]]


async def only_job(adapter: LocalAdapter) -> Job:
    jobs = await adapter.list_jobs()
    assert len(jobs) == 1
    return jobs[0]


async def job_in_state(adapter: LocalAdapter, *states: JobState) -> Job | None:
    jobs = await adapter.list_jobs()
    return jobs[0] if jobs and jobs[0].state in states else None


def hand_made_job(spool: Path, *events: RunEvent, log: bytes = b"") -> str:
    """A job written straight into the spool, for states a real run cannot be paused in."""
    store = Spool(spool)
    spec = store.create_job(argv=["sh", "-c", "made by hand"], name="by hand", cwd="/", clock=FrozenClock())
    _, run_folder = store.create_run(store.live_folder(spec.id))
    for event in events:
        store.append_event(run_folder, event)
    (run_folder / "log").write_bytes(log)
    return spec.id


def running_under_this_process() -> RunEvent:
    """A running event whose supervisor is alive: this very test process."""
    pid = os.getpid()
    return RunEvent(
        at=FrozenClock().now(),
        state=JobState.RUNNING,
        raw_state="running",
        pid=pid,
        pgid=os.getpgid(pid),
        runner_pid=pid,
        runner_start=procs.start_ticks(pid),
    )


def exited(code: int) -> RunEvent:
    return RunEvent(
        at=FrozenClock().now(),
        state=JobState.SUCCEEDED if code == 0 else JobState.FAILED,
        raw_state="exited",
        exit_code=code,
        message=f"exit code {code}",
    )


def append(spool: Path, job_id: str, data: bytes) -> None:
    with open(spool / job_id / "runs" / "1" / "log", "ab") as handle:
        handle.write(data)


# -- settings and listing -------------------------------------------------


def test_settings_default_to_the_spool_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(tmp_path))
    settings = LocalSettings()
    assert (settings.kind, settings.name, settings.spool) == ("local", "local", None)
    assert LocalAdapter(settings).spool_path == tmp_path / "spool"


async def test_a_finished_job_is_listed_with_its_labels_and_detail(
    adapter: LocalAdapter, spool: Path, tmp_path: Path
) -> None:
    assert run_to_end(spool, "sh", "-c", "echo hi; exit 3", name="greeter", cwd=tmp_path) == 3
    job = await only_job(adapter)
    assert (job.name, job.state, job.raw_state, job.error) == (
        "greeter",
        JobState.FAILED,
        "exited",
        "exit code 3",
    )
    assert job.labels == {
        "host": procs.this_host(),
        "cwd": str(tmp_path),
        "command": "sh -c 'echo hi; exit 3'",
        "exit_code": "3",
    }
    assert job.detail["argv"] == ["sh", "-c", "echo hi; exit 3"]
    assert (job.detail["cwd"], job.detail["exit_code"], job.detail["run"]) == (str(tmp_path), 3, 1)
    assert job.detail["spool"] == str(spool / job.id)
    assert isinstance(job.detail["pid"], int)
    assert job.created and job.started and job.ended and job.created <= job.started <= job.ended
    assert not job.archived


async def test_a_missing_default_spool_is_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(tmp_path))

    assert await LocalAdapter(LocalSettings()).list_jobs() == []
    assert (tmp_path / "spool").is_dir()


async def test_a_missing_spool_named_in_the_settings_is_unreachable_and_not_created(tmp_path: Path) -> None:
    named = tmp_path / "typo"

    with pytest.raises(Unreachable, match=f"spool folder {named} does not exist"):
        await LocalAdapter(LocalSettings(spool=named)).list_jobs()
    assert not named.exists()


async def test_a_spool_that_is_a_file_is_unreachable_with_a_clear_message(
    adapter: LocalAdapter, spool: Path
) -> None:
    spool.rmdir()
    spool.write_text("oops")
    with pytest.raises(Unreachable, match="is not a folder"):
        await adapter.list_jobs()


async def test_a_corrupt_spec_or_garbage_event_is_listed_with_what_is_wrong(
    adapter: LocalAdapter, spool: Path
) -> None:
    good = hand_made_job(spool, exited(0))
    bad_spec = hand_made_job(spool, exited(0))
    (spool / bad_spec / "spec.json").write_text("{ this is not json")
    bad_events = hand_made_job(spool, exited(0))
    with open(spool / bad_events / "runs" / "1" / "events.jsonl", "ab") as handle:
        handle.write(b"~garbage~\n")
    jobs = {job.id: job for job in await adapter.list_jobs()}
    assert jobs[good].error is None
    assert (jobs[bad_spec].state, jobs[bad_spec].error) == (JobState.SUCCEEDED, "spec.json is not valid JSON")
    assert jobs[bad_spec].name == bad_spec
    assert (jobs[bad_events].state, jobs[bad_events].error) == (
        JobState.SUCCEEDED,
        "events.jsonl line 2 is not valid JSON",
    )


async def test_an_unknown_job_is_not_found(adapter: LocalAdapter) -> None:
    with pytest.raises(NotFound):
        await adapter.get_job("20990101-000000-dead")
    with pytest.raises(NotFound):
        await adapter.read_log("../../etc")


async def test_listing_a_thousand_unchanged_jobs_again_builds_none_of_them_again(
    adapter: LocalAdapter, spool: Path
) -> None:
    template = Spool(spool).live_folder(hand_made_job(spool, exited(1)))
    spec, events = (template / "spec.json").read_text(), (template / "runs/1/events.jsonl").read_bytes()
    for i in range(999):  # plain copies: quicker to make than through the spool's fsync'd writes
        job_id = f"20260101-120000-{i:04x}"
        (spool / job_id / "runs" / "1").mkdir(parents=True)
        (spool / job_id / "spec.json").write_text(spec.replace(template.name, job_id))
        (spool / job_id / "runs" / "1" / "events.jsonl").write_bytes(events)
    first = await adapter.list_jobs()
    again = await adapter.list_jobs()
    # Each unchanged job was checked by its folder's version only, and kept: the same Job.
    assert len(first) == len(again) == 1000
    assert all(before is after for before, after in zip(first, again, strict=True))


# -- timeline and runs ----------------------------------------------------


async def test_retry_starts_run_2_with_the_same_command_and_folder(
    adapter: LocalAdapter, spool: Path, tmp_path: Path
) -> None:
    run_to_end(spool, "sh", "-c", "pwd; exit 5", name="again", cwd=tmp_path)
    job = await only_job(adapter)
    assert adapter.why_not(Capability.RETRY, job) is None
    result = await adapter.retry(job.id)
    assert (result.ok, result.message) == (True, "started run #2 of again")
    job = await eventually(lambda: _ended_run_2(adapter), what="run #2 to end")
    runs = await adapter.list_runs(job.id)
    assert [run.id for run in runs] == ["2", "1"]
    assert [run.detail["exit_code"] for run in runs] == [5, 5]
    assert (await adapter.read_log(job.id)).text == f"{tmp_path.resolve()}\n"
    assert job.detail["argv"] == ["sh", "-c", "pwd; exit 5"]
    timeline = await adapter.timeline(job.id)
    assert timeline[-1].message == "run #2: exit code 5"
    assert any(event.message == "run #2: retry requested from jobdeck" for event in timeline)


async def test_each_run_keeps_its_own_log_read_by_its_number(adapter: LocalAdapter, spool: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran-once"
    run_to_end(spool, "sh", "-c", f"if [ -e {marker} ]; then echo second; else touch {marker}; echo first; fi; exit 1",
               name="twice")
    job = await only_job(adapter)
    assert (await adapter.retry(job.id)).ok
    await eventually(lambda: _ended_run_2(adapter), what="run #2 to end")
    assert (await adapter.read_log(job.id)).text == "second\n"
    assert (await adapter.read_log(job.id, LogCursor(position=0, run="2"))).text == "second\n"
    older = await adapter.read_log(job.id, LogCursor(position=0, run="1"))
    assert (older.text, older.complete) == ("first\n", True)
    followed = [chunk.text async for chunk in adapter.follow_log(job.id, LogCursor(position=0, run="1"))]
    assert "".join(followed) == "first\n"
    for missing in ("3", "one", "../1"):
        with pytest.raises(NotFound):
            await adapter.read_log(job.id, LogCursor(position=0, run=missing))


async def test_the_retry_confirmation_says_which_command_runs_where(
    adapter: LocalAdapter, spool: Path, tmp_path: Path
) -> None:
    run_to_end(spool, "sh", "-c", "exit 5", name="again", cwd=tmp_path)
    job = await only_job(adapter)
    text = adapter.confirm_text(Capability.RETRY, job) or ""
    assert "sh -c" in text and str(tmp_path.resolve()) in text and "new run" in text
    assert "SIGTERM" in (adapter.confirm_text(Capability.CANCEL, job) or "")


async def _ended_run_2(adapter: LocalAdapter) -> Job | None:
    job = await only_job(adapter)
    return job if job.detail.get("run") == 2 and job.state.is_terminal else None


async def test_retry_is_refused_while_the_job_runs(adapter: LocalAdapter, spool: Path) -> None:
    job_id = hand_made_job(spool, running_under_this_process())
    job = await adapter.get_job(job_id)
    assert adapter.why_not(Capability.RETRY, job) == "the job is still running"
    result = await adapter.retry(job_id)
    assert (result.ok, result.message) == (False, "the job is still running")


async def test_the_timeline_says_how_a_run_ended(adapter: LocalAdapter, spool: Path) -> None:
    run_to_end(spool, "sh", "-c", "exit 3")
    job = await only_job(adapter)
    timeline = await adapter.timeline(job.id)
    assert [event.state for event in timeline] == [JobState.PENDING, JobState.RUNNING, JobState.FAILED]
    assert timeline[-1].message == "exit code 3"
    assert timeline[-1].actor == "runner"


# -- cancel and supervision ----------------------------------------------


async def test_cancel_stops_a_sleeping_job_quickly_and_its_runner_exits(
    adapter: LocalAdapter,
    spool: Path,
    start_runner: Starter,
) -> None:
    runner = start_runner(spool, "sleep", "30")
    job = await eventually(lambda: job_in_state(adapter, JobState.RUNNING), what="the job to run")
    assert adapter.why_not(Capability.ARCHIVE, job) == "the job is still running"
    result = await adapter.cancel(job.id)
    assert result.ok and result.message.startswith("sent SIGTERM to sleep 30")
    assert await asyncio.to_thread(runner.wait, 10) == 128 + signal.SIGTERM
    job = await only_job(adapter)
    assert job.state is JobState.CANCELED
    timeline = await adapter.timeline(job.id)
    assert timeline[-1].message == "canceled from jobdeck (killed by SIGTERM, exit code 143)"
    assert any(event.raw_state == "cancel-requested" and event.actor == "jobdeck" for event in timeline)


async def test_cancel_of_an_ended_job_is_refused(adapter: LocalAdapter, spool: Path) -> None:
    job_id = hand_made_job(spool, exited(0))
    result = await adapter.cancel(job_id)
    assert (result.ok, result.message) == (False, "the job is not running (it succeeded)")


async def test_cancel_says_so_when_the_process_is_already_gone(adapter: LocalAdapter, spool: Path) -> None:
    finished = subprocess.Popen(["true"])
    finished.wait()  # its pid now names no process
    event = running_under_this_process().model_copy(update={"pid": finished.pid, "pgid": finished.pid})
    job_id = hand_made_job(spool, event)
    result = await adapter.cancel(job_id)
    assert (result.ok, result.message) == (
        False,
        f"the process of by hand (pid {finished.pid}) has already exited",
    )


async def test_a_vanished_supervisor_makes_the_job_unknown_and_cancel_cleans_up(
    adapter: LocalAdapter,
    spool: Path,
    start_runner: Starter,
) -> None:
    runner = start_runner(spool, "sleep", "30")
    job = await eventually(lambda: job_in_state(adapter, JobState.RUNNING), what="the job to run")
    child_pid = job.detail["pid"]
    runner.kill()
    await asyncio.to_thread(runner.wait, 10)
    job = await only_job(adapter)
    assert job.state is JobState.UNKNOWN
    assert job.error == f"the supervisor (pid {runner.pid}) is gone"
    assert (await adapter.read_log(job.id)).complete
    assert adapter.why_not(Capability.CANCEL, job) is None
    result = await adapter.cancel(job.id)
    assert result.ok, result.message
    await eventually(lambda: process_gone(child_pid), what="the orphan to die")
    assert (await only_job(adapter)).state is JobState.CANCELED


# -- archive --------------------------------------------------------------


async def test_archive_and_restore_round_trip(adapter: LocalAdapter, spool: Path) -> None:
    job_id = hand_made_job(spool, exited(0), log=b"kept\n")
    result = await adapter.archive(job_id)
    assert (result.ok, result.message) == (True, "archived by hand")
    job = await only_job(adapter)
    assert (job.archived, job.archived_by) == (True, "backend")
    assert (spool / ".archive" / job_id).is_dir() and not (spool / job_id).exists()
    assert (await adapter.read_log(job_id)).text == "kept\n"
    assert adapter.why_not(Capability.RETRY, job) == "the job is archived; restore it first"
    assert adapter.why_not(Capability.RESTORE, job) is None
    result = await adapter.restore(job_id)
    assert (result.ok, result.message) == (True, "restored by hand")
    job = await only_job(adapter)
    assert (job.archived, job.archived_by, job.state) == (False, None, JobState.SUCCEEDED)


async def test_a_running_job_is_not_archived(adapter: LocalAdapter, spool: Path) -> None:
    job_id = hand_made_job(spool, running_under_this_process())
    result = await adapter.archive(job_id)
    assert (result.ok, result.message) == (False, "the job is still running")
    assert (spool / job_id).is_dir()


# -- logs -----------------------------------------------------------------


async def test_read_log_resumes_by_offset_without_loss_or_repeat(adapter: LocalAdapter, spool: Path) -> None:
    snowman = "☃".encode()  # three bytes
    job_id = hand_made_job(spool, running_under_this_process(), log=b"line 1\n" + snowman[:1])
    first = await adapter.read_log(job_id)
    assert (first.text, first.offset, first.complete) == ("line 1\n", 7, False)
    append(spool, job_id, snowman[1:2])
    assert await adapter.read_log(job_id, first.offset) == LogChunk(text="", offset=7)
    append(spool, job_id, snowman[2:] + b" line 2\n\xff")
    second = await adapter.read_log(job_id, first.offset)
    assert (second.text, second.offset) == ("☃ line 2\n\ufffd", 19)
    with open(spool / job_id / "runs" / "1" / "events.jsonl", "ab") as handle:
        handle.write(exited(0).to_line())
    last = await adapter.read_log(job_id, second.offset)
    assert (last.text, last.offset, last.complete) == ("", 19, True)
    assert (await adapter.read_log(job_id)).text == first.text + second.text


async def test_an_incomplete_character_at_the_end_of_a_finished_log_is_shown_as_a_replacement(
    adapter: LocalAdapter, spool: Path
) -> None:
    job_id = hand_made_job(spool, exited(0), log=b"cut \xe2\x98")
    chunk = await adapter.read_log(job_id)
    assert (chunk.text, chunk.offset, chunk.complete) == ("cut \ufffd", 6, True)


@pytest.fixture(params=["inotify", "watchfiles"])
def watches(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The spool watched with inotify (Linux) or with watchfiles (elsewhere)."""
    from jobdeck import inotify_watch

    if request.param == "inotify" and not inotify_watch.available():
        pytest.skip("inotify is Linux's")
    if request.param == "watchfiles":
        monkeypatch.setattr(inotify_watch, "available", lambda: False)
    return request.param


async def test_follow_log_sees_lines_as_they_are_written_and_ends_with_the_run(
    watches: str,
    adapter: LocalAdapter,
    spool: Path,
    tmp_path: Path,
    start_runner: Starter,
) -> None:
    go = tmp_path / "go"
    script = f"echo one; while [ ! -e {go} ]; do sleep 0.02; done; echo two"
    runner = start_runner(spool, "sh", "-c", script)
    job = await eventually(lambda: job_in_state(adapter, JobState.RUNNING), what="the job to run")
    received: list[LogChunk] = []
    async with asyncio.timeout(15):
        async for chunk in adapter.follow_log(job.id):
            received.append(chunk)
            if chunk.text == "one\n":
                go.touch()
    assert "".join(chunk.text for chunk in received) == "one\ntwo\n"
    assert received[-1].complete and received[-1].offset == 8
    await asyncio.to_thread(runner.wait, 10)


async def test_a_broken_follow_resumes_from_its_last_offset(watches: str, adapter: LocalAdapter, spool: Path) -> None:
    job_id = hand_made_job(spool, running_under_this_process(), log=b"first\n")
    follower = adapter.follow_log(job_id)
    first = await anext(follower)
    await follower.aclose()  # the stream breaks here
    append(spool, job_id, b"second\n")
    with open(spool / job_id / "runs" / "1" / "events.jsonl", "ab") as handle:
        handle.write(exited(0).to_line())
    rest = [chunk async for chunk in adapter.follow_log(job_id, first.offset)]
    assert first.text + "".join(chunk.text for chunk in rest) == "first\nsecond\n"
    assert rest[-1].complete


# -- push -----------------------------------------------------------------


async def test_changes_yields_when_a_job_is_created_and_stops_when_cancelled(
    watches: str, adapter: LocalAdapter, spool: Path
) -> None:
    changes = adapter.changes()
    first = asyncio.ensure_future(anext(changes))
    made = 0
    # The watcher starts in the background: keep creating jobs until it sees one.
    async with asyncio.timeout(10):
        while not first.done():
            hand_made_job(spool, exited(0))
            made += 1
            await asyncio.wait({first}, timeout=0.2)
    assert first.result() is None
    second = asyncio.ensure_future(anext(changes))
    await asyncio.sleep(0)
    second.cancel()
    async with asyncio.timeout(2):
        with pytest.raises(asyncio.CancelledError):
            await second
    await changes.aclose()
    assert made >= 1


@pytest.mark.parametrize(
    ("path", "matters"),
    [
        ("/s/20260101-120000-abcd", True),
        ("/s/20260101-120000-abcd/spec.json", True),
        ("/s/20260101-120000-abcd/runs/1/events.jsonl", True),
        ("/s/.archive", True),
        ("/s/.archive/20260101-120000-abcd", True),
        ("/s/20260101-120000-abcd/runs/1/log", False),
        ("/s/20260101-120000-abcd/.spec.json.41.beef.tmp", False),
    ],
)
def test_only_changes_that_can_change_the_list_are_pushed(path: str, matters: bool) -> None:
    assert changes_the_list(Change.modified, path) is matters


def test_a_deck_loads_the_local_adapter_without_the_runner_or_the_watches() -> None:
    # Start-up time: the runner (``jobdeck run``'s supervisor) is needed only by a retry,
    # watchfiles and inotify (ctypes) only once a watch starts.
    probe = (
        "import sys, jobdeck.adapters.local\n"
        "print(sorted({'jobdeck.local.runner', 'watchfiles', 'jobdeck.inotify_watch', 'ctypes'}"
        " & set(sys.modules)))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=30, check=True)
    assert loaded.stdout.strip() == "[]"
