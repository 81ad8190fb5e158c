"""The theme chosen in the deck is remembered by a thread of its own: the UI thread never
waits on the disk, quick choices leave the last one written, and one made just before
quitting is still written."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from deck_helpers import build_app, wait_for_jobs

from jobdeck.ui.app import JobdeckApp
from jobdeck.ui.runtime.themes import ThemeMemory, shipped_themes_dir

WIDE = (120, 40)


class WatchedMemory(ThemeMemory):
    """A ThemeMemory that notes the thread each write ran on."""

    def __init__(self, file: Path) -> None:
        super().__init__(file)
        self.writers: list[threading.Thread] = []

    def remember(self, theme: str, configured: str) -> None:
        self.writers.append(threading.current_thread())
        super().remember(theme, configured)


def remembered(file: Path) -> str:
    return json.loads(file.read_text(encoding="utf-8"))["theme"]


async def test_switching_themes_writes_off_the_ui_thread_and_the_last_choice_is_kept(tmp_path):
    memory = WatchedMemory(tmp_path / "ui-state.json")
    sample = build_app(tmp_path)
    app = JobdeckApp(sample.settings, sample.monitor, clock=sample.clock,
                     theme_folders=[shipped_themes_dir()], theme_memory=memory)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        ui_thread = threading.current_thread()
        await pilot.press("T", "T", "T")
        chosen = app.theme
    # The deck's end waited for the last choice to be written.
    assert remembered(memory.file) == chosen
    assert memory.writers and ui_thread not in memory.writers


def test_quick_choices_leave_the_latest_written(tmp_path):
    memory = ThemeMemory(tmp_path / "ui-state.json")
    for theme in ("jobdeck-dark", "jobdeck-light", "jobdeck-16", "jobdeck-high-contrast"):
        memory.remember_soon(theme, "textual-dark")
    memory.flush(timeout=10)
    assert remembered(memory.file) == "jobdeck-high-contrast"
    assert memory.recall("textual-dark") == "jobdeck-high-contrast"


def test_a_choice_after_the_writer_finished_starts_it_again(tmp_path):
    memory = ThemeMemory(tmp_path / "ui-state.json")
    memory.remember_soon("jobdeck-dark", "textual-dark")
    memory.flush(timeout=10)
    memory.remember_soon("jobdeck-light", "textual-dark")
    memory.flush(timeout=10)
    assert remembered(memory.file) == "jobdeck-light"


def test_a_folder_that_cannot_be_written_loses_the_choice_quietly(tmp_path, caplog):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    memory = ThemeMemory(blocked / "ui-state.json")
    memory.remember_soon("jobdeck-dark", "textual-dark")
    memory.flush(timeout=10)
    assert memory.recall("textual-dark") is None
    assert "cannot remember the theme" in caplog.text
