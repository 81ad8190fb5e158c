"""The Intuned emulator follows the wire contract, and the vendor's own client works against it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from intuned_client import AsyncIntunedClient, IntunedClient
from intuned_client.exceptions import AuthenticationError, NotFoundError

from jobdeck.emulators.core import SimClock
from jobdeck.emulators.faults import Faults
from jobdeck.emulators.intuned import DEFAULT_API_KEY, DEFAULT_PROJECT, DEFAULT_WORKSPACE_ID, IntunedEmulator
from jobdeck.emulators.server import running

ROOT = "http://intuned.test/api/v1/workspace"
JOBS = f"/api/v1/workspace/{DEFAULT_WORKSPACE_ID}/projects/{DEFAULT_PROJECT}/jobs"
KEY = {"x-api-key": DEFAULT_API_KEY}


def new_emulator(**kwargs: Any) -> IntunedEmulator:
    return IntunedEmulator(seed=7, clock=SimClock(speed=0), **kwargs)


@pytest.fixture
def emulator() -> IntunedEmulator:
    return new_emulator()


@pytest.fixture
async def http(emulator: IntunedEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=emulator.transport(), base_url="http://intuned.test",
                                 headers=KEY) as client:
        yield client


def job_body(job_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": job_id,
        "payload": [{"apiName": "scrape", "parameters": {"page": n}} for n in range(1, 6)],
        "configuration": {"maxConcurrentRequests": 1},
        **extra,
    }


# -- the wire shape ------------------------------------------------------------------


async def test_the_job_list_is_a_bare_array_with_snake_case_ids_and_camel_case_configuration(http):
    response = await http.get(JOBS)
    assert response.status_code == 200
    jobs = response.json()
    assert isinstance(jobs, list)
    nightly = next(job for job in jobs if job["id"] == "nightly-prices")
    assert nightly["workspace_id"] == DEFAULT_WORKSPACE_ID
    assert "project_id" in nightly and "projectId" not in nightly
    assert nightly["configuration"]["maxConcurrentRequests"] == 2
    assert nightly["configuration"]["retry"] == {"maximumAttempts": 3}
    assert nightly["payload"][0]["apiName"] == "scrape-category"
    assert nightly["state"] == "ACTIVE"
    assert nightly["next_run_time"] == "2026-01-02T02:00:00.000Z"
    assert {job["state"] for job in jobs} == {"ACTIVE", "PAUSED"}


async def test_getting_one_job_returns_job_details_with_camel_case_project_id(http):
    details = (await http.get(f"{JOBS}/nightly-prices")).json()
    assert "projectId" in details and "project_id" not in details and "workspace_id" not in details
    assert details["sink"]["secretAccessKey"]  # the backend itself returns it; the adapter must redact it
    assert details["auth_session"]["checkAttempts"] == 3


async def test_the_run_list_is_paged_from_page_zero_and_counts_every_run(http):
    first = (await http.get(f"{JOBS}/nightly-prices/runs", params={"pageSize": "2", "pageNumber": "0"})).json()
    second = (await http.get(f"{JOBS}/nightly-prices/runs", params={"pageSize": "2", "pageNumber": "1"})).json()
    assert set(first) == {"jobRuns", "totalCount"}
    assert first["totalCount"] == second["totalCount"] == 5
    assert len(first["jobRuns"]) == len(second["jobRuns"]) == 2
    starts = [run["start_time"] for run in first["jobRuns"] + second["jobRuns"]]
    assert starts == sorted(starts, reverse=True)  # the default order is start_time,desc
    assert {run["id"] for run in first["jobRuns"]}.isdisjoint(run["id"] for run in second["jobRuns"])


async def test_the_run_list_sorts_by_several_keys(http):
    body = (await http.get(f"{JOBS}/nightly-prices/runs", params={"sortBy": "status,asc/start_time,asc"})).json()
    keys = [(run["status"], run["start_time"]) for run in body["jobRuns"]]
    assert keys == sorted(keys)


async def test_bad_paging_and_sorting_get_the_documented_400_body(http):
    for params in ({"pageSize": "zero"}, {"pageNumber": "-1"}, {"sortBy": "colour,asc"}):
        response = await http.get(f"{JOBS}/nightly-prices/runs", params=params)
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "bad-request" and body["category"] == "user"
        assert body["retirable"] is False and body["correlationId"]


async def test_a_run_detail_wraps_the_run_in_job_run_and_links_the_results(http):
    runs = (await http.get(f"{JOBS}/nightly-prices/runs", params={"pageSize": "1"})).json()["jobRuns"]
    body = (await http.get(f"{JOBS}/nightly-prices/runs/{runs[0]['id']}")).json()
    assert body["jobRun"]["id"] == runs[0]["id"]
    assert body["jobRun"]["payloads"] == 40
    assert body["jobRun"]["successful_runs"] + body["jobRun"]["failed_runs"] == 40
    assert body["results"]["format"] == "json" and body["results"]["signed_url"].startswith("https://")


async def test_a_failed_run_carries_the_error_with_code_category_and_correlation_id(http):
    runs = (await http.get(f"{JOBS}/login-check/runs", params={"pageSize": "1"})).json()["jobRuns"]
    error = runs[0]["error"]
    assert runs[0]["status"] == "FAILURE"
    assert error["code"] == "internal-server-error" and error["category"] == "infrastructure"
    assert error["correlationId"] and error["doc_url"].startswith("https://docs.intunedhq.com/")
    assert "retirable" in error


async def test_unknown_jobs_runs_projects_and_workspaces_are_404_with_the_error_body(http):
    other_workspace = JOBS.replace(DEFAULT_WORKSPACE_ID, "00000000-0000-4000-8000-000000000000")
    for path in (f"{JOBS}/nightly-pricez", f"{JOBS}/nightly-prices/runs/nope",
                 JOBS.replace(DEFAULT_PROJECT, "no-such-project"), other_workspace):
        response = await http.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not-found"
    assert (await http.get(f"{JOBS}/nightly-pricez")).json()["message"] == "Job nightly-pricez not found"


async def test_a_missing_or_wrong_api_key_is_401_unauthorized(http):
    for headers in ({"x-api-key": ""}, {"x-api-key": "wrong"}):
        response = await http.get(JOBS, headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"
    bearer = await http.get(JOBS, headers={"x-api-key": "", "Authorization": f"Bearer {DEFAULT_API_KEY}"})
    assert bearer.status_code == 401  # no bearer tokens on Intuned


# -- jobs: create, update, pause, resume, delete ------------------------------------


async def test_creating_updating_and_deleting_a_job(http):
    created = await http.post(JOBS, json=job_body("fresh", schedule={"intervals": [{"every": "10m"}]}))
    assert created.status_code == 201
    assert created.json() == {"id": "fresh", "message": "created"}
    details = (await http.get(f"{JOBS}/fresh")).json()
    assert details["configuration"]["requestTimeout"] == 600  # the documented default
    assert details["next_run_time"] == "2026-01-01T12:10:00.000Z"

    update = {k: v for k, v in job_body("fresh").items() if k != "id"}
    update["configuration"] = {"requestTimeout": 60}
    updated = await http.put(f"{JOBS}/fresh", json=update)
    assert updated.json() == {"id": "fresh", "message": "updated job successfully"}
    assert (await http.get(f"{JOBS}/fresh")).json()["configuration"]["requestTimeout"] == 60

    deleted = await http.delete(f"{JOBS}/fresh")
    assert deleted.status_code == 204 and deleted.content == b""
    assert (await http.get(f"{JOBS}/fresh")).status_code == 404


async def test_an_invalid_or_duplicate_job_is_a_400_naming_the_problem(http):
    invalid = await http.post(JOBS, json={"id": "x", "payload": [], "configuration": {}})
    assert invalid.status_code == 400
    assert any(detail["path"] == "payload" for detail in invalid.json()["details"])
    duplicate = await http.post(JOBS, json=job_body("nightly-prices"))
    assert duplicate.status_code == 400 and "already exists" in duplicate.json()["message"]
    bad_schedule = await http.post(JOBS, json=job_body("y", schedule={"intervals": [{"every": "soon"}]}))
    assert bad_schedule.status_code == 400
    not_json = await http.post(JOBS, content=b"{nope", headers={"content-type": "application/json"})
    assert not_json.status_code == 400


async def test_pausing_a_job_pauses_its_active_run_and_resuming_resumes_it(http, emulator):
    await http.post(JOBS, json=job_body("slow"))
    run_id = (await http.post(f"{JOBS}/slow/trigger")).json()["jobRunId"]
    assert (await http.post(f"{JOBS}/slow/pause")).json() == {"message": "Paused"}
    job = next(j for j in (await http.get(JOBS)).json() if j["id"] == "slow")
    assert job["state"] == "PAUSED" and job["reason"]["type"] == "paused"
    statuses = []
    for _ in range(2):
        statuses.append((await http.get(f"{JOBS}/slow/runs/{run_id}")).json()["jobRun"]["status"])
        emulator.advance(1)
    assert statuses == ["PAUSING", "PAUSED"]
    emulator.advance(30)
    assert (await http.get(f"{JOBS}/slow/runs/{run_id}")).json()["jobRun"]["successful_runs"] == 0

    assert (await http.post(f"{JOBS}/slow/resume")).json() == {"message": "Resumed"}
    assert (await http.get(f"{JOBS}/slow/runs/{run_id}")).json()["jobRun"]["status"] == "RESUMING"
    emulator.advance(30)
    run = (await http.get(f"{JOBS}/slow/runs/{run_id}")).json()["jobRun"]
    assert run["status"] in {"SUCCESS", "COMPLETED", "FAILURE"} and run["end_time"]


# -- the simulation --------------------------------------------------------------------


async def run_of(http: httpx.AsyncClient, job_id: str, run_id: str) -> dict[str, Any]:
    return (await http.get(f"{JOBS}/{job_id}/runs/{run_id}")).json()["jobRun"]


async def test_a_triggered_run_works_through_its_payloads_and_the_counts_grow(http, emulator):
    await http.post(JOBS, json=job_body("counted"))
    run_id = (await http.post(f"{JOBS}/counted/trigger")).json()["jobRunId"]
    seen = []
    for _ in range(10):
        run = await run_of(http, "counted", run_id)
        seen.append((run["status"], run["successful_runs"] + run["failed_runs"]))
        emulator.advance(1)
    assert seen[0] == ("PENDING", 0)  # there is no RUNNING status: PENDING covers queued and in flight
    done = [count for _, count in seen]
    assert done == sorted(done) and done[-1] == 5
    assert seen[-1][0] in {"SUCCESS", "COMPLETED"}
    assert run["type"] == "MANUAL" and run["payloads"] == 5 and run["end_time"]


async def test_a_trigger_while_a_run_is_active_is_canceled_with_another_job_run_active(http):
    await http.post(JOBS, json=job_body("busy"))
    first = (await http.post(f"{JOBS}/busy/trigger")).json()["jobRunId"]
    second = (await http.post(f"{JOBS}/busy/trigger")).json()
    run = await run_of(http, "busy", second["jobRunId"])
    assert run["status"] == "CANCELED"
    assert run["reason"]["type"] == "another-job-run-active"
    assert (await run_of(http, "busy", first))["status"] == "PENDING"


async def test_a_paused_job_cannot_be_triggered(http):
    response = await http.post(f"{JOBS}/weekly-report/trigger")
    assert response.status_code == 400 and "paused" in response.json()["message"]


async def test_terminating_an_active_run_ends_it_terminated_by_user_request(http, emulator):
    await http.post(JOBS, json=job_body("stopme"))
    run_id = (await http.post(f"{JOBS}/stopme/trigger")).json()["jobRunId"]
    emulator.advance(3)
    response = await http.post(f"{JOBS}/stopme/runs/{run_id}/terminate")
    assert response.status_code == 200 and response.json()["message"]
    run = await run_of(http, "stopme", run_id)
    assert run["status"] == "TERMINATED" and run["reason"]["type"] == "user-request"
    emulator.advance(30)
    assert (await run_of(http, "stopme", run_id))["successful_runs"] + (await run_of(http, "stopme", run_id))[
        "failed_runs"] < 5


async def test_a_scheduled_job_starts_scheduled_runs_on_its_interval(http, emulator):
    emulator.advance(1)  # catalog-sync is due at the start
    runs = (await http.get(f"{JOBS}/catalog-sync/runs", params={"pageSize": "1"})).json()["jobRuns"]
    assert runs[0]["type"] == "SCHEDULED" and runs[0]["status"] == "PENDING"
    assert runs[0]["start_time"] == "2026-01-01T12:00:00.000Z"
    emulator.advance(180)
    body = (await http.get(f"{JOBS}/catalog-sync/runs", params={"pageSize": "2"})).json()
    assert body["totalCount"] == 5
    assert body["jobRuns"][0]["start_time"] == "2026-01-01T12:03:00.000Z"


async def test_the_simulation_is_deterministic_for_a_seed():
    async def history(seed: int) -> list[tuple[str, int, int]]:
        emulator = IntunedEmulator(seed=seed, clock=SimClock(speed=0))
        async with httpx.AsyncClient(transport=emulator.transport(), base_url="http://t", headers=KEY) as client:
            emulator.advance(400)
            runs = (await client.get(f"{JOBS}/catalog-sync/runs")).json()["jobRuns"]
        return [(run["id"], run["successful_runs"], run["failed_runs"]) for run in runs]

    assert await history(3) == await history(3)
    assert await history(3) != await history(4)


# -- faults in the backend's own format ------------------------------------------------


async def test_injected_errors_use_the_intuned_error_body(http, emulator):
    emulator.faults = Faults(error_rate=1.0)
    response = await http.get(JOBS)
    assert response.status_code == 503
    assert response.json()["category"] == "infrastructure" and response.json()["retirable"] is True
    emulator.faults = Faults(unauthorized=True)
    assert (await http.get(JOBS)).json()["code"] == "unauthorized"


async def test_drift_adds_unknown_enum_values_and_drops_optional_fields(http, emulator):
    await http.post(JOBS, json=job_body("drifty"))
    await http.post(f"{JOBS}/drifty/trigger")
    emulator.faults = Faults(drift=True)
    runs = (await http.get(f"{JOBS}/drifty/runs")).json()["jobRuns"]
    assert runs[0]["status"] == "RUNNING" and "reason" not in runs[0]
    jobs = (await http.get(JOBS)).json()
    assert "ARCHIVED" in {job["state"] for job in jobs}
    assert all("schedule_id" not in job for job in jobs)


# -- the vendor's own client ----------------------------------------------------------------


async def test_the_vendor_async_client_lists_jobs_and_runs_gets_a_run_and_triggers_a_job(emulator):
    transport_client = httpx.AsyncClient(transport=emulator.transport())
    async with AsyncIntunedClient(api_key=DEFAULT_API_KEY, workspace_id=DEFAULT_WORKSPACE_ID,
                                  base_url=ROOT, client=transport_client) as client:
        jobs = await client.projects.jobs.list(project_name=DEFAULT_PROJECT)
        assert {job.id for job in jobs} >= {"nightly-prices", "weekly-report"}
        detail = await client.projects.jobs.get(project_name=DEFAULT_PROJECT, job_id="nightly-prices")
        assert detail.project_id and detail.state == "ACTIVE"

        runs = await client.projects.jobs.runs.list(project_name=DEFAULT_PROJECT, job_id="nightly-prices",
                                                    page_size="3", page_number="0", sort_by="start_time,desc")
        assert runs.total_count == 5 and len(runs.job_runs) == 3
        run = await client.projects.jobs.runs.get(project_name=DEFAULT_PROJECT, job_id="nightly-prices",
                                                  job_run_id=runs.job_runs[0].id)
        assert run.job_run.payloads == 40 and run.results is not None

        triggered = await client.projects.jobs.trigger(project_name=DEFAULT_PROJECT, job_id="login-check")
        new_run = await client.projects.jobs.runs.get(project_name=DEFAULT_PROJECT, job_id="login-check",
                                                      job_run_id=triggered.job_run_id)
        assert new_run.job_run.type == "MANUAL" and new_run.job_run.status == "PENDING"
        terminated = await client.projects.jobs.runs.terminate(
            project_name=DEFAULT_PROJECT, job_id="login-check", job_run_id=triggered.job_run_id)
        assert terminated.message

        assert (await client.projects.jobs.pause(project_name=DEFAULT_PROJECT, job_id="login-check")).message == "Paused"
        assert (await client.projects.jobs.resume(project_name=DEFAULT_PROJECT, job_id="login-check")).message == "Resumed"
        created = await client.projects.jobs.create(project_name=DEFAULT_PROJECT, body=job_body("from-sdk"))
        assert created.id == "from-sdk"
        await client.projects.jobs.delete(project_name=DEFAULT_PROJECT, job_id="from-sdk")
        with pytest.raises(NotFoundError):
            await client.projects.jobs.get(project_name=DEFAULT_PROJECT, job_id="from-sdk")
    await transport_client.aclose()


def test_the_vendor_sync_client_works_over_a_loopback_socket():
    emulator = new_emulator()
    with running(emulator) as url:
        with IntunedClient(api_key=DEFAULT_API_KEY, workspace_id=DEFAULT_WORKSPACE_ID,
                           base_url=f"{url}/api/v1/workspace") as client:
            jobs = client.projects.jobs.list(project_name=DEFAULT_PROJECT)
            assert len(jobs) == 4
            runs = client.projects.jobs.runs.list(project_name=DEFAULT_PROJECT, job_id="catalog-sync")
            run = client.projects.jobs.runs.get(project_name=DEFAULT_PROJECT, job_id="catalog-sync",
                                                job_run_id=runs.job_runs[0].id)
            assert run.job_run.job_id == "catalog-sync"
            assert client.projects.jobs.trigger(project_name=DEFAULT_PROJECT, job_id="nightly-prices").job_run_id
        with IntunedClient(api_key="wrong", workspace_id=DEFAULT_WORKSPACE_ID,
                           base_url=f"{url}/api/v1/workspace") as client, pytest.raises(AuthenticationError):
            client.projects.jobs.list(project_name=DEFAULT_PROJECT)


def test_calendar_and_interval_schedules_fire_at_their_times():
    from datetime import UTC, datetime

    from jobdeck.emulators.intuned.models import Schedule
    from jobdeck.emulators.intuned.schedule import next_run

    thursday_noon = datetime(2026, 1, 1, 12, tzinfo=UTC)
    nightly = Schedule(calendars=[{"hour": 2, "minute": 0}])
    weekly = Schedule(calendars=[{"dayOfWeek": "MONDAY", "hour": {"start": 6, "end": 8, "step": 2}}])
    every = Schedule(intervals=[{"every": "90m"}])
    assert next_run(nightly, thursday_noon, thursday_noon) == datetime(2026, 1, 2, 2, tzinfo=UTC)
    assert next_run(weekly, thursday_noon, thursday_noon) == datetime(2026, 1, 5, 6, tzinfo=UTC)
    assert next_run(weekly, datetime(2026, 1, 5, 6, tzinfo=UTC), thursday_noon) == datetime(2026, 1, 5, 8, tzinfo=UTC)
    assert next_run(every, datetime(2026, 1, 1, 13, 31, tzinfo=UTC), thursday_noon) == datetime(
        2026, 1, 1, 15, tzinfo=UTC)
    assert next_run(None, thursday_noon, thursday_noon) is None
