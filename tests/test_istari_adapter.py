"""The Istari adapter against the Istari emulator: in-process, over a loopback
socket, through a Monitor, and with every fault switch."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fakes import InstantClock, make_monitor
from inflight import InFlight

from jobdeck.adapters.kit.http import CONCURRENT_REQUESTS
from jobdeck.adapters.istari import IstariAdapter, IstariSettings
from jobdeck.adapters.istari.adapter import MAX_COUNTED_FUNCTIONS
from jobdeck.adapters.istari.wire import STATUS_NAMES
from jobdeck.emulators.faults import Faults
from jobdeck.emulators.istari import DEFAULT_TOKEN, IstariEmulator
from jobdeck.emulators.istari.models import JobStatusName
from jobdeck.emulators.server import running
from jobdeck.errors import AuthFailed, Unreachable
from jobdeck.model import Action, Capability, Job, JobState
from jobdeck.monitor.events import HealthStatus
from jobdeck.redact import REDACTED

TOKEN_ENV = "JOBDECK_TEST_ISTARI_PAT"


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, DEFAULT_TOKEN)


@pytest.fixture
def emulator() -> IstariEmulator:
    return IstariEmulator(seed=7, speed=0)


def make_adapter(emulator: IstariEmulator, url: str = "http://istari.test", *, in_process: bool = True,
                 **settings: object) -> IstariAdapter:
    return IstariAdapter(
        IstariSettings(name="istari", registry_url=url, token_env=TOKEN_ENV, **settings),
        clock=InstantClock(emulator.clock),
        transport=emulator.transport() if in_process else None,
    )


@pytest.fixture
async def adapter(emulator: IstariEmulator) -> AsyncIterator[IstariAdapter]:
    adapter = make_adapter(emulator)
    await adapter.open()
    yield adapter
    await adapter.close()


def add_pending_job(emulator: IstariEmulator) -> str:
    """A job waiting for an agent (it stays Pending while simulated time stands still)."""
    world = emulator.world
    template = next(iter(world.jobs.values()))
    job = world.submit(template.model_id, template.function.name, template.file.revisions[-1], at=emulator.clock.now())
    world.set_status(job.id, JobStatusName.PENDING, at=emulator.clock.now(),
                     message="waiting for an agent")
    return job.id


def one(jobs: list[Job], raw_state: str, *, archived: bool = False, name: str | None = None) -> Job:
    return next(job for job in jobs if job.raw_state == raw_state and job.archived is archived
                and (name is None or job.labels["function"] == name))


# -- listing and detail ----------------------------------------------------------------


async def test_the_list_has_every_job_with_archived_ones_marked_as_the_backends(
    adapter: IstariAdapter, emulator: IstariEmulator
) -> None:
    jobs = await adapter.list_jobs()
    assert len(jobs) == len(emulator.world.jobs)
    archived = [job for job in jobs if job.archived]
    assert [job.id for job in archived] == [job.id for job in emulator.world.jobs.values() if job.archived]
    assert all(job.archived_by == "backend" for job in archived)
    assert not any(job.archived_by for job in jobs if not job.archived)


async def test_more_jobs_than_a_page_are_paged_through(emulator: IstariEmulator, adapter: IstariAdapter) -> None:
    emulator.advance(40 * 60)  # the agents keep submitting: well past one page of 100
    assert len(emulator.world.jobs) > 120
    jobs = await adapter.list_jobs()
    assert sorted(job.id for job in jobs) == sorted(emulator.world.jobs)


async def test_raw_statuses_map_to_common_states_and_stay_visible(
    adapter: IstariAdapter, emulator: IstariEmulator
) -> None:
    add_pending_job(emulator)
    jobs = await adapter.list_jobs()
    expected = {"Pending": JobState.PENDING, "Running": JobState.RUNNING, "Completed": JobState.SUCCEEDED,
                "Failed": JobState.FAILED, "Canceled": JobState.CANCELED}
    for raw, state in expected.items():
        assert one(jobs, raw).state is state
    failed = one(jobs, "Failed")
    assert failed.error and failed.ended and failed.started and failed.counts is None


async def test_a_state_filter_is_applied_by_the_registry(adapter: IstariAdapter) -> None:
    running_jobs = await adapter.list_jobs(state=JobState.RUNNING)
    assert running_jobs and {job.raw_state for job in running_jobs} <= {"Claimed", "Validating", "Running", "Uploading"}


async def test_the_detail_shows_function_model_agent_creator_tenant_input_and_comments(
    adapter: IstariAdapter, emulator: IstariEmulator
) -> None:
    commented = next(job for job in emulator.world.jobs.values() if job.comments)
    job = await adapter.get_job(commented.id)
    detail = job.detail
    function = commented.function
    assert detail["function"] == {"name": function.name, "version": function.version, "tool": function.tool_display_name,
                                  "entrypoint": function.entrypoint, "module": function.module_name}
    assert detail["model"] == commented.model_id
    assert detail["agent"] == {"id": commented.assigned_agent_id, "name": commented.agent_information.display_name}
    assert (detail["created by"], detail["tenant"]) == (commented.created_by_id, "t-1")
    revision = commented.file.revisions[-1]
    assert detail["input file"]["name"] == "parameters.json" and detail["input file"]["size"] == f"{revision.size} B"
    assert "sent to the stress team" in detail["comments"]["1"]
    assert job.labels["agent"] == commented.agent_information.display_name


async def test_totals_per_status_are_given_for_the_backend_and_the_jobs_function(
    adapter: IstariAdapter, emulator: IstariEmulator
) -> None:
    jobs = await adapter.list_jobs()
    world = list(emulator.world.jobs.values())
    failed = sum(job.status_name.value == "Failed" for job in world)
    described = adapter.describe()
    assert described["jobs"].startswith(f"{len(world)} jobs:") and f"{failed} Failed" in described["jobs"]
    mesh = [job for job in world if job.function.name == "@istari:mesh"]
    mesh_done = sum(job.status_name.value == "Completed" for job in mesh)
    a_mesh_job = next(job for job in jobs if job.labels["function"] == "@istari:mesh")
    assert a_mesh_job.detail["function totals"].startswith(f"{len(mesh)} jobs: {mesh_done} Completed")
    assert a_mesh_job.detail["backend totals"] == described["jobs"]
    assert described["function @istari:mesh"] == a_mesh_job.detail["function totals"]


async def test_totals_are_refreshed_only_every_counts_interval(emulator: IstariEmulator) -> None:
    adapter = make_adapter(emulator, counts_interval=60)
    await adapter.open()
    first = (await adapter.list_jobs(), adapter.describe()["jobs"])[1]
    emulator.advance(30)
    assert adapter.describe()["jobs"] == first
    await adapter.list_jobs()
    emulator.advance(45)
    await adapter.list_jobs()
    assert adapter.describe()["jobs"] != first  # new jobs were submitted meanwhile
    await adapter.close()


# -- timeline and log ------------------------------------------------------------------


async def test_the_timeline_merges_status_and_archive_history(adapter: IstariAdapter, emulator: IstariEmulator) -> None:
    archived = next(job for job in emulator.world.jobs.values() if job.archived)
    await adapter.restore(archived.id, reason="still needed")
    events = await adapter.timeline(archived.id)
    raw = [event.raw_state for event in events]
    assert raw == ["Created", "Pending", "Claimed", "Validating", "Running", "Uploading", "Completed", "Archived", "Active"]
    assert [event.at for event in events] == sorted(event.at for event in events)
    assert events[-2].message == "archived: superseded by a rerun" and events[-1].message == "restored: still needed"
    assert events[-1].state is JobState.SUCCEEDED and events[-1].actor == "u-42"
    assert events[2].actor == archived.agent_information.display_name and events[2].message


async def test_the_log_is_the_status_messages_then_the_parameters_file(adapter: IstariAdapter) -> None:
    done = one(await adapter.list_jobs(), "Completed", name="@istari:export_step")
    chunk = await adapter.read_log(done.id)
    status_part, _, parameters_part = chunk.text.partition("--- parameters file parameters.json ---\n")
    assert "Completed" in status_part and "artifacts uploaded" in status_part
    assert json.loads(parameters_part)["pdm_password"] == REDACTED
    assert chunk.complete and "no log API" in (chunk.notice or "")
    assert chunk.offset == len(chunk.text.encode())


async def test_a_running_jobs_log_grows_from_its_offset_and_shows_parameters_at_the_end(
    adapter: IstariAdapter, emulator: IstariEmulator
) -> None:
    running_job = one(await adapter.list_jobs(), "Running")
    first = await adapter.read_log(running_job.id)
    assert not first.complete and "parameters file" not in first.text
    emulator.advance(10 * 60)
    rest = await adapter.read_log(running_job.id, first.offset)
    assert rest.complete and rest.text and not rest.text.startswith(first.text[:20])
    assert "--- parameters file" in rest.text
    assert (first.text + rest.text).encode() == (await adapter.read_log(running_job.id)).text.encode()


# -- actions ---------------------------------------------------------------------------


async def test_archive_and_restore_are_the_servers_own_and_take_a_reason(
    adapter: IstariAdapter, emulator: IstariEmulator
) -> None:
    done = one(await adapter.list_jobs(), "Completed")
    assert (await adapter.archive(done.id, reason="old run")).ok
    assert emulator.world.jobs[done.id].archive_status_history[-1].reason == "old run"
    again = await adapter.archive(done.id)
    assert not again.ok and "already archived" in again.message
    assert (await adapter.restore(done.id)).ok
    assert not emulator.world.jobs[done.id].archived


async def test_cancel_sets_the_status_to_canceled(adapter: IstariAdapter, emulator: IstariEmulator) -> None:
    add_pending_job(emulator)
    pending = one(await adapter.list_jobs(), "Pending")
    assert (await adapter.cancel(pending.id)).ok
    assert emulator.world.jobs[pending.id].status_name.value == "Canceled"
    assert not (await adapter.cancel(pending.id)).ok


async def test_retry_submits_a_new_job_with_the_same_function_and_parameters(
    adapter: IstariAdapter, emulator: IstariEmulator
) -> None:
    failed = one(await adapter.list_jobs(), "Failed")
    result = await adapter.retry(failed.id)
    assert result.ok and result.new_ref is not None and result.new_ref.id != failed.id
    old, new = emulator.world.jobs[failed.id], emulator.world.jobs[result.new_ref.id]
    assert (new.function.name, new.model_id) == (old.function.name, old.model_id)
    assert new.file.revisions[-1].content_token.sha == old.file.revisions[-1].content_token.sha
    assert new.status_name.value == "Created"


async def test_confirmations_say_a_reason_can_be_given_and_that_retry_makes_a_new_job(adapter: IstariAdapter) -> None:
    jobs = await adapter.list_jobs()
    failed = one(jobs, "Failed")
    assert "reason can be given" in (adapter.confirm_text(Capability.ARCHIVE, failed) or "")
    assert "reason can be given" in (adapter.confirm_text(Capability.RESTORE, failed) or "")
    assert "a new job will be created" in (adapter.confirm_text(Capability.RETRY, failed) or "")
    assert adapter.why_not(Capability.CANCEL, failed) is not None
    assert adapter.why_not(Capability.RETRY, one(jobs, "Running")) is not None


async def test_archive_and_restore_round_trip_through_the_monitor(tmp_path: Path, emulator: IstariEmulator) -> None:
    adapter = make_adapter(emulator)
    monitor = make_monitor(tmp_path, [adapter], clock=adapter.clock)
    await monitor.poll_once()
    done = one(monitor.jobs(), "Completed")
    assert "reason can be given" in monitor.confirm_text(done.ref, Action.ARCHIVE)
    assert (await monitor.perform(done.ref, Action.ARCHIVE)).ok
    archived = monitor.job(done.ref)
    assert archived is not None and archived.archived and archived.archived_by == "backend"
    assert emulator.world.jobs[done.id].archived  # on the server, not in jobdeck's own archive
    assert (await monitor.perform(done.ref, Action.RESTORE)).ok
    restored = monitor.job(done.ref)
    assert restored is not None and not restored.archived
    await adapter.close()


# -- failures --------------------------------------------------------------------------


FAILING = {
    "5xx": Faults(error_rate=1),
    "429": Faults(rate_limit=1, retry_after=1),
    "401": Faults(unauthorized=True),
    "malformed": Faults(malformed=1),
    "truncated": Faults(truncated=1),
}


@pytest.mark.parametrize("faults", FAILING.values(), ids=FAILING.keys())
async def test_a_failing_registry_degrades_then_downs_the_backend_and_it_recovers(
    tmp_path: Path, emulator: IstariEmulator, faults: Faults
) -> None:
    adapter = make_adapter(emulator)
    monitor = make_monitor(tmp_path, [adapter], clock=adapter.clock)
    await monitor.poll_once()
    jobs_before = len(monitor.jobs())
    emulator.faults = faults
    await monitor.poll_once()
    health = monitor.health()["istari"]
    assert health.status in (HealthStatus.DEGRADED, HealthStatus.DOWN) and health.last_error
    assert "istari" in health.last_error
    for _ in range(2):
        await monitor.poll_once()
    assert monitor.health()["istari"].status is HealthStatus.DOWN
    assert len(monitor.jobs()) == jobs_before  # the last good rows stay, marked stale
    emulator.faults = Faults()
    await monitor.poll_once()
    assert monitor.health()["istari"].status is HealthStatus.OK
    assert len(monitor.jobs()) == jobs_before
    await adapter.close()


async def test_rate_limits_are_waited_out_as_the_registry_asks(emulator: IstariEmulator, adapter: IstariAdapter) -> None:
    emulator.faults = Faults(rate_limit=1, retry_after=3)
    with pytest.raises(Unreachable) as raised:
        await adapter.list_jobs()
    assert raised.value.retry_after == 3
    assert 3 in adapter.clock.slept  # type: ignore[attr-defined]


async def test_slow_answers_only_slow_the_poll(tmp_path: Path, emulator: IstariEmulator) -> None:
    adapter = make_adapter(emulator)
    monitor = make_monitor(tmp_path, [adapter], clock=adapter.clock)
    emulator.faults = Faults(latency=0.005)
    await monitor.poll_once()
    assert monitor.health()["istari"].status is HealthStatus.OK and monitor.jobs()
    await adapter.close()


async def test_schema_drift_gives_unknown_states_not_failures(emulator: IstariEmulator, adapter: IstariAdapter) -> None:
    add_pending_job(emulator)
    emulator.faults = Faults(drift=True)
    jobs = await adapter.list_jobs()
    queued = [job for job in jobs if job.raw_state == "Queued"]
    assert queued and all(job.state is JobState.UNKNOWN for job in queued)
    # agent_information was dropped: the agent is known by its id only.
    assert all(job.labels.get("agent", "ag-").startswith("ag-") for job in jobs)
    events = await adapter.timeline(queued[0].id)
    assert events[-1].raw_state == "Queued"


async def test_a_dropped_download_leaves_the_status_log_readable(emulator: IstariEmulator, adapter: IstariAdapter) -> None:
    done = one(await adapter.list_jobs(), "Completed")
    emulator.faults = Faults(drop_log=True)
    chunk = await adapter.read_log(done.id)
    assert "Completed" in chunk.text and "could not be read" in chunk.text
    emulator.faults = Faults()
    healed = await adapter.read_log(done.id)
    assert "--- parameters file parameters.json ---" in healed.text


async def test_a_missing_token_is_reported_by_name_and_never_sent(
    monkeypatch: pytest.MonkeyPatch, emulator: IstariEmulator
) -> None:
    monkeypatch.delenv(TOKEN_ENV)
    adapter = make_adapter(emulator)
    with pytest.raises(AuthFailed, match=TOKEN_ENV):
        await adapter.open()


async def test_nothing_in_jobs_or_messages_shows_the_token(adapter: IstariAdapter, emulator: IstariEmulator) -> None:
    emulator.faults = Faults(unauthorized=True)
    with pytest.raises(AuthFailed) as raised:
        await adapter.list_jobs()
    emulator.faults = Faults()
    jobs = await adapter.list_jobs()
    text = str(raised.value) + json.dumps([job.to_public() | {"detail": job.detail} for job in jobs], default=str)
    assert DEFAULT_TOKEN not in text and "hunter2" not in text
    assert DEFAULT_TOKEN not in json.dumps(adapter.describe())


# -- over a socket ---------------------------------------------------------------------


async def test_over_a_loopback_socket_listing_and_an_archive_round_trip_work(emulator: IstariEmulator) -> None:
    with running(emulator) as url:
        adapter = make_adapter(emulator, url, in_process=False)
        await adapter.open()
        jobs = await adapter.list_jobs()
        assert len(jobs) == len(emulator.world.jobs)
        done = one(jobs, "Completed")
        assert (await adapter.archive(done.id, reason="loopback")).ok
        assert (await adapter.get_job(done.id)).archived
        assert (await adapter.restore(done.id)).ok
        chunk = await adapter.read_log(done.id)
        assert "--- parameters file" in chunk.text
        await adapter.close()


def test_settings_want_an_http_registry_url() -> None:
    with pytest.raises(ValueError, match="http"):
        IstariSettings(name="istari", registry_url="fileservice.example.com")
    assert IstariSettings(registry_url="https://r.example/").registry_url == "https://r.example"


def test_the_registry_finds_the_adapter_by_kind() -> None:
    from jobdeck.adapters.registry import adapter_class

    assert adapter_class("istari") is IstariAdapter


def is_count(request: httpx.Request) -> bool:
    return request.url.params.get("include_total") == "true"


async def test_a_refresh_the_user_asks_for_counts_the_totals_afresh(emulator: IstariEmulator) -> None:
    transport = InFlight(emulator.transport(), counts=is_count)
    adapter = IstariAdapter(IstariSettings(registry_url="http://istari.test", token_env=TOKEN_ENV, counts_interval=60),
                            clock=InstantClock(emulator.clock), transport=transport)
    await adapter.open()
    await adapter.list_jobs()
    counted = transport.seen
    await adapter.list_jobs()
    assert transport.seen == counted  # within counts_interval
    adapter.forget_cached()
    await adapter.list_jobs()
    assert transport.seen == 2 * counted
    await adapter.close()


async def test_the_totals_are_counted_concurrently_a_few_at_a_time(emulator: IstariEmulator) -> None:
    transport = InFlight(emulator.transport(), counts=is_count)
    adapter = IstariAdapter(IstariSettings(registry_url="http://istari.test", token_env=TOKEN_ENV),
                            clock=InstantClock(emulator.clock), transport=transport)
    await adapter.open()
    jobs = await adapter.list_jobs()
    functions = {job.labels["function"] for job in jobs}
    assert 1 < len(functions) <= MAX_COUNTED_FUNCTIONS
    # The backend's total and one per status, then each function's total and three statuses.
    assert transport.seen == 1 + len(STATUS_NAMES) + 4 * len(functions)
    assert 1 < transport.peak <= CONCURRENT_REQUESTS
    assert set(adapter.describe()) >= {"jobs", *(f"function {name}" for name in functions)}
    await adapter.close()


class FailingCount(httpx.AsyncBaseTransport):
    """The emulator, but while ``failing`` the count of ``function``'s Failed jobs is a 500."""

    def __init__(self, inner: httpx.AsyncBaseTransport, function: str) -> None:
        self.inner = inner
        self.function = function
        self.failing = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if self.failing and is_count(request) and (params.get("name"), params.get("status_name")) == (
            self.function, "Failed"
        ):
            return httpx.Response(500, json={"detail": "boom"}, request=request)
        return await self.inner.handle_async_request(request)


async def test_a_failed_count_keeps_the_last_totals_and_the_list(emulator: IstariEmulator) -> None:
    transport = FailingCount(emulator.transport(), "@istari:mesh")
    clock = InstantClock(emulator.clock)
    adapter = IstariAdapter(IstariSettings(registry_url="http://istari.test", token_env=TOKEN_ENV, counts_interval=0),
                            clock=clock, transport=transport)
    await adapter.open()
    await adapter.list_jobs()
    before = adapter.describe()
    emulator.advance(45)  # new jobs are submitted meanwhile
    transport.failing = True
    jobs = await adapter.list_jobs()
    assert jobs and clock.slept  # the list came; the 500 was retried, then given up on
    assert adapter.describe() == before  # not half new totals: the last whole ones
    transport.failing = False
    await adapter.list_jobs()
    assert adapter.describe()["jobs"] != before["jobs"]
    await adapter.close()
