"""The history view (h): every job seen, newest first, a page at a time; the filter with
time terms and sort: (s reverses the order); enter shows a job's transitions and kept log tail; esc goes back; history off
and a file that cannot be read are said so."""

from __future__ import annotations

from datetime import timedelta

from deck_helpers import seconds_before
from fakes import FakeAdapter, make_job, wait_until
from history_deck import history_app, record

from jobdeck.clock import FrozenClock
from jobdeck.model import JobState
from jobdeck.store.sqlite import HistoryStore
from jobdeck.ui.screens.deck import DeckScreen
from jobdeck.ui.screens.history import FIRST_PAGE, PAGE, HistoryScreen
from jobdeck.ui.screens.history_job import HistoryJobScreen
from jobdeck.ui.widgets.history_list import HistoryList


def seed(folder, clock: FrozenClock, count: int = 30) -> None:
    """``count`` jobs of backend "old" recorded by earlier decks, one an hour, the newest an
    hour ago; that backend no longer lists them (gone). Job 7 finished with a kept log."""
    ago = seconds_before(clock)
    for number in range(count):
        at = ago(3600 * (count - number))
        state = JobState.FAILED if number % 5 == 0 else JobState.SUCCEEDED
        job = make_job(f"o{number:03d}", state, backend="old", name=f"{'nightly' if number % 2 else 'etl'}-{number}",
                       created=at - timedelta(minutes=5), started=at - timedelta(minutes=4), ended=at, updated=at)
        record(folder, at, "old", [job])
    store = HistoryStore(folder, clock=FrozenClock(ago(60)))
    store.record_changes("old", ago(60), added=[], changed=[], removed=[], transitions=[], complete=True)
    store.record_log_tail(make_job("o007", backend="old").ref, ago(3600 * 23) - timedelta(minutes=5),
                          "step 1 ok\nstep 2 \x1b[31mfailed\x1b[0m\n")
    store.close()


def deck(folder, *, history: bool = True, jobs: int = 0):
    clock = FrozenClock()
    live = FakeAdapter.build("live")
    live.set_jobs([make_job(f"l{n}", JobState.RUNNING, backend="live", name=f"live-{n}", created=clock.now())
                   for n in range(jobs)])
    return history_app(folder, [live], clock, history=history)


async def open_history(app, pilot) -> HistoryList:
    await wait_until(lambda: isinstance(app.screen, DeckScreen), what="the deck")
    await pilot.press("h")
    await wait_until(lambda: isinstance(app.screen, HistoryScreen), what="the history view")
    history = app.screen.query_one(HistoryList)
    await wait_until(lambda: bool(history.entries) or bool(history.notice), what="the first page")
    return history


def names(history: HistoryList) -> list[str]:
    return [entry.job.name for entry in history.entries]


async def test_h_lists_every_job_seen_newest_first_with_gone_ones_marked(tmp_path) -> None:
    seed(tmp_path, FrozenClock())
    app = deck(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        history = await open_history(app, pilot)
        assert names(history)[:3] == ["nightly-29", "etl-28", "nightly-27"]
        assert len(history.entries) == 30
        assert all(entry.job.gone for entry in history.entries)
        status = app.screen.query_one("#history-status")
        await wait_until(lambda: "30 jobs" in str(status.render()), what="the count")
        await pilot.press("s")  # oldest first
        await wait_until(lambda: names(history)[:1] == ["etl-0"], what="oldest first")
        await pilot.press("escape")
        assert isinstance(app.screen, DeckScreen)


async def test_the_list_reads_the_next_page_as_the_cursor_nears_the_end(tmp_path) -> None:
    clock = FrozenClock()
    ago = seconds_before(clock)
    many = PAGE * 2 + 10
    jobs = [make_job(f"b{n:04d}", JobState.SUCCEEDED, backend="bulk", name=f"bulk-{n}", created=ago(many - n))
            for n in range(many)]
    record(tmp_path, ago(30), "bulk", jobs)
    app = deck(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        history = await open_history(app, pilot)
        assert len(history.entries) == FIRST_PAGE and not history.done
        await pilot.press("end")
        await wait_until(lambda: len(history.entries) > FIRST_PAGE, what="the next page")
        await pilot.press("end")
        await wait_until(lambda: history.done, what="the last page")
        assert len(history.entries) == many
        assert len({entry.key for entry in history.entries}) == many


async def test_the_filter_takes_the_live_lists_terms_and_time_terms(tmp_path) -> None:
    seed(tmp_path, FrozenClock())
    app = deck(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        history = await open_history(app, pilot)
        await pilot.press("slash", *"state:failed nightly")
        await wait_until(lambda: names(history) == ["nightly-25", "nightly-15", "nightly-5"], what="the filter")
        filter_box = app.screen.query_one("#history-filter")
        filter_box.value = "since:4h"
        await wait_until(lambda: names(history) == ["nightly-29", "etl-28", "nightly-27", "etl-26"], what="since:4h")
        filter_box.value = "age:>28h"
        await wait_until(lambda: names(history) == ["nightly-1", "etl-0"], what="age:>28h")
        filter_box.value = "zzz"
        await wait_until(lambda: history.notice == "no job matches", what="no match")


async def test_a_sort_term_orders_the_history_as_the_live_list_and_the_bar_says_so(tmp_path) -> None:
    seed(tmp_path, FrozenClock())
    app = deck(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        history = await open_history(app, pilot)
        status = app.screen.query_one("#history-status")
        await pilot.press("slash", *"state:failed sort:name")
        await wait_until(lambda: names(history) == ["etl-0", "etl-10", "etl-20", "nightly-15", "nightly-25",
                                                    "nightly-5"], what="sorted by name")
        await wait_until(lambda: str(status.render()).endswith("6 jobs · by name"), what="the order said")
        await pilot.press("enter", "s")  # s reverses the sort
        await wait_until(lambda: names(history)[:2] == ["nightly-5", "nightly-25"], what="reversed")
        await wait_until(lambda: str(status.render()).endswith("6 jobs · by name, reversed"), what="reversed, said")


async def test_text_typed_in_one_burst_after_slash_goes_to_the_filter(tmp_path) -> None:
    """Over a slow link "/" and the next letters arrive together, queued for the list before
    "/" has opened the box: they become filter text, never keys of the view ("s" would sort)."""
    from textual import events

    seed(tmp_path, FrozenClock())
    app = deck(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        history = await open_history(app, pilot)
        for key, character in (("slash", "/"), ("e", "e"), ("t", "t"), ("l", "l"), ("s", "s")):
            app.post_message(events.Key(key, character))
        await pilot.pause(0.2)
        assert app.screen.query_one("#history-filter").value == "etls"
        await wait_until(lambda: history.notice == "no job matches", what="the filter")


async def test_a_bad_term_is_said_with_where_it_is_and_the_last_good_list_stays(tmp_path) -> None:
    seed(tmp_path, FrozenClock())
    app = deck(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        history = await open_history(app, pilot)
        await pilot.press("slash", *"etl")
        await wait_until(lambda: names(history)[:1] == ["etl-28"], what="etl")
        app.screen.query_one("#history-filter").value = "etl age:soon"
        await pilot.pause()
        error = str(app.screen.query_one("#history-error").render())
        assert "age: needs < or >" in error and "column 5" in error
        assert "etl-28" in names(history)


async def test_enter_shows_the_jobs_transitions_and_its_kept_log_tail(tmp_path) -> None:
    seed(tmp_path, FrozenClock())
    app = deck(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        history = await open_history(app, pilot)
        history.cursor = names(history).index("nightly-7")
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, HistoryJobScreen), what="the job")
        tail = app.screen.query_one("#history-job-tail")
        await wait_until(lambda: "step 2" in str(tail.render()), what="the kept tail")
        assert "\x1b" not in str(tail.render())
        transitions = str(app.screen.query_one("#history-job-transitions").render())
        assert "succeeded" in transitions
        await pilot.press("escape")
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, DeckScreen)


async def test_with_history_off_h_says_so_and_how_to_turn_it_on(tmp_path) -> None:
    app = deck(tmp_path, history=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_until(lambda: isinstance(app.screen, DeckScreen), what="the deck")
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, DeckScreen)
        assert any("history = true" in n.message for n in app._notifications)


async def test_a_file_that_is_no_history_is_said_so_without_a_traceback(tmp_path) -> None:
    app = deck(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(lambda: isinstance(app.screen, DeckScreen), what="the deck")
        app.history_file = tmp_path / "not-a-history.sqlite3"
        app.history_file.write_bytes(b"this is no database" * 100)
        history = await open_history(app, pilot)
        assert history.notice.startswith("the history cannot be read")
        assert not history.entries
