"""Record once what a real Airflow 3 answers the airflow adapter, for the README's screenshots
of a DAG's group row and a failed run's tasks (tests/test_engine_snapshots_airflow.py replays it).

    set -a; . <(scripts/engines/airflow up /tmp/af); set +a
    .venv/bin/python tests/engines/airflow_data/record_screenshot.py
    scripts/engines/airflow down /tmp/af

Triggers the project's DAGs (scripts/engines/airflow_dags: jd_ok six times, jd_retry_fail
three times, one jd_mapped, one jd_long still running, then one more jd_retry_fail just
started), waits for them, then drives the real adapter through a listing and every run's
detail, keeping each answer, each try log also as Airflow streams it in NDJSON. The token Airflow issued is replaced by an unsigned one with
the same expiry (the adapter reads only that). Writes recorded/airflow.json.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent.parent))
from http_recording import Recorder  # noqa: E402
from runs import client, run_of, trigger, wait_for_runs, wait_until  # noqa: E402

from jobdeck.adapters.airflow import AirflowAdapter, AirflowSettings  # noqa: E402

ENV = {name: os.environ[name] for name in ("AIRFLOW_URL", "AIRFLOW_USER", "AIRFLOW_PASSWORD")}


def triggered() -> dict[str, str]:
    rest = client(ENV)
    wanted = [("jd_ok", f"nightly_{n:02d}", None) for n in range(1, 7)]
    wanted += [("jd_retry_fail", f"ingest_{n:02d}", None) for n in range(1, 4)]
    wanted += [("jd_mapped", "batch_01", None), ("jd_long", "backfill_01", {"seconds": 1200})]
    ids = {}
    for dag_id, run_id, conf in wanted:
        job_id = f"{dag_id}/{run_id}"
        if rest.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}").status_code == 404:
            trigger(rest, dag_id, run_id, conf)
        ids[run_id] = job_id
    wait_for_runs(rest, [job_id for run_id, job_id in ids.items() if run_id != "backfill_01"])
    wait_until(lambda: run_of(rest, ids["backfill_01"])["state"] == "running", "jd_long running")
    ids["ingest_04"] = trigger(rest, "jd_retry_fail", "ingest_04")
    wait_until(lambda: run_of(rest, ids["ingest_04"])["state"] == "running", "the newest jd_retry_fail running")
    return ids


async def also_as_ndjson(recorder: Recorder) -> None:
    """Each try log read as JSON, read again as Airflow streams it to ``Accept: application/x-ndjson``
    (how an adapter may read an ended try's log), so the recording answers either way."""
    token = client(ENV).headers["Authorization"]
    logs = [key.split(" ", 1)[1] for key in recorder.answers if "/logs/" in key and " accept=" not in key]
    async with httpx.AsyncClient(base_url=ENV["AIRFLOW_URL"], transport=recorder, timeout=60,
                                 headers={"Authorization": token, "Accept": "application/x-ndjson"}) as http:
        for path in logs:
            await http.get(path)


def unsigned(token: str) -> str:
    """A JWT with ``token``'s expiry and nothing else, unsigned."""
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part({'exp': claims['exp'], 'sub': 'recorded'})}.recorded"


async def record(ids: dict[str, str]) -> None:
    recorder = Recorder()
    settings = AirflowSettings(name="airflow", url=ENV["AIRFLOW_URL"], user=ENV["AIRFLOW_USER"])
    adapter = AirflowAdapter(settings, transport=recorder)
    await adapter.open()
    recorded_at = time.time()
    try:
        jobs = await adapter.list_jobs()
        for job in jobs:
            await adapter.get_job(job.id)
            await adapter.list_runs(job.id)
            await adapter.timeline(job.id)
            await adapter.read_log(job.id)
        await also_as_ndjson(recorder)
    finally:
        await adapter.close()
    for key, answer in recorder.answers.items():
        if key.startswith("POST /auth/token"):
            body = json.loads(answer["body"])
            answer["body"] = json.dumps({**body, "access_token": unsigned(body["access_token"])})
    recorder.save(HERE / "recorded" / "airflow.json", recorded_at=recorded_at, ids=ids)
    print(f"{len(recorder.answers)} answers about {len(jobs)} runs recorded")


if __name__ == "__main__":
    asyncio.run(record(triggered()))
