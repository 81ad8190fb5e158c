"""What the deck looks like under NO_COLOR in each shipped theme, at 80x24 (issue 24: with
jobdeck-16 it was drawn black on black). Review snapshot_report.html before --snapshot-update."""

from __future__ import annotations

import pytest
from deck_helpers import build_app, wait_for_jobs
from fakes import wait_until

from jobdeck.model import JobRef
from jobdeck.ui.app import JobdeckApp
from jobdeck.ui.runtime.themes import shipped_themes_dir
from jobdeck.ui.widgets.log_view import LogView

FAILED = JobRef(backend="local", id="20260101-1155-b2")
SHIPPED_THEMES = ["jobdeck-dark", "jobdeck-light", "jobdeck-high-contrast", "jobdeck-16"]


def deck(tmp_path, theme: str) -> JobdeckApp:
    sample = build_app(tmp_path)
    return JobdeckApp(
        sample.settings.model_copy(update={"theme": theme}),
        sample.monitor,
        clock=sample.clock,
        theme_folders=[shipped_themes_dir()],
    )


def showing_the_failed_job(app: JobdeckApp, *keys: str):
    async def run_before(pilot) -> None:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(FAILED)
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.line_count >= 2, what="the log")
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("theme", SHIPPED_THEMES)
def test_deck_at_80x24_with_no_color_in_theme(snap_compare, tmp_path, monkeypatch, theme):
    monkeypatch.setenv("NO_COLOR", "1")
    app = deck(tmp_path, theme)
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing_the_failed_job(app))


def test_log_at_80x24_with_no_color_in_16_colours(snap_compare, tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = deck(tmp_path, "jobdeck-16")
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing_the_failed_job(app, "l"))
