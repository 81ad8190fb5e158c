"""The action gate, jobdeck's own archive, and reading through the monitor."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from fakes import EventRecorder, FakeAdapter, make_job, make_monitor, wait_until

from jobdeck.clock import FrozenClock
from jobdeck.errors import AdapterError, NotFound, ReadOnlyRefused, Unreachable
from jobdeck.model import Action, Capability, JobRef, JobState, LogChunk, StatusEvent
from jobdeck.monitor import ActionDone, JobsChanged, Monitor

#: A backend with no archive of its own: archive/restore go to jobdeck's archive.
NO_ARCHIVE = frozenset(
    {Capability.LIST, Capability.LOG, Capability.TIMELINE, Capability.RETRY, Capability.CANCEL}
)
RUNNING = JobRef(backend="alpha", id="run")
FAILED = JobRef(backend="alpha", id="fail")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


def backend(clock: FrozenClock, capabilities: frozenset[Capability] | None = None) -> FakeAdapter:
    return FakeAdapter.build(
        "alpha",
        clock=clock,
        capabilities=capabilities,
        jobs=[
            make_job("run", JobState.RUNNING, name="train-model"),
            make_job("fail", JobState.FAILED, name="etl-orders"),
        ],
    )


async def polled(tmp_path: Path, adapter: FakeAdapter, clock: FrozenClock, **kwargs: bool) -> Monitor:
    monitor = make_monitor(tmp_path, [adapter], clock=clock, **kwargs)
    await monitor.poll_once()
    return monitor


def action_log(tmp_path: Path) -> list[dict[str, str]]:
    path = tmp_path / "actions.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# -- read-only ---------------------------------------------------------------------------


@pytest.mark.parametrize("action", list(Action))
async def test_read_only_refuses_every_action_without_touching_the_backend(
    tmp_path: Path, clock: FrozenClock, action: Action
) -> None:
    adapter = backend(clock)
    monitor = await polled(tmp_path, adapter, clock, read_only=True)
    assert monitor.read_only is True
    for ref in (RUNNING, FAILED):
        assert monitor.why_not(ref, action) == "read-only mode"
        with pytest.raises(ReadOnlyRefused):
            await monitor.perform(ref, action)
    assert adapter.mutations == []
    entries = action_log(tmp_path)
    assert [(e["job"], e["action"], e["result"]) for e in entries] == [
        ("run", action.value, "refused"),
        ("fail", action.value, "refused"),
    ]


async def test_read_only_refuses_jobdeck_archive_actions_too(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = backend(clock, NO_ARCHIVE)
    monitor = await polled(tmp_path, adapter, clock, read_only=True)
    with pytest.raises(ReadOnlyRefused):
        await monitor.perform(FAILED, Action.ARCHIVE)
    assert not (tmp_path / "archive.json").exists()
    assert monitor.job(FAILED).archived is False


# -- the gate ------------------------------------------------------------------------------


async def test_an_unknown_job_is_refused(tmp_path: Path, clock: FrozenClock) -> None:
    monitor = await polled(tmp_path, backend(clock), clock)
    assert monitor.why_not(JobRef(backend="alpha", id="nope"), Action.CANCEL) == "unknown job alpha/nope"
    assert monitor.why_not(JobRef(backend="ghost", id="1"), Action.CANCEL) == "unknown job ghost/1"


async def test_an_unsupported_action_gives_the_adapters_reason(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = backend(clock, frozenset({Capability.LIST}))
    monitor = await polled(tmp_path, adapter, clock)
    reason = monitor.why_not(FAILED, Action.RETRY)
    assert reason == "fake backends cannot retry"

    result = await monitor.perform(FAILED, Action.RETRY)
    assert (result.ok, result.message) == (False, reason)
    assert adapter.mutations == []
    assert action_log(tmp_path)[-1]["result"] == "refused"


async def test_the_adapters_state_rules_apply(tmp_path: Path, clock: FrozenClock) -> None:
    monitor = await polled(tmp_path, backend(clock), clock)
    assert monitor.why_not(FAILED, Action.CANCEL) == "the job is failed, not running"
    assert monitor.why_not(RUNNING, Action.RETRY) == "the job is still running"
    assert monitor.why_not(RUNNING, Action.CANCEL) is None


async def test_an_allowed_action_calls_the_backend_logs_and_refreshes(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = backend(clock)
    monitor = await polled(tmp_path, adapter, clock)
    recorder = EventRecorder()
    monitor.add_listener(recorder)

    result = await monitor.perform(RUNNING, Action.CANCEL)

    assert result.ok and result.message == "canceled run"
    assert adapter.mutations == [("cancel", "run")]
    assert monitor.job(RUNNING).state is JobState.CANCELED  # refreshed after the action
    [done] = recorder.of(ActionDone)
    assert (done.ref, done.action, done.result) == (RUNNING, Action.CANCEL, result)
    entry = action_log(tmp_path)[-1]
    assert entry == {
        "at": clock.now().isoformat(), "backend": "alpha", "job": "run",
        "action": "cancel", "result": "ok", "message": "canceled run",
    }


async def test_a_backend_error_during_an_action_becomes_a_failed_result(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = backend(clock)
    adapter.fail_next(1, Unreachable("connection reset"), method="retry")
    monitor = await polled(tmp_path, adapter, clock)
    result = await monitor.perform(FAILED, Action.RETRY)
    assert (result.ok, result.message) == (False, "unreachable: connection reset")
    assert action_log(tmp_path)[-1]["result"] == "failed"


async def test_a_bug_during_an_action_becomes_a_failed_result(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = backend(clock)
    adapter.fail_next(1, AttributeError("nope"), method="retry")
    monitor = await polled(tmp_path, adapter, clock)
    result = await monitor.perform(FAILED, Action.RETRY)
    assert (result.ok, result.message) == (False, "internal error in fake adapter: nope")


async def test_the_confirmation_names_the_action_job_id_and_backend(tmp_path: Path, clock: FrozenClock) -> None:
    monitor = await polled(tmp_path, backend(clock), clock)
    text = monitor.confirm_text(FAILED, Action.RETRY)
    assert "Retry" in text and "etl-orders" in text and "fail" in text and "alpha" in text
    assert "jobdeck's own archive" not in text


# -- jobdeck's own archive ----------------------------------------------------------------


async def test_archiving_on_a_backend_without_an_archive_uses_jobdecks(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = backend(clock, NO_ARCHIVE)
    monitor = await polled(tmp_path, adapter, clock)
    recorder = EventRecorder()
    monitor.add_listener(recorder)

    assert monitor.why_not(FAILED, Action.ARCHIVE) is None
    assert monitor.why_not(FAILED, Action.RESTORE) == "the job is not archived"
    assert "(kept in jobdeck's own archive; the backend is not changed)" in monitor.confirm_text(
        FAILED, Action.ARCHIVE
    )
    result = await monitor.perform(FAILED, Action.ARCHIVE)

    assert result.ok
    assert adapter.mutations == []
    job = monitor.job(FAILED)
    assert (job.archived, job.archived_by) == (True, "jobdeck")
    [change] = recorder.of(JobsChanged)
    assert [(j.ref, j.archived) for j in change.changed] == [(FAILED, True)]
    assert monitor.why_not(FAILED, Action.ARCHIVE) == "the job is already archived"
    assert action_log(tmp_path)[-1]["result"] == "ok"


async def test_jobdecks_archive_survives_a_new_monitor_and_restores(tmp_path: Path, clock: FrozenClock) -> None:
    first = await polled(tmp_path, backend(clock, NO_ARCHIVE), clock)
    await first.perform(FAILED, Action.ARCHIVE)

    second = await polled(tmp_path, backend(clock, NO_ARCHIVE), clock)
    assert second.job(FAILED).archived_by == "jobdeck"
    assert [job.id for job in second.jobs() if job.archived] == ["fail"]

    assert second.why_not(FAILED, Action.RESTORE) is None
    result = await second.perform(FAILED, Action.RESTORE)
    assert result.ok
    assert second.job(FAILED).archived is False
    assert make_monitor(tmp_path, [], clock=clock).jobs() == []  # nothing left to overlay
    assert json.loads((tmp_path / "archive.json").read_text())["refs"] == []


async def test_a_backend_with_an_archive_does_its_own_archiving(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = backend(clock)
    monitor = await polled(tmp_path, adapter, clock)
    await monitor.perform(FAILED, Action.ARCHIVE)
    assert adapter.mutations == [("archive", "fail")]
    assert monitor.job(FAILED).archived_by == "backend"
    assert not (tmp_path / "archive.json").exists()


async def test_a_corrupt_archive_is_a_warning_not_a_crash(tmp_path: Path, clock: FrozenClock) -> None:
    (tmp_path / "archive.json").write_text("{{{")
    monitor = await polled(tmp_path, backend(clock, NO_ARCHIVE), clock)
    [warning] = monitor.warnings()
    assert "corrupt" in warning
    assert not any(job.archived for job in monitor.jobs())
    assert (await monitor.perform(FAILED, Action.ARCHIVE)).ok


# -- reading through the monitor ----------------------------------------------------------


async def test_the_timeline_merges_backend_history_with_observed_events(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = backend(clock)
    monitor = await polled(tmp_path, adapter, clock)
    now = clock.now()
    adapter.set_timeline("fail", [
        StatusEvent(at=now - timedelta(seconds=60), state=JobState.PENDING),
        StatusEvent(at=now - timedelta(seconds=1), state=JobState.FAILED),  # the same as the one observed
    ])
    clock.advance(10)
    adapter.update_job("fail", state=JobState.RUNNING)  # retried behind our back
    await monitor.poll_once()

    timeline = await monitor.timeline(FAILED)
    assert [(e.state, e.observed) for e in timeline] == [
        (JobState.PENDING, False),
        (JobState.FAILED, False),
        (JobState.RUNNING, True),
    ]


async def test_the_timeline_falls_back_to_observed_events_when_the_backend_fails(
    tmp_path: Path, clock: FrozenClock
) -> None:
    adapter = backend(clock)
    monitor = await polled(tmp_path, adapter, clock)
    adapter.fail_next(1, Unreachable("down"), method="timeline")
    timeline = await monitor.timeline(FAILED)
    assert [(e.state, e.observed) for e in timeline] == [(JobState.FAILED, True)]


async def test_runs_and_logs_come_from_the_adapter(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = backend(clock)
    adapter.set_log("fail", "line 1\nline 2\n")
    monitor = await polled(tmp_path, adapter, clock)
    assert [run.id for run in await monitor.runs(FAILED)] == ["fail"]
    assert await monitor.read_log(FAILED, 7) == LogChunk(text="line 2\n", offset=14)
    with pytest.raises(NotFound):
        await monitor.read_log(JobRef(backend="ghost", id="1"))


async def test_a_bug_while_reading_surfaces_as_an_adapter_error(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = backend(clock)
    adapter.fail_next(1, ValueError("bad"), method="list_runs")
    monitor = await polled(tmp_path, adapter, clock)
    with pytest.raises(AdapterError, match="internal error in fake adapter: bad"):
        await monitor.runs(FAILED)


async def test_following_a_log_resumes_from_its_offset_after_a_transient_error(
    tmp_path: Path, clock: FrozenClock
) -> None:
    adapter = backend(clock)
    adapter.set_log("run", "one\n")
    monitor = await polled(tmp_path, adapter, clock)
    chunks: list[LogChunk] = []

    async def follow() -> None:
        async for chunk in monitor.follow_log(RUNNING):
            chunks.append(chunk)

    task = asyncio.create_task(follow())
    await wait_until(lambda: len(chunks) == 1 and clock.sleepers == 1)
    adapter.fail_next(1, Unreachable("connection dropped"), method="read_log")
    adapter.append_log("run", "two\n")
    adapter.complete_log("run")
    clock.advance(1)  # the adapter's next read fails
    await wait_until(lambda: adapter.count("read_log") == 2 and clock.sleepers == 1)
    clock.advance(1)  # the monitor's retry
    await asyncio.wait_for(task, timeout=5)

    assert [chunk.text for chunk in chunks] == ["one\n", "two\n"]
    assert chunks[-1].complete and chunks[-1].offset == 8
    offsets = [call[2] for call in adapter.calls if call[0] == "read_log"]
    assert offsets == ["0", "4", "4"]


async def test_following_a_missing_log_ends_with_a_notice(tmp_path: Path, clock: FrozenClock) -> None:
    monitor = await polled(tmp_path, backend(clock), clock)
    chunks = [chunk async for chunk in monitor.follow_log(JobRef(backend="alpha", id="gone"), 12)]
    assert len(chunks) == 1
    assert (chunks[0].text, chunks[0].offset) == ("", 12)
    assert chunks[0].notice is not None and chunks[0].notice.startswith("No log for job 'gone'")


async def test_following_a_log_the_backend_cannot_give_ends_with_a_notice(tmp_path: Path, clock: FrozenClock) -> None:
    monitor = await polled(tmp_path, backend(clock, frozenset({Capability.LIST})), clock)
    chunks = [chunk async for chunk in monitor.follow_log(RUNNING)]
    assert [chunk.notice for chunk in chunks] == ["Fake backends cannot log"]  # the backend's words, not "unsupported: …"


async def test_following_a_log_on_an_unknown_backend_ends_with_a_notice(tmp_path: Path, clock: FrozenClock) -> None:
    monitor = await polled(tmp_path, backend(clock), clock)
    chunks = [chunk async for chunk in monitor.follow_log(JobRef(backend="ghost", id="1"))]
    assert [chunk.notice for chunk in chunks] == ["No backend named 'ghost'."]


async def test_a_jobdeck_archive_that_cannot_be_written_fails_the_action(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = backend(clock, NO_ARCHIVE)
    monitor = await polled(tmp_path, adapter, clock)
    (tmp_path / "archive.json").mkdir()  # a folder where the file should go
    result = await monitor.perform(FAILED, Action.ARCHIVE)
    assert not result.ok and result.message.startswith("could not write jobdeck's archive")
    assert monitor.job(FAILED).archived is False
    assert action_log(tmp_path)[-1]["result"] == "failed"


async def test_a_reason_reaches_only_backends_that_keep_one(tmp_path):
    clock = FrozenClock()
    keeps = FakeAdapter.build("keeps", jobs=[make_job("1", JobState.SUCCEEDED)], clock=clock)
    keeps.reason_actions = frozenset({Capability.ARCHIVE})
    ignores = FakeAdapter.build("ignores", jobs=[make_job("1", JobState.SUCCEEDED)], clock=clock)
    monitor = make_monitor(tmp_path, [keeps, ignores], clock=clock)
    await monitor.poll_once()
    first, second = JobRef(backend="keeps", id="1"), JobRef(backend="ignores", id="1")
    assert monitor.takes_reason(first, Action.ARCHIVE) and not monitor.takes_reason(second, Action.ARCHIVE)
    await monitor.perform(first, Action.ARCHIVE, reason="  obsolete  ")
    await monitor.perform(second, Action.ARCHIVE, reason="obsolete")
    assert keeps.mutations == [("archive", "1", "obsolete")]
    assert ignores.mutations == [("archive", "1")]
