"""Quitting while finished jobs' log tails are being read: the tails are given up before the
adapters close, so no read reaches a closed backend (a real client then refuses: "Cannot send a
request, as the client has been closed"), and quitting logs no error."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from fakes import FakeAdapter, make_job, settle, wait_until

from jobdeck.clock import FrozenClock
from jobdeck.model import JobState, LogChunk, LogCursor
from jobdeck.monitor import Monitor
from jobdeck.store import MemoryStore


class ClosingAdapter(FakeAdapter):
    """A backend whose log reads wait until told to answer (or until it closes), and which
    refuses any read once closed, as an HTTP client does."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.answer = asyncio.Event()
        self.closed = False
        self.reads_after_close = 0

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        await self.answer.wait()
        if self.closed:
            self.reads_after_close += 1
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        return await super().read_log(job_id, cursor)

    async def close(self) -> None:
        self.closed = True
        self.answer.set()  # a read in flight ends when its client closes
        await super().close()


async def test_a_deck_quitting_while_tails_are_read_gives_them_up_before_the_adapters_close(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FrozenClock()
    jobs = [make_job(str(n), JobState.RUNNING, created=clock.now()) for n in range(4)]
    adapter = ClosingAdapter.build(jobs=jobs)
    for job in jobs:
        adapter.set_log(job.id, f"log of {job.id}\n")
    monitor = Monitor([adapter], clock=clock, store=MemoryStore(tmp_path), log_tail_bytes=1024)
    await monitor.poll_once()
    for job in jobs:  # four jobs finish: two tails are being read, two wait their turn
        adapter.update_job(job.id, state=JobState.FAILED, raw_state="failed", ended=clock.now())
    await monitor.poll_once()
    running = asyncio.create_task(monitor.run())
    await wait_until(lambda: adapter.count("open") >= 1, what="the monitor running")
    await settle()

    caplog.set_level(logging.DEBUG)
    running.cancel()  # what quitting the deck does to the monitor's worker
    with pytest.raises(asyncio.CancelledError):
        await running
    await monitor.stop()  # the deck's unmount, after

    assert adapter.closed
    assert adapter.reads_after_close == 0
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []


async def test_a_one_shot_command_still_waits_for_the_tails_before_closing(tmp_path: Path) -> None:
    clock = FrozenClock()
    adapter = ClosingAdapter.build(jobs=[make_job("1", JobState.RUNNING, created=clock.now())])
    adapter.set_log("1", "the end\n")
    adapter.answer.set()
    store = MemoryStore(tmp_path)
    kept: list[str] = []
    store.record_log_tail = lambda ref, created, text: kept.append(text)  # type: ignore[method-assign]
    monitor = Monitor([adapter], clock=clock, store=store, log_tail_bytes=1024)
    await monitor.poll_once()
    adapter.update_job("1", state=JobState.SUCCEEDED, raw_state="done", ended=clock.now())
    await monitor.poll_once()
    await monitor.stop()
    assert kept == ["the end\n"] and adapter.reads_after_close == 0
