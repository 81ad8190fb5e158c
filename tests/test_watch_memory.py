"""A job watched with + is watched again when the deck starts next (ui-state.json)."""

from __future__ import annotations

import json

from deck_helpers import sample_backends, toasts, wait_for_jobs
from fakes import wait_until

from jobdeck.clock import FrozenClock
from jobdeck.config import Settings
from jobdeck.model import Capability, JobRef
from jobdeck.monitor import Monitor
from jobdeck.store.memory import MemoryStore
from jobdeck.ui.app import JobdeckApp
from jobdeck.ui.runtime.themes import ThemeMemory
from jobdeck.ui.runtime.watch_memory import MAX_WATCHED, WatchMemory

WATCHED = JobRef(backend="cluster", id="abc123")


def deck(tmp_path, memory: WatchMemory) -> JobdeckApp:
    clock = FrozenClock()
    adapters = sample_backends(clock)
    adapters[1].capabilities = adapters[1].capabilities | {Capability.WATCH}
    monitor = Monitor(adapters, clock=clock, store=MemoryStore(tmp_path))
    settings = Settings(backends=[a.settings for a in adapters], time_zone="UTC")
    return JobdeckApp(settings, monitor, clock=clock, watch_memory=memory)


async def test_a_job_watched_with_plus_is_watched_again_at_the_next_start(tmp_path):
    memory = WatchMemory(tmp_path / "ui-state.json")
    first = deck(tmp_path, memory)
    async with first.run_test(size=(120, 40)) as pilot:
        await wait_for_jobs(first, 6)
        await pilot.press("plus", *"abc123", "enter")
        await wait_until(lambda: first.monitor.job(WATCHED) is not None, what="the watched job")
        await wait_until(lambda: any("watched again at the next start" in t for t in toasts(first)), what="the toast")
    assert memory.recall() == [("cluster", "abc123")]
    again = deck(tmp_path, memory)
    async with again.run_test(size=(120, 40)):
        await wait_until(lambda: again.monitor.job(WATCHED) is not None, what="the job watched again")


async def test_a_remembered_job_that_cannot_be_watched_again_says_so(tmp_path):
    memory = WatchMemory(tmp_path / "ui-state.json")
    memory.remember("cluster", "not-an-id!")
    memory.remember("gone-backend", "x1")  # a backend no longer configured: quietly kept
    app = deck(tmp_path, memory)
    async with app.run_test(size=(120, 40)):
        await wait_until(lambda: any("not-an-id! on cluster" in t for t in toasts(app)), what="the warning")
        assert not any("gone-backend" in t for t in toasts(app))
    assert ("gone-backend", "x1") in memory.recall()


def test_the_memory_shares_its_file_with_the_theme_and_is_bounded(tmp_path):
    file = tmp_path / "ui-state.json"
    memory, themes = WatchMemory(file), ThemeMemory(file)
    themes.remember("nord", "textual-dark")
    memory.remember("julep", "e1")
    themes.remember("dracula", "textual-dark")
    assert memory.recall() == [("julep", "e1")] and themes.recall("textual-dark") == "dracula"
    for n in range(MAX_WATCHED + 5):
        memory.remember("julep", f"e{n}")
    assert len(memory.recall()) == MAX_WATCHED and memory.recall()[-1] == ("julep", f"e{MAX_WATCHED + 4}")
    file.write_text(json.dumps({"watched": [["julep"], 3, ["a", "b"]]}))
    assert memory.recall() == [("a", "b")]  # a hand-edited file never breaks the start
