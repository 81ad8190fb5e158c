"""Figures against a live Airflow 3 (issue 21), started for the figure by ``scripts/engines/airflow``
(installed on first use) in the work folder, and stopped after it.

- ``airflow_poll_cost_ratio``: jobdeck's cost of one steady poll of the Airflow backend (what the
  monitor's scheduler calls every interval: the adapter's ``list_jobs``, token, requests,
  validation, conversion) divided by a bare ``GET /api/v2/dags/~/dagRuns`` of the same runs
  (httpx, JSON decoded, every page of 100), in the same run, the two interleaved; medians. The
  runs are finished (triggered on a paused DAG, then marked success or failed), so Airflow is
  quiet: jobdeck asks only what changed since its last poll (its whole listing every five
  minutes is not within the rounds). ``monitor.poll_once()`` is not timed as the poll: it is the
  user's refresh, which forgets what was kept and lists everything (its median is in the details).

Each returns (value, details).
"""

from __future__ import annotations

import os
import statistics
import time
from contextlib import AbstractContextManager
from pathlib import Path

import httpx

from jobdeck.adapters.airflow import AirflowAdapter, AirflowSettings
from jobdeck.adapters.airflow.listing import MARGIN
from jobdeck.monitor import Monitor
from jobdeck.store.memory import MemoryStore
from engines import engine
from poll_cost import poll_rounds

Result = tuple[float, str]

TARGETS: dict[str, tuple[float, str]] = {
    "airflow_poll_cost_ratio": (1.3, "x"),
}

PASSWORD_ENV = "JOBDECK_BENCH_AIRFLOW_PASSWORD"


def airflow(workdir: Path) -> AbstractContextManager[dict[str, str]]:
    """An Airflow of its own for one figure: the settings ``up`` printed."""
    return engine("airflow", workdir, name="Airflow", up_timeout=400)


def _finished_runs(env: dict[str, str], count: int) -> None:
    """``count`` finished runs of jd_ok: triggered while it is paused (nothing runs), then marked."""
    url = env["AIRFLOW_URL"]
    token = httpx.post(f"{url}/auth/token", json={"username": env["AIRFLOW_USER"], "password": env["AIRFLOW_PASSWORD"]},
                       timeout=60).json()["access_token"]
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as rest:
        rest.patch("/api/v2/dags/jd_ok", json={"is_paused": True}).raise_for_status()
        for n in range(count):
            rest.post("/api/v2/dags/jd_ok/dagRuns", json={"logical_date": None, "dag_run_id": f"bench-{n}"}).raise_for_status()
            state = "failed" if n % 10 == 3 else "success"
            rest.patch(f"/api/v2/dags/jd_ok/dagRuns/bench-{n}", json={"state": state}).raise_for_status()


async def poll_cost_ratio(workdir: Path, quick: bool) -> Result:
    runs, rounds = (200, 30) if quick else (1000, 100)
    with airflow(workdir) as env:
        _finished_runs(env, runs)
        time.sleep(MARGIN.total_seconds() + 5)  # quiet: nothing changed within the adapter's overlap
        url = env["AIRFLOW_URL"]
        os.environ[PASSWORD_ENV] = env["AIRFLOW_PASSWORD"]
        adapter = AirflowAdapter(AirflowSettings(url=url, user=env["AIRFLOW_USER"], password_env=PASSWORD_ENV,
                                                 max_runs=runs + 100))
        monitor = Monitor([adapter], clock=adapter.clock, store=MemoryStore(workdir))
        token = httpx.post(f"{url}/auth/token", json={"username": env["AIRFLOW_USER"], "password": env["AIRFLOW_PASSWORD"]},
                           timeout=60).json()["access_token"]
        refresh_times: list[float] = []
        requests: list[int] = []
        async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:

            async def bare() -> None:
                listed = 0
                while True:
                    page = (await client.get("/api/v2/dags/~/dagRuns", params={"limit": 100, "offset": listed,
                                                                              "order_by": "-run_after"})).json()
                    listed += len(page["dag_runs"])
                    if len(page["dag_runs"]) < 100:
                        break

            async def poll() -> None:
                jobs = await adapter.list_jobs()
                requests.append(adapter.last_poll_requests)
                assert len(jobs) >= runs

            async def refresh(round_: int) -> None:
                if round_ % 10 == 0:
                    started = time.perf_counter()
                    await monitor.poll_once()
                    refresh_times.append(time.perf_counter() - started)

            await monitor.poll_once()  # the first sighting of every run is not a steady poll
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                await adapter.list_jobs()  # until the overlap has passed the runs' last changes
                if adapter.last_poll_requests <= 2:
                    break
            cost = await poll_rounds(rounds, bare, poll, after_round=refresh)
        await monitor.stop()
    return cost.ratio, (
        f"{runs} finished runs, {rounds} rounds: steady poll {cost.poll_ms:.1f} ms ({statistics.median(requests):g} requests), "
        f"bare GET of every page {cost.bare_ms:.1f} ms, a refresh (monitor.poll_once, everything listed) "
        f"{statistics.median(refresh_times) * 1000:.1f} ms (medians)")


FIGURES = {
    "airflow_poll_cost_ratio": poll_cost_ratio,
}
