"""A poll of a spool where nothing happened reads nothing: the spool's watch saw no change
and every running job's supervisor is watched for its end (a pidfd on the event loop), so
the jobs are the last poll's. Anything that happens is seen at the next poll: a file
written, a supervisor killed (which writes nothing), a refresh asked for."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from local_watching import count_reads, quiet_poll, until, watching

from jobdeck import inotify_watch
from jobdeck.adapters.local import LocalAdapter, LocalSettings
from jobdeck.adapters.local import supervisor_ends
from jobdeck.clock import FrozenClock
from jobdeck.model import JobState

pytestmark = pytest.mark.skipif(
    not (inotify_watch.available() and supervisor_ends.available()), reason="inotify and pidfds are Linux's"
)


@pytest.fixture
async def watched(tmp_path: Path):
    """A local adapter on an empty spool, its watch of the spool running, and the count of
    the polls that read the spool."""
    spool = tmp_path / "spool"
    spool.mkdir()
    adapter = LocalAdapter(LocalSettings(spool=spool), clock=FrozenClock())
    reads = count_reads(adapter)
    async with watching(adapter):
        yield adapter, spool, reads


async def running(adapter: LocalAdapter) -> bool:
    jobs = await adapter.list_jobs()
    return bool(jobs) and jobs[0].state is JobState.RUNNING


async def test_polls_of_a_spool_where_nothing_happens_read_nothing(watched, start_runner) -> None:
    adapter, spool, reads = watched
    start_runner(spool, "sleep", "30")
    await until(lambda: running(adapter), "the job to run")
    await until(lambda: quiet_poll(adapter, reads), "a poll that reads nothing")
    jobs = await adapter.list_jobs()
    for _ in range(5):
        assert await quiet_poll(adapter, reads)
    assert await adapter.list_jobs() == jobs


async def test_a_file_written_is_read_at_the_next_poll(watched, start_runner) -> None:
    adapter, spool, reads = watched
    start_runner(spool, "sleep", "30")
    await until(lambda: running(adapter), "the job to run")
    await until(lambda: quiet_poll(adapter, reads), "a poll that reads nothing")
    [job] = await adapter.list_jobs()
    folder = spool / job.id
    (folder / "runs" / "1" / "progress.json").write_text('{"at": "2026-12-08T00:00:00Z", "progress": 40}')

    async def progress_shown() -> bool:
        [job] = await adapter.list_jobs()
        return job.progress == 40.0

    await until(progress_shown, "the progress to show")


async def test_a_killed_supervisor_is_seen_at_the_next_poll_though_it_writes_nothing(watched, start_runner) -> None:
    adapter, spool, reads = watched
    runner = start_runner(spool, "sleep", "30")
    await until(lambda: running(adapter), "the job to run")
    await until(lambda: quiet_poll(adapter, reads), "a poll that reads nothing")
    runner.kill()
    await asyncio.to_thread(runner.wait, 10)
    await asyncio.sleep(0.05)  # the loop hears the pidfd
    [job] = await adapter.list_jobs()
    assert job.state is JobState.UNKNOWN
    assert job.error == f"the supervisor (pid {runner.pid}) is gone"


async def test_a_refresh_reads_the_spool(watched, start_runner) -> None:
    adapter, spool, reads = watched
    start_runner(spool, "sleep", "30")
    await until(lambda: running(adapter), "the job to run")
    await until(lambda: quiet_poll(adapter, reads), "a poll that reads nothing")
    adapter.forget_cached()
    assert not await quiet_poll(adapter, reads)


async def test_without_a_watch_every_poll_reads(tmp_path: Path, start_runner) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    adapter = LocalAdapter(LocalSettings(spool=spool), clock=FrozenClock())
    start_runner(spool, "sleep", "30")
    await until(lambda: running(adapter), "the job to run")
    calls = [0]
    read = adapter._list_jobs
    adapter._list_jobs = lambda: (calls.__setitem__(0, calls[0] + 1), read())[1]
    for _ in range(3):
        await adapter.list_jobs()
    assert calls[0] == 3
    await adapter.close()


async def test_a_refresh_reads_what_no_watch_told_of(watched, start_runner, monkeypatch) -> None:
    adapter, spool, reads = watched
    start_runner(spool, "sleep", "30")
    await until(lambda: running(adapter), "the job to run")
    await until(lambda: quiet_poll(adapter, reads), "a poll that reads nothing")
    # Another machine writes to a spool on a network filesystem: no watch here hears of it.
    monkeypatch.setattr(adapter._index, "note_changed", lambda paths: None)
    finished = await asyncio.to_thread(run_elsewhere, spool)
    assert finished not in {job.id for job in await adapter.list_jobs()}
    monkeypatch.undo()
    adapter.forget_cached()
    assert finished in {job.id for job in await adapter.list_jobs()}


def run_elsewhere(spool: Path) -> str:
    """A job run to its end in ``spool`` by another `jobdeck run`; its id."""
    import subprocess
    import sys

    before = {path.name for path in spool.iterdir()}
    subprocess.run(
        [sys.executable, "-m", "jobdeck.local.runner", "run", "--spool", str(spool), "--no-echo", "--", "true"],
        check=True, capture_output=True, timeout=60,
    )
    [made] = {path.name for path in spool.iterdir()} - before
    return made
