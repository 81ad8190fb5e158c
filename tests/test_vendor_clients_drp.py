"""What drppy-client 4.17 (the vendor's own client) found wrong in the DRP emulator
(issue 23, gaps 1–5), driven through that client over a loopback socket; and the
jobdeck adapter still reading what the emulator now serves."""

from __future__ import annotations

import json
from collections.abc import Iterator

import drppy_client
import pytest
from drppy_client.api.jobs_api import JobsApi
from drppy_client.api.machines_api import MachinesApi
from drppy_client.rest import ApiException

from jobdeck.adapters.drp import DrpAdapter, DrpSettings
from jobdeck.emulators.drp import DrpEmulator
from jobdeck.emulators.drp.models import Job
from jobdeck.emulators.server import running
from jobdeck.model import JobState

USER, PASSWORD = "rocketskates", "r0cketsk8ts"
AUTH = ["Bearer", "basicAuth"]


@pytest.fixture
def emulator() -> DrpEmulator:
    return DrpEmulator(seed=3, speed=0, history=300)


@pytest.fixture
def served(emulator: DrpEmulator) -> Iterator[str]:
    with running(emulator) as url:
        yield url


@pytest.fixture
def client(served: str) -> drppy_client.ApiClient:
    config = drppy_client.Configuration()
    config.host = served + "/api/v3"
    config.username, config.password = USER, PASSWORD
    return drppy_client.ApiClient(config)


@pytest.fixture
def jobs(client: drppy_client.ApiClient) -> JobsApi:
    return JobsApi(client)


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRP_VENDOR_USER", USER)
    monkeypatch.setenv("DRP_VENDOR_PASSWORD", PASSWORD)


async def adapter_on(url: str, **extra: object) -> DrpAdapter:
    auth: dict[str, object] = {"user_env": "DRP_VENDOR_USER", "password_env": "DRP_VENDOR_PASSWORD"}
    if "token_env" in extra:
        auth = {}
    drp = DrpAdapter(DrpSettings(name="drp", endpoint=url, **{**auth, **extra}))
    await drp.open()
    return drp


def failed_machine_job(emulator: DrpEmulator) -> Job:
    """A failed job that is its machine's current one, outside any work order, with no operator coming."""
    job = next(j for j in emulator.world.jobs.values()
               if j.State == "failed" and j.Current and not j.WorkOrder
               and emulator.world.machines[j.Machine].CurrentJob == j.Uuid)
    emulator.world._runners[job.Machine].recover_at = None
    return job


# -- 1. a user token comes with DRP's full Info ------------------------------------------


async def test_1_a_user_token_carries_the_full_server_info_the_client_model_requires(client, served, monkeypatch):
    # The client's own get_user_token sends the name as ?name= under a literal "/users/{name}/token"
    # (a swagger slip a real server answers 404 to, as the emulator does); the path is DRP's.
    token = client.call_api("/users/{name}/token", "GET", {"name": USER}, [("ttl", 600)],
                            {"Accept": "application/json"}, response_type="UserToken",
                            auth_settings=AUTH, _return_http_data_only=True)
    info = token.info
    assert (info.address, info.api_port, info.arch, info.os) == ("127.0.0.1", 8092, "amd64", "linux")
    assert info.version.startswith("v4.") and info.id == info.local_id
    assert {stat.name for stat in info.stats} >= {"machines.count"}
    assert info.license is not None and info.cluster_state is not None
    monkeypatch.setenv("DRP_VENDOR_TOKEN", token.token)
    drp = await adapter_on(served, token_env="DRP_VENDOR_TOKEN")
    try:
        assert await drp.list_jobs()
    finally:
        await drp.close()


# -- 2. reverse flips the order whenever it is present ------------------------------------


async def test_2_reverse_flips_the_order_whatever_its_value(jobs, served, emulator):
    ascending = sorted(emulator.world.jobs)
    assert [job.uuid for job in jobs.list_jobs(sort="Uuid", limit=0)] == ascending
    assert [job.uuid for job in jobs.list_jobs(sort="Uuid", reverse=False, limit=0)] == ascending[::-1]
    assert [job.uuid for job in jobs.list_jobs(sort="Uuid", reverse=True, limit=0)] == ascending[::-1]
    drp = await adapter_on(served, page_size=7)
    try:
        listed = await drp.list_jobs()
        assert sorted(job.ref.id for job in listed) == ascending
        starts = [job.started or job.created for job in listed]
        assert starts == sorted(starts, reverse=True)  # newest first, as the adapter asks
    finally:
        await drp.close()


# -- 3. limit=0 is no limit ---------------------------------------------------------------


async def test_3_limit_zero_disables_the_limit_and_a_negative_one_is_refused(jobs, served, emulator):
    everything = len(emulator.world.jobs)
    assert len(jobs.list_jobs(limit=0)) == everything
    assert len(jobs.list_jobs(limit=0, offset=5)) == everything - 5
    counts = {stat.name: stat.count for stat in jobs.list_stats_jobs(limit=0)}
    assert counts == {"count": everything, "total-count": everything}
    assert len(jobs.list_jobs(limit=3)) == 3
    with pytest.raises(ApiException) as refused:
        jobs.list_jobs(limit=-1)
    assert refused.value.status == 406
    assert json.loads(refused.value.body)["Messages"] == ["Limit cannot be negative"]
    drp = await adapter_on(served, page_size=1, max_jobs=4)  # never sends limit=0
    try:
        assert len(await drp.list_jobs()) == 4
    finally:
        await drp.close()


# -- 4. POST /jobs: the runner asks for its machine's next job ------------------------------


async def test_4_a_runnable_machine_gets_its_failed_task_again_as_a_new_job(client, jobs, served, emulator):
    failed = failed_machine_job(emulator)
    with pytest.raises(ApiException) as stopped:
        jobs.create_job({"Machine": failed.Machine})
    assert stopped.value.status == 409 and "not runnable" in stopped.value.body
    drp = await adapter_on(served)
    try:
        assert (await drp.retry(failed.Uuid)).ok  # PATCH /machines/{uuid} Runnable=true
        rerun, status, _ = jobs.create_job_with_http_info({"Machine": failed.Machine})
        assert status == 201
        assert (rerun.previous, rerun.task, rerun.state, rerun.current_index) == (
            failed.Uuid, failed.Task, "created", failed.CurrentIndex)
        assert MachinesApi(client).get_machine(failed.Machine).current_job == rerun.uuid
        again = await drp.list_jobs()
        listed = next(job for job in again if job.ref.id == rerun.uuid)
        assert listed.state is JobState.PENDING and listed.raw_state == "created"
        assert listed.labels["task"] == failed.Task
    finally:
        await drp.close()
    with pytest.raises(ApiException) as busy:
        jobs.create_job({"Machine": failed.Machine})
    assert busy.value.status == 409 and "already has running or created job" in busy.value.body


async def test_4_post_jobs_answers_every_code_the_contract_lists(jobs, emulator):
    machine = next(m for m in emulator.world.machines.values()
                   if m.Runnable and not m.WorkflowComplete and emulator.world.jobs[m.CurrentJob].State == "finished")
    finished = emulator.world.jobs[machine.CurrentJob]
    created, status, _ = jobs.create_job_with_http_info({"Machine": machine.Uuid})
    assert status == 201
    assert (created.previous, created.current_index) == (finished.Uuid, finished.CurrentIndex + 1)
    jobs.patch_job([{"op": "replace", "path": "/State", "value": "incomplete"}], created.uuid)
    handed_back, status, _ = jobs.create_job_with_http_info({"Machine": machine.Uuid})
    assert (status, handed_back.uuid, handed_back.state) == (202, created.uuid, "incomplete")

    done = next(m for m in emulator.world.machines.values() if m.WorkflowComplete and m.Runnable)
    nothing, status, _ = jobs.create_job_with_http_info({"Machine": done.Uuid})
    assert status == 204 and nothing.uuid is None

    for body, code in (({"Machine": "2d1c0f7e-0000-4000-8000-000000000000"}, 422), ({"Task": "gohai"}, 400),
                       ({"Machine": machine.Uuid, "Uuid": created.uuid}, 409)):
        with pytest.raises(ApiException) as refused:
            jobs.create_job(body)
        assert refused.value.status == code
        assert json.loads(refused.value.body)["Code"] == code


# -- 5. a job's actions ---------------------------------------------------------------------


def test_5_a_job_lists_its_rendered_task_actions(client, jobs, emulator):
    job = next(iter(emulator.world.jobs.values()))
    # The client declares no response type for this call (it returns None), so read its raw answer.
    assert jobs.get_job_actions(job.Uuid) is None
    raw = jobs.get_job_actions_with_http_info(job.Uuid, _preload_content=False)[0]
    actions = json.loads(raw.data)
    assert raw.status == 200 and actions
    assert all(set(action) == {"Name", "Path", "Content", "Meta"} for action in actions)
    assert any(action["Path"] == "" and job.Task in action["Content"] for action in actions)  # a script to run

    def for_os(os: str) -> list[dict]:
        # The client has no os parameter here; the server's ?os= filter is reached through its ApiClient.
        answer = client.call_api(f"/jobs/{job.Uuid}/actions", "GET", {}, [("os", os)], {"Accept": "application/json"},
                                 response_type="object", auth_settings=AUTH, _return_http_data_only=True)
        return answer

    assert [a["Name"] for a in for_os("linux")] == [a["Name"] for a in actions]
    assert [a["Meta"]["OS"] for a in for_os("windows")] == ["any"]
    with pytest.raises(ApiException) as missing:
        jobs.get_job_actions("2d1c0f7e-0000-4000-8000-000000000000")
    assert missing.value.status == 404
