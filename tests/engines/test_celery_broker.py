"""The celery adapter in broker mode (``broker_url_env``): jobdeck receives the workers' task
events from the real Redis itself, with Celery's event receiver (the optional extra
``jobdeck[celery]``, in the dev extra so the tests always have it), and gives the same model
as through Flower, with every retry's own time and reason.

The adapter is opened before the module's tasks are sent: events are only ever received live.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from celery_data.celery_helpers import PASSWORD, Sent, eventually, everything_shown, send
from engine_session import Engine

from jobdeck.adapters.celery import CeleryAdapter, CelerySettings
from jobdeck.adapters.celery.convert import NO_TASK_LOGS
from jobdeck.adapters.changes import Poll
from jobdeck.clock import SystemClock
from jobdeck.errors import AuthFailed, NotFound
from jobdeck.model import Capability, Job, JobState
from jobdeck.monitor import Monitor
from jobdeck.monitor.events import HealthStatus
from jobdeck.store.memory import MemoryStore

pytest.importorskip("celery", reason="broker mode needs celery in jobdeck's environment (the dev extra has it)")
pytestmark = pytest.mark.asyncio(loop_scope="module")

BROKER_ENV = "JOBDECK_TEST_CELERY_BROKER"
ENDED = ("SUCCESS", "FAILURE")


@pytest.fixture(scope="module")
def broker_env(celery_engine: Engine) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv(BROKER_ENV, celery_engine.env["CELERY_BROKER_URL"])
        yield BROKER_ENV


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def adapter(broker_env: str) -> AsyncIterator[CeleryAdapter]:
    celery = CeleryAdapter(CelerySettings(name="events", broker_url_env=broker_env))
    await celery.open()
    try:
        await eventually(lambda: _workers_online(celery), "both workers' heartbeats")
        yield celery
    finally:
        await celery.close()


async def _workers_online(adapter: CeleryAdapter) -> None:
    await adapter.list_jobs()
    assert {worker.name for worker in adapter.workers if worker.online} == {"w1@localhost", "w2@localhost"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sent(adapter: CeleryAdapter, celery_engine: Engine) -> Sent:
    tasks = Sent({
        "ok": send(celery_engine, "ok", 3),
        "fail": send(celery_engine, "fail", "broken on purpose"),
        "flaky": send(celery_engine, "flaky", reason="still busy"),
        "login": send(celery_engine, "login", "bob", password=PASSWORD),
    })

    async def ended() -> None:
        jobs = {job.id: job for job in await adapter.list_jobs()}
        states = {name: jobs[task_id].raw_state if task_id in jobs else None for name, task_id in tasks.ids.items()}
        assert all(state in ENDED for state in states.values()), states

    await eventually(ended, "the module's tasks, received as events")
    return tasks


async def test_events_give_the_same_model_as_flower(adapter: CeleryAdapter, sent: Sent) -> None:
    jobs = {job.id: job for job in await adapter.list_jobs()}
    ok, fail = jobs[sent["ok"]], jobs[sent["fail"]]
    assert (ok.state, ok.raw_state, ok.name, ok.detail["result"]) == (JobState.SUCCEEDED, "SUCCESS", "tasks.ok([3])", "21")
    assert ok.group is not None and ok.group.key == "tasks.ok" and ok.group.counts is not None
    flaky = jobs[sent["flaky"]].group  # the same group row as through Flower: retries, strip, rate
    assert flaky is not None and flaky.retries == 2 and flaky.recent[-1] is JobState.FAILED
    assert flaky.per_minute is not None and flaky.per_minute > 0
    assert (fail.state, fail.error) == (JobState.FAILED, "ValueError('broken on purpose')")
    assert [event.raw_state for event in await adapter.timeline(sent["ok"])] == [
        "PENDING", "RECEIVED", "STARTED", "SUCCESS"
    ]
    log = await adapter.read_log(sent["fail"])
    assert log.notice == NO_TASK_LOGS and "Traceback" in log.text and "broken on purpose" in log.text


async def test_every_retry_is_a_run_with_its_own_times_and_reason(adapter: CeleryAdapter, sent: Sent) -> None:
    runs = await adapter.list_runs(sent["flaky"])
    assert [(run.id, run.raw_state) for run in runs] == [("3", "FAILURE"), ("2", "RETRY"), ("1", "RETRY")]
    for run in runs[1:]:
        assert run.started is not None and run.ended is not None and run.started <= run.ended
        assert run.error == "ConnectionError('still busy')"
    assert runs[2].ended <= runs[1].started  # type: ignore[operator]
    retries = [event for event in await adapter.timeline(sent["flaky"]) if event.raw_state == "RETRY"]
    assert [event.message for event in retries] == ["retry 1: ConnectionError('still busy')",
                                                    "retry 2: ConnectionError('still busy')"]
    assert [event.run for event in retries] == ["1", "2"]


async def test_workers_report_heartbeats(adapter: CeleryAdapter, sent: Sent) -> None:
    await adapter.list_jobs()
    assert all(worker.missed_heartbeats == 0 for worker in adapter.workers)
    assert adapter.notes() and re.fullmatch(r"\d+ workers online, \d+ active tasks?( \(\d+ workers? not counted\))?", adapter.notes()[0])
    assert adapter.describe()["broker from"] == f"${BROKER_ENV}"
    assert "received by jobdeck itself" in adapter.describe()["events"]


async def test_no_secret_reaches_what_jobdeck_shows(adapter: CeleryAdapter, sent: Sent, celery_engine: Engine) -> None:
    login = await adapter.get_job(sent["login"])
    shown = everything_shown(login, await adapter.list_runs(sent["login"]), await adapter.timeline(sent["login"]),
                             await adapter.read_log(sent["login"]), adapter.describe())
    assert PASSWORD not in shown and "'password': '••••'" in login.labels["kwargs"]
    assert celery_engine.env["CELERY_BROKER_URL"] not in shown


async def test_actions_go_through_the_broker(adapter: CeleryAdapter, sent: Sent, celery_engine: Engine) -> None:
    sleeper = send(celery_engine, "sleep", 60)

    async def running() -> Job:
        job = await adapter.get_job(sleeper)
        assert job.raw_state == "STARTED"
        return job

    await eventually(running, "the sleeping task")
    assert (await adapter.terminate(sleeper)).ok

    async def revoked() -> Job:
        job = await adapter.get_job(sleeper)
        assert job.raw_state == "REVOKED"
        return job

    assert (await eventually(revoked, "the terminated task")).state is JobState.CANCELED
    result = await adapter.retry(sent["ok"])
    assert result.ok and result.new_ref is not None

    async def again() -> Job:
        job = await adapter.get_job(result.new_ref.id)  # type: ignore[union-attr]
        assert job.raw_state == "SUCCESS"
        return job

    job = await eventually(again, "the task sent again")
    assert job.detail["result"] == "21" and job.labels["retry of"] == sent["ok"]
    # The workers' events carry the link too (what a deck started afterwards reads).
    task = adapter._broker().task(job.id)
    assert (task.root_id, task.parent_id) == (job.id, sent["ok"])


async def test_a_task_never_seen_is_not_found(adapter: CeleryAdapter, sent: Sent) -> None:
    with pytest.raises(NotFound, match="since jobdeck started"):
        await adapter.get_job("00000000-0000-0000-0000-000000000000")
    assert adapter.why_not(Capability.CANCEL, await adapter.get_job(sent["ok"])) is not None


async def test_the_monitor_polls_it_and_its_push_channel_says_when_events_arrive(
    adapter: CeleryAdapter, sent: Sent, celery_engine: Engine, tmp_path: Path
) -> None:
    changes = adapter.changes()
    assert isinstance(await anext(changes), Poll)  # connected
    send(celery_engine, "ok", 1)
    assert isinstance(await anext(changes), Poll)  # events arrived
    await changes.aclose()
    monitor = Monitor([CeleryAdapter(CelerySettings(name="events", broker_url_env=BROKER_ENV))],
                      clock=SystemClock(), store=MemoryStore(tmp_path))
    try:
        await monitor.poll_once()
        assert monitor.health()["events"].status is HealthStatus.OK
    finally:
        await monitor.stop()


async def test_an_unset_broker_variable_is_an_auth_failure_naming_it() -> None:
    adapter = CeleryAdapter(CelerySettings(name="events", broker_url_env="JOBDECK_TEST_NO_SUCH_BROKER"))
    with pytest.raises(AuthFailed, match="JOBDECK_TEST_NO_SUCH_BROKER"):
        await adapter.open()


async def test_opening_builds_celery_s_app_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    # Importing Celery and building its app takes most of a second: never on the deck's loop.
    import threading

    from jobdeck.adapters.celery import broker

    built_on: list[threading.Thread] = []
    real = broker.celery_app

    def celery_app(url: str) -> object:
        built_on.append(threading.current_thread())
        return real(url)

    monkeypatch.setattr(broker, "celery_app", celery_app)
    monkeypatch.setenv("JOBDECK_TEST_CLOSED_BROKER", "redis://127.0.0.1:1/0")
    adapter = CeleryAdapter(CelerySettings(name="events", broker_url_env="JOBDECK_TEST_CLOSED_BROKER"))
    await adapter.open()
    await adapter.close()
    assert len(built_on) == 1 and built_on[0] is not threading.main_thread()


async def test_the_broker_url_s_password_is_a_secret_on_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBDECK_TEST_PASSWORD_BROKER", "redis://jd:pa%40ss-8e1f@127.0.0.1:1/0")
    adapter = CeleryAdapter(CelerySettings(name="events", broker_url_env="JOBDECK_TEST_PASSWORD_BROKER"))
    for text in ("AUTH pa%40ss-8e1f refused", "AUTH pa@ss-8e1f refused", "redis://jd:pa%40ss-8e1f@127.0.0.1:1/0"):
        assert "ss-8e1f" not in adapter.convert.scrub(text)
