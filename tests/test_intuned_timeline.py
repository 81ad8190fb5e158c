"""The Intuned timeline through the monitor: each transition once, however many saw it."""

from __future__ import annotations

from collections import Counter

import pytest
from test_intuned_adapter import KEY_ENV, make_adapter, new_monitor

from jobdeck.emulators.core import SimClock
from jobdeck.emulators.intuned import DEFAULT_API_KEY, IntunedEmulator
from jobdeck.model import JobRef, JobState


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, DEFAULT_API_KEY)


async def test_a_run_finishing_between_polls_shows_its_start_and_finish_once_each(tmp_path):
    emulator = IntunedEmulator(seed=11, clock=SimClock(speed=0))
    adapter = make_adapter(emulator)
    await adapter.open()
    monitor = new_monitor(adapter, tmp_path, adapter.clock)
    ref = JobRef(backend="shop", id="catalog-sync")
    seen: list[JobState] = []
    try:
        # Both the adapter (run status changes) and the monitor (job state changes) observe the run.
        for _ in range(60):
            await monitor.poll_once()
            seen.append(next(job.state for job in monitor.jobs() if job.ref == ref))
            if seen[-1].is_terminal and any(state.is_active for state in seen):
                break
            emulator.advance(2)
        assert seen[-1] is JobState.SUCCEEDED and any(state.is_active for state in seen)
        events = await monitor.timeline(ref)
    finally:
        await monitor.stop()
        await adapter.close()
    last_start = max(index for index, event in enumerate(events) if "started" in (event.message or ""))
    last_run = events[last_start:]
    # The backend's own start and end of the run; nothing jobdeck observed repeats them.
    assert [(event.state, event.observed) for event in last_run] == [
        (JobState.RUNNING, False),
        (JobState.SUCCEEDED, False),
    ], [(event.at, event.state, event.raw_state, event.message) for event in last_run]
    times = Counter(event.at for event in events)
    assert all(count == 1 for count in times.values())
