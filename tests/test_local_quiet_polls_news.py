"""While a spool's polls read nothing (its watch quiet, every running job's supervisor
watched: tests/test_local_quiet_polls.py), whatever happens through jobdeck reaches the
next polls: a job started, a job ending, archived, restored, retried."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from local_watching import count_reads, quiet_poll, until, watching

from jobdeck import inotify_watch
from jobdeck.adapters.local import LocalAdapter, LocalSettings, supervisor_ends
from jobdeck.clock import FrozenClock
from jobdeck.model import JobState

pytestmark = pytest.mark.skipif(
    not (inotify_watch.available() and supervisor_ends.available()), reason="inotify and pidfds are Linux's"
)


@pytest.fixture
async def quiet(tmp_path: Path, start_runner):
    """A local adapter watching its spool, one job running there, and its polls quiet."""
    spool = tmp_path / "spool"
    spool.mkdir()
    adapter = LocalAdapter(LocalSettings(spool=spool), clock=FrozenClock())
    reads = count_reads(adapter)
    async with watching(adapter):
        start_runner(spool, "sleep", "30")
        await until(lambda: _states(adapter, [JobState.RUNNING]), "the job to run")
        await until(lambda: quiet_poll(adapter, reads), "a poll that reads nothing")
        yield adapter, spool, start_runner


async def _states(adapter: LocalAdapter, states: list[JobState], *, archived: bool = False) -> bool:
    jobs = sorted((job for job in await adapter.list_jobs() if job.archived is archived), key=lambda job: job.created)
    return [job.state for job in jobs] == states




async def a_failed_job(adapter: LocalAdapter, spool: Path, start_runner):
    """A job run to its failure beside the running one, as the polls show it."""
    start_runner(spool, "false")
    await until(lambda: _states(adapter, [JobState.RUNNING, JobState.FAILED]), "the failed job")
    return next(job for job in await adapter.list_jobs() if job.state is JobState.FAILED)


async def test_a_job_started_shows(quiet) -> None:
    adapter, spool, start_runner = quiet
    start_runner(spool, "true")
    await until(lambda: _states(adapter, [JobState.RUNNING, JobState.SUCCEEDED]), "the new job")


async def test_a_job_ending_shows_ended(quiet) -> None:
    adapter, spool, start_runner = quiet
    [job] = await adapter.list_jobs()
    assert (await adapter.cancel(job.id)).ok
    await until(lambda: _states(adapter, [JobState.CANCELED]), "the job canceled")


async def test_a_job_archived_restored_and_retried_shows_each_time(quiet) -> None:
    adapter, spool, start_runner = quiet
    failed = await a_failed_job(adapter, spool, start_runner)
    assert (await adapter.archive(failed.id)).ok
    await until(lambda: _states(adapter, [JobState.FAILED], archived=True), "the job archived")
    assert await _states(adapter, [JobState.RUNNING])
    assert (await adapter.restore(failed.id)).ok
    await until(lambda: _states(adapter, [JobState.RUNNING, JobState.FAILED]), "the job restored")
    assert (await adapter.retry(failed.id)).ok

    async def run_twice() -> bool:
        jobs = {job.id: job for job in await adapter.list_jobs()}
        return jobs[failed.id].detail["runs"] == 2 and jobs[failed.id].state is JobState.FAILED

    await until(run_twice, "the job's second run, failed as the first")


async def test_an_archive_shows_at_the_very_next_poll(quiet) -> None:
    adapter, spool, start_runner = quiet
    failed = await a_failed_job(adapter, spool, start_runner)
    assert (await adapter.archive(failed.id)).ok
    # (the refresh an action asks for reads the job: no wait for the watch's batch)
    assert await _states(adapter, [JobState.FAILED], archived=True)


async def test_with_more_supervisors_than_it_watches_polls_read_the_running_jobs(
    quiet, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter, spool, start_runner = quiet
    monkeypatch.setattr(supervisor_ends, "MOST_WATCHED", 1)
    start_runner(spool, "sleep", "30")
    await until(lambda: _states(adapter, [JobState.RUNNING, JobState.RUNNING]), "two jobs running")
    calls = count_reads(adapter)
    for _ in range(3):
        await adapter.list_jobs()
    assert calls[0] == 3


async def test_out_of_inotify_watches_the_spool_folder_alone_is_watched(tmp_path: Path, monkeypatch) -> None:
    import errno

    from jobdeck.adapters.local import watching

    spool = tmp_path / "spool"
    spool.mkdir()
    adapter = LocalAdapter(LocalSettings(spool=spool), clock=FrozenClock())
    asked: list[bool] = []
    real = watching.list_changes

    async def limited(folder, *, inside, started):
        asked.append(inside)
        if inside:
            raise OSError(errno.ENOSPC, "No space left on device")
        async for batch in real(folder, inside=inside, started=started):
            yield batch

    monkeypatch.setattr(watching, "list_changes", limited)
    changes = adapter.changes()
    first = asyncio.ensure_future(anext(changes))
    try:
        async with asyncio.timeout(10):
            while not first.done():
                (spool / f"job-{len(asked)}-{time.monotonic_ns()}").mkdir()
                await asyncio.wait({first}, timeout=0.2)
        assert asked == [True, False]
    finally:
        first.cancel()
        await changes.aclose()
        await adapter.close()
