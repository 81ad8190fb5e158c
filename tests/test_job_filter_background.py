"""Slow filters off the UI thread: a /pattern/ (or any term that reads more than the jobs'
texts) over a long list is filtered in another thread. Meanwhile the list shows the whole
view and says it is filtering, keys keep working, and a result no longer wanted never lands."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from fakes import make_job
from textual.app import App, ComposeResult

from jobdeck.model import Job
from jobdeck.query import parse_query, sort_jobs
from jobdeck.ui.panes.jobs import JobsPane
from jobdeck.ui.widgets.job_list import JobList, filter_worker
from jobdeck.ui.widgets.job_list.job_filter import JobFilter, select_in_chunks

from test_job_filter import Deck, ids, numbered

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
PATTERN = "name:/7$/"


@pytest.fixture(autouse=True)
def long_from_three_hundred(monkeypatch: pytest.MonkeyPatch) -> None:
    """A list of 300 jobs counts as long for a pattern here (10,000 in the deck), of 1,000
    for any other term that reads more than the texts (100,000)."""
    monkeypatch.setattr("jobdeck.ui.widgets.job_list.job_filter.PATTERN_IN_BACKGROUND_FROM", 300)
    monkeypatch.setattr("jobdeck.ui.widgets.job_list.job_filter.FILTER_IN_BACKGROUND_FROM", 1_000)


def run_in_thread(job_filter: JobFilter) -> tuple[int, list[int] | None]:
    """Does what the list's worker does, in another thread: the run and what it found."""
    run, query, jobs, texts = job_filter.background_work()  # type: ignore[misc]
    found: list[list[int] | None] = []
    thread = threading.Thread(target=lambda: found.append(select_in_chunks(query, jobs, texts, lambda: job_filter.is_wanted(run))))
    thread.start()
    thread.join()
    return run, found[0]


# -- the data side ------------------------------------------------------------------


def test_a_pattern_over_a_long_list_shows_the_whole_view_until_another_thread_has_filtered_it() -> None:
    deck = Deck(numbered(300))
    deck.query(PATTERN)
    assert deck.filter.filtering and deck.filter.waiting
    assert deck.filter.rows is deck.filter.sorted
    run, found = run_in_thread(deck.filter)
    assert found is not None and deck.filter.adopt_filtered(run, found)
    assert not deck.filter.filtering and not deck.filter.waiting
    assert ids(deck.filter.rows) == deck.expected(PATTERN)
    assert deck.filter.background_work() is None


def test_free_words_and_states_are_filtered_at_once_however_long_the_list() -> None:
    deck = Deck(numbered(2_000))
    assert deck.query("job 7 -state:failed") == deck.expected("job 7 -state:failed")
    assert not deck.filter.filtering and deck.filter.background_work() is None


def test_a_short_list_is_filtered_by_a_pattern_at_once() -> None:
    deck = Deck(numbered(299))
    assert deck.query(PATTERN) == deck.expected(PATTERN)
    assert not deck.filter.filtering


def test_other_terms_beyond_the_texts_go_to_another_thread_from_a_longer_list() -> None:
    deck = Deck(numbered(999))
    assert deck.query("name:job 12") == deck.expected("name:job 12")
    assert not deck.filter.filtering
    deck = Deck(numbered(1_000))
    deck.query("name:job 12")
    assert deck.filter.filtering
    run, found = run_in_thread(deck.filter)
    assert found is not None and deck.filter.adopt_filtered(run, found)
    assert ids(deck.filter.rows) == deck.expected("name:job 12")


def test_a_result_no_longer_wanted_never_lands_and_its_thread_stops_early() -> None:
    deck = Deck(numbered(5_000))
    deck.query(PATTERN)
    run, query, jobs, texts = deck.filter.background_work()  # type: ignore[misc]
    assert deck.query("job 12") == deck.expected("job 12")  # a key typed meanwhile
    looks: list[int] = []

    def wanted() -> bool:
        looks.append(1)
        return deck.filter.is_wanted(run)

    assert select_in_chunks(query, jobs, texts, wanted) is None
    assert len(looks) == 1  # stopped before the first chunk
    finished = query.select(jobs, texts)
    assert not deck.filter.adopt_filtered(run, finished)  # even a finished one is dropped
    assert ids(deck.filter.rows) == deck.expected("job 12")


def test_an_older_run_of_the_same_query_is_dropped_when_the_view_was_sorted_again() -> None:
    deck = Deck(numbered(300))
    deck.query(PATTERN)
    old_run, found = run_in_thread(deck.filter)
    deck.filter.set_sorted(list(reversed(deck.filter.sorted)))  # a new sort: a new run
    assert found is not None and not deck.filter.adopt_filtered(old_run, found)
    assert deck.filter.filtering
    run, found = run_in_thread(deck.filter)
    assert found is not None and deck.filter.adopt_filtered(run, found)
    assert ids(deck.filter.rows) == list(reversed(deck.expected(PATTERN)))


def test_the_same_filter_written_differently_keeps_the_run_under_way() -> None:
    deck = Deck(numbered(300))
    deck.query(PATTERN)
    run = deck.filter.background_work()[0]  # type: ignore[index]
    deck.query(PATTERN + "  ")
    assert deck.filter.background_work()[0] == run  # type: ignore[index]
    found = run_in_thread(deck.filter)[1]
    assert found is not None and deck.filter.adopt_filtered(run, found)
    assert ids(deck.filter.rows) == deck.expected(PATTERN)


def test_polls_while_it_filters_are_in_the_rows_that_land() -> None:
    deck = Deck(numbered(400))
    deck.query(PATTERN)
    run, query, jobs, texts = deck.filter.background_work()  # type: ignore[misc]
    # Jobs arrive, change (one now matches, one no longer) and go while the thread works.
    deck.change(make_job("new 7", name="new 7", updated=NOW), make_job("new 8", name="new 8", updated=NOW))
    deck.change(make_job("17", name="renamed", updated=NOW - timedelta(seconds=18)),
                make_job("18", name="job 1807", updated=NOW - timedelta(seconds=19)), gone_ids=("27",))
    deck.change(gone_ids=("new 7",))
    assert deck.filter.rows is deck.filter.sorted  # the whole view meanwhile, patched
    found = select_in_chunks(query, jobs, texts, lambda: deck.filter.is_wanted(run))
    assert found is not None and deck.filter.adopt_filtered(run, found)
    assert ids(deck.filter.rows) == deck.expected(PATTERN)
    deck.change(make_job("new 9", name="new 97", updated=NOW))  # and after it landed
    assert ids(deck.filter.rows) == deck.expected(PATTERN)


# -- in the deck's jobs pane --------------------------------------------------------


class PaneApp(App[None]):
    def __init__(self, jobs: list[Job]) -> None:
        super().__init__()
        self.jobs = jobs
        self.applied = 0

    def compose(self) -> ComposeResult:
        yield JobsPane(id="jobs-pane")

    def on_mount(self) -> None:
        self.query_one(JobList).now = NOW
        self.query_one(JobList).set_jobs(self.jobs)

    def on_job_list_filter_applied(self) -> None:
        self.applied += 1


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Holds the list's filtering thread before it starts (the real filter runs once set),
    so a test decides when a slow pattern finishes."""
    opened = threading.Event()
    real = filter_worker.select_in_chunks

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        assert opened.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(filter_worker, "select_in_chunks", held)
    return opened


def expected(jobs: list[Job], text: str) -> list[str]:
    return ids(parse_query(text).filter(sort_jobs(jobs, "recent", NOW)))


def subtitle(app: PaneApp) -> str:
    return str(app.query_one(JobsPane).border_subtitle)


async def test_a_key_typed_while_a_slow_pattern_runs_is_handled_and_the_pattern_never_lands(gate: threading.Event) -> None:
    jobs = numbered(300)
    app = PaneApp(jobs)
    async with app.run_test(size=(80, 24)) as pilot:
        job_list = app.query_one(JobList)
        finder = app.query_one(JobsPane).open_filter()
        finder.focus()
        await pilot.press(*PATTERN)
        await pilot.pause()
        assert job_list.filter_running and job_list.visible_count == 300
        assert f"filter: {PATTERN} (filtering…)" in subtitle(app)
        await pilot.press("ctrl+u", *"job 12")  # while the pattern's thread is held
        await pilot.pause()
        assert job_list.filter_text == "job 12" and not job_list.filter_running
        assert [job.id for job in job_list.rows] == expected(jobs, "job 12")
        assert "filtering" not in subtitle(app)
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [job.id for job in job_list.rows] == expected(jobs, "job 12")
        assert app.applied == 0


async def test_a_slow_pattern_lands_once_done_and_the_title_stops_saying_filtering(gate: threading.Event) -> None:
    jobs = numbered(300)
    app = PaneApp(jobs)
    async with app.run_test(size=(80, 24)) as pilot:
        job_list = app.query_one(JobList)
        finder = app.query_one(JobsPane).open_filter()
        finder.focus()
        await pilot.press(*PATTERN)
        await pilot.pause()
        await pilot.press("down")  # the cursor keys work meanwhile too
        assert job_list.filter_running
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not job_list.filter_running
        assert [job.id for job in job_list.rows] == expected(jobs, PATTERN)
        assert app.applied == 1
        assert "Jobs 30/300" in str(app.query_one(JobsPane).border_title)
        assert "filtering" not in subtitle(app)


async def test_any_mix_of_slow_filters_diffs_sorts_and_views_lands_what_a_fresh_list_would(monkeypatch) -> None:
    """Runs started, replaced, dropped and landing amid polls, sorts and views: whenever the
    list is not filtering, its rows are what filtering from scratch gives (and, while it is,
    the whole view)."""
    import random

    from test_job_list import ListApp, expected_rows, running

    monkeypatch.setattr("jobdeck.ui.widgets.job_list.job_filter.PATTERN_IN_BACKGROUND_FROM", 100)
    monkeypatch.setattr("jobdeck.ui.widgets.job_list.job_filter.FILTER_IN_BACKGROUND_FROM", 100)
    rng = random.Random(22)
    jobs = {
        str(n): make_job(str(n), name=f"job {n}", started=NOW - timedelta(seconds=n + 500),
                         updated=NOW - timedelta(seconds=n + 1), labels={"machine": f"m{n % 3}"})
        for n in range(300)
    }
    texts = ["", "job 1", "name:/1$/", "/^job 2/", "machine:m1", "name:/7/ -state:run", "-/5/", "state:fail", "12"]
    tick = [0]
    good_filter = ""
    filtering_seen = 0
    async with running(ListApp(jobs.values())) as (app, job_list, pilot):
        for step in range(200):
            roll = rng.random()
            if roll < 0.35:
                job_list.filter_text = rng.choice(texts)
            elif roll < 0.75:
                changed, added = [], []
                for _ in range(rng.randint(1, 4)):
                    pick = jobs[rng.choice(list(jobs))]
                    tick[0] += 1
                    # Distinct names and times: every sort is a total order, ties cannot differ.
                    if rng.random() < 0.7:
                        name = f"job {rng.randint(0, 999)}.{tick[0]}"
                        changed.append(pick.model_copy(update={"name": name, "updated": NOW + timedelta(seconds=tick[0])}))
                    else:
                        number = 1000 + tick[0]
                        added.append(make_job(str(number), name=f"job {number}", started=NOW - timedelta(seconds=number),
                                              updated=NOW + timedelta(seconds=tick[0])))
                changed = list({job.ref: job for job in changed}.values())
                job_list.apply_changes(added, changed, [])
                jobs.update({job.id: job for job in (*added, *changed)})
            elif roll < 0.85:
                job_list.cycle_sort()
            elif roll < 0.9:
                job_list.view = "archived" if job_list.view == "active" else "active"
            else:
                await filtered(job_list, pilot)
            if job_list.query_error is None:
                good_filter = job_list.filter_text
            if rng.random() < 0.3:
                await pilot.pause()
            shown = [job.id for job in job_list.rows]
            if job_list.filter_running:
                filtering_seen += 1
                assert shown == expected_rows(jobs, job_list, ""), step
            else:
                assert shown == expected_rows(jobs, job_list, good_filter), (step, good_filter)
        await filtered(job_list, pilot)
        assert filtering_seen  # (the mix did run filters in the background)
        assert not job_list.filter_running
        assert [job.id for job in job_list.rows] == expected_rows(jobs, job_list, good_filter)


async def filtered(job_list: JobList, pilot) -> None:  # type: ignore[no-untyped-def]
    """Until the list's filter runs no more (bounded)."""
    for _ in range(1_000):
        if not job_list.filter_running:
            break
        await pilot.pause(0.01)
    await pilot.pause()
