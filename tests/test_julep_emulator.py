"""The Julep emulator follows the wire contract (shared/contracts/julep.md), and
the vendor's own SDK (`julep` from PyPI) works against it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import julep
import pytest

from jobdeck.emulators import create_emulator
from jobdeck.emulators.core import SimClock
from jobdeck.emulators.faults import Faults
from jobdeck.emulators.julep import DEFAULT_API_KEY, JulepEmulator
from jobdeck.emulators.server import running

BEARER = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
UNKNOWN = "00000000-0000-7000-8000-000000000000"
JOB_FIELDS = {"id", "created_at", "updated_at", "name", "reason", "has_progress", "progress", "state"}
JOB_STATES = {"pending", "in_progress", "retrying", "succeeded", "aborted", "failed", "unknown"}


def new_emulator(**kwargs: Any) -> JulepEmulator:
    kwargs.setdefault("spawn_every", None)
    return JulepEmulator(seed=3, clock=SimClock(speed=0), stream_poll=0.01, **kwargs)


@pytest.fixture
def emulator() -> JulepEmulator:
    return new_emulator()


@pytest.fixture
async def http(emulator: JulepEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=emulator.transport(), base_url="http://julep.test", headers=BEARER) as client:
        yield client


def executions_with(emulator: JulepEmulator, status: str) -> list[str]:
    return [e.id for e in emulator.world.executions.values() if e.status == status]


async def sse_data(response: httpx.Response) -> list[dict[str, Any]]:
    return [json.loads(line[len("data: "):]) async for line in response.aiter_lines() if line.startswith("data: ")]


# -- jobs ------------------------------------------------------------------------------------


async def test_a_job_status_has_all_eight_fields_and_follows_its_execution(emulator, http):
    task = emulator.task_ids()[0]
    created = (await http.post(f"/tasks/{task}/executions", json={"input": {"document": "x.pdf"}})).json()
    job_id = emulator.world.executions[created["id"]].job_id

    body = (await http.get(f"/jobs/{job_id}")).json()
    assert set(body) == JOB_FIELDS
    assert body["name"] == "TaskExecutionWorkflow"
    assert (body["state"], body["reason"]) == ("in_progress", "Execution status: in_progress")
    assert (body["has_progress"], body["progress"]) == (False, 0.0)

    emulator.advance(60)
    final = (await http.get(f"/jobs/{job_id}")).json()
    assert final["state"] in {"succeeded", "failed"}
    assert final["reason"] == f"Execution status: {final['state']}"


async def test_the_server_never_says_pending_or_retrying(emulator, http):
    seen: set[str] = set()
    for _ in range(6):
        for job_id in emulator.job_ids():
            state = (await http.get(f"/jobs/{job_id}")).json()["state"]
            seen.add(state)
        emulator.advance(5)
    assert seen <= JOB_STATES - {"pending", "retrying"}
    assert {"in_progress", "succeeded", "failed"} <= seen


async def test_an_unknown_job_is_a_400_with_code_not_found_not_a_404(http):
    response = await http.get(f"/jobs/{UNKNOWN}")
    assert response.status_code == 400
    assert response.json() == {"error": {"message": "job not found or invalid", "code": "NOT_FOUND", "type": "rpc_error"}}


async def test_a_job_id_that_is_not_a_uuid_is_a_422_validation_error(http):
    response = await http.get("/jobs/not-a-uuid")
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["message"], error["code"]) == ("Validation error", "validation_error")
    assert error["details"][0]["loc"] == ["path", "job_id"]


async def test_jobs_cannot_be_listed_only_fetched_one_by_one(http):
    response = await http.get("/jobs")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "http_404"


# -- auth ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{"Authorization": f"Bearer {DEFAULT_API_KEY}"}, {"X-Auth-Key": DEFAULT_API_KEY}, {"Authorization": DEFAULT_API_KEY}],
    ids=["authorization-bearer", "x-auth-key", "authorization-bare"],
)
async def test_the_api_key_is_accepted_in_either_header(emulator, headers):
    async with httpx.AsyncClient(transport=emulator.transport(), base_url="http://julep.test") as client:
        response = await client.get(f"/jobs/{emulator.job_ids()[0]}", headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"X-Auth-Key": "wrong"}])
async def test_a_wrong_or_missing_key_is_a_403_in_the_wrapped_error_body(emulator, headers):
    async with httpx.AsyncClient(transport=emulator.transport(), base_url="http://julep.test") as client:
        response = await client.get(f"/jobs/{emulator.job_ids()[0]}", headers=headers)
    assert response.status_code == 403
    assert response.json() == {"error": {"message": "Could not validate API KEY", "code": "http_403", "type": "http_error"}}


# -- executions ------------------------------------------------------------------------------------


async def test_executions_are_listed_newest_first_and_paged_by_limit_and_offset(emulator, http):
    task = emulator.task_ids()[1]
    everything = (await http.get(f"/tasks/{task}/executions")).json()
    assert set(everything) == {"items"}  # no total: Julep lists have none
    created = [item["created_at"] for item in everything["items"]]
    assert created == sorted(created, reverse=True) and len(created) >= 3

    page = (await http.get(f"/tasks/{task}/executions", params={"limit": 2, "offset": 1})).json()["items"]
    assert [item["id"] for item in page] == [item["id"] for item in everything["items"][1:3]]
    ascending = (await http.get(f"/tasks/{task}/executions", params={"direction": "asc"})).json()["items"]
    assert [item["id"] for item in ascending] == [item["id"] for item in reversed(everything["items"])]
    by_update = (await http.get(f"/tasks/{task}/executions", params={"sort_by": "updated_at"})).json()["items"]
    updated = [item["updated_at"] for item in by_update]
    assert updated == sorted(updated, reverse=True)


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 1000}, {"offset": -1}, {"sort_by": "name"}, {"direction": "up"}]
)
async def test_bad_list_parameters_are_a_422_validation_error(emulator, http, params):
    response = await http.get(f"/tasks/{emulator.task_ids()[0]}/executions", params=params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_a_created_execution_starts_steps_through_transitions_and_ends(emulator, http):
    task = emulator.task_ids()[0]
    response = await http.post(f"/tasks/{task}/executions", json={"input": {"document": "a.pdf"}, "metadata": {"k": 1}})
    assert response.status_code == 201
    execution = response.json()
    assert (execution["status"], execution["input"], execution["metadata"]) == ("queued", {"document": "a.pdf"}, {"k": 1})

    emulator.advance(1)
    assert (await http.get(f"/executions/{execution['id']}")).json()["status"] == "starting"
    emulator.advance(1)
    assert (await http.get(f"/executions/{execution['id']}")).json()["status"] == "running"
    emulator.advance(60)
    final = (await http.get(f"/executions/{execution['id']}")).json()
    assert final["status"] in {"succeeded", "failed", "awaiting_input"}
    types = [t["type"] for t in (await http.get(f"/executions/{execution['id']}/transitions",
                                                params={"direction": "asc"})).json()["items"]]
    assert types[0] == "init" and "step" in types
    assert final["transition_count"] == len(types)


async def test_creating_an_execution_of_an_unknown_task_or_with_a_bad_body_is_refused(emulator, http):
    assert (await http.post(f"/tasks/{UNKNOWN}/executions", json={"input": {}})).status_code == 404
    bad = await http.post(f"/tasks/{emulator.task_ids()[0]}/executions", json={"inputs": {}})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"


async def test_stopping_an_execution_by_put_cancels_it_and_aborts_its_job(emulator, http):
    running_id = executions_with(emulator, "running")[0]
    response = await http.put(f"/executions/{running_id}", json={"status": "cancelled", "reason": "enough"})
    assert response.status_code == 200
    execution = (await http.get(f"/executions/{running_id}")).json()
    assert execution["status"] == "cancelled"
    last = (await http.get(f"/executions/{running_id}/transitions")).json()["items"][0]
    assert (last["type"], last["next"]) == ("cancelled", None)
    job = (await http.get(f"/jobs/{emulator.execution(running_id).job_id}")).json()
    assert job["state"] == "aborted"

    again = await http.put(f"/executions/{running_id}", json={"status": "cancelled", "reason": None})
    assert again.status_code == 500
    assert again.json()["error"]["message"] == "Failed to stop execution"


async def test_an_execution_awaiting_input_is_resumed_by_put(emulator, http):
    waiting = executions_with(emulator, "awaiting_input")[0]
    response = await http.put(f"/executions/{waiting}", json={"status": "running", "input": {"approved": True}})
    assert response.status_code == 200
    assert (await http.get(f"/executions/{waiting}")).json()["status"] == "running"
    emulator.advance(60)
    assert (await http.get(f"/executions/{waiting}")).json()["status"] == "succeeded"

    refused = await http.put(f"/executions/{waiting}", json={"status": "running", "input": {}})
    assert refused.status_code == 500 and refused.json()["error"]["message"] == "Failed to resume execution"
    invalid = await http.put(f"/executions/{waiting}", json={"status": "paused"})
    assert invalid.status_code == 400 and invalid.json()["error"]["code"] == "http_400"


# -- transitions ---------------------------------------------------------------------------------------


async def test_transitions_are_newest_first_by_default_and_each_can_be_fetched(emulator, http):
    finished = executions_with(emulator, "succeeded")[0]
    items = (await http.get(f"/executions/{finished}/transitions")).json()["items"]
    assert [t["type"] for t in items][0] == "finish" and items[-1]["type"] == "init"
    assert items[0]["next"] is None and items[-1]["next"]["step"] == 1
    assert set(items[0]["current"]) == {"workflow", "step", "scope_id"}

    one = await http.get(f"/executions/{finished}/transitions/{items[1]['id']}")
    assert one.json() == items[1]
    missing = await http.get(f"/executions/{finished}/transitions/{UNKNOWN}")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "Transition not found"


async def test_an_unknown_execution_is_a_404_in_the_wrapped_body(http):
    response = await http.get(f"/executions/{UNKNOWN}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "http_404"


# -- event streams ---------------------------------------------------------------------------------


async def test_the_status_stream_sends_each_change_and_closes_when_the_execution_ends(emulator, http):
    running_id = executions_with(emulator, "running")[0]
    async with http.stream("GET", f"/executions/{running_id}/status.stream") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()
        first = await anext(line async for line in lines if line.startswith("data: "))
        assert json.loads(first[6:])["status"] == "running"
        emulator.advance(60)
        rest = [json.loads(line[6:]) async for line in lines if line.startswith("data: ")]
    assert rest[-1]["status"] in {"succeeded", "failed"}
    assert rest[-1]["execution_id"] == running_id


async def test_the_transitions_stream_resumes_from_next_token_and_closes_at_the_end(emulator, http):
    finished = executions_with(emulator, "failed")[0]
    everything = (await http.get(f"/executions/{finished}/transitions", params={"direction": "asc"})).json()["items"]
    async with http.stream("GET", f"/executions/{finished}/transitions.stream", params={"next_token": 1}) as response:
        streamed = await sse_data(response)
    assert streamed == everything[1:]


# -- faults, drift, determinism --------------------------------------------------------------------


async def test_the_unauthorized_fault_answers_401_in_julep_s_error_format(emulator, http):
    emulator.faults = Faults(unauthorized=True)
    response = await http.get(f"/jobs/{emulator.job_ids()[0]}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "http_401"


async def test_drift_adds_unknown_states_and_drops_optional_fields(emulator, http):
    emulator.faults = Faults(drift=True)
    running_job = emulator.execution(executions_with(emulator, "running")[0]).job_id
    body = (await http.get(f"/jobs/{running_job}")).json()
    assert body["state"] == "suspended" and "reason" not in body and "progress" not in body


def test_the_same_seed_gives_the_same_world():
    def snapshot(emulator: JulepEmulator) -> list[tuple[str, str, int]]:
        emulator.advance(90)
        return [(e.id, e.status, len(e.transitions)) for e in emulator.world.executions.values()]

    assert snapshot(new_emulator(spawn_every=10)) == snapshot(new_emulator(spawn_every=10))
    assert snapshot(new_emulator(spawn_every=10)) != snapshot(JulepEmulator(seed=4, clock=SimClock(speed=0)))


def test_the_emulator_is_registered_under_its_kind():
    assert isinstance(create_emulator("julep", seed=1, speed=0), JulepEmulator)


# -- the vendor's own SDK ------------------------------------------------------------------------


def test_the_vendor_sdk_reads_jobs_executions_and_transitions():
    emulator = new_emulator()
    finished = executions_with(emulator, "succeeded")[0]
    with running(emulator) as url, julep.Julep(api_key=DEFAULT_API_KEY, base_url=url, max_retries=0) as client:
        job = client.jobs.get(emulator.execution(finished).job_id)
        assert (job.state, job.name, job.has_progress) == ("succeeded", "TaskExecutionWorkflow", False)

        task = emulator.execution(finished).task_id
        executions = client.executions.list(task, limit=2, direction="desc")
        assert len(executions.items) == 2
        assert all(e.task_id == task for e in executions.items)

        transitions = client.executions.transitions.list(finished, direction="asc")
        assert [t.type for t in transitions.items][0] == "init"
        assert transitions.items[-1].type == "finish"
        one = client.executions.transitions.retrieve(transitions.items[0].id, execution_id=finished)
        assert one.id == transitions.items[0].id

        assert client.executions.get(finished).status == "succeeded"
        with pytest.raises(julep.BadRequestError):
            client.jobs.get(UNKNOWN)


def test_the_vendor_sdk_starts_and_stops_an_execution():
    emulator = new_emulator()
    task = emulator.task_ids()[0]
    with running(emulator) as url, julep.Julep(api_key=DEFAULT_API_KEY, base_url=url, max_retries=0) as client:
        created = client.executions.create(task, input={"document": "sdk.pdf"})
        assert created.status == "queued"
        client.executions.change_status(created.id, status="cancelled", reason="from the sdk")
        assert client.executions.get(created.id).status == "cancelled"


# -- the demo ----------------------------------------------------------------------------------------


def test_the_demo_watches_jobs_and_tasks_its_server_knows_and_some_executions_fail():
    from jobdeck.adapters.julep import JulepSettings
    from jobdeck.emulators.julep.demo import DEMO, MISSING_JOB

    settings = JulepSettings(**DEMO.settings("http://127.0.0.1:9"))
    assert settings.api_key_env in DEMO.env
    emulator = JulepEmulator(seed=DEMO.seed, speed=0)  # what `jobdeck demo` starts, frozen
    assert settings.tasks == emulator.task_ids()
    assert set(settings.jobs) - {MISSING_JOB} <= set(emulator.job_ids())
    assert MISSING_JOB not in emulator.job_ids()

    emulator.advance(300)  # a stream of new executions arrives meanwhile
    statuses = [e.status for e in emulator.world.executions.values()]
    assert len(statuses) > 20
    assert statuses.count("failed") >= 3 and statuses.count("succeeded") >= 5


def test_the_demo_asks_the_running_server_for_its_ids_whatever_its_seed():
    from jobdeck.emulators.julep.demo import DEMO, MISSING_JOB

    emulator = new_emulator()  # not the demo's seed, as `jobdeck emulate julep --seed 3` makes
    with running(emulator) as url:
        settings = DEMO.settings(url)
    assert settings["tasks"] == emulator.task_ids()
    assert settings["jobs"] == [*emulator.showcase_jobs, MISSING_JOB]
    assert sorted(settings["task_names"].values()) == ["summarize-docs", "translate-batch"]
