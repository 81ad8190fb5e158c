"""Reading an earlier window of a job's log through the monitor."""

from __future__ import annotations

import pytest
from fakes import FakeAdapter, make_job, make_monitor

from jobdeck.clock import FrozenClock
from jobdeck.errors import NotFound
from jobdeck.model import JobRef

REF = JobRef(backend="fake", id="1")
LOG = "".join(f"line {n:03d} é\n" for n in range(100))  # two bytes in "é": offsets are bytes


@pytest.fixture
def adapter() -> FakeAdapter:
    fake = FakeAdapter.build("fake", jobs=[make_job("1")])
    fake.set_log("1", LOG)
    return fake


@pytest.mark.parametrize("read_limit", [None, 7, 64])
async def test_read_log_between_gives_exactly_the_bytes_asked_for(tmp_path, adapter, read_limit) -> None:
    adapter.log_read_limit = read_limit
    monitor = make_monitor(tmp_path, [adapter], clock=FrozenClock())
    data = LOG.encode()
    start, end = data.index(b"line 010"), data.index(b"line 020")
    text = await monitor.read_log_between(REF, start, end)
    assert text == data[start:end].decode()
    assert text.splitlines()[0].startswith("line 010") and text.splitlines()[-1].startswith("line 019")


async def test_the_window_before_an_offset_is_found_with_the_tail_offset(tmp_path, adapter) -> None:
    monitor = make_monitor(tmp_path, [adapter], clock=FrozenClock())
    data = LOG.encode()
    before = data.index(b"line 050")
    start = await monitor.log_tail_offset(REF, 10, before=before)
    text = await monitor.read_log_between(REF, start, before)
    assert [line[:8] for line in text.splitlines()] == [f"line {n:03d}" for n in range(40, 50)]


async def test_a_log_that_cannot_be_read_raises_an_adapter_error(tmp_path) -> None:
    monitor = make_monitor(tmp_path, [FakeAdapter.build("fake")], clock=FrozenClock())
    with pytest.raises(NotFound):
        await monitor.read_log_between(JobRef(backend="fake", id="nope"), 0, 100)
