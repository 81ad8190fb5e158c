"""Every action asked of the monitor's gate is in the action log, done or refused:
refusals by the gate (read-only mode, a capability the backend lacks, the job's
state, an unknown job) and by the backend itself, each with its reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes import FakeAdapter, make_job, make_monitor

from jobdeck.clock import FrozenClock
from jobdeck.errors import AuthFailed, ReadOnlyRefused, Unsupported
from jobdeck.model import Action, ActionResult, Capability, JobRef, JobState

RUNNING = JobRef(backend="alpha", id="run")
FAILED = JobRef(backend="alpha", id="fail")


def backend(capabilities: frozenset[Capability] | None = None) -> FakeAdapter:
    jobs = [make_job("run", JobState.RUNNING), make_job("fail", JobState.FAILED)]
    return FakeAdapter.build("alpha", clock=FrozenClock(), capabilities=capabilities, jobs=jobs)


def logged(tmp_path: Path) -> list[tuple[str, str, str, str]]:
    lines = (tmp_path / "actions.jsonl").read_text().splitlines()
    return [(e["job"], e["action"], e["result"], e["message"]) for e in map(json.loads, lines)]


async def test_a_refusal_in_read_only_mode_is_logged_as_refused(tmp_path: Path) -> None:
    monitor = make_monitor(tmp_path, [backend()], clock=FrozenClock(), read_only=True)
    await monitor.poll_once()
    with pytest.raises(ReadOnlyRefused):
        await monitor.perform(FAILED, Action.RETRY)
    assert logged(tmp_path) == [("fail", "retry", "refused", "read-only mode")]


async def test_refusals_of_the_gate_are_logged_with_their_reason(tmp_path: Path) -> None:
    monitor = make_monitor(tmp_path, [backend(frozenset({Capability.LIST, Capability.RETRY}))], clock=FrozenClock())
    await monitor.poll_once()

    await monitor.perform(FAILED, Action.CANCEL)  # the backend cannot cancel
    await monitor.perform(RUNNING, Action.RETRY)  # not while it runs
    await monitor.perform(JobRef(backend="alpha", id="nope"), Action.RETRY)

    assert logged(tmp_path) == [
        ("fail", "cancel", "refused", "fake backends cannot cancel"),
        ("run", "retry", "refused", "the job is still running"),
        ("nope", "retry", "refused", "unknown job alpha/nope"),
    ]


@pytest.mark.parametrize(
    "error",
    [Unsupported("this job type cannot be canceled"), ReadOnlyRefused("the API token is read-only")],
    ids=["unsupported", "read-only-token"],
)
async def test_a_backend_that_refuses_the_action_is_logged_as_refused(tmp_path: Path, error: Exception) -> None:
    adapter = backend()
    monitor = make_monitor(tmp_path, [adapter], clock=FrozenClock())
    await monitor.poll_once()
    adapter.fail_next(1, error, method="cancel")

    result = await monitor.perform(RUNNING, Action.CANCEL)

    assert not result.ok
    assert logged(tmp_path) == [("run", "cancel", "refused", f"{error.kind}: {error}")]


async def test_a_backend_that_fails_or_answers_no_is_logged_as_failed(tmp_path: Path) -> None:
    adapter = backend()
    monitor = make_monitor(tmp_path, [adapter], clock=FrozenClock())
    await monitor.poll_once()
    adapter.fail_next(1, AuthFailed("token expired"), method="cancel")
    await monitor.perform(RUNNING, Action.CANCEL)

    async def says_no(job_id: str) -> ActionResult:
        return ActionResult(ok=False, message=f"{job_id} is locked by its owner")

    adapter.retry = says_no  # type: ignore[method-assign]
    await monitor.perform(FAILED, Action.RETRY)

    assert logged(tmp_path) == [
        ("run", "cancel", "failed", "auth failed: token expired"),
        ("fail", "retry", "failed", "fail is locked by its owner"),
    ]
