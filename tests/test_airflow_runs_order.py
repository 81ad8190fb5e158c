"""An Airflow DAG run's runs (its tasks' tries) come newest first, as every backend's do: the
deck's "run 4 of 4 (newest)", its timeline and log open on the try that ran last (the failed
run's second try of `flaky`), not on its first. Read through the real airflow adapter from
what a real Airflow 3 answered (tests/engines/airflow_data/recorded)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from test_engine_snapshots_airflow import FAILED, PASSWORD_ENV, airflow, recorded_clock

from jobdeck.adapters.airflow.convert import newest_first
from jobdeck.adapters.airflow.wire import TaskInstance


async def test_the_tries_of_a_failed_run_come_newest_first_and_one_that_never_ran_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "recorded")
    adapter = airflow(recorded_clock())
    await adapter.open()
    try:
        runs = await adapter.list_runs(FAILED.id)
    finally:
        await adapter.close()

    assert [run.id for run in runs] == ["flaky#2", "fine#1", "flaky#1", "after#0"]
    assert runs[0].detail["tries"] == "2 of 2" and runs[-1].reason == "not run yet"


def ti(task_id: str, try_number: int, start: int | None) -> TaskInstance:
    started = datetime(2026, 12, 7, 20, start, tzinfo=UTC) if start is not None else None
    return TaskInstance(task_id=task_id, try_number=try_number, start_date=started)


def test_a_queued_try_and_a_skipped_task_come_after_every_try_that_ran() -> None:
    tries = [ti("a", 1, 1), ti("b", 1, 3), ti("a", 2, None), ti("c", 0, None), ti("b", 2, 5)]

    assert [(t.task_id, t.try_number) for t in newest_first(tries)] == [("b", 2), ("b", 1), ("a", 1), ("a", 2), ("c", 0)]
