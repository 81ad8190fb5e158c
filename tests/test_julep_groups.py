"""Julep's executions in groups (contract v2): an execution is in the group of
its task, whose executions, as listed, are counted by state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from jobdeck.adapters.julep import JulepAdapter, JulepSettings
from jobdeck.emulators.core import SimClock
from jobdeck.emulators.julep import DEFAULT_API_KEY, JulepEmulator
from jobdeck.model import Job, JobGroup, StateCounts
from jobdeck.query import parse_query

KEY_ENV = "JULEP_GROUPS_KEY"
NAMES = ["summarize", "translate"]


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, DEFAULT_API_KEY)


@pytest.fixture
def emulator() -> JulepEmulator:
    return JulepEmulator(seed=5, clock=SimClock(speed=0), spawn_every=None)


def adapter_for(emulator: JulepEmulator, **extra: Any) -> JulepAdapter:
    tasks = emulator.task_ids()
    settings = JulepSettings(
        name="julep",
        url="http://julep.test",
        api_key_env=KEY_ENV,
        jobs=[emulator.job_ids()[0]],
        tasks=tasks,
        task_names=dict(zip(tasks, NAMES, strict=True)),
        **extra,
    )
    return JulepAdapter(settings, clock=emulator.clock, transport=emulator.transport())


@pytest.fixture
async def adapter(emulator: JulepEmulator) -> AsyncIterator[JulepAdapter]:
    adapter = adapter_for(emulator)
    await adapter.open()
    yield adapter
    await adapter.close()


def executions_of(jobs: list[Job], task: str) -> list[Job]:
    return [job for job in jobs if job.labels.get("type") == "execution" and job.labels["task"] == task]


async def test_an_execution_is_in_the_group_of_its_task_counting_the_task_s_executions_by_state(adapter, emulator):
    jobs = await adapter.list_jobs()

    for task_id, name in zip(emulator.task_ids(), NAMES, strict=True):
        executions = executions_of(jobs, name)
        assert executions
        tally = StateCounts.of(job.state for job in executions)
        assert {job.group for job in executions} == {JobGroup(key=task_id, name=name, counts=tally)}
    assert sum(group.counts.total for group in {job.group for job in jobs if job.group}) == len(
        emulator.world.executions
    )


async def test_a_watched_job_is_in_no_group(adapter, emulator):
    jobs = {job.id: job for job in await adapter.list_jobs()}

    assert jobs[emulator.job_ids()[0]].group is None


async def test_a_task_listed_to_its_latest_executions_only_says_its_counts_are_over_those(emulator):
    adapter = adapter_for(emulator, executions_per_task=2)
    await adapter.open()
    try:
        jobs = await adapter.list_jobs()
    finally:
        await adapter.close()

    for name in NAMES:
        groups = {job.group for job in executions_of(jobs, name)}
        assert len(groups) == 1
        group = groups.pop()
        assert group.counts.total == 2
        assert group.scope == "the latest 2 executions"


async def test_a_poll_with_nothing_changed_gives_back_the_same_execution_jobs(adapter):
    first = [job for job in await adapter.list_jobs() if job.group]
    again = [job for job in await adapter.list_jobs() if job.group]

    assert first and all(a is b for a, b in zip(first, again, strict=True))


async def test_a_changed_execution_changes_the_counts_its_task_s_other_executions_carry(adapter, emulator):
    before = {job.id: job for job in await adapter.list_jobs()}
    running = next(e for e in emulator.world.executions.values() if e.status == "running")
    task = NAMES[emulator.task_ids().index(running.task_id)]

    assert (await adapter.cancel(running.id)).ok
    after = {job.id: job for job in await adapter.list_jobs()}

    for job in executions_of(list(after.values()), task):
        assert job.group == after[running.id].group != before[job.id].group
    other = next(name for name in NAMES if name != task)
    assert all(after[job.id] is before[job.id] for job in executions_of(list(before.values()), other))


async def test_an_execution_read_on_its_own_is_in_its_task_s_group_as_last_listed(adapter, emulator):
    execution = next(iter(emulator.world.executions.values()))
    unlisted = await adapter.get_job(execution.id)
    listed = {job.id: job for job in await adapter.list_jobs()}

    # Before any listing the group is known by name, not counted.
    assert unlisted.group is not None and unlisted.group.counts is None
    assert unlisted.group.key == execution.task_id
    assert (await adapter.get_job(execution.id)).group == listed[execution.id].group


async def test_group_in_the_filter_finds_a_task_s_executions(adapter):
    jobs = await adapter.list_jobs()

    assert parse_query("group:transl").filter(jobs) == executions_of(jobs, "translate")
