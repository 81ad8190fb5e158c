"""What the deck looks like in each shipped theme, in kiosk mode, at 80x24,
in ASCII and under NO_COLOR. Review snapshot_report.html before
--snapshot-update; `make screenshots` copies these SVGs into screenshots/."""

from __future__ import annotations

from typing import Any

import pytest
from deck_helpers import build_app, wait_for_jobs
from fakes import wait_until

from jobdeck.model import JobRef
from jobdeck.ui.app import JobdeckApp
from jobdeck.ui.runtime.themes import shipped_themes_dir
from jobdeck.ui.widgets.log_view import LogView

FAILED = JobRef(backend="local", id="20260101-1155-b2")
SHIPPED_THEMES = ["jobdeck-dark", "jobdeck-light", "jobdeck-high-contrast", "jobdeck-16"]


def deck(tmp_path, *, kiosk: bool = False, **settings: Any) -> JobdeckApp:
    sample = build_app(tmp_path, kiosk=kiosk)
    return JobdeckApp(
        sample.settings.model_copy(update=settings),
        sample.monitor,
        clock=sample.clock,
        kiosk=kiosk,
        theme_folders=[shipped_themes_dir()],
    )


def showing_the_failed_job(app: JobdeckApp, *keys: str):
    async def run_before(pilot) -> None:
        jobs = await wait_for_jobs(app, 6)
        if app.kiosk:
            app.screen.kiosk_tick()  # the kiosk selects the failed job itself
        else:
            assert jobs.select_ref(FAILED)
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.line_count >= 2, what="the log")
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("theme", SHIPPED_THEMES)
def test_deck_in_theme(snap_compare, tmp_path, theme):
    app = deck(tmp_path, theme=theme)
    assert snap_compare(app, terminal_size=(120, 40), run_before=showing_the_failed_job(app))


def test_kiosk_at_120x40(snap_compare, tmp_path):
    app = deck(tmp_path, kiosk=True, theme="jobdeck-high-contrast")
    assert snap_compare(app, terminal_size=(120, 40), run_before=showing_the_failed_job(app))


def test_kiosk_at_80x24(snap_compare, tmp_path):
    app = deck(tmp_path, kiosk=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing_the_failed_job(app))


def test_deck_at_80x24_in_16_colours(snap_compare, tmp_path):
    app = deck(tmp_path, theme="jobdeck-16")
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing_the_failed_job(app))


def test_deck_at_80x24_in_ascii(snap_compare, tmp_path):
    app = deck(tmp_path, ascii=True, theme="jobdeck-16")
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing_the_failed_job(app, "l"))


def test_deck_at_80x24_with_no_color(snap_compare, tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = deck(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing_the_failed_job(app))
