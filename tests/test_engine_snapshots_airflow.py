"""An Airflow DAG's group row and a failed run's tasks in the deck, from what a real Airflow 3
answered (recorded once by tests/engines/airflow_data/record_screenshot.py): the recorded
answers are replayed through the real airflow adapter's HTTP path (its token, listing, task
instances, tries and logs). The deck's clock is the recording's, so every age is the one seen then."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from deck_helpers import build_app, deck_settled, wait_for_jobs
from fakes import wait_until
from http_recording import Replay, load

from jobdeck.adapters.airflow import AirflowAdapter, AirflowSettings
from jobdeck.clock import FrozenClock
from jobdeck.model import JobRef, JobState
from jobdeck.ui.panes.detail import DetailPane
from jobdeck.ui.widgets.run_detail import RunDetail

RECORDED = load(Path(__file__).parent / "engines" / "airflow_data" / "recorded" / "airflow.json")
IDS: dict[str, str] = RECORDED["ids"]
FAILED = JobRef(backend="airflow", id=IDS["ingest_03"])
PASSWORD_ENV = "JOBDECK_TEST_RECORDED_AIRFLOW_PASSWORD"


def recorded_clock() -> FrozenClock:
    return FrozenClock(datetime.fromtimestamp(RECORDED["recorded_at"], UTC))


def airflow(clock: FrozenClock) -> AirflowAdapter:
    settings = AirflowSettings(name="airflow", url="http://airflow.invalid:8080", password_env=PASSWORD_ENV,
                               interval=3600)
    return AirflowAdapter(settings, clock=clock, transport=Replay(RECORDED["answers"]))


def airflow_deck(tmp_path: Path):
    clock = recorded_clock()
    return build_app(tmp_path, [airflow(clock)], clock=clock)


def on_the_failed_run(app):
    """Select the failed run and scroll its detail to the DAG's group row (as far as it scrolls)."""

    async def run_before(pilot) -> None:
        jobs = await wait_for_jobs(app, len(IDS))
        assert jobs.select_ref(FAILED)
        await deck_settled(app, pilot)
        detail = app.screen.query_one(RunDetail)
        await wait_until(lambda: detail.job is not None and detail.job.ref == FAILED, what="the run's detail")
        await pilot.pause()
        rows = [detail.render_line(y).text for y in range(detail.size.height)]
        counts_row = next(y for y, text in enumerate(rows) if text.lstrip().startswith("Counts"))
        app.screen.query_one(DetailPane).scroll_to(y=counts_row, animate=False, immediate=True)
        await pilot.pause()

    return run_before


def test_airflow_dag_group_at_120x40(snap_compare, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "recorded")
    app = airflow_deck(tmp_path)
    assert snap_compare(app, terminal_size=(120, 40), run_before=on_the_failed_run(app))


def test_airflow_dag_group_at_80x24(snap_compare, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "recorded")
    app = airflow_deck(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=on_the_failed_run(app))


async def test_a_dags_group_has_its_latest_runs_newest_last_and_its_tasks_retries(monkeypatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "recorded")
    adapter = airflow(recorded_clock())
    await adapter.open()
    try:
        jobs = {job.id: job for job in await adapter.list_jobs()}
    finally:
        await adapter.close()

    group = jobs[FAILED.id].group
    assert group is not None and group.key == "jd_retry_fail"
    assert group.recent == (JobState.FAILED,) * 3 + (JobState.RUNNING,)  # ingest_01 … 03, then 04 running
    assert group.retries == 3  # flaky's second try in each failed run
    assert group.counts is not None and group.counts.count(JobState.FAILED) == 3
    ok = jobs[IDS["nightly_01"]].group
    assert ok is not None and ok.recent == (JobState.SUCCEEDED,) * 6 and ok.retries == 0
    assert ok.per_minute is None  # Airflow's groups tell no rate
