"""The tests' DAG runs on the session's Airflow (scripts/engines/airflow, DAGs in
scripts/engines/airflow_dags/): triggered through Airflow's own REST API, waited for by polling."""

from __future__ import annotations

from typing import Any

import httpx
from tcp_relay import Relay  # noqa: F401  (re-exported: the tests and the kit take Airflow away through it)
from waiting import poll_until

ENDED = frozenset({"success", "failed"})


def client(env: dict[str, str]) -> httpx.Client:
    """A REST client of the session's Airflow with a token of its user."""
    url = env["AIRFLOW_URL"]
    answer = httpx.post(f"{url}/auth/token", json={"username": env["AIRFLOW_USER"], "password": env["AIRFLOW_PASSWORD"]},
                        timeout=60)
    answer.raise_for_status()
    token = answer.json()["access_token"]
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def trigger(rest: httpx.Client, dag_id: str, run_id: str, conf: dict[str, Any] | None = None) -> str:
    answer = rest.post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, "dag_run_id": run_id, "conf": conf or {}})
    answer.raise_for_status()
    return f"{dag_id}/{run_id}"


def run_of(rest: httpx.Client, job_id: str) -> dict[str, Any]:
    dag_id, run_id = job_id.split("/", 1)
    answer = rest.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")
    answer.raise_for_status()
    return answer.json()


def task_of(rest: httpx.Client, job_id: str, task_id: str) -> dict[str, Any]:
    dag_id, run_id = job_id.split("/", 1)
    answer = rest.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}")
    answer.raise_for_status()
    return answer.json()


def wait_until(check: Any, what: str, timeout: float = 240.0) -> Any:
    """Poll ``check()`` every half second until it returns something true; fail after ``timeout``."""
    return poll_until(check, timeout=timeout, every=0.5,
                      failure=lambda _: f"Airflow did not get there within {timeout:g} s: {what}")


def wait_for_runs(rest: httpx.Client, job_ids: list[str], states: frozenset[str] = ENDED) -> None:
    for job_id in job_ids:
        wait_until(lambda job_id=job_id: run_of(rest, job_id)["state"] in states, f"{job_id} in {sorted(states)}")
