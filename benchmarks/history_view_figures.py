"""The history view's figures (issue 17), taken in the real deck, headless, over a history
file of 1,000,000 jobs (``history_store_file``: built once into ``.bench-cache/``).
Each clock starts at the key press and stops at the first frame that shows its result."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from jobdeck.clock import SystemClock
from jobdeck.config import Settings
from jobdeck.monitor import Monitor
from jobdeck.store.memory import MemoryStore
from jobdeck.ui.app import JobdeckApp
from jobdeck.ui.screens.history import HistoryScreen
from jobdeck.ui.widgets.history_list import HistoryList

from backend import BenchAdapter
from deck_figures import _TYPED
from frames import FrameProbe
from harness import SIZE, percentile, wait_until
from history_store_file import history_file

TARGETS: dict[str, tuple[float, str]] = {
    "history_1m_first_frame_s": (0.5, "s"),
    "history_1m_filter_p95_ms": (50, "ms"),
}

Result = tuple[float, str]
JOBS = 1_000_000


def _app(workdir: Path, path: Path) -> JobdeckApp:
    """The deck on a small live backend, its history the 1M-job file (read only by the view)."""
    clock = SystemClock()
    adapter = BenchAdapter.build("live", jobs=20)
    settings = Settings(backends=[adapter.settings])
    monitor = Monitor([adapter], clock=clock, store=MemoryStore(workdir))
    return JobdeckApp(settings, monitor, clock=clock, history_file=path)


def _settled(app: JobdeckApp) -> bool:
    return not any(w.group in ("history-page", "history-more") and not w.is_finished for w in app.workers)


async def first_frame(workdir: Path, quick: bool = False) -> Result:
    """``h`` pressed → the first frame showing the newest job of 1,000,000 stored."""
    path = history_file(JOBS)
    timings = []
    app = _app(workdir, path)
    probe = FrameProbe(app)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(1 if quick else 3):
            await pilot.pause(0.3)
            started = time.monotonic()
            await pilot.press("h")
            frame = await probe.wait_for("sync-999999", after=started)
            timings.append(frame.at - started)
            await pilot.pause(0.2)
            await pilot.press("escape")
    return statistics.median(timings), (
        f"{JOBS:,} jobs ({path.stat().st_size / 1e6:.0f} MB); "
        f"median of {len(timings)}, first {timings[0] * 1000:.0f} ms"
    )


async def filter_keystrokes(workdir: Path, quick: bool = False) -> Result:
    """A key typed in the history view's filter → the first frame showing the list filtered
    by it; p95 over the keys filter_100k_p95_ms types."""
    path = history_file(JOBS)
    app = _app(workdir, path)
    probe = FrameProbe(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("h")
        await probe.wait_for("sync-999999", after=0)
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        history = screen.query_one(HistoryList)
        await pilot.press("slash")
        await pilot.pause()
        latencies: list[float] = []
        for key in _TYPED:
            before = [entry.key for entry in history.entries[:30]]
            started = time.monotonic()
            await pilot.press(key)
            await wait_until(lambda: _settled(app), what="the search")
            await pilot.pause()
            after = [entry.key for entry in history.entries[:30]]
            if after != before and history.entries:
                needle = history.entries[0].job.name + "  "
            elif not history.entries and history.notice:
                needle = history.notice
            else:
                needle = ""  # the list is unchanged: the filter's echo is the repaint
            frame = await probe.wait_for(needle, after=started)
            latencies.append(frame.at - started)
            if os.environ.get("BENCH_VERBOSE"):
                text = screen.query_one("#history-filter").value  # type: ignore[attr-defined]
                print(f"  {key!r:>12} {text!r:>20} {len(history.entries):>5} {latencies[-1] * 1000:7.1f} ms")
    p95 = percentile(latencies, 0.95) * 1000
    return p95, (
        f"{len(latencies)} keys over {JOBS:,} jobs; median {statistics.median(latencies) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms"
    )


FIGURES = {"history_1m_first_frame_s": first_frame, "history_1m_filter_p95_ms": filter_keystrokes}
