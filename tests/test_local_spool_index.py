"""A spool's job list between polls: while a watcher reports changes, a poll reads only
the job folders it named (and the jobs still active); otherwise the whole spool."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from jobdeck.adapters.local import LocalAdapter, LocalSettings
from jobdeck.clock import FrozenClock
from jobdeck.local.records import RunEvent
from jobdeck.local.spool import Spool
from jobdeck.local import spool_index
from jobdeck.local.spool_index import FULL_SCAN_EVERY, RECHECK_SHARE, WATCH_SETTLE, SpoolIndex
from jobdeck.model import JobState

from test_local_adapter import exited, hand_made_job, running_under_this_process


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    folder = tmp_path / "spool"
    folder.mkdir()
    return folder


def rewrite_last_event(spool: Path, job_id: str, event: RunEvent) -> None:
    """Change a finished job on disk behind any watcher's back."""
    (spool / job_id / "runs" / "1" / "events.jsonl").write_bytes(event.to_line())


def states(records: list) -> dict[str, JobState]:
    return {record.id: record.state for record in records}


def watched_index(spool: Path, ticks: Ticks) -> SpoolIndex:
    """An index whose watcher started and whose whole read since counts."""
    index = SpoolIndex(Spool(spool), clock=ticks)
    index.watching(True)
    ticks.now += WATCH_SETTLE + 0.1
    index.scan()
    return index


def test_without_a_watcher_every_poll_reads_the_whole_spool(spool: Path) -> None:
    job = hand_made_job(spool, exited(0))
    index = SpoolIndex(Spool(spool))
    assert states(index.scan()) == {job: JobState.SUCCEEDED}
    rewrite_last_event(spool, job, exited(3))
    assert states(index.scan()) == {job: JobState.FAILED}


def test_while_watched_a_poll_reads_only_the_folders_the_watcher_named(spool: Path) -> None:
    ticks = Ticks()
    named, unnamed = hand_made_job(spool, exited(0)), hand_made_job(spool, exited(0))
    index = watched_index(spool, ticks)
    rewrite_last_event(spool, named, exited(3))
    rewrite_last_event(spool, unnamed, exited(4))
    index.note_changed([str(spool / named / "runs" / "1" / "events.jsonl")])
    assert states(index.scan()) == {named: JobState.FAILED, unnamed: JobState.SUCCEEDED}


def test_new_archived_and_removed_jobs_are_seen_from_the_watchers_paths(spool: Path) -> None:
    ticks = Ticks()
    kept, archived, removed = (hand_made_job(spool, exited(0)) for _ in range(3))
    index = watched_index(spool, ticks)
    Spool(spool).archive(archived)
    for name in os.listdir(spool / removed / "runs" / "1"):
        os.remove(spool / removed / "runs" / "1" / name)
    os.rmdir(spool / removed / "runs" / "1")
    os.rmdir(spool / removed / "runs")
    os.remove(spool / removed / "spec.json")
    os.rmdir(spool / removed)
    new = hand_made_job(spool, exited(1))
    index.note_changed(
        [str(spool / archived), str(spool / ".archive" / archived), str(spool / removed), str(spool / new / "spec.json"), str(spool / new)]
    )
    records = index.scan()
    # Live jobs first (by id), then the archived ones.
    assert [(record.id, record.archived) for record in records] == [*sorted([(kept, False), (new, False)]), (archived, True)]
    assert states(records)[new] is JobState.FAILED


def test_an_active_job_is_read_every_poll_even_when_nothing_was_named(spool: Path) -> None:
    ticks = Ticks()
    job = hand_made_job(spool, running_under_this_process())
    index = watched_index(spool, ticks)
    assert states(index.scan()) == {job: JobState.RUNNING}
    with open(spool / job / "runs" / "1" / "events.jsonl", "ab") as events:
        events.write(exited(0).to_line())
    assert states(index.scan()) == {job: JobState.SUCCEEDED}


@pytest.mark.parametrize("why", ["the watcher just started", "a long while passed", "a path outside any job"])
def test_the_whole_spool_is_read_when_the_watcher_may_have_missed_a_change(spool: Path, why: str) -> None:
    ticks = Ticks()
    job = hand_made_job(spool, exited(0))
    index = SpoolIndex(Spool(spool), clock=ticks)
    index.scan()  # before any watcher
    if why == "the watcher just started":
        index.watching(True)
    else:
        index = watched_index(spool, ticks)
        if why == "a long while passed":
            ticks.now += FULL_SCAN_EVERY + 1
        else:
            index.note_changed([str(spool)])
    rewrite_last_event(spool, job, exited(3))
    assert states(index.scan()) == {job: JobState.FAILED}


async def test_the_adapter_lists_a_job_the_watcher_saw_arrive(spool: Path) -> None:
    adapter = LocalAdapter(LocalSettings(spool=spool), clock=FrozenClock())
    first = hand_made_job(spool, exited(0))
    changes = adapter.changes()
    seen = asyncio.ensure_future(anext(changes))
    made = [first]
    try:
        async with asyncio.timeout(10):
            # The watcher starts in the background: keep adding jobs until it reports one.
            while not seen.done():
                made.append(hand_made_job(spool, exited(0)))
                await asyncio.wait({seen}, timeout=0.2)
            await asyncio.sleep(WATCH_SETTLE + 0.1)
            await adapter.list_jobs()  # the whole read that counts, with the watcher on
            made.append(hand_made_job(spool, exited(2)))
            listed: set[str] = set()
            while set(made) - listed:
                nxt = asyncio.ensure_future(anext(changes))
                await asyncio.wait({nxt}, timeout=0.5)
                if not nxt.done():
                    nxt.cancel()
                listed = {job.id for job in await adapter.list_jobs()}
    finally:
        await changes.aclose()
    assert listed == set(made)


def test_watching_the_spool_folder_only_every_finished_job_is_read_again_in_turn(spool: Path) -> None:
    ticks = Ticks()
    jobs = [hand_made_job(spool, exited(0)) for _ in range(3)]
    index = SpoolIndex(Spool(spool), clock=ticks)
    index.watching(True, inside=False)
    ticks.now += WATCH_SETTLE + 0.1
    index.scan()
    for job in jobs:
        rewrite_last_event(spool, job, exited(5))  # a change the watcher of the spool folder cannot see
    polls = 0
    while set(states(index.scan()).values()) != {JobState.FAILED}:
        polls += 1
        assert polls <= round(1 / RECHECK_SHARE), "some finished job was never read again"


def test_a_big_spool_is_watched_at_its_folder_only(spool: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = SpoolIndex(Spool(spool))
    for _ in range(3):
        hand_made_job(spool, exited(0))
    index.scan()
    assert index.watch_inside
    monkeypatch.setattr(spool_index, "WATCH_EVERY_FOLDER_UP_TO", 2)
    assert not index.watch_inside


async def test_a_new_run_of_a_finished_job_in_a_big_spool_is_seen_by_the_watcher(
    spool: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spool_index, "WATCH_EVERY_FOLDER_UP_TO", 0)  # watch the spool folder only
    monkeypatch.setattr(spool_index, "RECHECK_SHARE", 0)  # and re-read nothing in turn
    adapter = LocalAdapter(LocalSettings(spool=spool), clock=FrozenClock())
    job = hand_made_job(spool, exited(0))
    await adapter.list_jobs()
    changes = adapter.changes()
    try:
        async with asyncio.timeout(10):
            first = asyncio.ensure_future(anext(changes))
            while not first.done():  # the watcher starts in the background
                hand_made_job(spool, exited(0))
                await asyncio.wait({first}, timeout=0.2)
            await asyncio.sleep(WATCH_SETTLE + 0.1)
            await adapter.list_jobs()  # the whole read that counts, with the watcher on
            store = Spool(spool)
            _, run = store.create_run(store.live_folder(job))  # a rerun, as another deck starts it
            store.append_event(run, exited(7))
            await anext(changes)
            listed = {item.id: item for item in await adapter.list_jobs()}
    finally:
        await changes.aclose()
    assert listed[job].state is JobState.FAILED
    assert listed[job].detail["runs"] == 2
