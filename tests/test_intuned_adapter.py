"""The Intuned adapter against the Intuned emulator: in-process, over loopback, under every fault."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fakes import InstantClock
from inflight import InFlight

from jobdeck.adapters.kit.http import CONCURRENT_REQUESTS
from jobdeck.adapters.intuned import LOG_NOTICE, IntunedAdapter, IntunedSettings
from jobdeck.adapters.intuned.adapter import SETTLED_RUNS_SECONDS
from jobdeck.emulators.core import SimClock
from jobdeck.emulators.faults import Faults
from jobdeck.emulators.intuned import (
    DEFAULT_API_KEY,
    DEFAULT_PROJECT,
    DEFAULT_WORKSPACE_ID,
    IntunedEmulator,
)
from jobdeck.emulators.intuned.models import CreateJob
from jobdeck.emulators.server import running
from jobdeck.errors import AdapterError, AuthFailed, BadResponse, NotFound
from jobdeck.model import Action, Capability, Job, JobState
from jobdeck.monitor import Monitor
from jobdeck.monitor.events import HealthStatus
from jobdeck.store.memory import MemoryStore

KEY_ENV = "JOBDECK_TEST_INTUNED_KEY"
#: Secrets the demo jobs carry; none may ever leave the adapter.
SECRETS = ("AKIAEMULATOR7EXAMPLE", "wJalrXUtnFEMI", "whsec_demo_5e1f0a", "shop-login-7f3a", "ops-session-91c2",
           "X-Amz-Signature", DEFAULT_API_KEY)


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, DEFAULT_API_KEY)


@pytest.fixture
def emulator() -> IntunedEmulator:
    return IntunedEmulator(seed=11, clock=SimClock(speed=0))


def make_adapter(emulator: IntunedEmulator, *, url: str | None = None,
                 transport: httpx.AsyncBaseTransport | None = None, **settings: object) -> IntunedAdapter:
    """An adapter of the emulator: in-process unless ``url`` (loopback); ``transport`` wraps the in-process one."""
    config = IntunedSettings(
        name="shop", workspace_id=DEFAULT_WORKSPACE_ID, project=DEFAULT_PROJECT, api_key_env=KEY_ENV,
        base_url=f"{url or 'http://intuned.test'}/api/v1/workspace", **settings,
    )
    if not url and transport is None:
        transport = emulator.transport()
    return IntunedAdapter(config, clock=InstantClock(emulator.clock), transport=transport)


@pytest.fixture
async def adapter(emulator: IntunedEmulator) -> AsyncIterator[IntunedAdapter]:
    adapter = make_adapter(emulator)
    await adapter.open()
    yield adapter
    await adapter.close()


def by_id(jobs: list[Job]) -> dict[str, Job]:
    return {job.id: job for job in jobs}


# -- listing -------------------------------------------------------------------------


async def test_the_list_has_one_row_per_job_with_state_schedule_times_and_latest_counts(adapter):
    jobs = by_id(await adapter.list_jobs())
    assert set(jobs) == {"nightly-prices", "catalog-sync", "weekly-report", "login-check"}
    nightly = jobs["nightly-prices"]
    assert nightly.state is JobState.SUCCEEDED and nightly.raw_state == "COMPLETED"
    assert nightly.counts is not None and nightly.counts.total == 40 and nightly.counts.failed > 0
    assert nightly.labels["state"] == "ACTIVE"
    assert nightly.labels["schedule"] == "daily 02:00"
    assert nightly.labels["next run"] == "2026-01-02 02:00"
    assert nightly.labels["last run"] == "2026-01-01 02:00"
    assert nightly.ref.backend == "shop" and nightly.name == "nightly-prices"


async def test_a_paused_job_shows_paused_with_its_reason(adapter):
    weekly = by_id(await adapter.list_jobs())["weekly-report"]
    assert weekly.state is JobState.PAUSED and weekly.labels["state"] == "PAUSED"
    assert "report template" in weekly.labels["paused"]


async def test_a_job_whose_last_run_failed_shows_the_error_with_code_category_and_correlation_id(adapter):
    login = by_id(await adapter.list_jobs())["login-check"]
    assert login.state is JobState.FAILED and login.raw_state == "FAILURE"
    assert "internal-server-error, infrastructure" in (login.error or "")
    error = login.detail["run"]["error"]
    assert error["correlationId"] in login.error
    assert error["doc_url"].startswith("https://docs.intunedhq.com/")


async def test_a_run_in_flight_is_running_and_its_counts_grow(adapter, emulator):
    emulator.advance(1)
    queued = by_id(await adapter.list_jobs())["catalog-sync"]
    assert queued.state is JobState.PENDING and queued.raw_state == "PENDING"  # no RUNNING status on the wire
    emulator.advance(5)
    first = by_id(await adapter.list_jobs())["catalog-sync"]
    emulator.advance(5)
    later = by_id(await adapter.list_jobs())["catalog-sync"]
    assert first.state is JobState.RUNNING and first.raw_state == "PENDING"
    assert first.counts and later.counts and 0 < first.counts.done < later.counts.done < 24


async def test_a_trigger_clash_does_not_hide_the_active_run(adapter, emulator):
    emulator.advance(5)
    assert (await adapter.retry("nightly-prices")).ok
    await adapter.retry("nightly-prices")  # canceled: another-job-run-active
    nightly = by_id(await adapter.list_jobs())["nightly-prices"]
    assert nightly.raw_state == "PENDING" and nightly.labels["run"] == "manual"


# -- runs, paged ---------------------------------------------------------------------------


async def test_runs_are_listed_in_pages_from_zero_with_their_counts(adapter):
    first = await adapter.list_runs_page("nightly-prices", 0, page_size=2)
    second = await adapter.list_runs_page("nightly-prices", 1, page_size=2)
    last = await adapter.list_runs_page("nightly-prices", 2, page_size=2)
    assert first.total == 5 and first.pages == 3
    assert [len(page.runs) for page in (first, second, last)] == [2, 2, 1]
    starts = [run.started for page in (first, second, last) for run in page.runs]
    assert starts == sorted(starts, reverse=True)
    assert all(run.counts and run.counts.total == 40 for run in first.runs)
    assert (await adapter.list_runs("nightly-prices"))[0].id == first.runs[0].id


async def test_a_run_detail_has_type_status_times_counts_and_the_results_without_signature(adapter):
    newest = (await adapter.list_runs("nightly-prices"))[0]
    run = await adapter.get_run("nightly-prices", newest.id)
    assert run.detail["type"] == "SCHEDULED" and run.detail["status"] == "COMPLETED"
    assert run.detail["payloads"] == 40 and run.counts == newest.counts
    assert run.started and run.ended and run.detail["start_time"].endswith("Z")
    assert run.detail["results"]["format"] == "json"
    assert "X-Amz-Signature" not in run.detail["results"]["signed_url"]


async def test_a_failed_run_carries_error_and_reason(adapter):
    runs = await adapter.list_runs("login-check")
    assert runs[0].error and "correlation id" in runs[0].error
    auth = next(run for run in runs if run.reason)
    assert auth.reason.startswith("auth-session-invalid-mid-job:")
    assert auth.detail["reason"]["doc_url"].startswith("https://docs.intunedhq.com/")


async def test_an_unknown_job_is_not_found(adapter):
    with pytest.raises(NotFound):
        await adapter.list_runs("no-such-job")


# -- timeline and log ----------------------------------------------------------------------


async def test_the_timeline_is_the_runs_over_time_plus_observed_transitions(adapter, emulator):
    emulator.advance(4)
    await adapter.list_jobs()
    await adapter.pause("catalog-sync")
    await adapter.list_jobs()
    emulator.advance(1)
    await adapter.list_jobs()
    events = await adapter.timeline("catalog-sync")
    assert events == sorted(events, key=lambda event: event.at)
    from_runs = [event for event in events if not event.observed]
    assert [event.message.split()[0] for event in from_runs[:2]] == ["scheduled", "run"]
    assert any("COMPLETED" in (event.message or "") for event in from_runs)
    observed = [event.message for event in events if event.observed]
    assert observed and observed[0].endswith("PENDING → PAUSING") and observed[-1].endswith("PAUSING → PAUSED")


async def test_the_log_says_there_is_no_log_api_and_shows_the_observed_run_events(adapter, emulator):
    emulator.advance(1)
    first = await adapter.read_log("catalog-sync")
    assert first.notice == LOG_NOTICE and not first.complete
    assert "scheduled run" in first.text and "started (24 payloads)" in first.text
    emulator.advance(8)
    second = await adapter.read_log("catalog-sync", first.offset)
    assert "succeeded" in second.text and "failed of 24 payloads" in second.text
    assert second.offset == first.offset + len(second.text.encode())
    emulator.advance(60)
    third = await adapter.read_log("catalog-sync", second.offset)
    assert "finished" in third.text
    whole = await adapter.read_log("catalog-sync", 0)
    assert whole.text == first.text + second.text + third.text  # resumable: nothing lost or repeated


async def test_the_log_of_a_failed_run_shows_its_error_and_is_complete_when_nothing_more_will_run(adapter):
    login = await adapter.read_log("login-check")
    assert "finished FAILURE" in login.text and "internal-server-error" in login.text
    await adapter.list_jobs()
    paused = await adapter.read_log("weekly-report")
    assert paused.complete and "finished SUCCESS" in paused.text


# -- actions ---------------------------------------------------------------------------------


async def test_retry_triggers_a_new_manual_run_and_the_confirmation_says_so(adapter):
    login = by_id(await adapter.list_jobs())["login-check"]
    assert adapter.why_not(Capability.RETRY, login) is None
    assert "new manual run" in (adapter.confirm_text(Capability.RETRY, login) or "")
    result = await adapter.retry("login-check")
    assert result.ok and "new manual run" in result.message
    login = by_id(await adapter.list_jobs())["login-check"]
    assert login.labels["run"] == "manual" and login.state is JobState.PENDING
    assert "Intuned would cancel" in (adapter.why_not(Capability.RETRY, login) or "")


async def test_retry_of_a_paused_job_is_refused_with_the_reason(adapter):
    weekly = by_id(await adapter.list_jobs())["weekly-report"]
    assert "paused" in (adapter.why_not(Capability.RETRY, weekly) or "")
    with pytest.raises(BadResponse, match="paused"):
        await adapter.retry("weekly-report")


async def test_cancel_terminates_the_active_run(adapter, emulator):
    emulator.advance(6)
    sync = by_id(await adapter.list_jobs())["catalog-sync"]
    assert adapter.why_not(Capability.CANCEL, sync) is None
    assert "terminates run" in (adapter.confirm_text(Capability.CANCEL, sync) or "")
    result = await adapter.cancel("catalog-sync")
    assert result.ok and "terminated run" in result.message
    sync = by_id(await adapter.list_jobs())["catalog-sync"]
    assert sync.state is JobState.CANCELED and sync.raw_state == "TERMINATED"
    assert adapter.why_not(Capability.CANCEL, sync) == "no run of this job is active"
    assert not (await adapter.cancel("catalog-sync")).ok


async def test_pause_and_resume_change_the_job_state(adapter):
    assert (await adapter.pause("login-check")).ok
    assert by_id(await adapter.list_jobs())["login-check"].state is JobState.PAUSED
    assert (await adapter.resume("login-check")).ok
    login = by_id(await adapter.list_jobs())["login-check"]
    assert login.labels["state"] == "ACTIVE" and login.state is JobState.FAILED


async def test_archive_and_restore_are_left_to_jobdecks_own_archive(adapter):
    assert not adapter.supports(Capability.ARCHIVE) and not adapter.supports(Capability.RESTORE)
    assert "jobdeck keeps its own" in adapter.why_unsupported(Capability.ARCHIVE)


# -- secrets -----------------------------------------------------------------------------------


async def test_secrets_never_leave_the_adapter(adapter, emulator, caplog):
    caplog.set_level(logging.DEBUG)
    emulator.advance(40)
    jobs = await adapter.list_jobs()
    runs = [run for job in jobs for run in await adapter.list_runs(job.id)]
    details = [await adapter.get_run(run.job.id, run.id) for run in runs]
    shown = json.dumps(
        [job.model_dump(mode="json") for job in jobs]
        + [job.to_public() for job in jobs]
        + [run.model_dump(mode="json") for run in runs + details]
        + [(await adapter.read_log(job.id)).text for job in jobs]
        + [event.model_dump(mode="json") for job in jobs for event in await adapter.timeline(job.id)],
        ensure_ascii=False,
    ) + caplog.text
    for secret in SECRETS:
        assert secret not in shown, secret
    nightly = by_id(jobs)["nightly-prices"]
    assert nightly.detail["sink"]["secretAccessKey"] == "••••" and nightly.detail["auth_session"]["id"] == "••••"
    sync = by_id(jobs)["catalog-sync"]
    assert sync.detail["sink"]["headers"] == "••••"


async def test_a_missing_api_key_is_an_auth_failure_naming_the_variable(emulator, monkeypatch):
    monkeypatch.delenv(KEY_ENV)
    adapter = make_adapter(emulator)
    with pytest.raises(AuthFailed, match=KEY_ENV):
        await adapter.open()


async def test_a_wrong_api_key_is_an_auth_failure_without_the_key(emulator, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "in-wrong-key-123")
    adapter = make_adapter(emulator)
    await adapter.open()
    with pytest.raises(AuthFailed) as caught:
        await adapter.list_jobs()
    assert "in-wrong-key-123" not in str(caught.value) and "unauthorized" in str(caught.value)
    await adapter.close()


# -- over a loopback socket ---------------------------------------------------------------------


async def test_the_adapter_works_over_a_loopback_socket(loopback):
    emulator, url = loopback
    adapter = make_adapter(emulator, url=url)
    await adapter.open()
    try:
        jobs = by_id(await adapter.list_jobs())
        assert jobs["nightly-prices"].counts and jobs["nightly-prices"].counts.total == 40
        assert (await adapter.read_log("login-check")).notice == LOG_NOTICE
        assert (await adapter.list_runs_page("nightly-prices", 1, page_size=2)).page == 1
    finally:
        await adapter.close()


# -- every fault switch, through a Monitor ---------------------------------------------------------

#: fault → the health it causes after one poll.
FAULTS: dict[str, tuple[Faults, HealthStatus]] = {
    "5xx": (Faults(error_rate=1.0), HealthStatus.DEGRADED),
    "429": (Faults(rate_limit=1.0, retry_after=2), HealthStatus.DEGRADED),
    "401": (Faults(unauthorized=True), HealthStatus.DOWN),
    "malformed": (Faults(malformed=1.0), HealthStatus.DEGRADED),
    "truncated": (Faults(truncated=1.0), HealthStatus.DEGRADED),
    "drift": (Faults(drift=True), HealthStatus.OK),
    "latency": (Faults(latency=0.05), HealthStatus.OK),
    "drop-log": (Faults(drop_log=True), HealthStatus.OK),  # Intuned streams nothing
}


@pytest.fixture(scope="module")
def loopback() -> Iterator[tuple[IntunedEmulator, str]]:
    """One emulator on a loopback socket for the module: starting a server costs most of a test."""
    emulator = IntunedEmulator(seed=11, clock=SimClock(speed=0))
    with running(emulator) as url:
        yield emulator, url


@pytest.fixture(params=["in-process", "loopback"])
def served(request: pytest.FixtureRequest, emulator: IntunedEmulator) -> Iterator[tuple[IntunedEmulator, str | None]]:
    """The emulator in-process (no URL) or over loopback (its URL); faults cleared afterwards."""
    if request.param == "in-process":
        yield emulator, None
        return
    shared, url = request.getfixturevalue("loopback")
    shared.faults = Faults()
    yield shared, url
    shared.faults = Faults()


def new_monitor(adapter: IntunedAdapter, tmp_path: Path, clock: InstantClock) -> Monitor:
    return Monitor([adapter], clock=clock, store=MemoryStore(tmp_path))


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_every_fault_leaves_the_monitor_degraded_or_down_and_it_recovers(served, tmp_path, fault):
    emulator, url = served
    faults, expected = FAULTS[fault]
    adapter = make_adapter(emulator, url=url)
    clock = adapter.clock
    assert isinstance(clock, InstantClock)
    monitor = new_monitor(adapter, tmp_path, clock)
    await monitor.poll_once()
    assert monitor.health()["shop"].status is HealthStatus.OK
    emulator.faults = faults
    await monitor.poll_once()
    assert monitor.health()["shop"].status is expected, monitor.health()["shop"].last_error
    ref = monitor.jobs()[0].ref
    # Reading and acting under the fault give words, never a crash.
    for call in (monitor.runs(ref), monitor.read_log(ref), monitor.timeline(ref)):
        try:
            await call
        except AdapterError as error:
            assert str(error)
    result = await monitor.perform(ref, Action.RETRY)
    assert result.message
    if expected is not HealthStatus.OK:
        assert not any(secret in (monitor.health()["shop"].last_error or "") for secret in SECRETS)
    emulator.faults = Faults()
    await monitor.poll_once()
    assert monitor.health()["shop"].status is HealthStatus.OK
    assert len(monitor.jobs()) == 4
    await monitor.stop()


async def test_drifted_answers_map_unknown_states_to_unknown_and_keep_the_raw_value(adapter, emulator):
    emulator.advance(6)
    emulator.faults = Faults(drift=True)
    jobs = by_id(await adapter.list_jobs())
    assert jobs["weekly-report"].state is JobState.UNKNOWN and jobs["weekly-report"].raw_state == "ARCHIVED"
    assert jobs["catalog-sync"].state is JobState.UNKNOWN and jobs["catalog-sync"].raw_state == "RUNNING"
    assert "next run" not in jobs["nightly-prices"].labels


async def test_a_timeout_over_loopback_is_unreachable_and_the_monitor_recovers(loopback, tmp_path):
    emulator, url = loopback
    adapter = make_adapter(emulator, url=url, timeout=0.2)
    clock = adapter.clock
    assert isinstance(clock, InstantClock)
    monitor = new_monitor(adapter, tmp_path, clock)
    emulator.faults = Faults(latency=0.5)
    try:
        await monitor.poll_once()
        health = monitor.health()["shop"]
        # Down, not degraded: it has not answered once yet.
        assert health.status is HealthStatus.DOWN and "timed out" in (health.last_error or "")
    finally:
        emulator.faults = Faults()
    await monitor.poll_once()
    assert monitor.health()["shop"].status is HealthStatus.OK
    await monitor.stop()


async def test_getting_one_job_reads_its_details_and_its_latest_run(adapter):
    login = await adapter.get_job("login-check")
    assert login.state is JobState.FAILED and login.labels["schedule"] == "every 1h"
    assert login.detail["auth_session"]["id"] == "••••"
    with pytest.raises(NotFound):
        await adapter.get_job("nope")


async def test_a_deleted_job_leaves_the_list_and_its_observed_events(adapter, emulator):
    await adapter.read_log("login-check")
    emulator.sim.delete_job(DEFAULT_PROJECT, "login-check")
    assert "login-check" not in by_id(await adapter.list_jobs())
    with pytest.raises(NotFound):
        await adapter.read_log("login-check")


def test_the_observed_event_buffer_is_bounded_and_a_reader_behind_it_resumes_at_the_oldest_line_kept():
    from jobdeck.adapters.intuned.observed import ObservedRunEvents
    from jobdeck.adapters.intuned.wire import WireRun

    events = ObservedRunEvents(max_bytes=300)
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    for done in range(20):
        run = WireRun(id="7c1d2e3f-run", type="MANUAL", status="PENDING", payloads=40, successful_runs=done,
                      failed_runs=0, start_time=start, updated_at=start + timedelta(seconds=done))
        events.observe("job", run, start)
    text, end = events.read("job", 0)
    assert len(text.encode()) <= 300 and text.endswith("19 succeeded, 0 failed of 40 payloads\n")
    assert "started" not in text  # dropped from the front
    assert events.read("job", end) == ("", end)
    tail, _ = events.read("job", end - 10)
    assert tail == text[-10:]


async def test_proxy_credentials_and_notification_headers_are_redacted_too(adapter, emulator):
    body = {
        "id": "proxied",
        "payload": [{"apiName": "scrape", "parameters": {"apiKey": "param-secret-1"}}],
        "configuration": {},
        "proxy": "http://scraper:proxy-pass-9@proxy.example:8080",
        "notifications": [{"type": "webhook", "url": "https://n.example/hook", "headers": {"X-Sig": "notif-secret"}}],
        "auth_session": {"id": "proxied-session-1"},
    }
    async with httpx.AsyncClient(transport=emulator.transport(), base_url="http://intuned.test") as client:
        created = await client.post(f"/api/v1/workspace/{DEFAULT_WORKSPACE_ID}/projects/{DEFAULT_PROJECT}/jobs",
                                    json=body, headers={"x-api-key": DEFAULT_API_KEY})
        assert created.status_code == 201
    await adapter.retry("proxied")
    shown = json.dumps([(await adapter.get_job("proxied")).model_dump(mode="json"),
                        [run.model_dump(mode="json") for run in await adapter.list_runs("proxied")],
                        [job.model_dump(mode="json") for job in await adapter.list_jobs()]])
    for secret in ("proxy-pass-9", "notif-secret", "proxied-session-1", "param-secret-1"):
        assert secret not in shown, secret
    assert "proxy.example:8080" in shown


# -- one runs request per job -----------------------------------------------------------


def is_runs_request(request: httpx.Request) -> bool:
    return request.method == "GET" and request.url.path.endswith("/runs")


def add_jobs(emulator: IntunedEmulator, count: int) -> list[str]:
    ids = [f"extra-{number}" for number in range(count)]
    for job_id in ids:
        body = CreateJob.model_validate({"id": job_id, "payload": [{"apiName": "scrape"}], "configuration": {}})
        emulator.sim.create_job(DEFAULT_PROJECT, body, emulator.clock.now())
    return ids


async def test_the_runs_of_many_jobs_are_asked_concurrently_a_few_at_a_time(emulator):
    add_jobs(emulator, 2 * CONCURRENT_REQUESTS)
    transport = InFlight(emulator.transport(), counts=is_runs_request)
    adapter = make_adapter(emulator, transport=transport)
    await adapter.open()
    jobs = await adapter.list_jobs()
    assert transport.seen == len(jobs) > CONCURRENT_REQUESTS  # one runs request per job
    assert 1 < transport.peak <= CONCURRENT_REQUESTS
    await adapter.close()


class DeletesOnRuns(httpx.AsyncBaseTransport):
    """The emulator, but ``job_id`` is deleted just as its runs are asked for (after the job list)."""

    def __init__(self, emulator: IntunedEmulator, job_id: str) -> None:
        self.emulator = emulator
        self.inner = emulator.transport()
        self.job_id = job_id

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if is_runs_request(request) and request.url.path.endswith(f"/jobs/{self.job_id}/runs"):
            self.emulator.sim.delete_job(DEFAULT_PROJECT, self.job_id)
        return await self.inner.handle_async_request(request)


async def test_a_job_deleted_between_the_list_and_its_runs_is_left_out_and_the_later_jobs_still_listed(emulator):
    extra = add_jobs(emulator, 2 * CONCURRENT_REQUESTS)
    adapter = make_adapter(emulator, transport=DeletesOnRuns(emulator, "nightly-prices"))
    await adapter.open()
    jobs = by_id(await adapter.list_jobs())
    assert set(jobs) == {"catalog-sync", "weekly-report", "login-check", *extra}
    assert jobs["login-check"].state is JobState.FAILED
    await adapter.close()


# -- finished jobs are not asked for their runs at every poll ------------------------------


def active_jobs(emulator: IntunedEmulator) -> set[str]:
    """The emulator's jobs with a run in flight (their counts move: asked every poll)."""
    sim = emulator.sim
    return {job.id for job in sim.project_jobs(DEFAULT_PROJECT).values() if sim.active_run(DEFAULT_PROJECT, job.id)}


@pytest.fixture
async def counted(emulator: IntunedEmulator) -> AsyncIterator[tuple[IntunedAdapter, InFlight]]:
    transport = InFlight(emulator.transport(), counts=is_runs_request)
    adapter = make_adapter(emulator, transport=transport)
    await adapter.open()
    yield adapter, transport
    await adapter.close()


async def runs_asked_by_a_poll(adapter: IntunedAdapter, transport: InFlight) -> tuple[list[Job], int]:
    before = transport.seen
    jobs = await adapter.list_jobs()
    return jobs, transport.seen - before


async def test_a_poll_asks_runs_only_of_jobs_with_a_run_in_flight_or_a_changed_record(counted, emulator):
    adapter, transport = counted
    first, asked = await runs_asked_by_a_poll(adapter, transport)
    assert asked == len(first) == 4
    second, asked = await runs_asked_by_a_poll(adapter, transport)
    assert asked == len(active_jobs(emulator)) < len(first)
    assert second == first


async def test_a_run_started_elsewhere_shows_at_the_next_poll(adapter, emulator):
    await adapter.list_jobs()
    finished = next(job for job in await adapter.list_jobs() if job.id not in active_jobs(emulator)
                    and job.state is not JobState.PAUSED)
    emulator.sim.trigger(DEFAULT_PROJECT, finished.id, emulator.clock.now())  # another client: the record moves
    jobs = by_id(await adapter.list_jobs())
    assert finished.state.is_terminal and jobs[finished.id].state.is_active


async def test_a_finished_jobs_runs_are_asked_again_after_a_while(counted, emulator):
    adapter, transport = counted
    await adapter.list_jobs()
    emulator.advance(SETTLED_RUNS_SECONDS + 1)
    jobs, asked = await runs_asked_by_a_poll(adapter, transport)
    assert asked == len(jobs)


async def test_an_action_or_a_refresh_asks_every_job_again(counted, emulator):
    adapter, transport = counted
    jobs = await adapter.list_jobs()
    await adapter.pause("catalog-sync")
    _, asked = await runs_asked_by_a_poll(adapter, transport)
    assert asked == len(jobs)
    adapter.forget_cached()
    _, asked = await runs_asked_by_a_poll(adapter, transport)
    assert asked == len(jobs)
