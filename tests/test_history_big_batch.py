"""A huge backend's first listing is recorded a moment after it came, not at once: writing
a million rows would take the interpreter from the deck while it draws those very jobs.
Nothing is lost by the wait."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import make_job

from jobdeck.clock import FrozenClock
from jobdeck.store.sqlite import FILE_NAME, HistoryReader
from jobdeck.store.sqlite import writer as writer_module
from jobdeck.store.sqlite.schema import open_or_set_aside
from jobdeck.store.sqlite.writer import BIG_BATCH_WAIT, HistoryWriter


def _listing(clock: FrozenClock, first: int, count: int) -> writer_module.Record:
    jobs = tuple(make_job(str(number)) for number in range(first, first + count))
    return ("fake", clock.now(), jobs, (), (), (), True, frozenset())


def _stored(folder: Path) -> int:
    reader = HistoryReader(folder / FILE_NAME)
    try:
        return len(list(reader.jobs()))
    finally:
        reader.close()


@pytest.fixture
def small_big_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer_module, "BIG_BATCH", 5)


@pytest.mark.usefixtures("small_big_batch")
def test_a_listing_of_many_new_jobs_is_written_after_a_pause_and_a_small_one_at_once(tmp_path: Path) -> None:
    clock = FrozenClock()
    slept: list[float] = []
    connection, _ = open_or_set_aside(tmp_path / FILE_NAME, clock.now)
    writer = HistoryWriter(connection, tmp_path / FILE_NAME, clock=clock, keep_days=30, sleep=slept.append)
    try:
        writer.put(_listing(clock, 0, 2))
        assert writer.flush(timeout=30)
        assert slept == []
        writer.put(_listing(clock, 2, 6))
        assert writer.flush(timeout=30)
        assert slept == [BIG_BATCH_WAIT]
    finally:
        writer.close(timeout=30)
    assert _stored(tmp_path) == 8


@pytest.mark.usefixtures("small_big_batch")
def test_a_writer_closed_while_it_waits_before_a_big_listing_writes_it_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wait is for the deck drawing the jobs: a deck that closes (or ``jobdeck ls``,
    done after one poll) ends it, and the listing is written within close's time."""
    monkeypatch.setattr(writer_module, "BIG_BATCH_WAIT", 3600.0)
    clock = FrozenClock()
    connection, _ = open_or_set_aside(tmp_path / FILE_NAME, clock.now)
    writer = HistoryWriter(connection, tmp_path / FILE_NAME, clock=clock, keep_days=30)
    writer.put(_listing(clock, 0, 6))
    assert not writer.flush(timeout=0.5)  # waiting before the big listing
    writer.close(timeout=60)
    assert writer.warnings() == []
    assert _stored(tmp_path) == 6
