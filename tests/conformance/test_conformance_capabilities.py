"""What an adapter declares it can do is what it does: a declared capability
works, an undeclared one is refused with ``Unsupported`` and a reason in words,
the same reason the deck shows beside the key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from kit import Kit

from jobdeck.adapters.base import Adapter
from jobdeck.errors import Unsupported
from jobdeck.model import ActionResult, Capability

Call = Callable[[Adapter, str], Awaitable[object]]


async def _first_change(adapter: Adapter, job_id: str) -> None:
    changes = adapter.changes()
    try:
        await anext(changes)
    finally:
        await changes.aclose()


async def _watch(adapter: Adapter, job_id: str) -> None:
    adapter.watch_job(job_id)


#: The actions, each as the monitor's gate calls it.
ACTIONS: dict[Capability, Call] = {
    Capability.ARCHIVE: lambda adapter, job_id: adapter.archive(job_id),
    Capability.RESTORE: lambda adapter, job_id: adapter.restore(job_id),
    Capability.RETRY: lambda adapter, job_id: adapter.retry(job_id),
    Capability.CANCEL: lambda adapter, job_id: adapter.cancel(job_id),
    Capability.PAUSE: lambda adapter, job_id: adapter.pause(job_id),
    Capability.RESUME: lambda adapter, job_id: adapter.resume(job_id),
}
#: Every capability an adapter can refuse by a call.
REFUSABLE: dict[Capability, Call] = {
    **ACTIONS,
    Capability.LOG: lambda adapter, job_id: adapter.read_log(job_id),
    Capability.PUSH: _first_change,
    Capability.WATCH: _watch,
}


async def test_a_capability_is_either_declared_or_explained_never_both(backend: Kit) -> None:
    adapter = backend.adapter
    assert Capability.LIST in adapter.capabilities
    assert not set(adapter.capabilities) & set(adapter.unsupported_reasons)


async def test_every_missing_capability_has_a_reason_in_words(backend: Kit) -> None:
    adapter = backend.adapter
    job = (await adapter.list_jobs())[0]
    for capability in Capability:
        if adapter.supports(capability):
            continue
        reason = adapter.why_unsupported(capability)
        assert reason.strip(), capability
        assert adapter.why_not(capability, job) == reason


async def test_an_undeclared_capability_is_refused_as_unsupported_with_its_reason(backend: Kit) -> None:
    adapter = backend.adapter
    job = (await adapter.list_jobs())[0]
    for capability, call in REFUSABLE.items():
        if adapter.supports(capability):
            continue
        with pytest.raises(Unsupported) as refused:
            await call(adapter, job.id)
        assert str(refused.value) == adapter.why_unsupported(capability), capability


async def test_a_declared_reading_capability_works_on_a_listed_job(backend: Kit) -> None:
    adapter = backend.adapter
    jobs = await adapter.list_jobs()
    if adapter.supports(Capability.LOG):
        readable = []
        for job in jobs:
            try:
                readable.append(await adapter.read_log(job.id))
            except Unsupported:
                continue  # this job has none (a Julep job: its executions have the logs)
        assert readable
    if adapter.supports(Capability.TIMELINE):
        assert [job for job in jobs if await adapter.timeline(job.id)]
    if adapter.supports(Capability.RUNS):
        with_runs = [job for job in jobs if await adapter.list_runs(job.id)]
        assert with_runs
        first_page = await adapter.runs_page(with_runs[0].id, 0)
        assert [run.id for run in first_page.runs] == [run.id for run in await adapter.list_runs(with_runs[0].id)]


async def test_a_declared_action_is_never_refused_as_unsupported(backend: Kit) -> None:
    adapter = backend.adapter
    tried = []
    for capability, call in ACTIONS.items():
        if not adapter.supports(capability):
            continue
        # Listed afresh: an earlier action may have made a job fit for this one (restore after archive).
        adapter.forget_cached()
        job = next((job for job in await adapter.list_jobs() if adapter.why_not(capability, job) is None), None)
        if job is None:
            continue  # no job here is in a state for it
        result = await call(adapter, job.id)
        assert isinstance(result, ActionResult) and result.message, capability
        tried.append(capability)
    declared = [capability for capability in ACTIONS if adapter.supports(capability)]
    assert tried or not declared
