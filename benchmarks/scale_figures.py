"""Figures at scale (issue 22): a million jobs in the list, a deck with running jobs that
costs nothing while it waits, and a local spool of 50,000 jobs.

The million-job figures are the 100,000-job figures of ``deck_figures`` taken with ten
times the jobs (the same adapter, deck and frame probe); the idle ones are
``command_figures``' real command on a pseudo-terminal. Each returns (value, details).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from backend import BenchAdapter
from command_figures import PYTHON, _environment
from datafiles import CACHE
from deck_figures import _TYPED, _top_name, list_first_frame, poll_diff, rss_100k_1m
from harness import percentile, running_deck, wait_until
from pty_run import PtyProcess

from jobdeck.ui.widgets.job_list import JobList

Result = tuple[float, str]

TARGETS: dict[str, tuple[float, str]] = {
    "list_1m_first_frame_s": (1.0, "s"),
    "filter_1m_p95_ms": (100, "ms"),
    "rss_1m_jobs_mb": (1000, "MB"),
    "poll_diff_100k_ms": (30, "ms"),
    "idle_cpu_running_pct": (1.0, "%"),
    "local_50k_first_frame_s": (2.0, "s"),
    "local_50k_idle_cpu_pct": (2.0, "%"),
}

MILLION = 1_000_000


async def list_1m_first_frame(workdir: Path, quick: bool) -> Result:
    """Data in hand → first frame showing a million jobs (``list_first_frame``)."""
    return await list_first_frame(workdir, jobs=MILLION)


async def filter_1m(workdir: Path, quick: bool) -> Result:
    """The 100k filter figure's typed keys over a million jobs, from the first free word
    on: the user types as soon as the jobs show, with no wait for the index. A key whose
    filter waits for the index (built in another thread) counts until the frame showing
    the filtered rows, not the echo: the first free word's wait is in the figure."""
    adapter = BenchAdapter.build("big", jobs=MILLION)
    async with running_deck([adapter], workdir) as (app, pilot, probe):
        job_list = app.screen.query_one(JobList)
        await wait_until(lambda: job_list.job_count == MILLION, what="the jobs")
        await probe.wait_for(_top_name(adapter), after=0)
        await pilot.press("slash")
        await pilot.pause()
        latencies: list[float] = []
        waited = 0
        for key in _TYPED:
            before_rows = list(job_list.rows[:30])
            before_count = job_list.visible_count
            started = time.monotonic()
            await pilot.press(key)
            await pilot.pause()
            if job_list.filter_waiting:
                waited += 1
                await wait_until(lambda: not job_list.filter_waiting, timeout=120, what="the filter index")
                await pilot.pause()
            rows = job_list.rows
            if job_list.visible_count != before_count:
                needle = f"{job_list.visible_count}/{job_list.total_count}"
            elif list(rows[:30]) != before_rows and rows:
                needle = rows[0].name + " "
            else:
                needle = job_list.filter_text[-3:] or "filter"
            frame = await probe.wait_for(needle, after=started, timeout=120)
            latencies.append(frame.at - started)
            if os.environ.get("BENCH_VERBOSE"):
                print(f"  {key!r:>12} {job_list.filter_text!r:>20} {job_list.visible_count:>7} {latencies[-1] * 1000:7.1f} ms")
    p95 = percentile(latencies, 0.95) * 1000
    return p95, (
        f"{len(latencies)} keys; median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms "
        f"(first free word: {latencies[0] * 1000:.0f} ms; {waited} key(s) waited for the index)"
    )


async def rss_1m(workdir: Path, quick: bool) -> Result:
    """Resident memory with a million jobs listed and a million log lines poured through
    the followed pane (``rss_100k_1m`` at a million jobs)."""
    return await rss_100k_1m(workdir, jobs=MILLION)


async def poll_diff_100k(workdir: Path, quick: bool) -> Result:
    """A poll where 1% of 100,000 jobs changed: UI-thread CPU to the frame (``poll_diff``)."""
    return await poll_diff(workdir, jobs=100_000, rounds=8 if quick else 15)


# -- the deck idle with jobs running --------------------------------------------------


def idle_cpu_running(workdir: Path, quick: bool) -> Result:
    """CPU of the deck with five local backends polled every 2 s, each with four jobs
    running that started seconds ago (ages and durations tick every second), over 60 s
    (quick: 15 s). The jobs are real ``jobdeck run -- sleep`` supervisors, stopped after."""
    seconds = 15.0 if quick else 60.0
    tables = []
    runners: list[subprocess.Popen[bytes]] = []
    try:
        for number in range(5):
            spool = workdir / f"spool-{number}"
            spool.mkdir(parents=True)
            tables.append(f'[[backends]]\nkind = "local"\nname = "local{number}"\nspool = "{spool}"\ninterval = 2.0\n')
            for job in range(4):
                runners.append(_start_runner(spool, f"busy-{number}-{job}", seconds + 60))
        env = _environment(workdir, "\n".join(tables))
        _wait_running(workdir, expected=20)
        with PtyProcess([PYTHON, "-m", "jobdeck"], env=env) as deck:
            deck.wait_for("busy-4-", timeout=30)
            time.sleep(3.0)  # let start-up settle (first polls, watchers started)
            before, started = deck.cpu_seconds(), time.monotonic()
            time.sleep(seconds)
            used, elapsed = deck.cpu_seconds() - before, time.monotonic() - started
            rss = deck.rss_mb()
    finally:
        for runner in runners:
            _stop(runner)
    return used / elapsed * 100, f"5 local backends x 4 running jobs, ages ticking; over {seconds:.0f} s; RSS {rss:.0f} MB"


def _start_runner(spool: Path, name: str, seconds: float) -> subprocess.Popen[bytes]:
    command = [PYTHON, "-m", "jobdeck", "run", "--spool", str(spool), "--name", name, "--", "sleep", f"{seconds:.0f}"]
    return subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def _wait_running(workdir: Path, *, expected: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = 0
        for events in workdir.glob("spool-*/*/runs/1/events.jsonl"):
            running += b'"state":"running"' in events.read_bytes()
        if running >= expected:
            return
        time.sleep(0.1)
    raise TimeoutError(f"fewer than {expected} jobs running after {timeout} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End one runner we started, and its command (its own session), by its pid."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# -- a local spool of 50,000 finished jobs --------------------------------------------

SPOOL_JOBS = 50_000
_SPOOL_EPOCH = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def spool_50k() -> tuple[Path, str]:
    """A spool of 50,000 finished jobs as ``jobdeck run`` writes them (spec, one run's
    events, an empty log), written once into ``.bench-cache/`` and reused; and the name
    of its newest job (the first row under the default sort)."""
    root = CACHE / f"spool-{SPOOL_JOBS}"
    newest = f"spool-job-{SPOOL_JOBS - 1:05d}"
    if (root / ".complete").exists():
        return root, newest
    shutil.rmtree(root, ignore_errors=True)
    partial = root.with_suffix(".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for number in range(SPOOL_JOBS):
        _write_job(partial, number)
    (partial / ".complete").write_text("")
    partial.rename(root)
    return root, newest


def _write_job(root: Path, number: int) -> None:
    created = _SPOOL_EPOCH + timedelta(seconds=number)
    job_id = f"{created:%Y%m%d-%H%M%S}-{number % 65536:04x}"
    folder = root / job_id
    run = folder / "runs" / "1"
    run.mkdir(parents=True)
    spec = {
        "version": 1, "id": job_id, "name": f"spool-job-{number:05d}", "argv": ["true"],
        "cwd": "/tmp", "created": created.isoformat().replace("+00:00", "Z"), "host": "bench",
    }
    (folder / "spec.json").write_text(json.dumps(spec, indent=2) + "\n")
    at = created.isoformat().replace("+00:00", "Z")
    ended = (created + timedelta(seconds=1 + number % 300)).isoformat().replace("+00:00", "Z")
    state, raw, code = ("failed", "exited", 3) if number % 11 == 0 else ("succeeded", "exited", 0)
    lines = [
        {"at": at, "state": "pending", "raw_state": "pending", "runner_pid": 10, "runner_start": 1, "actor": "runner"},
        {"at": at, "state": "running", "raw_state": "running", "pid": 11, "pgid": 11, "runner_pid": 10, "actor": "runner"},
        {"at": ended, "state": state, "raw_state": raw, "message": f"exit code {code}", "exit_code": code, "actor": "runner"},
    ]
    (run / "events.jsonl").write_text("".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines))
    (run / "log").write_bytes(b"")


def _local_deck(workdir: Path) -> tuple[list[str], dict[str, str], str]:
    spool, newest = spool_50k()
    env = _environment(workdir, f'[[backends]]\nkind = "local"\nname = "local"\nspool = "{spool}"\n')
    return [PYTHON, "-m", "jobdeck"], env, newest


def _warm(spool: Path) -> None:
    """Read the spool once, so its files are in the page cache (as the figure says)."""
    for folder, _, files in os.walk(spool):
        for name in files:
            with open(os.path.join(folder, name), "rb") as handle:
                handle.read()


def local_50k_first_frame(workdir: Path, quick: bool) -> Result:
    """``jobdeck`` on a spool of 50,000 finished jobs → the first frame showing them; median.

    The deck keeps a spool's finished jobs in its cache folder (``jobdeck.local.spool_cache``),
    so its first start on a spool reads every job: that start is timed apart, and left open
    until it has written the cache; the figure is the starts after it, as a user meets them
    every day (as ``startup`` times the CSS cache's first start apart).
    """
    argv, env, newest = _local_deck(workdir)
    _warm(spool_50k()[0])
    with PtyProcess(argv, env=env) as first:
        cold = first.wait_for(newest, timeout=120)
        _wait_for_spool_cache(workdir / "cache" / "spools")
    runs = 1 if quick else 3
    times = []
    for _ in range(runs):
        with PtyProcess(argv, env=env) as deck:
            times.append(deck.wait_for(newest, timeout=120))
    times.sort()
    return times[len(times) // 2], (
        f"{SPOOL_JOBS:,} jobs; runs {', '.join(f'{t:.2f}' for t in times)} s; first start (spool not cached) {cold:.2f} s"
    )


def _wait_for_spool_cache(folder: Path, timeout: float = 60.0) -> None:
    """Until the deck has written its spool cache (its first poll does, after reading every job)."""
    deadline = time.monotonic() + timeout
    while not any(folder.glob("*.json")):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no spool cache in {folder} after {timeout} s")
        time.sleep(0.1)


def local_50k_idle(workdir: Path, quick: bool) -> Result:
    """That deck, nothing changing in the spool, over 60 s (quick: 15 s): CPU of one core."""
    seconds = 15.0 if quick else 60.0
    argv, env, newest = _local_deck(workdir)
    _warm(spool_50k()[0])
    with PtyProcess(argv, env=env) as deck:
        shown = deck.wait_for(newest, timeout=120)
        settled = _settle(deck)
        before, started = deck.cpu_seconds(), time.monotonic()
        time.sleep(seconds)
        used, elapsed = deck.cpu_seconds() - before, time.monotonic() - started
        rss = deck.rss_mb()
    return used / elapsed * 100, (
        f"{SPOOL_JOBS:,} local jobs, polled every 2 s; shown after {shown:.1f} s; start-up work "
        f"(the history's first record of every job) done {settled:.0f} s later; RSS {rss:.0f} MB"
    )


def _settle(deck: PtyProcess, *, quiet: float = 0.1, most: float = 240.0) -> float:
    """Wait (at least 5 s) until the deck's start-up work is done: a 2-second window in which it
    used less than ``quiet`` of a core (the history records 50,000 jobs first seen, once; a
    deck started again on a spool it knows skips that). Returns the seconds waited."""
    started = time.monotonic()
    time.sleep(5.0)
    while time.monotonic() - started < most:
        before = deck.cpu_seconds()
        time.sleep(2.0)
        if deck.cpu_seconds() - before < 2.0 * quiet:
            break
    return time.monotonic() - started


FIGURES = {
    "list_1m_first_frame_s": list_1m_first_frame,
    "filter_1m_p95_ms": filter_1m,
    "rss_1m_jobs_mb": rss_1m,
    "poll_diff_100k_ms": poll_diff_100k,
    "idle_cpu_running_pct": idle_cpu_running,
    "local_50k_first_frame_s": local_50k_first_frame,
    "local_50k_idle_cpu_pct": local_50k_idle,
}

if __name__ == "__main__":  # build the spool ahead: python benchmarks/scale_figures.py
    sys.exit(print(spool_50k()[0]))
