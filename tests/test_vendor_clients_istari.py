"""What istari-digital-client 13.3.4 (the vendor's own SDK) found wrong in the Istari
emulator (issue 23, gaps 6–10), driven through that SDK over a loopback socket; and
the jobdeck adapter still reading what the emulator now serves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from istari_digital_client.sdk import Configuration, Istari
from istari_digital_client.sdk._exceptions import ApiException, ConflictError, NotFoundError
from istari_digital_client.sdk._generated.v2.models.access_relationship import AccessRelationship
from istari_digital_client.sdk._generated.v2.models.new_job_assigned_agent import NewJobAssignedAgent
from istari_digital_client.sdk._generated.v2.models.new_job_assigned_agent_pool import NewJobAssignedAgentPool
from istari_digital_client.sdk._generated.v2.models.patch_op import PatchOp

from jobdeck.adapters.istari import IstariAdapter, IstariSettings
from jobdeck.emulators.istari import DEFAULT_TOKEN, IstariEmulator
from jobdeck.emulators.server import running
from jobdeck.model import JobState

TOKEN_ENV = "ISTARI_VENDOR_TEST_TOKEN"
PARAMETERS = {"element_size": 1.5, "order": "linear"}


@pytest.fixture
def emulator() -> IstariEmulator:
    return IstariEmulator(seed=4, speed=0)


@pytest.fixture
def served(emulator: IstariEmulator) -> Iterator[str]:
    with running(emulator) as url:
        yield url


@pytest.fixture
def istari(served: str) -> Iterator[Istari]:
    config = Configuration(registry_url=served, registry_auth_token=DEFAULT_TOKEN,
                           filesystem_cache_enabled=False, retry_enabled=False)
    with Istari(config) as client:
        yield client


@pytest.fixture
def v2(istari: Istari):
    """The SDK's generated v2 API, for the calls its managers do not wrap."""
    return istari._engine.v2_api


@pytest.fixture
async def adapter(served: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[IstariAdapter]:
    monkeypatch.setenv(TOKEN_ENV, DEFAULT_TOKEN)
    istari_adapter = IstariAdapter(IstariSettings(name="istari", registry_url=served, token_env=TOKEN_ENV))
    await istari_adapter.open()
    yield istari_adapter
    await istari_adapter.close()


def a_mesh_job(istari: Istari, **assignment: str):
    return istari.jobs.create(resource_id="m-77", function="@istari:mesh", parameters=PARAMETERS, **assignment)


# -- 6. the list filters on the assigned agent pool -----------------------------------------


async def test_6_the_list_filters_on_the_agent_pool_and_only_its_agents_claim(istari, v2, emulator, adapter):
    linux = a_mesh_job(istari, assigned_agent_pool_id="pool-linux")
    windows = a_mesh_job(istari)
    v2.update_job_assigned_agent_pool(windows.id, NewJobAssignedAgentPool(agent_pool_id="pool-windows"))
    assert [job.id for job in istari.jobs.list(assigned_agent_pool_id="pool-linux")] == [linux.id]
    assert [job.id for job in istari.jobs.list(assigned_agent_pool_id="pool-windows")] == [windows.id]
    assert list(istari.jobs.list(assigned_agent_pool_id="pool-none")) == []
    waiting = {job.ref.id: job for job in await adapter.list_jobs()}
    assert waiting[linux.id].labels["agent pool"] == "pool-linux" and "agent" not in waiting[linux.id].labels
    with pytest.raises(NotFoundError):
        a_mesh_job(istari, assigned_agent_pool_id="pool-none")
    emulator.advance(10 * 60)
    assert istari.jobs.get(linux.id).agent_information.agent_id == "ag-1"
    assert istari.jobs.get(windows.id).agent_information.agent_id in ("ag-2", "ag-3")
    listed = {job.ref.id: job for job in await adapter.list_jobs()}
    assert listed[linux.id].labels["agent"] == "agent-ubuntu-01"


# -- 7. a finished job can be resubmitted -----------------------------------------------------


async def test_7_a_finished_job_is_resubmitted_with_pending_and_runs_again(istari, emulator, adapter):
    done = next(job for job in istari.jobs.list(size=100) if job.status_name == "Completed")
    runs_before = [entry.name for entry in done.status_history].count("Claimed")
    with pytest.raises(ConflictError):
        done.update_status("Running")
    again = done.update_status("Pending", message={"message": "run it again"})
    assert again.status_name == "Pending" and again.status_history[-1].message == "run it again"
    emulator.advance(10 * 60)
    rerun = istari.jobs.get(done.id)
    assert rerun.status_name in ("Completed", "Failed", "Canceled")
    assert [entry.name for entry in rerun.status_history].count("Claimed") == runs_before + 1
    timeline = [event.raw_state for event in await adapter.timeline(done.id)]
    assert timeline.count("Pending") == 2


async def test_7_the_adapter_does_not_cancel_a_job_that_has_ended(istari, adapter, emulator):
    done = next(job for job in await adapter.list_jobs() if job.raw_state == "Completed")
    result = await adapter.cancel(done.ref.id)
    assert not result.ok and "already Completed" in result.message
    assert istari.jobs.get(done.ref.id).status_name == "Completed"


# -- 8. the SDK's create uploads the parameters file first -------------------------------------


async def test_8_the_sdk_creates_a_job_after_uploading_its_parameters(istari, v2, emulator, adapter):
    job = a_mesh_job(istari)
    assert job.status_name == "Created" and job.function.name == "@istari:mesh"
    assert job.file.revisions[-1].file_id == job.file.id
    assert istari.jobs.get(job.id).read_parameters_json() == PARAMETERS  # stored bytes pass the hash check
    stored = job.file.revisions[-1].content_token.sha
    with pytest.raises(ApiException) as conflict:  # a sha stored already: the SDK skips its upload on this 409
        istari._engine.storage._api.generate_upload_url(stored)
    assert conflict.value.status == 409
    never_uploaded = job.file.revisions[-1].model_copy(deep=True)
    never_uploaded.content_token.sha = "0" * 96
    with pytest.raises(ApiException) as missing:
        v2._create_model_job("m-77", "@istari:mesh", new_job={"revision": never_uploaded})
    assert missing.value.status == 404
    emulator.advance(10 * 60)
    log = await adapter.read_log(job.id)
    assert "element_size" in log.text  # the adapter reads the uploaded file once the job has ended
    retried = await adapter.retry(job.id)
    assert retried.ok and retried.new_ref is not None
    assert istari.jobs.get(retried.new_ref.id).read_parameters_json() == PARAMETERS


# -- 9. a job's access list -------------------------------------------------------------------


def test_9_a_jobs_access_is_listed_and_patched(istari, v2):
    job = a_mesh_job(istari)
    (owner,) = v2.list_job_access(job.id)
    assert (owner.subject_id, owner.relation.value, owner.resource_type.value, owner.resource_id) == (
        job.created_by_id, "owner", "job", job.id)
    grant = AccessRelationship(subject_type="user", subject_id="u-7", relation="viewer", resource_type="job",
                               resource_id=job.id)
    granted = v2.patch_job_access(job.id, grant, patch_op=PatchOp.SET)
    assert {(r.subject_id, r.relation.value) for r in granted} == {(job.created_by_id, "owner"), ("u-7", "viewer")}
    assert {r.subject_info.username for r in granted} == {"ada", "grace"}
    revoked = v2.patch_job_access(job.id, grant, patch_op=PatchOp.DELETE)
    assert [r.subject_id for r in revoked] == [job.created_by_id]
    with pytest.raises(ApiException) as missing:
        v2.list_job_access("5e0c9a1e-0000-4000-8000-000000000000")
    assert missing.value.status == 404


# -- 10. assigning and unassigning an agent -----------------------------------------------------


async def test_10_an_agent_is_assigned_and_unassigned(istari, v2, emulator, adapter):
    job = a_mesh_job(istari)
    assigned = v2.update_job_assigned_agent(job.id, NewJobAssignedAgent(agent_id="ag-3"))
    assert assigned.assigned_agent_id == "ag-3"
    listed = {listed.ref.id: listed for listed in await adapter.list_jobs()}
    assert listed[job.id].labels["agent"] == "ag-3" and listed[job.id].state is JobState.PENDING
    assert v2.remove_job_assigned_agent(job.id).assigned_agent_id is None
    assert v2.remove_job_assigned_agent_pool(job.id).assigned_agent_pool_id is None
    with pytest.raises(ApiException) as unknown:
        v2.update_job_assigned_agent(job.id, NewJobAssignedAgent(agent_id="ag-99"))
    assert unknown.value.status == 404
    emulator.advance(10 * 60)
    assert istari.jobs.get(job.id).agent_information is not None  # any free agent took it
