"""Figures taken inside a headless deck. Each returns (value, details for the table).

Every clock starts where the user's wait starts (data handed back by the
backend, a key pressed, a line written) and stops at the first frame that
shows the result (``FrameProbe``), so Textual's own frame pacing counts.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from jobdeck.clock import SystemClock
from jobdeck.query import sort_jobs
from jobdeck.store.sqlite import HistoryStore
from jobdeck.ui.widgets.job_list import JobList
from jobdeck.ui.widgets.log_view import LogView

from backend import BenchAdapter
from datafiles import big_log, line_tag, lines_log
from harness import percentile, rss_mb, running_deck, wait_until

Result = tuple[float, str]

WRITER = Path(__file__).resolve().parent / "log_writer.py"


def _top_name(adapter: BenchAdapter) -> str:
    """The name the first row shows under the default sort, with the cell's padding."""
    return sort_jobs([job for job in adapter.jobs if not job.archived], "recent")[0].name + " "


async def list_first_frame(workdir: Path, jobs: int = 100_000) -> Result:
    """Data in hand (the backend's listing returned) → first frame showing the jobs. History
    on, as a user runs it (its writer's thread records the listing meanwhile)."""
    adapter = BenchAdapter.build("big", jobs=jobs)
    adapter.gate = asyncio.Event()
    needle = _top_name(adapter)
    history = HistoryStore(workdir, clock=SystemClock())
    async with running_deck([adapter], workdir, store=history) as (app, pilot, probe):
        await wait_until(lambda: adapter.list_calls >= 1 and bool(probe.frames), what="the empty deck")
        await pilot.pause()
        adapter.gate.set()
        await wait_until(lambda: adapter.listed_at > 0, what="the listing")
        listed_at, listed_cpu = adapter.listed_at, adapter.listed_cpu
        frame = await probe.wait_for(needle, after=listed_at)
        title = f"Jobs {jobs}/{jobs}"
        assert any(title in f.text for f in probe.frames if f.at <= frame.at), "the title lags the rows"
        seconds = frame.at - listed_at
        cpu = frame.cpu - listed_cpu
    return seconds, f"{jobs:,} jobs, history on; UI thread busy {cpu * 1000:.0f} ms of it"


#: Filters a user types, key by key; "backspace" keys undo.
_TYPED = [
    *"train", *["backspace"] * 5,
    *"state:fail", *["backspace"] * 10,
    *"m-07", "space", *"deploy", *["backspace"] * 11,
    *"-state:succeeded", *["backspace"] * 16,
]


async def filter_keystrokes(workdir: Path, jobs: int = 100_000) -> Result:
    """A key typed in the filter → first frame showing the list filtered by it; p95."""
    adapter = BenchAdapter.build("big", jobs=jobs)
    async with running_deck([adapter], workdir) as (app, pilot, probe):
        job_list = app.screen.query_one(JobList)
        await wait_until(lambda: job_list.job_count == jobs, what="the jobs")
        await probe.wait_for(_top_name(adapter), after=0)
        await pilot.press("slash")
        await pilot.pause()
        latencies: list[float] = []
        for key in _TYPED:
            before_rows = list(job_list.rows[:30])
            before_count = job_list.visible_count
            started = time.monotonic()
            await pilot.press(key)
            await pilot.pause()
            rows = job_list.rows
            if job_list.visible_count != before_count:
                needle = f"{job_list.visible_count}/{job_list.total_count}"
            elif list(rows[:30]) != before_rows and rows:
                needle = rows[0].name + " "
            else:
                needle = job_list.filter_text[-3:] or "filter"  # the list is unchanged: the echo is the repaint
            frame = await probe.wait_for(needle, after=started)
            latencies.append(frame.at - started)
            if os.environ.get("BENCH_VERBOSE"):
                print(f"  {key!r:>12} {job_list.filter_text!r:>20} {job_list.visible_count:>7} {latencies[-1] * 1000:7.1f} ms")
    p95 = percentile(latencies, 0.95) * 1000
    return p95, (
        f"{len(latencies)} keys; median {statistics.median(latencies) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms (first free word builds the index)"
    )


async def poll_diff(workdir: Path, jobs: int = 10_000, rounds: int = 15) -> Result:
    """A poll where 1% of the jobs changed: UI-thread CPU from the listing handed back to
    the frame showing the change (the monitor's diff runs on that thread too); median.
    History on, as a user runs it: each poll's diff is recorded in the SQLite history
    (its writer's thread takes the GIL from the deck's now and then: the wall time shows it)."""
    adapter = BenchAdapter.build("mid", jobs=jobs)
    rng = random.Random(8)
    history = HistoryStore(workdir, clock=SystemClock())
    async with running_deck([adapter], workdir, store=history) as (app, pilot, probe):
        job_list = app.screen.query_one(JobList)
        await wait_until(lambda: job_list.job_count == jobs, what="the jobs")
        await probe.wait_for(_top_name(adapter), after=0)
        applied: list[float] = [0.0]
        apply_changes = job_list.apply_changes

        def timed_apply(*args: object) -> None:
            apply_changes(*args)  # type: ignore[arg-type]
            applied.append(time.monotonic())

        job_list.apply_changes = timed_apply  # type: ignore[method-assign]
        cpu: list[float] = []
        wall: list[float] = []
        newest = max(job.updated for job in adapter.jobs if job.updated)
        for round_number in range(rounds):
            chosen = rng.sample(adapter.jobs, jobs // 100)
            changed = []
            for index, job in enumerate(chosen):
                newest += timedelta(seconds=1)
                changed.append(job.model_copy(update={"updated": newest, "progress": float((index + round_number) % 100)}))
            adapter.replace_jobs(changed)
            await pilot.pause()
            await app.monitor.refresh("mid")
            listed_at, listed_cpu = adapter.listed_at, adapter.listed_cpu
            # The list keeps the cursor's job in place, so the changed rows may be off
            # screen: the frame that counts is the first one painted after the list took
            # the change in (it repaints the list either way).
            await wait_until(lambda: applied[-1] > listed_at, what="the change applied")
            frame = await probe.wait_for("", after=applied[-1])
            cpu.append(frame.cpu - listed_cpu)
            wall.append(frame.at - listed_at)
            await pilot.pause(0.05)
        recorded = history.flush(timeout=60)
    return statistics.median(cpu) * 1000, (
        f"{jobs:,} jobs, {jobs // 100} changed, {rounds} polls, history on"
        f"{'' if recorded else ' (NOT all written)'}; CPU max {max(cpu) * 1000:.1f} ms; "
        f"wall to frame median {statistics.median(wall) * 1000:.0f} ms"
    )


async def log_follow_lag(workdir: Path, rate: int = 100_000, seconds: float = 5.0) -> Result:
    """Lines written to a file at ``rate``/s → shown in the followed log pane; p95 over every
    line shown (a line scrolled past between two frames counts as shown at the later one)."""
    log_path = workdir / "firehose.log"
    log_path.write_bytes(b"")
    adapter = BenchAdapter.build("hose", jobs=1000, logs=[log_path])
    async with running_deck([adapter], workdir) as (app, pilot, probe):
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: app.screen.query_one(JobList).job_count == 1001, what="the jobs")
        await pilot.pause(0.3)
        timeline = workdir / "writer.json"
        writer = subprocess.Popen([sys.executable, str(WRITER), str(log_path), str(rate), str(seconds), str(timeline)])
        key_latencies: list[float] = []
        try:
            # The deck must stay responsive: cycle the sort while the log pours in.
            job_list = app.screen.query_one(JobList)
            while writer.poll() is None:
                await pilot.pause(0.25)
                started = time.monotonic()
                await pilot.press("s")
                # (Pilot.press itself waits for the screen to go idle, which a fire-hose
                # never lets happen: the frame's own time is what counts.)
                shown = await probe.wait_for(f"sort: {job_list.sort}", after=started, timeout=10)
                key_latencies.append(shown.at - started)
                if os.environ.get("BENCH_VERBOSE"):
                    print(f"  key s -> sort {job_list.sort}: {key_latencies[-1] * 1000:.0f} ms")
            await pilot.pause(0.5)
        finally:
            writer.wait()
        lags = _line_lags(probe.frames, timeline)
        shown = log_view.dropped_lines + log_view.line_count
    p95 = percentile(lags, 0.95) * 1000
    return p95, (
        f"{shown:,} lines in {seconds:.0f} s; median {statistics.median(lags) * 1000:.0f} ms; "
        f"keys meanwhile p95 {percentile(key_latencies, 0.95) * 1000:.0f} ms"
    )


def _line_lags(frames: list, timeline: Path) -> list[float]:
    """Per line: the first frame showing it or a later line, minus when it was written."""
    import json
    import re

    batches = json.loads(timeline.read_text())  # [[first line number, monotonic time written], ...]
    starts = [first for first, _ in batches]
    tag = re.compile(r"L(\d{10}) ")
    lags: list[float] = []
    shown_up_to = -1
    from bisect import bisect_right

    for frame in frames:
        numbers = [int(found) for found in tag.findall(frame.text)]
        if not numbers or max(numbers) <= shown_up_to:
            continue
        newest = max(numbers)
        # Every line from shown_up_to+1 to newest became visible (or scrolled past) now.
        index = bisect_right(starts, shown_up_to + 1) - 1
        line = shown_up_to + 1
        while line <= newest and index < len(batches):
            end = batches[index + 1][0] - 1 if index + 1 < len(batches) else newest
            end = min(end, newest)
            lags.extend([frame.at - batches[index][1]] * (end - line + 1))
            line = end + 1
            index += 1
        shown_up_to = newest
    return lags


async def log_open_1gb(workdir: Path) -> Result:
    """A key that highlights the job whose log is 1 GB → the frame showing its last line."""
    path, lines = big_log()
    adapter = BenchAdapter.build("files", jobs=50, logs=[path])
    last = line_tag(lines - 1)
    async with running_deck([adapter], workdir) as (app, pilot, probe):
        log_view = app.screen.query_one(LogView)
        await probe.wait_for(last, after=0)  # the first row opens at start-up; time it again by key
        timings = []
        for _ in range(3):
            await pilot.press("down")
            await wait_until(lambda: log_view.line_count == 0, what="another job's log")
            await pilot.pause(0.2)
            started = time.monotonic()
            await pilot.press("up")
            frame = await probe.wait_for(last, after=started)
            timings.append(frame.at - started)
        loaded = log_view.line_count
    return statistics.median(timings), (
        f"{path.stat().st_size / 1e9:.2f} GB, {lines:,} lines; {loaded:,} lines loaded from the tail; median of 3"
    )


async def rss_100k_1m(workdir: Path, jobs: int = 100_000, lines: int = 1_000_000) -> Result:
    """Resident memory once 100,000 jobs are listed and a 1,000,000-line log has poured
    through the followed pane (the log grows after it is opened, so every line passes)."""
    source, _ = lines_log(lines)
    log_path = workdir / "growing.log"
    log_path.write_bytes(b"")
    adapter = BenchAdapter.build("big", jobs=jobs, logs=[log_path])
    async with running_deck([adapter], workdir) as (app, pilot, probe):
        job_list = app.screen.query_one(JobList)
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: job_list.job_count == jobs + 1, what="the jobs")
        await pilot.pause(0.3)
        await asyncio.to_thread(_copy_slowly, source, log_path)
        await wait_until(lambda: log_view.dropped_lines + log_view.line_count >= lines, timeout=120, what="the log")
        await probe.wait_for(line_tag(lines - 1), after=0)
        await pilot.pause(0.5)
        current, peak = rss_mb()
    return current, f"peak {peak:.0f} MB; pane keeps {log_view.max_lines:,} lines"


def _copy_slowly(source: Path, target: Path, chunk: int = 4 << 20) -> None:
    with open(source, "rb") as reader, open(target, "ab") as writer:
        while data := reader.read(chunk):
            writer.write(data)
            writer.flush()
            time.sleep(0.01)


FIGURES = {
    "list_100k_first_frame_s": list_first_frame,
    "filter_100k_p95_ms": filter_keystrokes,
    "poll_diff_10k_ms": poll_diff,
    "log_follow_lag_ms": log_follow_lag,
    "log_open_1gb_s": log_open_1gb,
    "rss_100k_jobs_1m_lines_mb": rss_100k_1m,
}


