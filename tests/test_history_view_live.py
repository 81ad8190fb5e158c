"""The history view while jobs still change: the rows on screen are read again every few
ticks (a running job's state, when a listed job was last seen), in place, so nothing
moves under the cursor; a job's screen (enter) reads its job again while it is open (its
state, whether it is archived)."""

from __future__ import annotations

import pytest
from fakes import FakeAdapter, make_job, wait_until
from history_deck import history_app, history_written

import jobdeck.ui.screens.history as history_screen
import jobdeck.ui.screens.history_job as history_job_screen
from jobdeck.clock import FrozenClock
from jobdeck.model import JobState
from jobdeck.ui.screens.deck import DeckScreen
from jobdeck.ui.screens.history import HistoryScreen
from jobdeck.ui.screens.history_job import HistoryJobScreen
from jobdeck.ui.widgets.history_list import HistoryList


@pytest.fixture(autouse=True)
def read_again_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history_screen, "REREAD_TICKS", 1)
    monkeypatch.setattr(history_job_screen, "REREAD_SECONDS", 0.2)


async def a_deck_with_history_open(tmp_path, clock: FrozenClock):
    live = FakeAdapter.build("live", clock=clock)
    live.set_jobs([make_job(f"l{n}", JobState.RUNNING, backend="live", name=f"train-{n}", created=clock.now())
                   for n in range(3)])
    return live, history_app(tmp_path, [live], clock)


async def test_rows_on_screen_take_the_state_their_job_has_now_without_moving(tmp_path) -> None:
    clock = FrozenClock()
    live, app = await a_deck_with_history_open(tmp_path, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(lambda: isinstance(app.screen, DeckScreen), what="the deck")
        await history_written(app)
        await pilot.press("h")
        await wait_until(lambda: isinstance(app.screen, HistoryScreen), what="the history view")
        history = app.screen.query_one(HistoryList)
        await wait_until(lambda: len(history.entries) == 3, what="the first page")
        order = [entry.key for entry in history.entries]
        history.cursor = 1
        assert {entry.job.state for entry in history.entries} == {JobState.RUNNING}

        clock.advance(30)
        live.update_job("l1", state=JobState.FAILED, raw_state="failed", ended=clock.now())
        await app.monitor.refresh()
        await history_written(app)
        failed = lambda: [e.job.state for e in history.entries if e.job.id == "l1"] == [JobState.FAILED]  # noqa: E731
        await wait_until(failed, what="the row read again")
        assert [entry.key for entry in history.entries] == order and history.cursor == 1
        assert {e.last_seen for e in history.entries} == {clock.now()}  # seen by the last listing


async def test_a_jobs_screen_shows_the_state_its_job_took_while_open(tmp_path) -> None:
    clock = FrozenClock()
    live, app = await a_deck_with_history_open(tmp_path, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(lambda: isinstance(app.screen, DeckScreen), what="the deck")
        await history_written(app)
        await pilot.press("h")
        await wait_until(lambda: isinstance(app.screen, HistoryScreen), what="the history view")
        history = app.screen.query_one(HistoryList)
        await wait_until(lambda: len(history.entries) == 3, what="the first page")
        history.cursor = [entry.job.id for entry in history.entries].index("l2")
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, HistoryJobScreen), what="the job")
        screen = app.screen
        facts = screen.query_one("#history-job-facts")
        transitions = screen.query_one("#history-job-transitions")
        await wait_until(lambda: "running" in str(transitions.render()), what="its transitions")
        assert "running" in str(facts.render()) and "archived" not in str(facts.render())

        clock.advance(30)
        live.update_job("l2", state=JobState.SUCCEEDED, raw_state="done", ended=clock.now(), archived=True)
        await app.monitor.refresh()
        await history_written(app)
        await wait_until(lambda: "succeeded (done)" in str(facts.render()), what="the new state")
        await wait_until(lambda: "succeeded" in str(transitions.render()), what="the new transition")
        assert "still listed · archived" in str(facts.render())  # archived in its backend
