"""The palette's "Screenshot": an SVG in the data folder's screenshots/, and a toast that says
where (or why not), never Textual's bare "Failed to save screenshot"."""

from __future__ import annotations

from pathlib import Path

import pytest
from deck_helpers import build_app, toasts, wait_for_jobs
from fakes import wait_until
from textual.command import CommandPalette

from jobdeck.clock import FrozenClock


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(data))
    return data


async def test_the_palettes_screenshot_saves_an_svg_in_the_screenshots_folder_and_says_where(
    tmp_path: Path, data_dir: Path
) -> None:
    app = build_app(tmp_path, clock=FrozenClock())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_jobs(app)
        await pilot.press("ctrl+p")
        await wait_until(lambda: CommandPalette.is_open(app), what="the palette")
        await pilot.press(*"screenshot", "enter")
        await wait_until(lambda: any("Saved in" in toast for toast in toasts(app)), what="the screenshot")

        [svg] = (data_dir / "screenshots").glob("*.svg")
        assert svg.name == "jobdeck-20260101-120000-000000.svg"  # the deck's clock names it
        assert svg.read_text(encoding="utf-8").startswith("<svg")
        assert f"Saved in {svg}" in toasts(app)
        assert not any("Failed" in toast for toast in toasts(app))


async def test_a_screenshot_folder_that_cannot_be_made_is_named_with_the_reason(
    tmp_path: Path, data_dir: Path
) -> None:
    data_dir.mkdir()
    (data_dir / "screenshots").write_text("a file where the folder should be")
    app = build_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_jobs(app)
        app.action_screenshot()
        await pilot.pause()

        [toast] = [toast for toast in toasts(app) if "Screenshot not saved" in toast]
        assert f"cannot make the folder {data_dir / 'screenshots'}: File exists" in toast


async def test_a_screenshot_that_cannot_be_written_says_which_file_and_why(tmp_path: Path, data_dir: Path) -> None:
    taken = data_dir / "screenshots" / "taken.svg"
    taken.mkdir(parents=True)  # a folder where the file would go
    app = build_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_jobs(app)
        app.action_screenshot(filename="taken.svg")
        await wait_until(lambda: any("Screenshot not saved" in toast for toast in toasts(app)), what="the failure")

        [toast] = [toast for toast in toasts(app) if "Screenshot not saved" in toast]
        assert f"cannot write {taken}: Is a directory" in toast
        assert not any("Failed to save screenshot" in toast for toast in toasts(app))
