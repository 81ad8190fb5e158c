"""The real deck (JobdeckApp, DeckScreen, the real widgets and monitor), headless."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from textual.pilot import Pilot

from jobdeck.adapters.base import Adapter
from jobdeck.clock import SystemClock
from jobdeck.config import Settings
from jobdeck.monitor import Monitor
from jobdeck.store.base import Store
from jobdeck.store.memory import MemoryStore
from jobdeck.ui.app import JobdeckApp

from frames import FrameProbe

#: The terminal the figures are taken at (the size of the style guide's DataTable timings).
SIZE = (120, 40)


@asynccontextmanager
async def running_deck(
    adapters: Sequence[Adapter], workdir: Path, *, log_lines: int = 10_000, store: Store | None = None
) -> AsyncIterator[tuple[JobdeckApp, Pilot[int], FrameProbe]]:
    """The deck on ``adapters``, running headless, with a frame probe installed; its store
    ``store`` (the history's, say), else jobdeck's files in ``workdir`` without history."""
    clock = SystemClock()
    settings = Settings(backends=[adapter.settings for adapter in adapters], log_lines=log_lines)
    monitor = Monitor(
        list(adapters),
        clock=clock,
        store=store if store is not None else MemoryStore(workdir),
    )
    app = JobdeckApp(settings, monitor, clock=clock)
    probe = FrameProbe(app)
    async with app.run_test(size=SIZE) as pilot:
        yield app, pilot, probe


async def wait_until(predicate: Callable[[], bool], *, timeout: float = 60.0, what: str = "condition") -> None:
    """Poll ``predicate`` (bounded) while the app keeps running."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.005)


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` percentile (0-1), nearest-rank: the value at or below which that share lies."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, int(-(-share * len(ordered) // 1)) - 1))
    return ordered[rank]


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB."""
    found: dict[str, float] = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) / 1024
    return found.get("VmRSS", 0.0), found.get("VmHWM", 0.0)
