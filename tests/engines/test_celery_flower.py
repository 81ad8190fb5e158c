"""The celery adapter through Flower's API, against real Celery: Redis, two workers on the
project's tasks (scripts/engines/celery_tasks/tasks.py) and Flower, started for the session.

The tasks are sent once for the module (through Flower, as any client would), and every
test reads what jobdeck makes of them: states, groups by task name, runs of a retried task,
the timeline, the "log", the workers, secrets hidden; then the actions, on tasks of their own.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from celery_data.celery_helpers import BLOB, PASSWORD, Sent, eventually, everything_shown, send, wait_flower
from engine_session import Engine

from jobdeck.adapters.celery import CeleryAdapter, CelerySettings
from jobdeck.adapters.celery.convert import LABEL_LIMIT, NO_TASK_LOGS
from jobdeck.errors import NotFound
from jobdeck.model import Capability, Job, JobState

ENDED = {"SUCCESS", "FAILURE"}


@pytest.fixture(scope="module")
def sent(celery_engine: Engine) -> Sent:
    tasks = Sent({
        "ok": send(celery_engine, "ok", 6),
        "ok2": send(celery_engine, "ok", 7),
        "fail": send(celery_engine, "fail"),
        "flaky": send(celery_engine, "flaky", reason="the service is busy"),
        "chatty": send(celery_engine, "chatty", 2),
        "login": send(celery_engine, "login", "alice", password=PASSWORD, blob=BLOB),
    })
    wait_flower(celery_engine, tasks.ids, {name: ENDED for name in tasks.ids})
    return tasks


@pytest.fixture
async def adapter(celery_engine: Engine) -> AsyncIterator[CeleryAdapter]:
    celery = CeleryAdapter(CelerySettings(name="tasks", flower_url=celery_engine.env["FLOWER_URL"]))
    await celery.open()
    try:
        yield celery
    finally:
        await celery.close()


async def listed(adapter: CeleryAdapter, sent: Sent) -> dict[str, Job]:
    jobs = {job.id: job for job in await adapter.list_jobs()}
    return {name: jobs[task_id] for name, task_id in sent.ids.items()}


async def test_each_task_is_a_job_in_the_state_celery_reports(adapter: CeleryAdapter, sent: Sent) -> None:
    jobs = await listed(adapter, sent)
    assert {name: (job.state, job.raw_state) for name, job in jobs.items()} == {
        "ok": (JobState.SUCCEEDED, "SUCCESS"),
        "ok2": (JobState.SUCCEEDED, "SUCCESS"),
        "fail": (JobState.FAILED, "FAILURE"),
        "flaky": (JobState.FAILED, "FAILURE"),
        "chatty": (JobState.SUCCEEDED, "SUCCESS"),
        "login": (JobState.SUCCEEDED, "SUCCESS"),
    }
    ok = jobs["ok"]
    assert ok.name == "tasks.ok([6])"
    assert ok.labels["task"] == "tasks.ok" and ok.labels["args"] == "[6]"
    assert ok.labels["worker"] in ("w1@localhost", "w2@localhost")
    assert ok.created and ok.started and ok.ended and ok.created <= ok.started <= ok.ended
    assert ok.detail["result"] == "42" and ok.error is None
    assert jobs["fail"].error == "ValueError('it failed on purpose')"
    assert jobs["flaky"].labels["retries"] == "2"
    assert jobs["flaky"].error == "ConnectionError('the service is busy')"


async def test_jobs_are_grouped_by_task_name_with_counts_by_state(adapter: CeleryAdapter, sent: Sent) -> None:
    jobs = await listed(adapter, sent)
    group = jobs["ok"].group
    assert group is not None and group.key == group.name == "tasks.ok"
    assert jobs["ok2"].group == group
    assert group.counts is not None and group.counts.count(JobState.SUCCEEDED) >= 2
    assert jobs["fail"].group is not None and jobs["fail"].group.key == "tasks.fail"
    assert jobs["fail"].group.counts is not None and jobs["fail"].group.counts.count(JobState.FAILED) >= 1


async def test_a_task_names_group_counts_its_retries_its_latest_states_and_its_rate(
    adapter: CeleryAdapter, sent: Sent
) -> None:
    jobs = await listed(adapter, sent)
    flaky = jobs["flaky"].group
    assert flaky is not None and flaky.retries is not None and flaky.retries >= 2  # retried twice, then failed
    assert flaky.recent and flaky.recent[-1] is JobState.FAILED
    ok = jobs["ok"].group
    assert ok is not None and ok.recent[-2:] == (JobState.SUCCEEDED, JobState.SUCCEEDED)
    assert ok.rate_window_s == 300 and ok.per_minute is not None and ok.per_minute >= 0.4  # 2 ended just now


async def test_a_retried_task_has_a_run_per_attempt_and_its_retry_in_the_timeline(
    adapter: CeleryAdapter, sent: Sent
) -> None:
    runs = await adapter.list_runs(sent["flaky"])
    assert [(run.id, run.state, run.raw_state) for run in runs] == [
        ("3", JobState.FAILED, "FAILURE"),
        ("2", JobState.FAILED, "RETRY"),
        ("1", JobState.FAILED, "RETRY"),
    ]
    assert runs[1].ended is not None  # Flower keeps the time of the latest retry only
    assert runs[0].error == "ConnectionError('the service is busy')"
    timeline = await adapter.timeline(sent["flaky"])
    retries = [event for event in timeline if event.raw_state == "RETRY"]
    assert retries and "the service is busy" in (retries[-1].message or "")
    assert timeline[-1].raw_state == "FAILURE" and timeline[-1].run == "3"
    assert all(event.actor in ("w1@localhost", "w2@localhost") for event in timeline if event.raw_state != "PENDING")
    assert [event.at for event in timeline] == sorted(event.at for event in timeline)


async def test_the_timeline_says_sent_received_started_and_how_it_ended(adapter: CeleryAdapter, sent: Sent) -> None:
    timeline = await adapter.timeline(sent["ok"])
    assert [event.raw_state for event in timeline] == ["PENDING", "RECEIVED", "STARTED", "SUCCESS"]
    assert [event.state for event in timeline] == [JobState.PENDING, JobState.PENDING, JobState.RUNNING,
                                                   JobState.SUCCEEDED]
    assert timeline[-1].message == "succeeded"


async def test_the_log_is_the_exception_and_traceback_or_the_result_and_says_there_is_no_task_log(
    adapter: CeleryAdapter, sent: Sent
) -> None:
    failed = await adapter.read_log(sent["fail"])
    assert failed.complete and failed.notice == NO_TASK_LOGS
    assert "exception: ValueError('it failed on purpose')" in failed.text
    assert "Traceback (most recent call last):" in failed.text and 'raise ValueError(message)' in failed.text
    succeeded = await adapter.read_log(sent["ok"])
    assert "result: 42" in succeeded.text
    rest = await adapter.read_log(sent["ok"], succeeded.cursor)
    assert rest.text == "" and rest.complete
    # What the task printed went to the worker's log, not to jobdeck.
    assert "chatty line" not in (await adapter.read_log(sent["chatty"])).text


async def test_secrets_in_arguments_are_hidden_and_huge_ones_cut(adapter: CeleryAdapter, sent: Sent) -> None:
    jobs = await listed(adapter, sent)
    login = jobs["login"]
    shown = everything_shown(
        login,
        await adapter.list_runs(sent["login"]),
        await adapter.timeline(sent["login"]),
        await adapter.read_log(sent["login"]),
        await adapter.get_job(sent["login"]),
    )
    assert PASSWORD not in shown
    assert "'password': '••••'" in login.detail["kwargs"]
    assert len(login.labels["kwargs"]) <= LABEL_LIMIT and login.labels["kwargs"].endswith("…")
    assert BLOB not in shown


async def test_workers_are_described_and_an_unknown_task_is_not_found(adapter: CeleryAdapter, sent: Sent) -> None:
    await adapter.list_jobs()
    # (The conformance kit may have added a worker of its own to the session's Celery.)
    assert {("w1@localhost", True), ("w2@localhost", True)} <= {
        (worker.name, worker.online) for worker in adapter.workers
    }
    assert "w1@localhost online" in adapter.describe()["workers"]
    assert adapter.warnings() == ()

    async def counted() -> str:
        # From Flower's workers view: how many run how many tasks (a worker Flower has no
        # stats of, as the conformance kit's may be, is said not counted).
        await adapter.list_jobs()
        [workers] = adapter.notes()
        assert re.fullmatch(r"\d+ workers online, \d+ active tasks?( \(\d+ workers? not counted\))?", workers), workers
        return workers

    await eventually(counted, "the workers' active tasks counted in the note")
    with pytest.raises(NotFound, match="forgets every task"):
        await adapter.get_job("00000000-0000-0000-0000-000000000000")


async def test_cancel_revokes_a_queued_task(adapter: CeleryAdapter, celery_engine: Engine) -> None:
    task_id = send(celery_engine, "sleep", 1, options={"countdown": 5})

    async def queued() -> Job:
        job = await adapter.get_job(task_id)
        assert job.raw_state == "RECEIVED"
        return job

    job = await eventually(queued, "the task held by a worker until its countdown")
    assert adapter.why_not(Capability.CANCEL, job) is None
    assert "discards it" in (adapter.confirm_text(Capability.CANCEL, job) or "")
    result = await adapter.cancel(task_id)
    assert result.ok and task_id in result.message

    async def revoked() -> Job:
        job = await adapter.get_job(task_id)
        assert job.raw_state == "REVOKED", job.error
        return job

    job = await eventually(revoked, "the revoked task")
    assert job.state is JobState.CANCELED


async def test_a_running_task_is_stopped_by_terminate_only(adapter: CeleryAdapter, celery_engine: Engine) -> None:
    task_id = send(celery_engine, "sleep", 60)

    async def running() -> Job:
        job = await adapter.get_job(task_id)
        assert job.raw_state == "STARTED"
        return job

    job = await eventually(running, "the sleeping task")
    assert job.state is JobState.RUNNING
    assert "Terminate (K)" in (adapter.why_not(Capability.CANCEL, job) or "")
    [terminate] = [spec for spec in adapter.actions() if spec.name == "terminate"]
    assert adapter.why_not_action(terminate, job) is None
    assert terminate.key == "K" and "SIGTERM" in (terminate.confirm or "")
    result = await adapter.terminate(task_id)
    assert result.ok and "SIGTERM" in result.message

    async def revoked() -> Job:
        job = await adapter.get_job(task_id)
        assert job.raw_state == "REVOKED"
        return job

    assert (await eventually(revoked, "the terminated task")).state is JobState.CANCELED
    assert adapter.why_not_action(terminate, (await adapter.get_job(task_id))) is not None


async def test_retry_sends_the_same_task_with_the_same_arguments_again(
    adapter: CeleryAdapter, sent: Sent
) -> None:
    job = await adapter.get_job(sent["flaky"])
    assert adapter.why_not(Capability.RETRY, job) is None
    assert "same arguments" in (adapter.confirm_text(Capability.RETRY, job) or "")
    result = await adapter.retry(sent["flaky"])
    assert result.ok and result.new_ref is not None and sent["flaky"] in result.message
    new_id = result.new_ref.id

    async def done() -> Job:
        job = await adapter.get_job(new_id)
        assert job.raw_state == "FAILURE"
        return job

    again = await eventually(done, "the task sent again")
    assert again.labels["retry of"] == sent["flaky"]
    assert again.labels["task"] == "tasks.flaky" and again.labels["retries"] == "2"
    assert again.detail["kwargs"] == job.detail["kwargs"] == "{'reason': 'the service is busy'}"
    group = (await listed(adapter, Sent({"again": new_id})))["again"].group
    assert group is not None and group.key == "tasks.flaky"
    assert group.counts is not None and group.counts.count(JobState.FAILED) >= 2


async def test_a_task_whose_arguments_celery_cut_short_is_not_sent_again(adapter: CeleryAdapter, sent: Sent) -> None:
    result = await adapter.retry(sent["login"])
    assert not result.ok and "cut short" in result.message
    assert PASSWORD not in result.message
