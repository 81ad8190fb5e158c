"""Every jobs operation the vendors' own clients offer, against the emulators (issue 23):
each answers with the status its recipe expects, a status the wire contract lists for
that operation, and a body the client's own models read. A client release that adds an
operation fails the coverage test until the sweep knows it.

DRP: every ``JobsApi`` operation of drppy-client 4.17. Istari: every ``V2Api``
operation of istari-digital-client 13.3.4 under ``/api/v2/jobs``, a model's or an
agent's jobs, and the token URLs a job's files travel through.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import drppy_client
import pytest
from drppy_client.api.jobs_api import JobsApi
from drppy_client.rest import ApiException as DrpApiException
from istari_digital_client.sdk import Configuration, Istari
from istari_digital_client.sdk._exceptions import ApiException as IstariApiException
from istari_digital_client.sdk._generated.v2.api.v2_api import V2Api
from istari_digital_client.sdk._generated.v2.models.access_relationship import AccessRelationship
from istari_digital_client.sdk._generated.v2.models.job_status_name import JobStatusName
from istari_digital_client.sdk._generated.v2.models.new_job import NewJob
from istari_digital_client.sdk._generated.v2.models.new_job_assigned_agent import NewJobAssignedAgent
from istari_digital_client.sdk._generated.v2.models.new_job_assigned_agent_pool import NewJobAssignedAgentPool

from jobdeck.emulators.drp import DrpEmulator
from jobdeck.emulators.istari import DEFAULT_TOKEN, IstariEmulator
from jobdeck.emulators.server import running

# -- Digital Rebar Provision ---------------------------------------------------------------


@dataclass
class DrpCase:
    api: JobsApi
    job: str  #: a finished job whose log is live
    archived: str  #: a job whose log is archived
    machine: str  #: a Runnable machine between two tasks: POST /jobs gives it its next job


#: operation → (the call, the status it should get, the statuses the contract lists for it).
DRP_SWEEP: dict[str, tuple[Callable[[DrpCase], Any], int, set[int]]] = {
    "list_jobs": (lambda c: c.api.list_jobs_with_http_info(state="finished", sort="StartTime", reverse=True),
                  200, {200, 401, 403, 406}),
    "list_stats_jobs": (lambda c: c.api.list_stats_jobs_with_http_info(state="failed"), 200, {200, 401, 403, 406}),
    "create_job": (lambda c: c.api.create_job_with_http_info({"Machine": c.machine}),
                   201, {201, 202, 204, 400, 409, 422}),
    "get_job": (lambda c: c.api.get_job_with_http_info(c.job), 200, {200, 401, 403, 404}),
    "head_job": (lambda c: c.api.head_job_with_http_info(c.job), 200, {200, 404}),
    "patch_job": (lambda c: c.api.patch_job_with_http_info([{"op": "add", "path": "/Meta/seen", "value": "y"}], c.job),
                  200, {200, 400, 401, 403, 404, 406, 409, 422}),
    "put_job": (lambda c: c.api.put_job_with_http_info(c.api.api_client.sanitize_for_serialization(c.api.get_job(c.job)),
                                                       c.job), 200, {200, 400, 401, 403, 404, 422}),
    "delete_job": (lambda c: c.api.delete_job_with_http_info(c.job), 200, {200, 401, 403, 404, 422}),
    "get_job_log": (lambda c: c.api.get_job_log_with_http_info(c.job), 200, {200, 206, 401, 403, 404, 500}),
    "head_job_log": (lambda c: c.api.head_job_log_with_http_info(c.job), 200, {200, 404}),
    # put_job_log takes no body, and the client cannot send an octet-stream without one:
    # the same PUT goes through the client's ApiClient with the bytes.
    "put_job_log": (lambda c: c.api.api_client.call_api(
        f"/jobs/{c.job}/log", "PUT", {}, [], {"Content-Type": "application/octet-stream"},
        body="appended by the sweep\n", auth_settings=["Bearer", "basicAuth"]), 204, {204, 400, 404, 415, 500}),
    # The client's own helper over GET /jobs with drpcli-style filter arguments (data only).
    "filter": (lambda c: c.api.filter("State", "Eq", "finished", "sort", "StartTime", "reverse", "limit", "3"),
               200, {200, 401, 403, 406}),
    "get_job_log_archive": (lambda c: c.api.get_job_log_archive_with_http_info(c.archived), 200, {200, 404}),
    "get_job_actions": (lambda c: c.api.get_job_actions_with_http_info(c.job), 200, {200, 404, 409, 422}),
    "get_job_plugin_actions": (lambda c: c.api.get_job_plugin_actions_with_http_info(c.job), 200, {200, 400, 404, 409}),
    # The client has no cmd parameter: it asks for the literal "{cmd}", which no plugin provides.
    "get_job_action": (lambda c: c.api.get_job_action_with_http_info(c.job), 404, {200, 400, 404, 409}),
    "post_job_action": (lambda c: c.api.post_job_action_with_http_info(c.job), 404, {200, 400, 404, 409}),
}


def _status(call: Callable[[], Any], exception: type[Exception]) -> int:
    """The HTTP status the call got (a call that hands back only its data got a 200)."""
    try:
        answer = call()
    except exception as refused:
        return int(refused.status)  # type: ignore[attr-defined]
    if hasattr(answer, "status_code"):
        return int(answer.status_code)
    return int(answer[1]) if isinstance(answer, tuple) else 200


@pytest.fixture(scope="module")
def drp_url() -> Iterator[tuple[str, DrpEmulator]]:
    emulator = DrpEmulator(seed=3, speed=0, history=300)
    with running(emulator) as url:
        yield url, emulator


def drp_case(url: str, emulator: DrpEmulator) -> DrpCase:
    config = drppy_client.Configuration()
    config.host = url + "/api/v3"
    config.username, config.password = "rocketskates", "r0cketsk8ts"
    world = emulator.world
    job = next(j.Uuid for j in world.jobs.values() if j.State == "finished" and not j.Archived)
    archived = next(j.Uuid for j in world.jobs.values() if j.Archived)
    machine = next(m.Uuid for m in world.machines.values()
                   if m.Runnable and not m.WorkflowComplete and world.jobs[m.CurrentJob].State == "finished")
    return DrpCase(JobsApi(drppy_client.ApiClient(config)), job, archived, machine)


def test_the_drp_sweep_covers_every_jobs_operation_of_the_client() -> None:
    offered = {name for name in vars(JobsApi) if not name.startswith("_") and not name.endswith("_with_http_info")}
    assert offered == set(DRP_SWEEP)


@pytest.mark.parametrize("operation", sorted(DRP_SWEEP))
def test_every_drp_jobs_operation_answers_as_the_contract_lists(operation: str) -> None:
    call, expected, listed = DRP_SWEEP[operation]
    assert expected in listed
    emulator = DrpEmulator(seed=3, speed=0, history=300)
    with running(emulator) as url:
        case = drp_case(url, emulator)
        assert _status(lambda: call(case), DrpApiException) == expected


# -- Istari --------------------------------------------------------------------------------


@dataclass
class IstariCase:
    client: Istari
    api: V2Api
    job: Any  #: a Completed job (its parameters revision reusable for a new submission)
    archived: str  #: an archived job


def _revision(case: IstariCase) -> Any:
    return case.job.file.revisions[-1]


def _access(case: IstariCase) -> AccessRelationship:
    return AccessRelationship(subject_type="user", subject_id="u-7", relation="viewer", resource_type="job",
                              resource_id=case.job.id)


#: operation → (the call, the status it should get, the statuses the contract lists for it).
ISTARI_SWEEP: dict[str, tuple[Callable[[IstariCase], Any], int, set[int]]] = {
    "list_jobs": (lambda c: c.api.list_jobs_with_http_info(status_name=JobStatusName.COMPLETED, include_total=True),
                  200, {200, 401, 403, 422}),
    "list_model_jobs": (lambda c: c.api.list_model_jobs_with_http_info(c.job.model_id), 200, {200, 404, 422}),
    "get_job": (lambda c: c.api.get_job_with_http_info(c.job.id), 200, {200, 401, 403, 404, 422}),
    "create_model_job": (lambda c: c.api._create_model_job_with_http_info(
        c.job.model_id, c.job.function.name, new_job=NewJob(revision=_revision(c))), 200, {200, 404, 422}),
    "archive_job": (lambda c: c.api.archive_job_with_http_info(c.job.id), 200, {200, 404, 409, 422}),
    "restore_job": (lambda c: c.api.restore_job_with_http_info(c.archived), 200, {200, 404, 409, 422}),
    "update_job_status": (lambda c: c.api.update_job_status_with_http_info(c.job.id, JobStatusName.PENDING),
                          200, {200, 403, 404, 422}),
    "update_job": (lambda c: c.api._update_job_with_http_info(c.job.id, _revision(c)), 200, {200, 422}),
    "update_job_assigned_agent": (lambda c: c.api.update_job_assigned_agent_with_http_info(
        c.job.id, NewJobAssignedAgent(agent_id="ag-1")), 200, {200, 422}),
    "remove_job_assigned_agent": (lambda c: c.api.remove_job_assigned_agent_with_http_info(c.job.id), 200, {200, 422}),
    "update_job_assigned_agent_pool": (lambda c: c.api.update_job_assigned_agent_pool_with_http_info(
        c.job.id, NewJobAssignedAgentPool(agent_pool_id="pool-linux")), 200, {200, 422}),
    "remove_job_assigned_agent_pool": (lambda c: c.api.remove_job_assigned_agent_pool_with_http_info(c.job.id),
                                       200, {200, 422}),
    "get_agent_available_jobs": (lambda c: c.api.get_agent_available_jobs_with_http_info("ag-1"), 200, {200, 422}),
    "list_job_access": (lambda c: c.api.list_job_access_with_http_info(c.job.id), 200, {200, 422}),
    "patch_job_access": (lambda c: c.api.patch_job_access_with_http_info(c.job.id, _access(c)), 200, {200, 422}),
}

#: The storage calls a job's files travel through (``read_parameters``, ``jobs.create``).
ISTARI_STORAGE_SWEEP: dict[str, Callable[[IstariCase], Any]] = {
    "generate_download_url": lambda c: c.client._engine.storage._api.generate_download_url(
        _revision(c).content_token.sha),
    "generate_upload_url": lambda c: c.client._engine.storage._api.generate_upload_url("f" * 96),
}


def test_the_istari_sweep_covers_every_jobs_operation_of_the_client() -> None:
    source = open(__import__(V2Api.__module__, fromlist=["_"]).__file__).read()
    paths = re.findall(r"def _{0,2}(\w+)_serialize\(.*?resource_path='([^']+)'", source, re.S)
    jobs = ("/api/v2/jobs", "/api/v2/models/{model_id}/jobs", "/api/v2/agents/{agent_id}/available_jobs")
    assert {name for name, path in paths if path.startswith(jobs)} == set(ISTARI_SWEEP)


def istari_case(url: str, emulator: IstariEmulator, client: Istari) -> IstariCase:
    api = client._engine.v2_api
    done = next(job for job in emulator.world.jobs.values() if job.status_name.value == "Completed"
                and not job.archived)
    archived = next(job.id for job in emulator.world.jobs.values() if job.archived)
    return IstariCase(client, api, api.get_job(done.id), archived)


@pytest.fixture
def istari_served() -> Iterator[tuple[IstariEmulator, Istari, str]]:
    emulator = IstariEmulator(seed=4, speed=0)
    with running(emulator) as url:
        config = Configuration(registry_url=url, registry_auth_token=DEFAULT_TOKEN,
                               filesystem_cache_enabled=False, retry_enabled=False)
        with Istari(config) as client:
            yield emulator, client, url


@pytest.mark.parametrize("operation", sorted(ISTARI_SWEEP))
def test_every_istari_jobs_operation_answers_as_the_contract_lists(operation: str, istari_served) -> None:
    emulator, client, url = istari_served
    call, expected, listed = ISTARI_SWEEP[operation]
    assert expected in listed
    assert _status(lambda: call(istari_case(url, emulator, client)), IstariApiException) == expected


@pytest.mark.parametrize("operation", sorted(ISTARI_STORAGE_SWEEP))
def test_the_token_urls_a_jobs_files_travel_through_are_served(operation: str, istari_served) -> None:
    emulator, client, url = istari_served
    temporary = ISTARI_STORAGE_SWEEP[operation](istari_case(url, emulator, client))
    assert temporary.url.startswith(url + "/storage/objects/")
