"""The DRP emulator follows the wire contract (shared/contracts/drp.md), and
the vendor's own client (drppy-client) works against it."""

from __future__ import annotations

import asyncio
import base64
import json

import httpx
import pytest
import websockets

from jobdeck.emulators.drp import DEMO_TOKEN, DrpEmulator
from jobdeck.emulators.server import running

BASIC = {"Authorization": "Basic " + base64.b64encode(b"rocketskates:r0cketsk8ts").decode()}


@pytest.fixture
def emulator() -> DrpEmulator:
    return DrpEmulator(seed=3, speed=0, history=300)


@pytest.fixture
async def client(emulator: DrpEmulator):
    async with httpx.AsyncClient(transport=emulator.transport(), base_url="http://drp.test/api/v3", headers=BASIC) as c:
        yield c


def a_job(emulator: DrpEmulator, **where: object):
    return next(j for j in emulator.world.jobs.values() if all(getattr(j, k) == v for k, v in where.items()))


async def test_the_job_list_is_a_bare_array_of_capitalcase_jobs_with_both_count_headers(client, emulator):
    response = await client.get("/jobs")
    assert response.status_code == 200
    jobs = response.json()
    assert isinstance(jobs, list) and jobs
    assert {"Uuid", "Machine", "State", "ExitState", "StartTime", "EndTime", "Previous", "WorkOrder"} <= set(jobs[0])
    assert response.headers["X-DRP-LIST-TOTAL-COUNT"] == str(len(emulator.world.jobs))
    assert response.headers["X-DRP-LIST-COUNT"] == str(len(jobs))


async def test_list_count_is_counted_after_offset_and_limit_but_total_is_before_filters(client, emulator):
    failed = sum(j.State == "failed" for j in emulator.world.jobs.values())
    assert failed >= 2
    head = await client.head("/jobs", params={"State": "failed"})
    assert head.headers["X-DRP-LIST-COUNT"] == str(failed)
    assert head.content == b""
    paged = await client.head("/jobs", params={"State": "failed", "limit": 1})
    assert paged.headers["X-DRP-LIST-COUNT"] == "1"
    assert paged.headers["X-DRP-LIST-TOTAL-COUNT"] == str(len(emulator.world.jobs))


async def test_offset_skips_items_and_sort_with_reverse_orders_them(client):
    everything = (await client.get("/jobs", params={"sort": "StartTime", "reverse": "true"})).json()
    page = (await client.get("/jobs", params={"sort": "StartTime", "reverse": "true", "offset": 2, "limit": 3})).json()
    assert [j["Uuid"] for j in page] == [j["Uuid"] for j in everything[2:5]]
    starts = [j["StartTime"] for j in everything]
    assert starts[0] >= starts[-1]


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"State": "Ne(finished)"}, lambda j: j["State"] != "finished"),
        ({"State": "In(failed,created)"}, lambda j: j["State"] in ("failed", "created")),
        ({"State": "Nin(finished,running)"}, lambda j: j["State"] not in ("finished", "running")),
        ({"Task": "Re(^disk|^cpu)"}, lambda j: j["Task"].startswith(("disk", "cpu"))),
        ({"CurrentIndex": "Gte(2)"}, lambda j: j["CurrentIndex"] >= 2),
        ({"CurrentIndex": "Between(1,2)"}, lambda j: 1 <= j["CurrentIndex"] <= 2),
        ({"Archived": "true"}, lambda j: j["Archived"] is True),
    ],
)
async def test_filters_use_drp_value_functions(client, params, check):
    jobs = (await client.get("/jobs", params=params)).json()
    assert jobs and all(check(j) for j in jobs)


async def test_a_repeated_filter_key_ors_its_values(client):
    response = await client.get("/jobs", params=[("State", "failed"), ("State", "created")])
    assert {j["State"] for j in response.json()} <= {"failed", "created"}
    assert "failed" in {j["State"] for j in response.json()}


async def test_an_unknown_filter_key_is_406_with_the_drp_error_body(client):
    response = await client.get("/jobs", params={"Foo": "1"})
    assert response.status_code == 406
    assert response.json() == {"Model": "jobs", "Key": "", "Type": "GET", "Messages": ["Filter not found: Foo"], "Code": 406}


async def test_an_unknown_job_is_404_with_the_drp_error_body(client):
    response = await client.get("/jobs/9b0")
    assert response.status_code == 404
    assert response.json() == {"Model": "jobs", "Key": "9b0", "Type": "GET", "Messages": ["Not Found"], "Code": 404}


async def test_missing_credentials_are_401_with_an_empty_body_and_the_drp_challenge(emulator):
    async with httpx.AsyncClient(transport=emulator.transport(), base_url="http://drp.test/api/v3") as bare:
        response = await bare.get("/jobs")
        assert (response.status_code, response.content) == (401, b"")
        assert response.headers["WWW-Authenticate"] == "dr-provision"
        wrong = await bare.get("/jobs", headers={"Authorization": "Basic " + base64.b64encode(b"rocketskates:nope").decode()})
        assert (wrong.status_code, wrong.content) == (403, b"")
        unknown_token = await bare.get("/jobs", headers={"Authorization": "Bearer not-a-token"})
        assert unknown_token.status_code == 403
        assert (await bare.get("/jobs", headers={"Authorization": f"Bearer {DEMO_TOKEN}"})).status_code == 200
        assert (await bare.get("/jobs", params={"token": "rocketskates:r0cketsk8ts"})).status_code == 200


async def test_a_token_from_the_users_endpoint_works_as_bearer(client, emulator):
    token = (await client.get("/users/rocketskates/token", params={"ttl": 60})).json()["Token"]
    response = await client.get("/jobs", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


async def test_patch_applies_an_rfc6902_patch_and_a_failed_test_op_is_409(client, emulator):
    job = a_job(emulator, State="finished")
    ok = await client.patch(f"/jobs/{job.Uuid}", json=[
        {"op": "test", "path": "/State", "value": "finished"},
        {"op": "add", "path": "/Meta/owner", "value": "ops"},
    ])
    assert ok.status_code == 200 and ok.json()["Meta"]["owner"] == "ops"
    stale = await client.patch(f"/jobs/{job.Uuid}", json=[{"op": "test", "path": "/State", "value": "running"}])
    assert stale.status_code == 409 and stale.json()["Code"] == 409
    invalid = await client.patch(f"/jobs/{job.Uuid}", json=[{"op": "replace", "path": "/State", "value": "paused"}])
    assert invalid.status_code == 422
    assert (await client.patch(f"/jobs/{job.Uuid}", json={"State": "x"})).status_code == 400


async def test_delete_returns_the_deleted_job(client, emulator):
    job = a_job(emulator, State="finished")
    response = await client.delete(f"/jobs/{job.Uuid}")
    assert response.json()["Uuid"] == job.Uuid
    assert (await client.get(f"/jobs/{job.Uuid}")).status_code == 404


async def test_the_log_honours_byte_ranges_with_206_and_416(client, emulator):
    job = a_job(emulator, State="finished", Archived=False)
    whole = await client.get(f"/jobs/{job.Uuid}/log")
    assert whole.status_code == 200 and whole.headers["content-type"] == "application/octet-stream"
    size = len(whole.content)
    head = await client.head(f"/jobs/{job.Uuid}/log")
    assert head.headers["Content-Length"] == str(size)
    tail = await client.get(f"/jobs/{job.Uuid}/log", headers={"Range": "bytes=10-"})
    assert tail.status_code == 206
    assert tail.content == whole.content[10:]
    assert tail.headers["Content-Range"] == f"bytes 10-{size - 1}/{size}"
    past = await client.get(f"/jobs/{job.Uuid}/log", headers={"Range": f"bytes={size}-"})
    assert past.status_code == 416


async def test_an_archived_job_has_no_log_but_an_archive_entry(client, emulator):
    job = a_job(emulator, Archived=True)
    assert (await client.get(f"/jobs/{job.Uuid}/log")).status_code == 404
    archive = await client.get(f"/jobs/{job.Uuid}/archive")
    assert archive.status_code == 200 and b"Starting task" in archive.content


async def test_running_jobs_append_to_their_log_as_simulated_time_passes(client, emulator):
    before = {u: len(b) for u, b in emulator.world.logs.items()}
    emulator.advance(5)
    grown = [u for u, b in emulator.world.logs.items() if len(b) > before.get(u, 0)]
    assert grown


async def test_making_a_machine_runnable_reruns_its_failed_task_with_previous_set(client, emulator):
    failed = next(j for j in emulator.world.jobs.values()
                  if j.State == "failed" and j.Current and not j.WorkOrder)
    emulator.world._runners[failed.Machine].recover_at = None  # no operator: only our call
    response = await client.patch(f"/machines/{failed.Machine}", json=[{"op": "replace", "path": "/Runnable", "value": True}])
    assert response.status_code == 200 and response.json()["Runnable"] is True
    emulator.advance(1)
    rerun = next(j for j in emulator.world.jobs.values() if j.Previous == failed.Uuid)
    assert (rerun.Task, rerun.CurrentIndex, rerun.Machine) == (failed.Task, failed.CurrentIndex, failed.Machine)


async def test_the_same_seed_gives_the_same_jobs():
    one, two = DrpEmulator(seed=5, speed=0, history=120), DrpEmulator(seed=5, speed=0, history=120)
    one.advance(30)
    two.advance(30)
    assert [j.wire() for j in one.world.jobs.values()] == [j.wire() for j in two.world.jobs.values()]


async def test_the_websocket_acks_register_and_sends_job_events(emulator):
    with running(emulator) as url:
        ws_url = url.replace("http://", "ws://") + "/api/v3/ws"
        async with websockets.connect(ws_url, additional_headers=BASIC, close_timeout=0.5) as socket:
            await socket.send("register jobs.*.*")
            ack = json.loads(await asyncio.wait_for(socket.recv(), 5))
            assert (ack["Type"], ack["Action"], ack["Key"]) == ("websocket", "register", "jobs.*.*")
            emulator.advance(20)
            event = json.loads(await asyncio.wait_for(socket.recv(), 5))
            assert event["Type"] == "jobs" and event["Action"] in ("create", "update")
            assert event["Object"]["Uuid"] == event["Key"]
            assert event["Principal"].startswith(("runner:", "user:"))


def test_the_vendor_client_lists_gets_and_patches_jobs():
    import drppy_client
    from drppy_client.api.jobs_api import JobsApi

    emulator = DrpEmulator(seed=3, speed=0, history=200)
    with running(emulator) as url:
        config = drppy_client.Configuration()
        config.host = url + "/api/v3"
        config.username, config.password = "rocketskates", "r0cketsk8ts"
        api = JobsApi(drppy_client.ApiClient(config))
        jobs = api.list_jobs(state="finished", limit=5)
        assert len(jobs) == 5 and all(job.state == "finished" for job in jobs)
        one = api.get_job(jobs[0].uuid)
        assert one.machine == jobs[0].machine and one.start_time is not None
        patched = api.patch_job([{"op": "add", "path": "/Meta/seen", "value": "yes"}], jobs[0].uuid)
        assert patched.meta["seen"] == "yes" if isinstance(patched.meta, dict) else patched is not None
