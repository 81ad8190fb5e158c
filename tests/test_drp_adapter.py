"""The DRP adapter against the DRP emulator: in-process for speed, over a real
loopback socket for the log stream and the event websocket."""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx
import pytest
from fakes import InstantClock, make_monitor
from inflight import InFlight

from jobdeck.adapters.drp import DrpAdapter, DrpSettings
from jobdeck.adapters.kit.http import CONCURRENT_REQUESTS
from jobdeck.clock import FrozenClock
from jobdeck.emulators.drp import DEMO_TOKEN, DrpEmulator
from jobdeck.emulators.faults import Faults
from jobdeck.emulators.server import running
from jobdeck.errors import AuthFailed, BadResponse
from jobdeck.model import Capability, Counts, JobState
from jobdeck.monitor.events import HealthStatus

ENV = {"DRP_TEST_USER": "rocketskates", "DRP_TEST_PASSWORD": "r0cketsk8ts", "DRP_TEST_TOKEN": DEMO_TOKEN}


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def settings(endpoint: str = "http://drp.test", **extra: object) -> DrpSettings:
    fields: dict[str, object] = {"user_env": "DRP_TEST_USER", "password_env": "DRP_TEST_PASSWORD"}
    fields.update(extra)
    return DrpSettings(name="drp", endpoint=endpoint, **fields)


@pytest.fixture
def emulator() -> DrpEmulator:
    return DrpEmulator(seed=3, speed=0, history=300)


@pytest.fixture
async def adapter(emulator: DrpEmulator):
    drp = DrpAdapter(settings(), clock=emulator.clock, transport=emulator.transport())
    await drp.open()
    yield drp
    await drp.close()


async def test_the_list_maps_drp_jobs_to_the_common_model(adapter, emulator):
    jobs = await adapter.list_jobs()
    assert len(jobs) == len(emulator.world.jobs)
    states = {job.raw_state: job.state for job in jobs}
    assert states["finished"] is JobState.SUCCEEDED and states["failed"] is JobState.FAILED
    failed = next(job for job in jobs if job.raw_state == "failed")
    assert failed.error and failed.labels["machine"].startswith("node-")
    assert failed.counts is not None and failed.counts.failed >= 1
    assert any(job.archived and job.archived_by == "backend" for job in jobs)


async def test_the_detail_shows_every_seed_job_field_and_never_the_token(adapter, emulator):
    job = (await adapter.list_jobs())[0]
    for field in ("State", "ExitState", "Machine", "Task", "Stage", "Workflow", "WorkOrder", "BootEnv", "Context",
                  "Current", "CurrentIndex", "NextIndex", "Previous", "ResultErrors", "Errors", "Independent",
                  "TargetPrefix", "TargetKey", "CreatedBy", "CreatedAt", "LastModifiedBy", "LastModifiedAt",
                  "Archived", "Meta"):
        assert field in job.detail
    token = emulator.world.jobs[job.id].Token
    assert token and token not in json.dumps(job.model_dump(mode="json"))
    assert "Token" not in job.detail


async def test_the_list_pages_server_side_and_keeps_only_the_newest(emulator):
    drp = DrpAdapter(settings(max_jobs=7, page_size=3), clock=emulator.clock, transport=emulator.transport())
    await drp.open()
    jobs = await drp.list_jobs()
    newest = sorted(emulator.world.jobs.values(), key=lambda j: j.StartTime, reverse=True)[:7]
    assert {job.id for job in jobs} == {j.Uuid for j in newest}
    await drp.close()


async def test_between_full_listings_only_changed_jobs_are_merged(adapter, emulator):
    first = {job.id: job for job in await adapter.list_jobs()}
    emulator.advance(15)
    second = {job.id: job for job in await adapter.list_jobs()}
    assert set(first) < set(second)  # new jobs arrived through the LastModifiedAt delta
    assert all(second[i].raw_state == emulator.world.jobs[i].State for i in second)


def is_full_listing(request: httpx.Request) -> bool:
    return request.method == "GET" and request.url.path.endswith("/jobs") and "LastModifiedAt" not in request.url.params


async def test_a_refresh_the_user_asks_for_lists_every_job_afresh(emulator):
    transport = InFlight(emulator.transport(), counts=is_full_listing)
    drp = DrpAdapter(settings(), clock=emulator.clock, transport=transport)
    await drp.open()
    await drp.list_jobs()
    full = transport.seen
    await drp.list_jobs()
    assert transport.seen == full  # a delta between full listings
    drp.forget_cached()
    await drp.list_jobs()
    assert transport.seen == 2 * full
    await drp.close()


async def test_the_log_resumes_from_the_last_byte_without_loss_or_repeat(adapter, emulator):
    while not any(j.State in ("running", "created") for j in emulator.world.jobs.values()):
        emulator.advance(1)
    job = next(j for j in emulator.world.jobs.values() if j.State in ("running", "created"))
    text, offset = "", 0
    for _ in range(30):
        chunk = await adapter.read_log(job.Uuid, offset)
        text, offset = text + chunk.text, chunk.offset
        if chunk.complete:
            break
        emulator.advance(1)
    assert chunk.complete
    assert text == bytes(emulator.world.logs[job.Uuid]).decode()


async def test_an_archived_job_shows_its_archived_entry_with_a_notice(adapter, emulator):
    job = next(j for j in emulator.world.jobs.values() if j.Archived)
    chunk = await adapter.read_log(job.Uuid)
    assert chunk.complete and "archived" in (chunk.notice or "")
    assert chunk.text == emulator.world.archives[job.Uuid].decode()


async def test_the_timeline_follows_the_machines_previous_chain(adapter, emulator):
    job = max((j for j in emulator.world.jobs.values() if j.Previous), key=lambda j: j.StartTime)
    events = await adapter.timeline(job.Uuid)
    assert any(event.message and event.message.startswith("earlier job") for event in events)
    assert events == sorted(events, key=lambda event: event.at)
    assert events[-1].message and job.Task in events[-1].message


async def test_retry_makes_the_machine_runnable_and_a_new_job_reruns_the_task(adapter, emulator):
    jobs = await adapter.list_jobs()
    failed = next(job for job in jobs if job.raw_state == "failed" and job.detail["Current"] and not job.detail["WorkOrder"])
    emulator.world._runners[failed.detail["Machine"]].recover_at = None
    assert adapter.why_not(Capability.RETRY, failed) is None
    assert "Runnable" in (adapter.confirm_text(Capability.RETRY, failed) or "")
    result = await adapter.retry(failed.id)
    assert result.ok
    emulator.advance(1)
    assert any(j.Previous == failed.id and j.Task == failed.labels["task"] for j in emulator.world.jobs.values())


async def test_retry_of_a_work_order_job_restarts_the_work_order(adapter, emulator):
    emulator.advance(200)
    jobs = await adapter.list_jobs()
    failed = next(job for job in jobs if job.raw_state == "failed" and job.detail["WorkOrder"]
                  and emulator.world.work_orders[job.detail["WorkOrder"]].State == "failed")
    assert "work order" in (adapter.confirm_text(Capability.RETRY, failed) or "")
    result = await adapter.retry(failed.id)
    assert result.ok and "restarted" in result.message


async def test_a_finished_job_cannot_be_retried_and_says_why(adapter):
    finished = next(job for job in await adapter.list_jobs() if job.raw_state == "finished")
    assert "failed" in (adapter.why_not(Capability.RETRY, finished) or "")


async def test_a_token_works_instead_of_user_and_password(emulator):
    drp = DrpAdapter(settings(user_env=None, password_env=None, token_env="DRP_TEST_TOKEN"),
                     clock=emulator.clock, transport=emulator.transport())
    await drp.open()
    assert await drp.list_jobs()
    await drp.close()


async def test_a_wrong_password_is_auth_failed(emulator, monkeypatch):
    monkeypatch.setenv("DRP_TEST_PASSWORD", "wrong")
    drp = DrpAdapter(settings(), clock=emulator.clock, transport=emulator.transport())
    await drp.open()
    with pytest.raises(AuthFailed):
        await drp.list_jobs()
    await drp.close()


def test_insecure_is_allowed_and_described_as_a_warning(tmp_path):
    drp = DrpAdapter(settings("https://drp.example:8092", insecure=True))
    assert drp.describe()["warning"] == "TLS verification off"
    # The header shows it beside the backend's health, for as long as it is set.
    monitor = make_monitor(tmp_path, [drp], clock=FrozenClock())
    assert monitor.health()["drp"].warnings == ("TLS verification off",)
    assert DrpAdapter(settings("https://drp.example:8092")).warnings() == ()
    with pytest.raises(ValueError):
        settings("https://drp.example:8092", insecure=True, ca_file="/tmp/ca.pem")
    with pytest.raises(ValueError):
        DrpSettings(name="drp", endpoint="https://drp.example:8092")


async def test_over_loopback_the_websocket_pushes_changes(emulator):
    with running(emulator) as url:
        drp = DrpAdapter(settings(url), clock=emulator.clock)
        assert drp.supports(Capability.PUSH)
        await drp.open()
        stream = drp.changes()
        await asyncio.wait_for(anext(stream), 5)  # connected and registered
        emulator.advance(20)
        await asyncio.wait_for(anext(stream), 5)  # a job event
        await stream.aclose()
        await drp.close()


async def test_over_loopback_a_dropped_log_connection_resumes_with_no_line_lost(emulator):
    job = next(j for j in emulator.world.jobs.values() if j.State == "finished" and not j.Archived)
    with running(emulator) as url:
        drp = DrpAdapter(settings(url), clock=emulator.clock)
        await drp.open()
        emulator.faults = Faults(drop_log=True)
        text, offset, chunk = "", 0, None
        for _ in range(40):
            try:
                chunk = await drp.read_log(job.Uuid, offset)
            except Exception:
                continue
            text, offset = text + chunk.text, chunk.offset
            if chunk.complete:
                break
        emulator.faults = Faults()
        if not (chunk and chunk.complete):
            chunk = await drp.read_log(job.Uuid, offset)
            text += chunk.text
        assert text == bytes(emulator.world.logs[job.Uuid]).decode()
        await drp.close()


#: The adapter's timeout in the fault test: the healthy polls around the fault must
#: never reach it, even on a loaded machine (eight HEADs share the server's thread).
TIMEOUT = 1.0
#: The latency fault: so far beyond TIMEOUT that every request of the faulted poll times out.
LATENCY = 30 * TIMEOUT

FAULTS = [
    Faults(error_rate=1.0),
    Faults(rate_limit=1.0, retry_after=0),
    Faults(unauthorized=True),
    Faults(malformed=1.0),
    Faults(truncated=1.0),
    Faults(latency=LATENCY),
]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.spec())
async def test_every_fault_makes_the_backend_degraded_or_down_and_it_recovers(tmp_path, emulator, fault):
    clock = InstantClock(emulator.clock)
    # Latency needs a real socket: only there does the adapter's timeout apply.
    with running(emulator) if fault.latency else contextlib.nullcontext("http://drp.test") as url:
        transport = None if fault.latency else emulator.transport()
        drp = DrpAdapter(settings(url, timeout=TIMEOUT), clock=clock, transport=transport)
        monitor = make_monitor(tmp_path, [drp], clock=clock)
        await monitor.poll_once()
        assert monitor.health()["drp"].status is HealthStatus.OK
        emulator.faults = fault
        await monitor.poll_once()
        assert monitor.health()["drp"].status in (HealthStatus.DEGRADED, HealthStatus.DOWN)
        assert monitor.health()["drp"].last_error
        emulator.faults = Faults()
        await monitor.poll_once()
        assert monitor.health()["drp"].status is HealthStatus.OK
        await monitor.stop()


async def test_schema_drift_is_tolerated_and_unknown_states_map_to_unknown(tmp_path, emulator):
    emulator.advance(40)
    drp = DrpAdapter(settings(), clock=emulator.clock, transport=emulator.transport())
    await drp.open()
    emulator.faults = Faults(drift=True)
    jobs = await drp.list_jobs()
    assert jobs
    if any(j.State == "created" for j in emulator.world.jobs.values()):
        assert any(job.state is JobState.UNKNOWN and job.raw_state == "queued" for job in jobs)
    await drp.close()


# -- counts ---------------------------------------------------------------------------


def is_head_count(request: httpx.Request) -> bool:
    return request.method == "HEAD" and request.url.path.endswith("/jobs")


async def test_the_counts_are_asked_concurrently_a_few_at_a_time(emulator):
    transport = InFlight(emulator.transport(), counts=is_head_count)
    drp = DrpAdapter(settings(), clock=emulator.clock, transport=transport)
    await drp.open()
    await drp.list_jobs()
    counted = list(drp._counts.items())
    assert len(counted) * 3 == transport.seen > CONCURRENT_REQUESTS  # a machine's (or work order's) 3 HEADs
    assert 1 < transport.peak <= CONCURRENT_REQUESTS
    for (index, value), counts in counted[:3]:  # the same numbers as asked one by one
        total, finished, failed = [
            await drp._head_count({index: value, **state}) for state in ({}, {"State": "finished"}, {"State": "failed"})
        ]
        assert counts == Counts(total=total, succeeded=finished, failed=failed)
    await drp.close()


async def test_a_job_fetched_alone_gets_its_machine_s_counts_the_same_way(emulator):
    listed = DrpAdapter(settings(), clock=emulator.clock, transport=emulator.transport())
    await listed.open()
    job = next(job for job in await listed.list_jobs() if job.counts is not None)
    await listed.close()
    transport = InFlight(emulator.transport(), counts=is_head_count)
    drp = DrpAdapter(settings(), clock=emulator.clock, transport=transport)
    await drp.open()
    fetched = await drp.get_job(job.id)
    assert fetched.counts == job.counts
    assert transport.seen == transport.peak == 3  # all, finished, failed: at once
    await drp.close()
