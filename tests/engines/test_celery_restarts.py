"""The celery adapter when Celery's parts go away and come back, against the session's real
Redis, workers and Flower (this module runs after the others: it restarts them).

- Flower stopped: the backend is down, its rows stay, and the header says nothing of the
  workers it last saw; started again, it has forgotten every task: the monitor keeps them
  marked gone, and the history keeps them.
- Flower refusing its API (401): the message says how to set it up, or names auth_env.
- The broker (Redis) stopped: broker mode is down, its rows stay; back, it reconnects.
- A worker killed mid-task: the task is not shown running for ever, but unknown, with a note.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from celery_data.celery_helpers import eventually, script, send, wait_flower
from engine_session import Engine

from jobdeck.adapters.celery import CeleryAdapter, CelerySettings
from jobdeck.clock import SystemClock
from jobdeck.errors import AuthFailed, Unreachable
from jobdeck.model import JobRef, JobState
from jobdeck.monitor import Monitor
from jobdeck.monitor.events import HealthStatus
from jobdeck.store.memory import MemoryStore
from jobdeck.store.sqlite import FILE_NAME, HistoryReader, HistoryStore

AUTH_ENV = "JOBDECK_TEST_FLOWER_AUTH"
FLOWER_PASSWORD = "flower-pass-91c2"
BROKER_ENV = "JOBDECK_TEST_CELERY_BROKER_RESTARTS"


@pytest.fixture
async def flower_monitor(celery_engine: Engine, tmp_path: Path) -> AsyncIterator[tuple[Monitor, HistoryStore]]:
    adapter = CeleryAdapter(CelerySettings(name="tasks", flower_url=celery_engine.env["FLOWER_URL"], timeout=2,
                                           deadline=4))
    store = HistoryStore(tmp_path, clock=SystemClock())
    monitor = Monitor([adapter], clock=SystemClock(), store=store)
    try:
        yield monitor, store
    finally:
        await monitor.stop()


async def test_flower_down_is_a_backend_down_and_what_it_forgot_on_restart_stays_in_history(
    celery_engine: Engine, flower_monitor: tuple[Monitor, HistoryStore], tmp_path: Path
) -> None:
    monitor, store = flower_monitor
    task_id = send(celery_engine, "ok", 5)
    wait_flower(celery_engine, {"ok": task_id}, {"ok": {"SUCCESS"}})
    ref = JobRef(backend="tasks", id=task_id)
    await monitor.poll_once()
    assert monitor.job(ref) is not None and monitor.health()["tasks"].status is HealthStatus.OK
    assert any(re.match(r"\d+ workers? online", note) for note in monitor.health()["tasks"].notes)

    script(celery_engine, "flower-stop")
    for _ in range(3):
        await monitor.poll_once()
    health = monitor.health()["tasks"]
    assert health.status is HealthStatus.DOWN and "unreachable" in (health.last_error or "")
    # What Flower last said of the workers is not told as if it were so now (nor any warning of them).
    assert not any("worker" in said for said in (*health.notes, *health.warnings)), (health.notes, health.warnings)
    kept = monitor.job(ref)
    assert kept is not None and kept.state is JobState.SUCCEEDED and not kept.gone  # the rows stay

    script(celery_engine, "flower-start")

    async def back() -> None:
        await monitor.poll_once()
        assert monitor.health()["tasks"].status is HealthStatus.OK

    await eventually(back, "Flower answering again")

    async def workers_told() -> None:  # a Flower just started hears of the workers at their next heartbeats
        await monitor.poll_once()
        notes = monitor.health()["tasks"].notes
        assert any(re.match(r"\d+ workers? online", note) for note in notes), notes

    await eventually(workers_told, "the workers in the notes again")
    forgotten = monitor.job(ref)
    assert forgotten is not None and forgotten.gone and forgotten.state is JobState.SUCCEEDED
    assert store.flush()
    history = HistoryReader(tmp_path / FILE_NAME)
    try:
        [entry] = [entry for entry in history.jobs(backend="tasks", limit=1000) if entry.job.id == task_id]
        assert entry.job.state is JobState.SUCCEEDED and entry.job.name == "tasks.ok([5])"
        assert entry.job.gone_since is not None
    finally:
        history.close()


async def test_flower_refusing_its_api_says_how_to_set_it_up_or_names_auth_env(
    celery_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = script(celery_engine, "flower-start", "flower-auth", f"--basic-auth=jd:{FLOWER_PASSWORD}")
    try:
        await _refused_then_let_in(url, monkeypatch, tmp_path)
    finally:
        script(celery_engine, "flower-stop", "flower-auth")


async def _refused_then_let_in(url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    without = CeleryAdapter(CelerySettings(name="locked", flower_url=url))
    await without.open()
    try:
        with pytest.raises(AuthFailed, match="FLOWER_UNAUTHENTICATED_API=true, or with --basic-auth"):
            await without.list_jobs()
    finally:
        await without.close()

    monkeypatch.setenv(AUTH_ENV, "jd:not-the-password")
    wrong = CeleryAdapter(CelerySettings(name="locked", flower_url=url, auth_env=AUTH_ENV))
    monitor = Monitor([wrong], clock=SystemClock(), store=MemoryStore(tmp_path))
    try:
        await monitor.poll_once()
        health = monitor.health()["locked"]
        assert health.status is HealthStatus.DOWN and f"${AUTH_ENV}" in (health.last_error or "")
        assert "not-the-password" not in str(health) + str(monitor.describe("locked"))
    finally:
        await monitor.stop()

    monkeypatch.setenv(AUTH_ENV, f"jd:{FLOWER_PASSWORD}")
    right = CeleryAdapter(CelerySettings(name="locked", flower_url=url, auth_env=AUTH_ENV))
    await right.open()
    try:
        assert isinstance(await right.list_jobs(), list)
        assert right.describe()["auth from"] == f"${AUTH_ENV}" and FLOWER_PASSWORD not in str(right.describe())
    finally:
        await right.close()


async def test_a_worker_killed_mid_task_leaves_the_task_unknown_with_a_note(celery_engine: Engine) -> None:
    task_id = send(celery_engine, "sleep", 60)
    wait_flower(celery_engine, {"sleep": task_id}, {"sleep": {"STARTED"}})
    adapter = CeleryAdapter(CelerySettings(name="tasks", flower_url=celery_engine.env["FLOWER_URL"]))
    await adapter.open()
    try:
        worker = (await adapter.get_job(task_id)).labels["worker"]
        script(celery_engine, "worker-kill", worker.split("@")[0])

        async def lost() -> None:
            jobs = {job.id: job for job in await adapter.list_jobs()}
            job = jobs[task_id]
            assert job.state is JobState.UNKNOWN and job.raw_state == "STARTED", job
            assert job.error is not None and f"its worker {worker} is offline" in job.error

        await eventually(lost, "the task of the killed worker")
        [latest] = await adapter.list_runs(task_id)  # the run history says what the row says
        assert latest.state is JobState.UNKNOWN and f"its worker {worker} is offline" in (latest.error or "")
        # Named in the header, with the heartbeats it missed since.
        [offline] = [warning for warning in adapter.warnings() if warning.startswith("worker offline:")]
        assert re.fullmatch(rf"worker offline: {re.escape(worker)} \(\d+ heartbeats missed\)", offline), offline
        assert any(re.match(r"\d+ of \d+ workers online", note) for note in adapter.notes()), adapter.notes()
        assert f"{worker} offline" in adapter.describe()["workers"]
    finally:
        await adapter.close()
        script(celery_engine, "worker-start", worker.split("@")[0])


async def test_broker_mode_is_down_while_the_broker_is_and_reconnects(
    celery_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("celery", reason="broker mode needs celery in jobdeck's environment (the dev extra has it)")
    monkeypatch.setenv(BROKER_ENV, celery_engine.env["CELERY_BROKER_URL"])
    adapter = CeleryAdapter(CelerySettings(name="events", broker_url_env=BROKER_ENV))
    monitor = Monitor([adapter], clock=SystemClock(), store=MemoryStore(tmp_path))
    try:
        async def connected() -> None:
            await monitor.poll_once()
            assert monitor.health()["events"].status is HealthStatus.OK

        await eventually(connected, "the receiver connected")
        task_id = send(celery_engine, "ok", 9)

        async def seen() -> None:
            await monitor.poll_once()
            job = monitor.job(JobRef(backend="events", id=task_id))
            assert job is not None and job.raw_state == "SUCCESS"

        await eventually(seen, "a task received as events")
        script(celery_engine, "redis-stop")

        async def down() -> None:
            await monitor.poll_once()
            health = monitor.health()["events"]
            assert health.status is not HealthStatus.OK and "broker" in (health.last_error or "")

        await eventually(down, "the broker's loss noticed")
        with pytest.raises(Unreachable, match="cannot receive events from the broker"):
            await adapter.list_jobs()
        assert celery_engine.env["CELERY_BROKER_URL"] not in str(monitor.health()["events"])
        assert monitor.job(JobRef(backend="events", id=task_id)) is not None  # the rows stay
        script(celery_engine, "redis-start")

        async def back() -> None:
            await monitor.poll_once()
            assert monitor.health()["events"].status is HealthStatus.OK

        await eventually(back, "the receiver reconnected")
    finally:
        await monitor.stop()
        if not (celery_engine.base / "redis.pid").exists():  # the test failed with the broker gone
            script(celery_engine, "redis-start")
