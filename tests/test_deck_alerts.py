"""New failures in the deck (README, Alerts): a job the deck saw running that fails rings
the bell and is marked in its row and the header until the cursor rests on it or ! is
pressed; a job failed when first seen is not; [alerts] enabled = false turns both off;
the on_failure command runs with the job's name, off the UI thread."""

from __future__ import annotations

import sys
from pathlib import Path

from deck_helpers import sample_backends, screen_text, toasts, wait_for_jobs
from fakes import wait_until

from jobdeck.clock import FrozenClock
from jobdeck.config import AlertSettings, Settings
from jobdeck.model import JobState
from jobdeck.monitor import Monitor
from jobdeck.store.memory import MemoryStore
from jobdeck.ui.app import JobdeckApp
from jobdeck.ui.screens.marks import NEW_FAILURE, NEW_FAILURE_ASCII

WIDE = (120, 40)
RUNNING = "20260101-1158-c3"  # train-model, on local


def alerting_deck(tmp_path: Path, alerts: AlertSettings | None = None) -> tuple[JobdeckApp, list]:
    clock = FrozenClock()
    adapters = sample_backends(clock)
    monitor = Monitor(adapters, clock=clock, store=MemoryStore(tmp_path))
    settings = Settings(backends=[a.settings for a in adapters], alerts=alerts or AlertSettings())
    app = JobdeckApp(settings, monitor, clock=clock)
    rang: list[None] = []
    app.bell = lambda: rang.append(None)  # type: ignore[method-assign]  # (headless: no terminal to ring)
    app.rang = rang  # type: ignore[attr-defined]
    return app, adapters


def new_mark(app: JobdeckApp) -> str:
    return NEW_FAILURE_ASCII if app.ascii else NEW_FAILURE


def row_of(app: JobdeckApp, name: str) -> str:
    return next(line for line in screen_text(app).splitlines() if name in line)


async def fail_running_job(app: JobdeckApp, local) -> None:
    local.update_job(RUNNING, state=JobState.FAILED, raw_state="failed", error="out of memory")
    await app.monitor.refresh("local")


async def test_a_job_seen_running_that_fails_rings_and_is_marked_in_its_row_and_the_header(tmp_path: Path) -> None:
    app, (local, _) = alerting_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("down")  # the cursor leaves train-model
        await fail_running_job(app, local)
        await wait_until(lambda: app.rang, what="the bell")
        await pilot.pause()

        mark = new_mark(app)
        assert row_of(app, "train-model").count(mark + "train-model") == 1
        assert f"{mark}1 new failure" in screen_text(app).splitlines()[0]
        # etl-orders was failed when the deck first saw it: not new.
        assert mark + "etl-orders" not in row_of(app, "etl-orders")
        assert len(app.rang) == 1


async def test_the_mark_clears_when_the_cursor_rests_on_the_job(tmp_path: Path) -> None:
    app, (local, _) = alerting_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await pilot.press("down")
        await fail_running_job(app, local)
        await wait_until(lambda: app.rang, what="the bell")
        assert jobs.select_ref(next(job.ref for job in jobs.every_job if job.id == RUNNING))
        await wait_until(lambda: not app.screen._new_failures, what="the mark to clear")
        await pilot.pause()

        assert "new failure" not in screen_text(app).splitlines()[0]
        assert new_mark(app) + "train-model" not in row_of(app, "train-model")


async def test_exclamation_mark_acknowledges_every_new_failure(tmp_path: Path) -> None:
    app, (local, _) = alerting_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("down")
        await fail_running_job(app, local)
        await wait_until(lambda: app.rang, what="the bell")
        await pilot.press("exclamation_mark")
        await pilot.pause()

        assert "new failure" not in screen_text(app).splitlines()[0]
        await pilot.press("exclamation_mark")  # again: there is none, and it says so
        await wait_until(lambda: any("No new failures" in t for t in toasts(app)), what="the toast")


async def test_alerts_off_ring_nothing_and_mark_nothing(tmp_path: Path) -> None:
    app, (local, _) = alerting_deck(tmp_path, AlertSettings(enabled=False))
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await pilot.press("down")
        await fail_running_job(app, local)
        await wait_until(
            lambda: any(job.id == RUNNING and job.state is JobState.FAILED for job in jobs.every_job),
            what="the failure to reach the list",
        )
        await pilot.pause()

        assert app.rang == []
        assert "new failure" not in screen_text(app)


async def test_the_on_failure_command_runs_with_the_jobs_name_as_an_argument(tmp_path: Path) -> None:
    out = tmp_path / "hook.txt"
    script = f"import sys, pathlib; pathlib.Path({str(out)!r}).write_text(' | '.join(sys.argv[1:]))"
    alerts = AlertSettings(on_failure=[sys.executable, "-c", script, "{name} failed", "{ref}", "{error}"])
    app, (local, _) = alerting_deck(tmp_path, alerts)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("down")
        await fail_running_job(app, local)
        await wait_until(lambda: out.exists(), what="the command to run", timeout=30)

    assert out.read_text() == f"train-model failed | local/{RUNNING} | out of memory"
