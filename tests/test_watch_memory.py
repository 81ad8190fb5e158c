"""A job watched with + is watched again when the deck starts next (ui-state.json)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

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


class ThreadNoting(WatchMemory):
    """The real memory, noting the threads its file is read and written on."""

    def __init__(self, file) -> None:
        super().__init__(file)
        self.threads: list[threading.Thread] = []

    def recall_since(self):
        self.threads.append(threading.current_thread())
        return super().recall_since()

    def remember(self, backend, job_id, at=None):
        self.threads.append(threading.current_thread())
        super().remember(backend, job_id, at)


async def test_a_job_watched_with_plus_is_watched_again_at_the_next_start(tmp_path):
    memory = ThreadNoting(tmp_path / "ui-state.json")
    first = deck(tmp_path, memory)
    async with first.run_test(size=(120, 40)) as pilot:
        await wait_for_jobs(first, 6)
        await pilot.press("plus", *"abc123", "enter")
        await wait_until(lambda: first.monitor.job(WATCHED) is not None, what="the watched job")
        await wait_until(lambda: any("watched again at the next start" in t for t in toasts(first)), what="the toast")
    assert WatchMemory(memory.file).recall() == [("cluster", "abc123")]
    again = deck(tmp_path, memory)
    async with again.run_test(size=(120, 40)):
        await wait_until(lambda: again.monitor.job(WATCHED) is not None, what="the job watched again")
    # The file is read and written (synced) off the UI thread.
    assert memory.threads and threading.main_thread() not in memory.threads


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


def test_jobs_remembered_at_once_and_a_theme_chosen_meanwhile_are_all_kept(tmp_path):
    file = tmp_path / "ui-state.json"
    memory, themes = WatchMemory(file), ThemeMemory(file)
    with ThreadPoolExecutor(max_workers=8) as pool:
        for n in range(40):
            pool.submit(memory.remember, "julep", f"e{n}")
        pool.submit(themes.remember, "nord", "textual-dark")
    assert sorted(memory.recall()) == sorted(("julep", f"e{n}") for n in range(40))
    assert themes.recall("textual-dark") == "nord"
