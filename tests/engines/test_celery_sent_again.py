"""A task jobdeck sends again (retry) reads as the one it repeats, against real Celery through
Flower: Celery's own reprs of its arguments go with it, so ``tasks.fail(('boom',))`` sent
again is ``tasks.fail(('boom',))`` too, not ``tasks.fail(['boom'])`` (the JSON list it went
as), and the deck's history of that name holds both. Which task it repeats is kept in Celery
itself (the new task is the root of its own workflow, its parent the task it repeats), so a
deck started afterwards, or another one, says it too."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from celery_data.celery_helpers import eventually, send, wait_flower
from engine_session import Engine

from jobdeck.adapters.celery import CeleryAdapter, CelerySettings
from jobdeck.adapters.celery.actions import retried_task
from jobdeck.model import Job


@pytest.fixture
async def adapter(celery_engine: Engine) -> AsyncIterator[CeleryAdapter]:
    celery = CeleryAdapter(CelerySettings(name="tasks", flower_url=celery_engine.env["FLOWER_URL"]))
    await celery.open()
    try:
        yield celery
    finally:
        await celery.close()


async def test_a_task_sent_again_has_the_name_and_arguments_of_the_one_it_repeats(
    celery_engine: Engine, adapter: CeleryAdapter
) -> None:
    # As a Python client writes them: `tasks.fail.delay("boom", message=…)` reprs a tuple.
    first = send(celery_engine, "fail", "boom", options={"argsrepr": "('boom',)"})
    wait_flower(celery_engine, {"first": first}, {"first": {"FAILURE"}})
    job = await adapter.get_job(first)
    assert job.name == "tasks.fail(('boom',))"

    result = await adapter.retry(first)
    assert result.ok and result.new_ref is not None

    async def failed_again() -> Job:
        again = await adapter.get_job(result.new_ref.id)  # type: ignore[union-attr]
        assert again.raw_state == "FAILURE"
        return again

    again = await eventually(failed_again, "the task sent again")
    assert (again.name, again.labels["args"], again.detail["args"]) == (job.name, "('boom',)", "('boom',)")
    assert again.error == job.error == "ValueError('boom')"
    assert again.labels["retry of"] == first


async def test_a_deck_started_afterwards_still_says_which_task_a_retry_repeats(
    celery_engine: Engine, adapter: CeleryAdapter
) -> None:
    first = send(celery_engine, "ok", 7)
    wait_flower(celery_engine, {"first": first}, {"first": {"SUCCESS"}})
    result = await adapter.retry(first)
    assert result.ok and result.new_ref is not None
    again_id = result.new_ref.id
    wait_flower(celery_engine, {"again": again_id}, {"again": {"SUCCESS"}})

    restarted = CeleryAdapter(CelerySettings(name="tasks", flower_url=celery_engine.env["FLOWER_URL"]))
    await restarted.open()
    try:
        listed = {job.id: job for job in await restarted.list_jobs()}
        assert listed[again_id].labels["retry of"] == first
        assert "retry of" not in listed[first].labels
        assert (await restarted.get_job(again_id)).labels["retry of"] == first
    finally:
        await restarted.close()


async def test_a_task_another_task_sent_is_no_retry(celery_engine: Engine, adapter: CeleryAdapter) -> None:
    # What a worker's task puts on the task it sends: its own id as parent, its workflow's root.
    parent = send(celery_engine, "ok", 1)
    child = send(celery_engine, "ok", 2, options={"parent_id": parent, "root_id": parent})
    wait_flower(celery_engine, {"child": child}, {"child": {"SUCCESS"}})

    job = await eventually(lambda: adapter.get_job(child), "the child task")
    assert "retry of" not in job.labels
    task = await adapter._task(child)
    assert (task.parent_id, task.root_id, retried_task(task)) == (parent, parent, None)


async def test_the_times_in_a_tasks_detail_are_times(celery_engine: Engine, adapter: CeleryAdapter) -> None:
    task_id = send(celery_engine, "ok", 1)
    wait_flower(celery_engine, {"ok": task_id}, {"ok": {"SUCCESS"}})

    detail = (await adapter.get_job(task_id)).detail

    for field in ("sent", "received", "started", "succeeded", "timestamp"):
        assert isinstance(detail[field], str) and detail[field].startswith("20"), (field, detail[field])
