"""The Airflow adapter against a real Airflow 3 (scripts/engines/airflow) running the project's
own DAGs (scripts/engines/airflow_dags): runs triggered once for the module through Airflow's
REST API, read back and acted on through jobdeck."""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from datetime import datetime, timedelta
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent / "airflow_data"))
from runs import Relay, client, run_of, task_of, trigger, wait_for_runs, wait_until  # noqa: E402

from jobdeck.adapters.airflow import AirflowAdapter, AirflowSettings  # noqa: E402
from jobdeck.clock import SystemClock  # noqa: E402
from jobdeck.errors import AuthFailed, NotFound  # noqa: E402
from jobdeck.model import Job, JobRef, JobState, LogCursor  # noqa: E402
from jobdeck.monitor import Monitor  # noqa: E402
from jobdeck.monitor.events import HealthStatus  # noqa: E402
from jobdeck.redact import REDACTED  # noqa: E402
from jobdeck.store.memory import MemoryStore  # noqa: E402

PASSWORD_ENV = "JD_TEST_AIRFLOW_PASSWORD"
CONF_SECRET = "conf-sekrit-4c1d"


class Triggered:
    """The module's DAG runs: their job ids by role, Airflow's settings and a REST client."""

    def __init__(self, env: dict[str, str], rest: httpx.Client, ids: dict[str, str]) -> None:
        self.env = env
        self.url = env["AIRFLOW_URL"]
        self.rest = rest
        self.ids = ids


@pytest.fixture(scope="module")
def airflow(airflow_engine: Any) -> Iterator[Triggered]:
    env = airflow_engine.env
    tag = f"jd{uuid.uuid4().hex[:6]}"
    with client(env) as rest:
        ids = {
            "ok": trigger(rest, "jd_ok", f"{tag}-ok", {"api_token": CONF_SECRET, "note": "nightly"}),
            "fail": trigger(rest, "jd_retry_fail", f"{tag}-fail"),
            "mapped": trigger(rest, "jd_mapped", f"{tag}-mapped"),
            "spare": trigger(rest, "jd_ok", f"{tag}-spare"),
        }
        wait_for_runs(rest, list(ids.values()))
        yield Triggered(env, rest, ids)
        for job_id in ids.values():  # nothing of this module runs on (a deleted run is 404: left alone)
            dag_id, run_id = job_id.split("/", 1)
            answer = rest.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")
            if answer.status_code == 200 and answer.json()["state"] not in ("success", "failed"):
                rest.patch(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}", json={"state": "failed"})


@pytest.fixture
def password(airflow: Triggered, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(PASSWORD_ENV, airflow.env["AIRFLOW_PASSWORD"])
    return airflow.env["AIRFLOW_PASSWORD"]


def settings(url: str, **more: Any) -> AirflowSettings:
    return AirflowSettings(url=url, user="admin", password_env=PASSWORD_ENV, interval=0.5, **more)


@pytest.fixture
async def adapter(airflow: Triggered, password: str) -> AsyncIterator[AirflowAdapter]:
    airflow_adapter = AirflowAdapter(settings(airflow.url))
    await airflow_adapter.open()
    yield airflow_adapter
    await airflow_adapter.close()


def by_id(listed: list[Job]) -> dict[str, Job]:
    return {job.id: job for job in listed}


# -- what it shows ------------------------------------------------------------------------------


async def test_each_dag_run_is_a_job_with_its_state_mapped_labels_and_airflow_s_own_kept(airflow, adapter):
    listed = by_id(await adapter.list_jobs())
    ok, fail, mapped = (listed[airflow.ids[role]] for role in ("ok", "fail", "mapped"))
    assert (ok.state, ok.raw_state) == (JobState.SUCCEEDED, "success")
    assert (fail.state, fail.raw_state) == (JobState.FAILED, "failed")
    assert mapped.state is JobState.SUCCEEDED
    assert ok.labels["run_type"] == "manual" and ok.labels["triggered_by"] == "rest_api"
    assert ok.labels["user"] == "admin" and ok.labels["dag"] == "jd_ok"
    assert ok.created is not None and ok.started is not None and ok.ended is not None
    assert ok.created <= ok.started <= ok.ended


async def test_runs_are_grouped_by_dag_with_the_dag_s_runs_counted_by_state(airflow, adapter):
    listed = by_id(await adapter.list_jobs())
    ok, spare = listed[airflow.ids["ok"]], listed[airflow.ids["spare"]]
    assert ok.group is not None and ok.group.key == "jd_ok" and ok.group == spare.group
    assert ok.group.counts is not None and ok.group.counts.count(JobState.SUCCEEDED) >= 2
    fail = listed[airflow.ids["fail"]]
    assert fail.group is not None and fail.group.counts is not None
    assert fail.group.counts.count(JobState.FAILED) >= 1


async def test_a_dag_s_group_has_its_latest_runs_as_a_strip_newest_last_and_its_tasks_retries(airflow, adapter):
    listed = await adapter.list_jobs()
    fail = by_id(listed)[airflow.ids["fail"]]
    group = fail.group
    assert group is not None and group.counts is not None
    of_dag = sorted((job for job in listed if job.group is not None and job.group.key == "jd_retry_fail"),
                    key=lambda job: job.created or job.started)  # type: ignore[arg-type,return-value]
    assert group.recent == tuple(job.state for job in of_dag)[-30:]  # Airflow's grid in one line
    assert group.retries is not None and group.retries >= 1  # flaky's second try, at least in this module's run
    assert group.per_minute is None


async def test_a_run_s_counts_are_its_task_instances_and_a_failure_says_which_task_after_how_many_tries(airflow, adapter):
    listed = by_id(await adapter.list_jobs())
    fail = listed[airflow.ids["fail"]]
    assert fail.counts is not None
    assert (fail.counts.total, fail.counts.succeeded, fail.counts.failed) == (3, 1, 2)
    assert fail.detail["tasks"] == {"failed": 1, "success": 1, "upstream_failed": 1}
    assert fail.detail["tries"]["flaky"] == "2 of 2"
    assert fail.error == "flaky failed (try 2 of 2); 1 upstream_failed"
    mapped = listed[airflow.ids["mapped"]]
    assert mapped.counts is not None and (mapped.counts.total, mapped.counts.succeeded) == (14, 14)  # 12 mapped + 2
    assert listed[airflow.ids["ok"]].error is None


async def test_secrets_in_a_run_s_conf_never_leave_the_adapter(airflow, adapter, password):
    listed = await adapter.list_jobs()
    ok = by_id(listed)[airflow.ids["ok"]]
    assert ok.detail["conf"] == {"api_token": REDACTED, "note": "nightly"}
    shown = json.dumps([job.model_dump(mode="json") for job in listed]) + json.dumps(adapter.describe())
    shown += json.dumps((await adapter.get_job(airflow.ids["ok"])).model_dump(mode="json"))
    assert CONF_SECRET not in shown and password not in shown
    assert adapter.describe()["password from"] == f"${PASSWORD_ENV}"


async def test_the_tries_of_every_task_instance_are_the_runs(airflow, adapter):
    runs = {run.id: run for run in await adapter.list_runs(airflow.ids["fail"])}
    assert set(runs) == {"flaky#1", "flaky#2", "fine#1", "after#0"}
    assert (runs["flaky#1"].state, runs["flaky#1"].raw_state) == (JobState.FAILED, "failed")
    assert runs["flaky#1"].started is not None and runs["flaky#1"].ended is not None
    assert runs["flaky#2"].started is not None and runs["flaky#1"].ended <= runs["flaky#2"].started  # type: ignore[operator]
    assert runs["flaky#2"].detail["tries"] == "2 of 2"
    assert (runs["after#0"].state, runs["after#0"].raw_state) == (JobState.CANCELED, "upstream_failed")
    assert runs["after#0"].started is None and runs["after#0"].reason == "not run yet"
    mapped = {run.id for run in await adapter.list_runs(airflow.ids["mapped"])}
    assert {f"square[{n}]#1" for n in range(12)} <= mapped and "total#1" in mapped


async def test_the_timeline_has_the_run_and_every_try_in_order(airflow, adapter):
    events = await adapter.timeline(airflow.ids["fail"])
    said = [event.message for event in events]
    assert said[0] == "queued" and said[1] == "started" and said[-1] == "run failed"
    assert said.index("flaky try 1 started") < said.index("flaky try 1 failed") < said.index("flaky try 2 started")
    assert "after upstream_failed" in said
    assert [event.at for event in events] == sorted(event.at for event in events)
    flaky = [event for event in events if event.run == "flaky#2"]
    assert [event.state for event in flaky] == [JobState.RUNNING, JobState.FAILED]


async def test_a_failed_run_s_log_is_its_failed_task_s_last_try_with_the_traceback(airflow, adapter):
    chunk = await adapter.read_log(airflow.ids["fail"])
    assert chunk.cursor.run == "flaky#2" and chunk.complete
    assert "INFO about to fail" in chunk.text
    assert "ERROR Task failed with exception" in chunk.text
    assert "RuntimeError: flaky failed on purpose" in chunk.text and "Traceback" in chunk.text
    assert "::group::" not in chunk.text and "::endgroup::" not in chunk.text
    again = await adapter.read_log(airflow.ids["fail"], chunk.cursor)
    assert again.text == "" and again.complete  # read to its end: nothing more
    first = await adapter.read_log(airflow.ids["fail"], LogCursor(run="flaky#1"))
    assert first.cursor.run == "flaky#1" and "about to fail" in first.text and first.complete
    mapped = await adapter.read_log(airflow.ids["mapped"], LogCursor(run="square[7]#1"))
    assert "WARNING seven is unlucky" in mapped.text


async def test_a_task_that_never_ran_has_no_log_and_an_unknown_run_is_not_found(airflow, adapter):
    with pytest.raises(NotFound, match="has not run yet"):
        await adapter.read_log(airflow.ids["fail"], LogCursor(run="after#0"))
    with pytest.raises(NotFound):
        await adapter.get_job("jd_ok/no-such-run")
    with pytest.raises(NotFound):
        await adapter.read_log("jd_ok/no-such-run")
    with pytest.raises(NotFound):
        await adapter.get_job("not-a-run-id")


async def test_a_quiet_airflow_is_asked_only_what_changed(airflow, adapter):
    first = {job.id for job in await adapter.list_jobs()}
    again = await adapter.list_jobs()
    assert {job.id for job in again} == first
    assert adapter.last_poll_requests == 2  # the runs and the task instances changed since the last poll
    assert again[0] is (await adapter.list_jobs())[0]  # nothing changed: the very same Job



async def test_dag_files_that_fail_to_import_are_a_warning_of_the_backend(airflow, adapter):
    async def warned() -> tuple[str, ...]:
        adapter.forget_cached()  # the DAGs and import errors are read again now, not in 30 s
        await adapter.list_jobs()
        return adapter.warnings()

    deadline = time.monotonic() + 120
    while not (warnings := await warned()) and time.monotonic() < deadline:
        await asyncio.sleep(1)
    assert len(warnings) == 1 and warnings[0].startswith("1 DAG file failed to import: ")
    assert warnings[0].endswith("jd_broken_import.py")

# -- a running task's log, followed; cancel ------------------------------------------------------------


@pytest.fixture
async def monitor(adapter, tmp_path) -> AsyncIterator[Monitor]:
    watching = Monitor([adapter], clock=adapter.clock, store=MemoryStore(tmp_path))
    await watching.poll_once()
    yield watching
    await watching.stop()


async def test_a_running_task_s_log_is_followed_without_loss_or_repeats_and_cancel_ends_it(airflow, adapter, monitor):
    job_id = trigger(airflow.rest, "jd_long", f"{airflow.ids['ok'].split('/')[1]}-long", {"seconds": 600})
    wait_until(lambda: task_of(airflow.rest, job_id, "tick")["state"] == "running", "the long task running")
    await monitor.poll_once()
    ref = JobRef(backend=adapter.name, id=job_id)
    lines: list[str] = []
    cancelled = False
    async for chunk in adapter.follow_log(job_id):
        assert chunk.cursor.run == "tick#1"
        lines.extend(line.rsplit(" ", 1)[1] for line in chunk.text.splitlines() if " INFO tick " in line)
        if len(lines) >= 3 and not cancelled:
            assert monitor.why_not(ref, "cancel") is None
            assert "marks this run failed" in monitor.confirm_text(ref, "cancel")
            result = await monitor.perform(ref, "cancel")
            assert result.ok, result.message
            cancelled = True
        if chunk.complete:
            break
    assert cancelled
    assert lines == [str(n) for n in range(len(lines))]  # every tick once, in order
    assert run_of(airflow.rest, job_id)["state"] == "failed"
    await monitor.poll_once()
    ended = monitor.job(ref)
    assert ended is not None and (ended.state, ended.raw_state) == (JobState.FAILED, "failed")


# -- actions, through the monitor's gate --------------------------------------------------------------


async def test_retry_clears_only_the_failed_tasks_of_a_failed_run_and_airflow_runs_them_again(airflow, monitor):
    ref = JobRef(backend="airflow", id=airflow.ids["fail"])
    assert monitor.why_not(ref, "retry") is None
    assert "failed task instances" in monitor.confirm_text(ref, "retry")
    ok_ref = JobRef(backend="airflow", id=airflow.ids["mapped"])
    refused = monitor.why_not(ok_ref, "retry")
    assert refused is not None and "no task of this run failed" in refused
    result = await monitor.perform(ref, "retry")
    assert result.ok, result.message
    assert "flaky" in result.message and "after" in result.message and "fine" not in result.message
    wait_until(lambda: task_of(airflow.rest, ref.id, "flaky")["try_number"] >= 3, "flaky tried a third time")
    assert task_of(airflow.rest, ref.id, "fine")["try_number"] == 1  # the successful task was left alone


async def test_clearing_every_task_is_its_own_confirmed_action_and_reruns_the_successful_ones(airflow, monitor, adapter):
    ref = JobRef(backend="airflow", id=airflow.ids["ok"])
    specs = {spec.name: spec for _, spec in monitor.actions()}
    assert specs["clear_all"].key == "C" and specs["clear_all"].verb == "Clear every task"
    assert "the successful ones too" in monitor.confirm_text(ref, "clear_all")
    result = await monitor.perform(ref, "clear_all")
    assert result.ok and "cleared 2 tasks" in result.message, result.message
    wait_for_runs(airflow.rest, [ref.id], frozenset({"success"}))
    wait_until(lambda: task_of(airflow.rest, ref.id, "goodbye")["state"] == "success", "goodbye ran again")
    runs = {run.id: run for run in await adapter.list_runs(ref.id)}
    assert {"hello#1", "hello#2", "goodbye#1", "goodbye#2"} <= set(runs)
    assert runs["hello#1"].started != runs["hello#2"].started  # each try with its own times
    assert "hello line 2" in (await adapter.read_log(ref.id, LogCursor(run="hello#2"))).text


async def test_pause_and_resume_are_the_dag_s(airflow, monitor):
    ref = JobRef(backend="airflow", id=airflow.ids["mapped"])
    assert "is not paused" in (monitor.why_not(ref, "resume") or "")
    assert "pauses DAG jd_mapped" in monitor.confirm_text(ref, "pause")
    try:
        assert (await monitor.perform(ref, "pause")).ok
        assert airflow.rest.get("/api/v2/dags/jd_mapped").json()["is_paused"] is True
        await monitor.poll_once()
        paused = monitor.job(ref)
        assert paused is not None and paused.labels["dag_paused"] == "yes"
        assert monitor.why_not(ref, "pause") is not None
        assert (await monitor.perform(ref, "resume")).ok
    finally:
        airflow.rest.patch("/api/v2/dags/jd_mapped", json={"is_paused": False})
    assert airflow.rest.get("/api/v2/dags/jd_mapped").json()["is_paused"] is False
    await monitor.poll_once()
    resumed = monitor.job(ref)
    assert resumed is not None and "dag_paused" not in resumed.labels


async def test_a_run_deleted_on_the_server_is_gone_from_the_backend_and_kept_in_view(airflow, monitor, adapter):
    ref = JobRef(backend="airflow", id=airflow.ids["spare"])
    assert monitor.job(ref) is not None
    dag_id, run_id = ref.id.split("/", 1)
    assert airflow.rest.delete(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}").status_code == 204
    adapter.forget_cached()  # the next poll lists the runs whole (it does every five minutes by itself)
    await monitor.poll_once()
    gone = monitor.job(ref)
    assert gone is not None and gone.gone


# -- faults ----------------------------------------------------------------------------------------------


async def test_airflow_going_away_makes_the_backend_down_with_its_rows_kept_and_it_recovers(airflow, password, tmp_path):
    relay = Relay(int(airflow.url.rsplit(":", 1)[1]))
    await relay.start()
    airflow_adapter = AirflowAdapter(settings(relay.url, timeout=2, deadline=5))
    watching = Monitor([airflow_adapter], clock=airflow_adapter.clock, store=MemoryStore(tmp_path))
    try:
        await watching.poll_once()
        assert watching.health()["airflow"].status is HealthStatus.OK
        known = {job.id for job in watching.jobs()}
        assert airflow.ids["ok"] in known
        await relay.stop()
        for _ in range(4):
            await watching.poll_once()
        health = watching.health()["airflow"]
        assert health.status is HealthStatus.DOWN
        assert health.last_error is not None and "cannot connect" in health.last_error
        assert {job.id for job in watching.jobs()} == known  # the rows stay
        await relay.start()
        await watching.poll_once()
        assert watching.health()["airflow"].status is HealthStatus.OK
    finally:
        await watching.stop()
        await relay.stop()


async def test_a_wrong_password_is_an_auth_error_naming_its_variable_and_never_showing_it(airflow, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "wrong-sekrit-9d2e")
    airflow_adapter = AirflowAdapter(settings(airflow.url))
    await airflow_adapter.open()
    try:
        with pytest.raises(AuthFailed) as raised:
            await airflow_adapter.list_jobs()
        assert f"${PASSWORD_ENV}" in str(raised.value) and "'admin'" in str(raised.value)
        assert "wrong-sekrit-9d2e" not in str(raised.value)
    finally:
        await airflow_adapter.close()
    monkeypatch.delenv(PASSWORD_ENV)
    with pytest.raises(AuthFailed, match=PASSWORD_ENV):
        await AirflowAdapter(settings(airflow.url)).open()


class ShiftedClock(SystemClock):
    """The real clock, moved on by ``ahead`` seconds when told."""

    ahead = 0.0

    def now(self) -> datetime:
        return super().now() + timedelta(seconds=self.ahead)


async def test_a_token_is_renewed_before_it_expires_and_once_when_airflow_refuses_it(airflow, password):
    clock = ShiftedClock()
    airflow_adapter = AirflowAdapter(settings(airflow.url), clock=clock)
    await airflow_adapter.open()
    try:
        await airflow_adapter.list_jobs()
        tokens = airflow_adapter.tokens
        assert tokens.obtained == 1
        await airflow_adapter.list_jobs()
        assert tokens.obtained == 1  # still valid: kept
        clock.ahead = 3 * 86400.0  # past its expiry
        await airflow_adapter.list_jobs()
        assert tokens.obtained == 2
        tokens.spoil()  # as if Airflow had restarted with another secret: the token is refused
        assert airflow.ids["ok"] in {job.id for job in await airflow_adapter.list_jobs()}
        assert tokens.obtained == 3
    finally:
        await airflow_adapter.close()
