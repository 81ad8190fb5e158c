"""The Julep adapter against the Julep emulator: in-process and over a loopback
socket, live logs through the event stream, every fault switch, redaction."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fakes import InstantClock, make_monitor

from jobdeck.adapters.changes import Upsert
from jobdeck.adapters.julep import JulepAdapter, JulepSettings
from jobdeck.adapters.julep.convert import job_from_status
from jobdeck.adapters.julep.wire import JobStatus
from jobdeck.emulators.core import SimClock
from jobdeck.emulators.faults import Faults
from jobdeck.emulators.julep import DEFAULT_API_KEY, JulepEmulator
from jobdeck.emulators.server import running
from jobdeck.errors import AuthFailed, Unsupported
from jobdeck.model import Action, Capability, JobRef, JobState, LogChunk
from jobdeck.monitor.events import HealthStatus

KEY_ENV = "JULEP_TEST_KEY"
UNKNOWN = "00000000-0000-7000-8000-000000000000"
SECRET = "sk-demo-secret"


def emulator_time(emulator: JulepEmulator) -> InstantClock:
    """The emulator's simulated time, where sleeping (retry backoff, Retry-After,
    poll fallback) moves the world on instead of waiting for real."""
    return InstantClock(emulator.clock, on_sleep=lambda seconds: emulator.advance(max(0.0, seconds)))


def new_emulator() -> JulepEmulator:
    return JulepEmulator(seed=5, clock=SimClock(speed=0), spawn_every=None, stream_poll=0.01)


def settings_for(emulator: JulepEmulator, url: str = "http://julep.test", **extra: Any) -> JulepSettings:
    jobs = [emulator.job_ids()[0], emulator.job_ids()[-1], UNKNOWN]
    values: dict[str, Any] = {
        "name": "julep",
        "url": url,
        "api_key_env": KEY_ENV,
        "jobs": jobs,
        "tasks": emulator.task_ids(),
        "task_names": dict(zip(emulator.task_ids(), ["summarize", "translate"], strict=True)),
    }
    values.update(extra)
    return JulepSettings(**values)


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, DEFAULT_API_KEY)


@pytest.fixture
def emulator() -> JulepEmulator:
    return new_emulator()


@pytest.fixture
async def adapter(emulator: JulepEmulator) -> AsyncIterator[JulepAdapter]:
    adapter = JulepAdapter(settings_for(emulator), clock=emulator_time(emulator), transport=emulator.transport())
    await adapter.open()
    yield adapter
    await adapter.close()


def execution_with(emulator: JulepEmulator, status: str) -> str:
    return next(e.id for e in emulator.world.executions.values() if e.status == status)


#: Turns of the event loop an in-process test gives the emulator's event stream, the
#: transport and the adapter per simulated step: enough for an event to reach the reader.
TURNS_PER_STEP = 50
#: Simulated steps a test waits at most for what it expects.
MAX_STEPS = 200


async def step_until(done: Callable[[], bool], *, step: Callable[[], object], what: str) -> None:
    """Turn the event loop a little, then ``step()`` the simulation, until ``done()``.

    No real time passes: the emulator must stream in-process with ``stream_poll = 0``.
    """
    for _ in range(MAX_STEPS):
        if done():
            return
        for _ in range(TURNS_PER_STEP):
            await asyncio.sleep(0)
        step()
    assert done(), f"{what} did not happen within {MAX_STEPS} simulated steps"


async def collect(
    stream: AsyncIterator[LogChunk], *, emulator: JulepEmulator, step: float = 1.0, loopback: bool = False
) -> list[LogChunk]:
    """Read a followed log to its end while the simulated time moves on.

    In-process the simulation is stepped between turns of the event loop. Over
    ``loopback`` the emulator serves from its own thread, so real time passes.
    """
    chunks: list[LogChunk] = []

    async def read() -> None:
        async for chunk in stream:
            chunks.append(chunk)

    reader = asyncio.create_task(read())
    try:
        if loopback:
            for _ in range(MAX_STEPS):
                if reader.done():
                    break
                await asyncio.sleep(0.02)
                emulator.advance(step)
            await asyncio.wait_for(reader, timeout=5)
        else:
            emulator.stream_poll = 0  # the event streams look again at every turn, not after real time
            await step_until(reader.done, step=lambda: emulator.advance(step), what="the log's end")
            await reader
    finally:
        reader.cancel()
    return chunks


# -- watched jobs ------------------------------------------------------------------------------


async def test_watched_jobs_show_state_reason_and_times(adapter, emulator):
    jobs = {job.id: job for job in await adapter.list_jobs()}
    first = jobs[emulator.job_ids()[0]]
    assert (first.state, first.raw_state) == (JobState.SUCCEEDED, "succeeded")
    assert first.labels["reason"] == "Execution status: succeeded"
    assert first.labels["type"] == "job"
    assert first.created is not None and first.updated is not None
    assert first.progress is None  # has_progress is false


async def test_an_unknown_job_id_is_one_unknown_job_not_an_error_of_the_backend(adapter, tmp_path):
    monitor = make_monitor(tmp_path, [adapter], clock=adapter.clock)
    await monitor.poll_once()
    assert monitor.health()["julep"].status is HealthStatus.OK
    missing = monitor.job(JobRef(backend="julep", id=UNKNOWN))
    assert missing is not None
    assert (missing.state, missing.error) == (JobState.UNKNOWN, "not found on the server")


def test_a_job_with_progress_shows_it_and_one_without_shows_none():
    times = {"created_at": datetime(2026, 1, 1, tzinfo=UTC), "updated_at": datetime(2026, 1, 1, tzinfo=UTC)}
    with_bar = job_from_status("julep", JobStatus(id=UNKNOWN, has_progress=True, progress=42.0, state="in_progress", **times))
    without = job_from_status("julep", JobStatus(id=UNKNOWN, has_progress=False, progress=42.0, state="pending", **times))
    assert (with_bar.progress, with_bar.state) == (42.0, JobState.RUNNING)
    assert (without.progress, without.state) == (None, JobState.PENDING)


async def test_a_job_id_can_be_watched_from_the_deck_at_runtime(adapter, emulator):
    extra = emulator.job_ids()[3]
    assert extra not in {job.id for job in await adapter.list_jobs() if job.labels.get("type") == "job"}
    adapter.watch_job(extra.upper())  # any spelling of the UUID
    watched = [job.id for job in await adapter.list_jobs() if job.labels.get("type") == "job"]
    assert watched[-1] == extra
    with pytest.raises(ValueError, match="not a Julep id"):
        adapter.watch_job("job-17")


def test_settings_refuse_a_job_id_that_is_not_a_uuid(emulator):
    with pytest.raises(ValueError, match="not a Julep id"):
        settings_for(emulator, jobs=["nope"])


# -- executions -----------------------------------------------------------------------------------


async def test_executions_are_listed_per_task_with_status_input_and_output_or_error(adapter, emulator):
    executions = [job for job in await adapter.list_jobs() if job.labels.get("type") == "execution"]
    assert len(executions) == len(emulator.world.executions)
    succeeded = next(job for job in executions if job.raw_state == "succeeded" and job.labels["task"] == "summarize")
    assert succeeded.name.startswith("summarize: document=report-")
    assert "summary=" in succeeded.labels["output"]
    failed = next(job for job in executions if job.state is JobState.FAILED)
    assert failed.error and failed.ended is not None
    waiting = next(job for job in executions if job.raw_state == "awaiting_input")
    assert waiting.state is JobState.PAUSED


async def test_secrets_in_an_execution_input_never_reach_the_model(adapter):
    jobs = await adapter.list_jobs()
    translate = [job for job in jobs if job.labels.get("task") == "translate"]
    assert translate and all("api_key=••••" in job.labels["input"] for job in translate)
    dumped = json.dumps([job.model_dump(mode="json") for job in jobs])
    assert SECRET not in dumped and DEFAULT_API_KEY not in dumped


async def test_the_timeline_is_the_execution_s_transitions(adapter, emulator):
    failed = execution_with(emulator, "failed")
    events = await adapter.timeline(failed)
    assert [event.raw_state for event in events][0] == "init"
    assert events[-1].raw_state == "error" and events[-1].state is JobState.FAILED
    assert "error=" in (events[-1].message or "")
    assert await adapter.timeline(emulator.job_ids()[0]) == []  # a job keeps no history


async def test_the_log_is_one_line_per_transition_and_resumes_at_an_offset(adapter, emulator):
    finished = execution_with(emulator, "succeeded")
    whole = await adapter.read_log(finished)
    lines = whole.text.splitlines()
    assert whole.complete and len(lines) == len(emulator.execution(finished).transitions)
    assert "init" in lines[0] and "step 0" in lines[0]
    assert "finish" in lines[-1] and "summary=" in lines[-1]
    first_line = len(lines[0].encode()) + 1
    rest = await adapter.read_log(finished, first_line)
    assert whole.text.encode()[:first_line].decode() + rest.text == whole.text


async def test_a_job_has_no_log_and_says_so(adapter, emulator):
    with pytest.raises(Unsupported, match="task execution"):
        await adapter.read_log(emulator.job_ids()[0])


async def test_the_log_follows_a_running_execution_live_through_the_event_stream(adapter, emulator):
    running_id = execution_with(emulator, "running")
    chunks = await collect(adapter.follow_log(running_id), emulator=emulator)
    assert chunks[-1].complete
    streamed = "".join(chunk.text for chunk in chunks)
    assert streamed == (await adapter.read_log(running_id)).text
    assert len(chunks) > 2  # the lines came one by one, not in one poll at the end


async def test_a_dropped_event_stream_falls_back_to_polling_without_losing_or_repeating_a_line(adapter, emulator):
    emulator.faults = Faults(drop_log=True)
    running_id = execution_with(emulator, "running")
    chunks = await collect(adapter.follow_log(running_id), emulator=emulator)
    assert chunks[-1].complete
    emulator.faults = Faults()
    assert "".join(chunk.text for chunk in chunks) == (await adapter.read_log(running_id)).text


async def test_push_yields_on_connect_and_when_an_execution_changes_status_its_job(adapter, emulator):
    await adapter.list_jobs()  # the active executions the push channel follows
    emulator.stream_poll = 0  # the status streams look again at every turn, not after real time
    changes = adapter.changes()
    await anext(changes)  # connected
    change = asyncio.ensure_future(anext(changes))
    try:
        # Not the adapter's clock: its interval wait must not fire.
        await step_until(change.done, step=lambda: emulator.clock.advance(1), what="a status change")
        # Contract v2: the status received is kept, as the execution's job (it was a bare None).
        pushed = change.result()
        assert isinstance(pushed, Upsert) and pushed.job.raw_state == emulator.world.executions[pushed.job.id].status
    finally:
        change.cancel()
        await changes.aclose()


# -- actions ------------------------------------------------------------------------------------------


async def test_cancel_stops_the_execution(adapter, emulator, tmp_path):
    monitor = make_monitor(tmp_path, [adapter], clock=adapter.clock)
    await monitor.poll_once()
    ref = JobRef(backend="julep", id=execution_with(emulator, "running"))
    assert monitor.why_not(ref, Action.CANCEL) is None
    assert "Stops this execution" in monitor.confirm_text(ref, Action.CANCEL)
    result = await monitor.perform(ref, Action.CANCEL)
    assert result.ok, result.message
    assert emulator.execution(ref.id).status == "cancelled"
    assert monitor.job(ref).state is JobState.CANCELED


async def test_retry_starts_a_new_execution_of_the_same_task_with_the_same_input(adapter, emulator, tmp_path):
    monitor = make_monitor(tmp_path, [adapter], clock=adapter.clock)
    await monitor.poll_once()
    failed = next(e for e in emulator.world.executions.values() if e.status == "failed" and "api_key" in e.input)
    ref = JobRef(backend="julep", id=failed.id)
    confirm = monitor.confirm_text(ref, Action.RETRY)
    assert "new execution of task translate with the same input" in confirm
    assert SECRET not in confirm

    result = await monitor.perform(ref, Action.RETRY)
    assert result.ok and result.new_ref is not None
    rerun = emulator.execution(result.new_ref.id)
    assert (rerun.task_id, rerun.input) == (failed.task_id, failed.input)  # the real input, not the redacted one
    assert monitor.job(result.new_ref) is not None


async def test_jobs_cannot_be_cancelled_or_retried_and_archive_uses_jobdeck_s_own(adapter, emulator, tmp_path):
    monitor = make_monitor(tmp_path, [adapter], clock=adapter.clock)
    await monitor.poll_once()
    job_ref = JobRef(backend="julep", id=emulator.job_ids()[-1])
    assert "only be read" in (monitor.why_not(job_ref, Action.CANCEL) or "")
    assert not adapter.supports(Capability.ARCHIVE) and not adapter.supports(Capability.RESTORE)

    done = JobRef(backend="julep", id=execution_with(emulator, "succeeded"))
    archived = await monitor.perform(done, Action.ARCHIVE)
    assert archived.ok
    assert monitor.job(done).archived_by == "jobdeck"
    assert (await monitor.perform(done, Action.RESTORE)).ok


# -- auth and every fault switch through the monitor ------------------------------------------------------


async def test_the_key_can_travel_in_x_auth_key(emulator):
    adapter = JulepAdapter(
        settings_for(emulator, auth_header="X-Auth-Key"), clock=emulator_time(emulator), transport=emulator.transport()
    )
    await adapter.open()
    try:
        assert await adapter.list_jobs()
    finally:
        await adapter.close()


async def test_a_missing_key_puts_the_backend_down_naming_the_variable(emulator, tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV)
    adapter = JulepAdapter(settings_for(emulator), clock=emulator_time(emulator), transport=emulator.transport())
    monitor = make_monitor(tmp_path, [adapter], clock=adapter.clock)
    await monitor.poll_once()
    health = monitor.health()["julep"]
    assert health.status is HealthStatus.DOWN and KEY_ENV in (health.last_error or "")
    with pytest.raises(AuthFailed):
        await adapter.open()


FAULTS = {
    "5xx": Faults(error_rate=1.0),
    "429": Faults(rate_limit=1.0, retry_after=1),
    "401": Faults(unauthorized=True),
    "malformed": Faults(malformed=1.0),
    "truncated": Faults(truncated=1.0),
}


@pytest.mark.parametrize("name", list(FAULTS))
async def test_a_fault_makes_the_backend_degraded_or_down_and_it_recovers(adapter, emulator, tmp_path, name):
    monitor = make_monitor(tmp_path, [adapter], clock=adapter.clock)
    emulator.faults = FAULTS[name]
    await monitor.poll_once()
    health = monitor.health()["julep"]
    assert health.status in (HealthStatus.DEGRADED, HealthStatus.DOWN)
    assert health.last_error and "internal error" not in health.last_error

    emulator.faults = Faults()
    await monitor.poll_once()
    assert monitor.health()["julep"].status is HealthStatus.OK
    assert len(monitor.jobs()) == 3 + len(emulator.world.executions)


async def test_latency_slows_but_does_not_break_a_poll(adapter, emulator, tmp_path):
    monitor = make_monitor(tmp_path, [adapter], clock=adapter.clock)
    emulator.faults = Faults(latency=0.01)
    await monitor.poll_once()
    assert monitor.health()["julep"].status is HealthStatus.OK


async def test_schema_drift_keeps_the_backend_up_with_unknown_states_kept_raw(adapter, emulator, tmp_path):
    monitor = make_monitor(tmp_path, [adapter], clock=adapter.clock)
    emulator.faults = Faults(drift=True)
    await monitor.poll_once()
    assert monitor.health()["julep"].status is HealthStatus.OK
    drifted = [job for job in monitor.jobs() if job.raw_state in ("suspended", "throttled")]
    assert drifted and all(job.state is JobState.UNKNOWN for job in drifted)


# -- over a loopback socket ----------------------------------------------------------------------------


async def test_over_loopback_the_adapter_lists_follows_the_event_stream_and_cancels(emulator, tmp_path):
    with running(emulator) as url:
        adapter = JulepAdapter(settings_for(emulator, url=url), clock=emulator_time(emulator))
        monitor = make_monitor(tmp_path, [adapter], clock=adapter.clock)
        await monitor.poll_once()
        assert monitor.health()["julep"].status is HealthStatus.OK
        assert len(monitor.jobs()) == 3 + len(emulator.world.executions)

        running_id = execution_with(emulator, "running")
        chunks = await collect(adapter.follow_log(running_id), emulator=emulator, loopback=True)
        assert chunks[-1].complete
        assert "".join(chunk.text for chunk in chunks) == (await adapter.read_log(running_id)).text

        other = JobRef(backend="julep", id=execution_with(emulator, "awaiting_input"))
        await monitor.refresh()
        assert (await monitor.perform(other, Action.CANCEL)).ok
        await monitor.stop()


async def test_over_loopback_a_dropped_event_stream_is_survived(emulator):
    with running(emulator) as url:
        adapter = JulepAdapter(settings_for(emulator, url=url), clock=emulator_time(emulator))
        await adapter.open()
        try:
            emulator.faults = Faults(drop_log=True)
            running_id = execution_with(emulator, "running")
            chunks = await collect(adapter.follow_log(running_id), emulator=emulator, loopback=True)
            emulator.faults = Faults()
            assert chunks[-1].complete
            assert "".join(chunk.text for chunk in chunks) == (await adapter.read_log(running_id)).text
        finally:
            await adapter.close()
