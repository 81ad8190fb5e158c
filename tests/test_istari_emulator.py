"""The Istari emulator follows the wire contract (../shared/contracts/istari.md),
and the vendor's own client (istari-digital-client) works against it."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest

from jobdeck.emulators.istari import DEFAULT_TOKEN, IstariEmulator
from jobdeck.emulators.server import running

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
STATUS_NAMES = {"Created", "Pending", "Claimed", "Validating", "Running", "Uploading", "Completed", "Failed", "Canceled"}
FLOW = ["Created", "Pending", "Claimed", "Validating", "Running", "Uploading", "Completed"]


@pytest.fixture
def emulator() -> IstariEmulator:
    return IstariEmulator(seed=3, speed=0)


@pytest.fixture
async def api(emulator: IstariEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=emulator.transport(), base_url="http://istari.test", headers=AUTH) as client:
        yield client


async def list_jobs(api: httpx.AsyncClient, **params: object) -> dict:
    response = await api.get("/api/v2/jobs", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def status_of(job: dict) -> str:
    return job["status_history"][-1]["name"]


async def a_job_in(api: httpx.AsyncClient, status: str) -> dict:
    items = (await list_jobs(api, status_name=status, size=1))["items"]
    assert items, f"the seeded world has no {status} job"
    return items[0]


# -- listing ---------------------------------------------------------------------------


async def test_total_and_pages_are_null_unless_include_total_is_asked_for(api: httpx.AsyncClient) -> None:
    plain = await list_jobs(api, size=5)
    counted = await list_jobs(api, size=5, include_total="true")
    assert plain["total"] is None and plain["pages"] is None
    assert counted["total"] >= 5 and counted["pages"] == -(-counted["total"] // 5)
    assert plain["page"] == 1 and plain["size"] == 5 and len(plain["items"]) == 5


async def test_pages_start_at_one_and_walk_every_active_job_once(api: httpx.AsyncClient) -> None:
    total = (await list_jobs(api, size=1, include_total="true"))["total"]
    seen: list[str] = []
    page = 1
    while items := (await list_jobs(api, page=page, size=7))["items"]:
        seen.extend(job["id"] for job in items)
        page += 1
    assert len(seen) == len(set(seen)) == total


@pytest.mark.parametrize("params, field", [
    ({"page": 0}, "page"), ({"size": 0}, "size"), ({"size": 101}, "size"),
    ({"status_name": "completed"}, "status_name"), ({"archive_status": "Archived"}, "archive_status"),
    ({"include_total": "maybe"}, "include_total"),
])
async def test_bad_query_parameters_get_fastapis_422(api: httpx.AsyncClient, params: dict, field: str) -> None:
    response = await api.get("/api/v2/jobs", params=params)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", field] and error["msg"] and error["type"]


async def test_status_names_are_title_case_on_the_wire_and_filter_the_list(api: httpx.AsyncClient) -> None:
    everything = await list_jobs(api, size=100, archive_status="all")
    assert {entry["name"] for job in everything["items"] for entry in job["status_history"]} <= STATUS_NAMES
    failed = await list_jobs(api, status_name="Failed", size=100)
    assert failed["items"] and all(status_of(job) == "Failed" for job in failed["items"])


async def test_archived_jobs_are_hidden_unless_archive_status_asks_for_them(api: httpx.AsyncClient) -> None:
    active = await list_jobs(api, size=100, include_total="true")
    archived = await list_jobs(api, size=100, archive_status="archived", include_total="true")
    both = await list_jobs(api, size=100, archive_status="all", include_total="true")
    assert archived["total"] >= 1
    assert active["total"] + archived["total"] == both["total"]
    assert all(job["archive_status_history"][-1]["name"] == "Archived" for job in archived["items"])
    assert not {job["id"] for job in active["items"]} & {job["id"] for job in archived["items"]}


async def test_name_filters_on_a_case_insensitive_part_of_the_function_name(api: httpx.AsyncClient) -> None:
    found = await list_jobs(api, name="MESH", size=100)
    assert found["items"] and all(job["function"]["name"] == "@istari:mesh" for job in found["items"])


async def test_a_models_jobs_come_as_a_page_with_its_total(api: httpx.AsyncClient) -> None:
    model_id = (await list_jobs(api, size=1))["items"][0]["model_id"]
    response = await api.get(f"/api/v2/models/{model_id}/jobs", params={"size": 100})
    body = response.json()
    assert response.status_code == 200 and body["total"] == len(body["items"]) >= 1
    assert all(job["model_id"] == model_id for job in body["items"])
    missing = await api.get("/api/v2/models/m-nope/jobs")
    assert missing.status_code == 404 and missing.json() == {"detail": "Model not found"}


# -- one job ---------------------------------------------------------------------------


async def test_a_job_is_fetched_by_id_and_an_unknown_one_is_a_404(api: httpx.AsyncClient) -> None:
    job = (await list_jobs(api, size=1))["items"][0]
    fetched = await api.get(f"/api/v2/jobs/{job['id']}")
    assert fetched.status_code == 200 and fetched.json()["id"] == job["id"]
    missing = await api.get("/api/v2/jobs/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and missing.json() == {"detail": "Job not found"}


async def test_delete_archives_with_a_reason_and_a_second_delete_is_a_409(api: httpx.AsyncClient) -> None:
    job = await a_job_in(api, "Completed")
    archived = await api.request("DELETE", f"/api/v2/jobs/{job['id']}", json={"reason": "superseded"})
    assert archived.status_code == 200
    last = archived.json()["archive_status_history"][-1]
    assert (last["name"], last["reason"], last["created_by_id"]) == ("Archived", "superseded", "u-42")
    again = await api.delete(f"/api/v2/jobs/{job['id']}")
    assert again.status_code == 409 and again.json() == {"detail": "Job is already archived"}
    # Still there: DELETE archives, it does not delete.
    assert (await api.get(f"/api/v2/jobs/{job['id']}")).status_code == 200


async def test_restore_brings_an_archived_job_back_and_refuses_an_active_one(api: httpx.AsyncClient) -> None:
    job = await a_job_in(api, "Completed")
    refused = await api.post(f"/api/v2/jobs/{job['id']}:restore")
    assert refused.status_code == 409 and refused.json() == {"detail": "Job is not archived"}
    assert (await api.delete(f"/api/v2/jobs/{job['id']}")).status_code == 200
    restored = await api.post(f"/api/v2/jobs/{job['id']}:restore", json={"reason": "still needed"})
    assert restored.status_code == 200
    last = restored.json()["archive_status_history"][-1]
    assert (last["name"], last["reason"]) == ("Active", "still needed")


async def test_an_archive_reason_must_be_a_string(api: httpx.AsyncClient) -> None:
    job = await a_job_in(api, "Completed")
    response = await api.request("DELETE", f"/api/v2/jobs/{job['id']}", json={"reason": 5})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "reason"]


async def test_a_status_update_appends_to_the_history_with_its_message(api: httpx.AsyncClient) -> None:
    template = await a_job_in(api, "Completed")
    job = (await api.post(f"/api/v2/models/{template['model_id']}/jobs", params={"function_name": "@istari:mesh"},
                          json={"revision": template["file"]["revisions"][-1]})).json()
    response = await api.put(f"/api/v2/jobs/{job['id']}/status", params={"status_name": "Canceled"},
                             json={"message": "not needed"})
    assert response.status_code == 200
    last = response.json()["status_history"][-1]
    assert (last["name"], last["message"]) == ("Canceled", "not needed")
    assert len(response.json()["status_history"]) == len(job["status_history"]) + 1
    # A finished job can only be resubmitted (Pending); any other status on it is refused.
    finished = await api.put(f"/api/v2/jobs/{job['id']}/status", params={"status_name": "Running"})
    assert finished.status_code == 409
    resubmitted = await api.put(f"/api/v2/jobs/{job['id']}/status", params={"status_name": "Pending"})
    assert resubmitted.status_code == 200 and status_of(resubmitted.json()) == "Pending"
    missing = await api.put(f"/api/v2/jobs/{job['id']}/status")
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["query", "status_name"]


# -- the simulation ----------------------------------------------------------------------


async def test_a_submitted_job_goes_through_every_status_with_a_message(
    api: httpx.AsyncClient, emulator: IstariEmulator
) -> None:
    template = await a_job_in(api, "Completed")
    flows: list[list[str]] = []
    for _ in range(6):
        response = await api.post(f"/api/v2/models/{template['model_id']}/jobs",
                                  params={"function_name": "@istari:variables"},
                                  json={"revision": template["file"]["revisions"][-1]})
        assert response.status_code == 200 and status_of(response.json()) == "Created"
        flows.append([response.json()["id"]])
    emulator.advance(30 * 60)
    histories = [(await api.get(f"/api/v2/jobs/{flow[0]}")).json()["status_history"] for flow in flows]
    assert all(entry["message"] for history in histories for entry in history)
    assert all(history[-1]["name"] in {"Completed", "Failed", "Canceled"} for history in histories)
    assert FLOW in [[entry["name"] for entry in history] for history in histories]


async def test_submitting_needs_a_known_function_and_a_parameters_revision(api: httpx.AsyncClient) -> None:
    template = await a_job_in(api, "Completed")
    revision = {"revision": template["file"]["revisions"][-1]}
    no_function = await api.post(f"/api/v2/models/{template['model_id']}/jobs", json=revision)
    assert no_function.status_code == 422 and no_function.json()["detail"][0]["loc"] == ["query", "function_name"]
    unknown = await api.post(f"/api/v2/models/{template['model_id']}/jobs", params={"function_name": "nope"},
                             json=revision)
    assert unknown.status_code == 404
    no_body = await api.post(f"/api/v2/models/{template['model_id']}/jobs", params={"function_name": "@istari:mesh"})
    assert no_body.status_code == 422


async def test_agents_see_only_pending_jobs_they_may_claim(api: httpx.AsyncClient) -> None:
    template = await a_job_in(api, "Completed")
    submitted = (await api.post(f"/api/v2/models/{template['model_id']}/jobs", params={"function_name": "@istari:mesh"},
                                json={"revision": template["file"]["revisions"][-1]})).json()
    await api.put(f"/api/v2/jobs/{submitted['id']}/status", params={"status_name": "Pending"})
    response = await api.get("/api/v2/agents/ag-1/available_jobs")
    body = response.json()
    assert response.status_code == 200 and body["total"] == len(body["items"]) >= 1
    assert submitted["id"] in {job["id"] for job in body["items"]}
    assert all(status_of(job) == "Pending" for job in body["items"])
    assert (await api.get("/api/v2/agents/ag-404/available_jobs")).status_code == 404


def test_the_same_seed_gives_the_same_world_and_another_seed_another() -> None:
    def history(seed: int) -> list[tuple[str, str, str | None]]:
        emulator = IstariEmulator(seed=seed, speed=0)
        emulator.advance(120)
        return [(job.id, job.status_name.value, job.status_history[-1].message) for job in emulator.world.jobs.values()]

    assert history(5) == history(5)
    assert history(5) != history(6)


def test_the_simulation_depends_on_simulated_time_not_on_how_it_is_stepped() -> None:
    one_go, in_steps = IstariEmulator(seed=2, speed=0), IstariEmulator(seed=2, speed=0)
    one_go.advance(300)
    for _ in range(10):
        in_steps.advance(30)
    assert one_go.world.summary() == in_steps.world.summary()


# -- auth, storage, drift ----------------------------------------------------------------


async def test_every_api_route_wants_the_bearer_token(emulator: IstariEmulator) -> None:
    async with httpx.AsyncClient(transport=emulator.transport(), base_url="http://istari.test") as anonymous:
        missing = await anonymous.get("/api/v2/jobs")
        wrong = await anonymous.get("/api/v2/jobs", headers={"Authorization": "Bearer nope"})
        admin = await anonymous.get("/_emulator/state")
    assert missing.status_code == wrong.status_code == 401
    assert missing.json() == {"detail": "Not authenticated"} and "detail" in wrong.json()
    assert missing.headers["www-authenticate"] == "Bearer"
    assert admin.status_code == 200 and admin.json()["kind"] == "istari"


async def test_parameters_are_read_through_a_presigned_download_url(api: httpx.AsyncClient) -> None:
    job = await a_job_in(api, "Completed")
    token = job["file"]["revisions"][-1]["content_token"]
    url = (await api.get(f"/api/v2/tokens/{token['sha']}/download-url")).json()["url"]
    async with httpx.AsyncClient(transport=api._transport) as storage:  # no Authorization header
        content = (await storage.get(url)).content
        forged = await storage.get(url.replace("signature=", "signature=0"))
    assert hashlib.sha384(content + token["salt"].encode()).hexdigest() == token["sha"]
    assert forged.status_code == 403
    assert (await api.get("/api/v2/tokens/feed/download-url")).status_code == 404


async def test_drift_renames_statuses_and_drops_optional_fields(api: httpx.AsyncClient, emulator: IstariEmulator) -> None:
    emulator.faults = emulator.faults.model_copy(update={"drift": True})
    drifted = await list_jobs(api, size=100)
    names = {entry["name"] for job in drifted["items"] for entry in job["status_history"]}
    assert "Preflight" in names or "Queued" in names
    assert all("agent_information" not in job for job in drifted["items"])


# -- a client no one here wrote ----------------------------------------------------------


def test_the_vendor_client_lists_gets_archives_and_restores_jobs() -> None:
    from istari_digital_client.sdk import Configuration, Istari

    emulator = IstariEmulator(seed=4, speed=0)
    with running(emulator) as url:
        config = Configuration(registry_url=url, registry_auth_token=DEFAULT_TOKEN,
                               filesystem_cache_enabled=False, retry_enabled=False)
        with Istari(config) as client:
            listed = []
            for job in client.jobs.list(size=10):
                listed.append(job)
                if len(listed) == 15:  # the client pages on by itself
                    break
            assert len(listed) == 15 and len({job.id for job in listed}) == 15
            assert all(job.archive_status_name == "Active" for job in listed)

            done = next(job for job in listed if job.status_name == "Completed")
            fetched = client.jobs.get(done.id)
            assert (fetched.id, fetched.status_name, fetched.function.name) == (done.id, "Completed", done.function.name)
            assert isinstance(fetched.read_parameters_json(), dict)  # download URL + hash check

            client.jobs.archive(done.id)
            assert client.jobs.get(done.id).archive_status_name == "Archived"
            assert done.id in {job.id for job in client.jobs.list(archive_status="archived")}
            assert done.id not in {job.id for job in client.jobs.list(size=100)}

            restored = client.jobs.restore(done.id)
            assert restored.archive_status_name == "Active"
