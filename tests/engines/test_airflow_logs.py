"""A huge task log on a real Airflow 3 (scripts/engines/airflow, DAG jd_big_log) opens at its end:
the adapter streams the log and keeps only its last lines, so what it holds does not grow with
the log (Airflow itself can only be asked for the whole of it: see adapters/airflow/logs.py)."""

from __future__ import annotations

import sys
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent / "airflow_data"))
from runs import client, trigger, wait_for_runs  # noqa: E402

from jobdeck.adapters.airflow import AirflowAdapter, AirflowSettings, logs  # noqa: E402

PASSWORD_ENV = "JD_TEST_AIRFLOW_LOGS_PASSWORD"
#: The task's lines (about 8 MB sent by Airflow): 80 times what the adapter keeps of them.
LINES = 20_000
KEEP = 250


@pytest.fixture(scope="module")
def big_log(airflow_engine: Any) -> Iterator[tuple[dict[str, str], str]]:
    env = airflow_engine.env
    with client(env) as rest:
        job_id = trigger(rest, "jd_big_log", f"jd{uuid.uuid4().hex[:6]}-big", {"lines": LINES})
        wait_for_runs(rest, [job_id], frozenset({"success"}))
        yield env, job_id


@pytest.fixture
async def adapter(big_log, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[AirflowAdapter]:
    env, _ = big_log
    monkeypatch.setenv(PASSWORD_ENV, env["AIRFLOW_PASSWORD"])
    monkeypatch.setattr(logs, "TAIL_LINES", KEEP)
    monkeypatch.setattr(logs, "PARSE_BATCH", 64 * 1024)
    airflow = AirflowAdapter(AirflowSettings(url=env["AIRFLOW_URL"], user=env["AIRFLOW_USER"], password_env=PASSWORD_ENV,
                                             deadline=120))
    await airflow.open()
    yield airflow
    await airflow.close()


def whole_log_bytes(env: dict[str, str], job_id: str) -> int:
    """What Airflow sends for the whole log (its NDJSON form), read here without jobdeck."""
    dag_id, run_id = job_id.split("/", 1)
    with client(env) as rest, rest.stream(
            "GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/chatter/logs/1",
            headers={"Accept": "application/x-ndjson"}) as answer:
        return sum(len(piece) for piece in answer.iter_bytes())


async def test_a_huge_finished_log_opens_at_its_last_lines_saying_how_many_came_before(big_log, adapter):
    env, job_id = big_log
    sent = whole_log_bytes(env, job_id)
    tracemalloc.start()
    try:
        chunk = await adapter.read_log(job_id)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    numbered = [line for line in chunk.text.splitlines() if f" of {LINES}: " in line]
    assert chunk.complete and chunk.cursor.run == "chatter#1"
    assert numbered[-1].split(" INFO ", 1)[1].startswith(f"line {LINES - 1:07d} of {LINES}")
    assert "INFO the last line" in chunk.text
    assert len(chunk.text.splitlines()) <= KEEP < len(numbered) + 20  # the last KEEP lines, nothing before
    assert chunk.notice is not None and "first" in chunk.notice and "lines are not shown" in chunk.notice
    skipped = int(chunk.notice.split("first ", 1)[1].split(" ", 1)[0].replace(",", ""))
    assert skipped >= LINES - KEEP
    # What it held at most (one-time costs of a first read included) is a fraction of the log.
    assert peak < sent / 2, f"held {peak:,} bytes at most of a {sent:,}-byte log"
    again = await adapter.read_log(job_id, chunk.cursor)
    assert again.text == "" and again.complete


async def test_airflow_s_json_answer_read_as_a_stream_keeps_the_same_last_lines(big_log, adapter):
    # A running try is read as JSON (its continuation token comes after every line): streamed as well.
    _, job_id = big_log
    dag_id, run_id = job_id.split("/", 1)
    path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/chatter/logs/1"
    as_json = await adapter.tokens.call(lambda api: logs.read_tail(api, path, {}, ndjson=False, backend="airflow"))
    as_ndjson = await adapter.tokens.call(lambda api: logs.read_tail(api, path, {}, ndjson=True, backend="airflow"))
    assert as_json.text == as_ndjson.text and as_json.skipped == as_ndjson.skipped >= LINES - KEEP
    assert as_json.token is None  # the try has ended: Airflow gives no token past its end
