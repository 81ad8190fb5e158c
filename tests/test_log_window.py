"""b in the log pane: the window of lines before the first one shown, read a bounded window at a time."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fakes import FakeAdapter, make_job, make_monitor

from jobdeck.clock import FrozenClock
from jobdeck.errors import NotFound
from jobdeck.model import JobRef
from jobdeck.monitor import Monitor
from jobdeck.ui.panes.log_window import LogWindowReader

REF = JobRef(backend="fake", id="1")
LOG = "".join(f"line {n:03d}\n" for n in range(100))  # 9 bytes a line


def at(line: int) -> int:
    """The byte offset where ``line`` begins."""
    return LOG.encode().index(f"line {line:03d}".encode())


def numbers(text: str) -> list[int]:
    return [int(line.split()[1]) for line in text.splitlines()]


@dataclass
class Shown:
    """The log pane, as the reader sees it."""

    start_offset: int
    max_lines: int = 10
    line_count: int = 10
    dropped_lines: int = 0


@pytest.fixture
def adapter() -> FakeAdapter:
    fake = FakeAdapter.build("fake", jobs=[make_job("1")])
    fake.set_log("1", LOG)
    return fake


@pytest.fixture
def monitor(tmp_path, adapter) -> Monitor:
    return make_monitor(tmp_path, [adapter], clock=FrozenClock())


async def test_the_window_is_the_pane_full_of_lines_before_the_first_one_shown(monitor) -> None:
    window = await LogWindowReader(max_bytes=1 << 20).earlier(monitor, REF, Shown(start_offset=at(50)))
    assert window is not None
    assert numbers(window.text) == list(range(40, 50))
    assert (window.start, window.end) == (at(40), at(50))


async def test_a_window_near_the_start_holds_what_there_is(monitor) -> None:
    window = await LogWindowReader(max_bytes=1 << 20).earlier(monitor, REF, Shown(start_offset=at(4)))
    assert window is not None and numbers(window.text) == [0, 1, 2, 3]


async def test_a_pane_that_dropped_lines_counts_back_from_where_the_log_was_followed_to(monitor) -> None:
    # Opened at line 55, followed to line 80 keeping 20 lines: the first kept is line 60.
    reader = LogWindowReader(max_bytes=1 << 20)
    reader.followed_to = at(80)
    window = await reader.earlier(monitor, REF, Shown(start_offset=at(55), line_count=20, dropped_lines=5))
    assert window is not None
    assert numbers(window.text) == list(range(50, 60)) and window.end == at(60)


async def test_when_line_starts_are_unknown_no_more_than_max_bytes_are_read(monitor, adapter) -> None:
    async def unknown(job_id: str, lines: int, before: int | None = None) -> int:
        return 0  # this backend cannot tell where earlier lines begin

    adapter.log_tail_offset = unknown  # type: ignore[method-assign]
    window = await LogWindowReader(max_bytes=27).earlier(monitor, REF, Shown(start_offset=at(50)))
    assert window is not None
    assert (window.start, window.end) == (at(47), at(50)) and numbers(window.text) == [47, 48, 49]


async def test_there_is_no_window_before_the_start_of_the_log(monitor) -> None:
    assert await LogWindowReader(max_bytes=1 << 20).earlier(monitor, REF, Shown(start_offset=0)) is None


async def test_a_log_that_cannot_be_read_raises_the_adapter_error(monitor) -> None:
    with pytest.raises(NotFound):
        await LogWindowReader(max_bytes=1 << 20).earlier(
            monitor, JobRef(backend="fake", id="nope"), Shown(start_offset=at(50))
        )
