"""A task jobdeck sends again (retry) reads as the one it repeats, against real Celery through
Flower: Celery's own reprs of its arguments go with it, so ``tasks.fail(('boom',))`` sent
again is ``tasks.fail(('boom',))`` too, not ``tasks.fail(['boom'])`` (the JSON list it went
as), and the deck's history of that name holds both."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from celery_data.celery_helpers import eventually, send, wait_flower
from engine_session import Engine

from jobdeck.adapters.celery import CeleryAdapter, CelerySettings
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


async def test_the_times_in_a_tasks_detail_are_times(celery_engine: Engine, adapter: CeleryAdapter) -> None:
    task_id = send(celery_engine, "ok", 1)
    wait_flower(celery_engine, {"ok": task_id}, {"ok": {"SUCCESS"}})

    detail = (await adapter.get_job(task_id)).detail

    for field in ("sent", "received", "started", "succeeded", "timestamp"):
        assert isinstance(detail[field], str) and detail[field].startswith("20"), (field, detail[field])
