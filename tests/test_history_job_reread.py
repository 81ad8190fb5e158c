"""A history job's screen (enter in H) reads its job's row again every few seconds while it is
open, and draws itself again only when that row changed: a job that stays as it was costs no
redrawing of its facts, transitions or kept log tail; one that changes shows its change."""

from __future__ import annotations

import asyncio

import pytest
from fakes import FakeAdapter, make_job, wait_until
from history_deck import history_app, history_written

import jobdeck.ui.screens.history_job as history_job_screen
from jobdeck.clock import FrozenClock
from jobdeck.model import JobState
from jobdeck.ui.screens.deck import DeckScreen
from jobdeck.ui.screens.history import HistoryScreen
from jobdeck.ui.screens.history_job import HistoryJobScreen
from jobdeck.ui.widgets.history_list import HistoryList

PARTS = ("#history-job-facts", "#history-job-transitions", "#history-job-tail")


@pytest.fixture(autouse=True)
def read_again_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history_job_screen, "REREAD_SECONDS", 0.05)


async def test_a_jobs_screen_is_drawn_again_only_when_its_row_changed(tmp_path) -> None:
    clock = FrozenClock()
    live = FakeAdapter.build("live", clock=clock)
    live.set_jobs([make_job("l1", JobState.RUNNING, backend="live", name="train", created=clock.now())])
    app = history_app(tmp_path, [live], clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(lambda: isinstance(app.screen, DeckScreen), what="the deck")
        await history_written(app)
        await pilot.press("h")
        await wait_until(lambda: isinstance(app.screen, HistoryScreen), what="the history view")
        await wait_until(lambda: len(app.screen.query_one(HistoryList).entries) == 1, what="the first page")
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, HistoryJobScreen), what="the job")
        screen = app.screen
        transitions = screen.query_one("#history-job-transitions")
        await wait_until(lambda: "running" in str(transitions.render()), what="its transitions")
        await wait_until(lambda: "none kept" in str(screen.query_one("#history-job-tail").render()), what="its tail")

        reads = 0
        entries = screen._reader.entries

        def counted(keys):  # type: ignore[no-untyped-def]
            nonlocal reads
            reads += 1
            return entries(keys)

        screen._reader.entries = counted  # type: ignore[method-assign]
        drawn = [screen.query_one(part).content for part in PARTS]
        await wait_until(lambda: reads >= 3, what="three more readings")
        await asyncio.sleep(0.05)
        assert [screen.query_one(part).content for part in PARTS] == drawn
        assert all(screen.query_one(part).content is before for part, before in zip(PARTS, drawn, strict=True))

        clock.advance(30)
        live.update_job("l1", state=JobState.FAILED, raw_state="exit 1", ended=clock.now())
        await app.monitor.refresh()
        await history_written(app)
        facts = screen.query_one("#history-job-facts")
        await wait_until(lambda: "failed (exit 1)" in str(facts.render()), what="the new state")
        await wait_until(lambda: "failed" in str(transitions.render()), what="the new transition")
