"""A worker killed mid-task and started again under the same name (as systemd or a pod restart
does), against real Celery through Flower: the worker is online again and runs nothing, and
the task it ran is unknown with a note, not running for ever (Celery never says it ended)."""

from __future__ import annotations

from celery_data.celery_helpers import eventually, script, send, wait_flower
from engine_session import Engine

from jobdeck.adapters.celery import CeleryAdapter, CelerySettings
from jobdeck.model import JobState


async def test_the_task_of_a_worker_that_came_back_is_unknown_with_a_note(celery_engine: Engine) -> None:
    task_id = send(celery_engine, "sleep", 120)
    wait_flower(celery_engine, {"sleep": task_id}, {"sleep": {"STARTED"}})
    adapter = CeleryAdapter(CelerySettings(name="tasks", flower_url=celery_engine.env["FLOWER_URL"]))
    await adapter.open()
    worker, killed, started = "", False, False
    try:
        job = await adapter.get_job(task_id)
        worker = job.labels["worker"]
        assert job.state is JobState.RUNNING
        script(celery_engine, "worker-kill", worker.split("@")[0])
        killed = True
        script(celery_engine, "worker-start", worker.split("@")[0])
        started = True

        async def lost() -> None:
            adapter.forget_cached()  # the workers are asked again at once, not every few polls
            listed = {job.id: job for job in await adapter.list_jobs()}[task_id]
            assert any(w.name == worker and w.online for w in adapter.workers), adapter.workers
            assert (listed.state, listed.raw_state) == (JobState.UNKNOWN, "STARTED"), listed
            assert listed.error is not None and f"its worker {worker} runs no task since this one started" in listed.error
            # Its name's group counts it as its row shows it.
            assert listed.group is not None and listed.group.counts is not None
            assert listed.group.counts.count(JobState.UNKNOWN) >= 1 and JobState.UNKNOWN in listed.group.recent

        await eventually(lost, "the task of the worker that came back", patience=90)
        alone = await adapter.get_job(task_id)
        assert alone.state is JobState.UNKNOWN
    finally:
        await adapter.close()
        if killed and not started:  # the session's other tests need both workers
            script(celery_engine, "worker-start", worker.split("@")[0])

