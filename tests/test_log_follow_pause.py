"""A followed log is read again soon, but not back to back when reading it is costly: a log
whose every read takes the backend seconds (Airflow reads a whole task log per request, a
slow link) is read again after a few times that, never more than 30 s later."""

from __future__ import annotations

from datetime import timedelta

from jobdeck.adapters.base import follow_pause
from jobdeck.model import LogChunk, LogCursor

from fakes import FakeAdapter, RecordingClock, make_job


class SlowLog(FakeAdapter):
    """A log read in pieces, the n-th read taking ``costs[n]`` seconds of its clock."""

    costs: list[float]

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        assert isinstance(self.clock, RecordingClock)
        read = len(self.clock.slept)
        self.clock._now += timedelta(seconds=self.costs[read])
        return LogChunk(text=f"piece {read}\n", offset=read + 1, complete=read == len(self.costs) - 1)


async def test_a_costly_log_is_read_again_after_a_few_times_its_cost_a_cheap_one_every_second() -> None:
    clock = RecordingClock()
    adapter = SlowLog.build(name="slow", jobs=[make_job("1")], clock=clock)
    adapter.costs = [0.05, 6.0, 60.0, 0.1]
    pieces = [chunk.text async for chunk in adapter.follow_log("1")]
    assert pieces == ["piece 0\n", "piece 1\n", "piece 2\n", "piece 3\n"]
    assert clock.slept == [1.0, 24.0, 30.0]


def test_the_pause_is_the_poll_interval_for_a_quick_backend_and_never_longer_than_30_s() -> None:
    assert follow_pause(0.01, interval=0.2) == 0.2
    assert follow_pause(0.01, interval=5.0) == 1.0
    assert follow_pause(2.0, interval=5.0) == 8.0
    assert follow_pause(600.0, interval=5.0) == 30.0
