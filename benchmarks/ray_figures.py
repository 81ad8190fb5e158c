"""Figures against a live Ray head (issue 19), started for the figure by ``scripts/engines/ray``
(installed on first use) in the work folder, and stopped after it.

- ``ray_poll_cost_ratio``: jobdeck's cost of one poll of the Ray backend (the monitor's
  ``poll_once`` through the Ray adapter: the request, validation, conversion, the job
  table's diff) divided by a bare ``GET /api/jobs/`` of the same jobs (httpx, JSON decoded),
  in the same run, the two interleaved; medians.
- ``ray_log_tail_lag_ms``: a running job prints a line with the time it printed it; the time
  until that line comes out of the monitor's ``follow_log`` (what the log pane appends),
  through the state API's stream of the log file; p95 over the lines. Ray's own websocket
  tail (``/api/jobs/{id}/logs/tail``) is read bare beside it, for comparison.

Each returns (value, details).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import websockets

from jobdeck.adapters.ray import RayAdapter, RaySettings
from jobdeck.model import JobRef
from jobdeck.monitor import Monitor
from jobdeck.store.memory import MemoryStore
from engines import engine
from poll_cost import poll_rounds

Result = tuple[float, str]

TARGETS: dict[str, tuple[float, str]] = {
    "ray_poll_cost_ratio": (1.3, "x"),
    "ray_log_tail_lag_ms": (1500, "ms"),
}

#: Jobs on the head while polls are timed.
POLLED_JOBS = 40
#: A job printing a timestamped line every 0.3 s.
TICKER = ("python -u -c \"import time\n"
          "for n in range({lines}):\n"
          "    print('tick', n, repr(time.time()), flush=True)\n"
          "    time.sleep(0.3)\"")


@contextmanager
def ray_head(workdir: Path) -> Iterator[str]:
    """A Ray head of its own for one figure: its dashboard URL."""
    with engine("ray", workdir, name="the Ray head") as settings:
        yield settings["RAY_DASHBOARD_URL"]


def _submit_and_wait(url: str, requests: list[dict[str, object]], states: set[str]) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        for request in requests:
            client.post("/api/jobs/", json=request).raise_for_status()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            listed = {job["submission_id"]: job["status"] for job in client.get("/api/jobs/").json()}
            if all(listed.get(request["submission_id"]) in states for request in requests):
                return
            time.sleep(0.5)
    raise RuntimeError("the benchmark's jobs did not reach their states within 300 s")


async def poll_cost_ratio(workdir: Path, quick: bool) -> Result:
    rounds = 30 if quick else 100
    with ray_head(workdir) as url:
        jobs = [{"entrypoint": f"echo job {n}", "submission_id": f"bench-{n}", "metadata": {"n": str(n), "team": "bench"}}
                for n in range(POLLED_JOBS)]
        _submit_and_wait(url, jobs, {"SUCCEEDED"})
        adapter = RayAdapter(RaySettings(url=url))
        monitor = Monitor([adapter], clock=adapter.clock, store=MemoryStore(workdir))
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:

            async def bare() -> None:
                (await client.get("/api/jobs/")).json()

            await monitor.poll_once()  # the first sighting of every job is not a steady poll
            await client.get("/api/jobs/")
            cost = await poll_rounds(rounds, bare, monitor.poll_once)
        await monitor.stop()
        assert len(monitor.jobs()) >= POLLED_JOBS
    return cost.ratio, (f"{POLLED_JOBS} jobs, {rounds} rounds: poll {cost.poll_ms:.1f} ms, "
                        f"bare GET {cost.bare_ms:.1f} ms (medians)")


def _lags(text: str, arrived: float, since: float, into: list[float]) -> str:
    """Lag of each complete tick line of ``text`` printed after ``since``; the incomplete rest."""
    *complete, rest = text.split("\n")
    for line in complete:
        parts = line.split()
        if len(parts) == 3 and parts[0] == "tick" and float(parts[2]) >= since:
            into.append(arrived - float(parts[2]))
    return rest


async def _bare_tail(url: str, submission_id: str, since: float, into: list[float]) -> None:
    """Ray's own websocket tail, read bare, beside jobdeck's: what Ray itself takes."""
    buffered = ""
    ws_url = url.replace("http://", "ws://") + f"/api/jobs/{submission_id}/logs/tail"
    async with websockets.connect(ws_url, compression=None) as socket:
        async for frame in socket:
            buffered = _lags(buffered + str(frame), time.time(), since, into)


async def log_tail_lag(workdir: Path, quick: bool) -> Result:
    lines = 25 if quick else 60
    with ray_head(workdir) as url:
        adapter = RayAdapter(RaySettings(url=url, interval=0.5))
        monitor = Monitor([adapter], clock=adapter.clock, store=MemoryStore(workdir))
        _submit_and_wait(url, [{"entrypoint": TICKER.format(lines=lines), "submission_id": "ticker"}], {"RUNNING"})
        await monitor.poll_once()
        # Lines printed in the first seconds come with the tail's first frame (the log so far):
        # the lag counted is that of a running log, from 3 s after the follow began.
        since = time.time() + 3.0
        lags: list[float] = []
        bare: list[float] = []
        beside = asyncio.create_task(_bare_tail(url, "ticker", since, bare))
        buffered = ""
        async for chunk in monitor.follow_log(JobRef(backend="ray", id="ticker")):
            buffered = _lags(buffered + chunk.text, time.time(), since, lags)
            if chunk.complete:
                break
        await beside
        await monitor.stop()
    ordered = sorted(lags)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000
    return p95, (f"{len(lags)} lines followed live: median {statistics.median(lags) * 1000:.0f} ms, "
                 f"p95 {p95:.0f} ms; Ray's own tail read bare beside it: median "
                 f"{statistics.median(bare) * 1000:.0f} ms, max {max(bare) * 1000:.0f} ms")


FIGURES = {
    "ray_poll_cost_ratio": poll_cost_ratio,
    "ray_log_tail_lag_ms": log_tail_lag,
}

if __name__ == "__main__":  # a quick look without bench.py: python benchmarks/ray_figures.py
    import tempfile

    for name, figure in FIGURES.items():
        with tempfile.TemporaryDirectory(prefix=f"jobdeck-bench-{name}-") as folder:
            print(name, asyncio.run(figure(Path(folder), os.environ.get("QUICK") == "1")))
