"""Choosing one of a job's runs in the detail pane with `[` and `]`, page by page."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import pytest
from deck_helpers import build_app, deck_settled, toasts, wait_for_jobs
from fakes import FakeAdapter, make_job, make_monitor, wait_until

from jobdeck.adapters.intuned import IntunedAdapter, IntunedSettings
from jobdeck.clock import FrozenClock
from jobdeck.emulators.core import SimClock
from jobdeck.emulators.intuned import DEFAULT_API_KEY, DEFAULT_PROJECT, DEFAULT_WORKSPACE_ID, IntunedEmulator
from jobdeck.errors import AdapterError
from jobdeck.model import Capability, Counts, JobRef, JobState, Run, RunPage
from jobdeck.ui.panes.run_paging import (
    NO_NEWER,
    NO_OLDER,
    ONLY_RUN,
    RunRequest,
    RunStep,
    pick_index,
    step_run,
)
from jobdeck.ui.run_position import position_text
from jobdeck.ui.widgets.job_list import JobList
from jobdeck.ui.widgets.run_detail import RunDetail

WIDE = (120, 40)
SMALL = (80, 24)
KEY_ENV = "JOBDECK_TEST_INTUNED_KEY"
SCRAPE = JobRef(backend="cluster", id="scrape")
OTHER = JobRef(backend="cluster", id="other")


def runs_of(ref: JobRef, count: int, clock: FrozenClock) -> list[Run]:
    """``count`` runs, newest first: run-N … run-1, run k with k successes of 10."""
    now = clock.now()
    return [
        Run(job=ref, id=f"run-{n}", state=JobState.SUCCEEDED if n % 2 else JobState.FAILED,
            started=now - timedelta(hours=count - n + 1), ended=now - timedelta(hours=count - n + 1, minutes=-5),
            counts=Counts(total=10, succeeded=n, failed=10 - n))
        for n in range(count, 0, -1)
    ]


class PagedFakeAdapter(FakeAdapter):
    """A fake backend that pages its runs, ``page_size`` a page, and says how many there are."""

    page_size = 2

    async def runs_page(self, job_id: str, page: int = 0) -> RunPage:
        self._record("runs_page", job_id, str(page))
        runs = await self.list_runs(job_id)
        start = page * self.page_size
        return RunPage(runs=runs[start:start + self.page_size], page=page, total=len(runs),
                       pages=max(1, -(-len(runs) // self.page_size)), page_size=self.page_size)


def cluster(clock: FrozenClock, cls: type[FakeAdapter] = FakeAdapter, *, runs: int = 3,
            capabilities: Iterable[Capability] | None = None) -> FakeAdapter:
    adapter = cls.build("cluster", clock=clock, capabilities=capabilities, jobs=[
        make_job("scrape", JobState.RUNNING, name="scrape-catalog", started=clock.now()),
        make_job("other", JobState.SUCCEEDED, name="other-job", started=clock.now() - timedelta(days=1)),
    ])
    adapter.set_runs("scrape", runs_of(SCRAPE, runs, clock))
    return adapter


async def open_job(app, pilot, ref: JobRef = SCRAPE) -> RunDetail:
    jobs = await wait_for_jobs(app, 2)
    assert jobs.select_ref(ref)
    detail = app.screen.query_one(RunDetail)
    await wait_until(lambda: detail.job is not None and detail.job.ref == ref and bool(detail.runs),
                     what="the job's runs")
    await deck_settled(app, pilot)
    return detail


def shown(detail: RunDetail) -> str:
    return "\n".join(detail.render_line(y).text for y in range(detail.size.height))


def subtitle(app) -> str:
    return str(app.screen.query_one("#detail-pane").border_subtitle)


# -- the rules --------------------------------------------------------------------------


def page_of(count: int, page: int = 0, *, pages: int | None = 1, total: int | None = None,
            size: int | None = None) -> RunPage:
    ref = JobRef(backend="b", id="j")
    runs = [Run(job=ref, id=f"r{page}-{i}", state=JobState.SUCCEEDED) for i in range(count)]
    return RunPage(runs=runs, page=page, pages=pages, total=total, page_size=size)


def test_a_step_inside_the_page_chooses_the_neighbouring_run():
    assert step_run(page_of(3), 0, +1) == RunStep(index=1)
    assert step_run(page_of(3), 2, -1) == RunStep(index=1)


def test_a_step_past_either_end_of_the_page_loads_the_neighbouring_page():
    middle = page_of(2, 1, pages=3, total=6, size=2)
    assert step_run(middle, 1, +1) == RunStep(load=RunRequest(page=2, fallback=0))
    assert step_run(middle, 0, -1) == RunStep(load=RunRequest(page=0, fallback=-1))
    # Without a page count, a page with runs may have another after it.
    assert step_run(page_of(2, pages=None), 1, +1).load == RunRequest(page=1)


def test_a_step_past_the_first_or_last_run_of_all_does_nothing_and_says_why():
    assert step_run(page_of(2, 2, pages=3, size=2), 1, +1) == RunStep(refusal=NO_OLDER)
    assert step_run(page_of(2), 0, -1) == RunStep(refusal=NO_NEWER)
    assert step_run(page_of(1), 0, +1) == RunStep(refusal=ONLY_RUN)
    assert step_run(page_of(0), 0, +1).refusal


def test_a_loaded_page_keeps_the_chosen_run_by_id_else_takes_the_fallback():
    runs = page_of(3).runs
    assert pick_index(runs, "r0-2", 0) == 2
    assert pick_index(runs, "gone", 1) == 1
    assert pick_index(runs, None, -1) == 2
    assert pick_index(runs, None, 9) == 2
    assert pick_index([], "x", 0) == 0


def test_the_position_reads_run_of_total_and_page_of_pages():
    # Numbered as backends number runs: #1 is the oldest; pages come newest first.
    assert position_text(page_of(2, 1, pages=3, total=6, size=2), 0) == "run 4 of 6 · page 2/3 · [ ] choose"
    assert position_text(page_of(3, total=3), 1) == "run 2 of 3 · [ ] choose"
    assert position_text(page_of(3, total=3), 2) == "run 1 of 3 · [ ] choose"
    assert position_text(page_of(3, total=3), 0) == "run 3 of 3 (newest) · [ ] choose"
    assert position_text(page_of(1, total=1), 0) == "run 1 of 1"
    assert position_text(page_of(2, 1, pages=None), 1) == "run 2 of the page · page 2 · [ ] choose"


def test_without_a_total_the_position_counts_back_from_the_newest_in_words():
    assert position_text(page_of(3, pages=None), 0) == "newest run · page 1 · [ ] choose"
    assert position_text(page_of(3, pages=None), 1) == "1 run before the newest · page 1 · [ ] choose"
    assert position_text(page_of(2, 1, pages=None, size=3), 1) == "4 runs before the newest · page 2 · [ ] choose"
    assert position_text(page_of(0), 0) == ""


# -- the monitor ----------------------------------------------------------------------------


async def test_the_monitor_gives_a_backend_without_paging_its_runs_as_one_page(tmp_path):
    clock = FrozenClock()
    adapter = cluster(clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    first = await monitor.runs_page(SCRAPE)
    assert [run.id for run in first.runs] == ["run-3", "run-2", "run-1"]
    assert (first.page, first.pages, first.total) == (0, 1, 3)
    assert (await monitor.runs_page(SCRAPE, 1)).runs == []


async def test_a_failure_to_read_runs_is_an_adapter_error(tmp_path):
    clock = FrozenClock()
    adapter = cluster(clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    adapter.fail_next(1, ValueError("bad page"), method="list_runs")
    with pytest.raises(AdapterError, match="internal error in fake adapter: bad page"):
        await monitor.runs_page(SCRAPE)


# -- the deck -------------------------------------------------------------------------------


async def test_brackets_choose_older_and_newer_runs_and_the_detail_shows_their_counts(tmp_path):
    clock = FrozenClock()
    app = build_app(tmp_path, [cluster(clock)], clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        detail = await open_job(app, pilot)
        assert detail.chosen_run is not None and detail.chosen_run.id == "run-3"
        assert "Run 3 of 3 (newest) · run-3" in shown(detail) and "3✓ 7✗ /10" in shown(detail)
        assert subtitle(app) == "run 3 of 3 (newest) · [ ] choose"
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert detail.chosen_run.id == "run-2"
        assert "Run 2 of 3 · run-2" in shown(detail) and "2✓ 8✗ /10" in shown(detail)
        assert "▸ ✗ failed    run-2 " in shown(detail)
        assert subtitle(app) == "run 2 of 3 · [ ] choose"
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert detail.chosen_run.id == "run-3"


async def test_past_the_last_run_the_key_says_so_and_nothing_changes(tmp_path):
    clock = FrozenClock()
    app = build_app(tmp_path, [cluster(clock, runs=2)], clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        detail = await open_job(app, pilot)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert detail.chosen_run.id == "run-1"
        assert NO_OLDER.capitalize() in toasts(app)
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        await pilot.pause()
        assert detail.chosen_run.id == "run-2"
        assert NO_NEWER.capitalize() in toasts(app)


async def test_moving_past_the_end_of_a_page_loads_the_next_page_and_back(tmp_path):
    clock = FrozenClock()
    adapter = cluster(clock, PagedFakeAdapter, runs=5)
    app = build_app(tmp_path, [adapter], clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        detail = await open_job(app, pilot)
        assert [run.id for run in detail.runs] == ["run-5", "run-4"]
        assert subtitle(app) == "run 5 of 5 (newest) · page 1/3 · [ ] choose"
        await pilot.press("right_square_bracket", "right_square_bracket")
        await wait_until(lambda: detail.run_page.page == 1, what="page 2 of the runs")
        await pilot.pause()
        assert ("runs_page", "scrape", "1") in adapter.calls
        assert [run.id for run in detail.runs] == ["run-3", "run-2"]
        assert detail.chosen_run.id == "run-3"
        assert subtitle(app) == "run 3 of 5 · page 2/3 · [ ] choose"
        assert "1✓ 9✗ /10" not in shown(detail) and "3✓ 7✗ /10" in shown(detail)
        # Before the first run of a page: the previous page, its oldest run chosen.
        await pilot.press("left_square_bracket")
        await wait_until(lambda: detail.run_page.page == 0, what="page 1 of the runs")
        assert detail.chosen_run.id == "run-4"
        assert adapter.mutations == []


async def test_another_job_starts_at_its_newest_run(tmp_path):
    clock = FrozenClock()
    adapter = cluster(clock)
    adapter.set_runs("other", runs_of(OTHER, 2, clock))
    app = build_app(tmp_path, [adapter], clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        detail = await open_job(app, pilot)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert detail.chosen == 1
        detail = await open_job(app, pilot, OTHER)
        assert detail.chosen == 0 and detail.chosen_run.job == OTHER


async def test_an_update_of_the_job_keeps_the_chosen_run_by_id(tmp_path):
    clock = FrozenClock()
    adapter = cluster(clock)
    app = build_app(tmp_path, [adapter], clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        detail = await open_job(app, pilot)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert detail.chosen_run.id == "run-2"
        # A new run starts: the job changes and its runs shift down by one.
        newer = Run(job=SCRAPE, id="run-4", state=JobState.RUNNING, counts=Counts(total=10, succeeded=1))
        adapter.set_runs("scrape", [newer, *runs_of(SCRAPE, 3, clock)])
        adapter.update_job("scrape", counts=Counts(total=10, succeeded=1))
        await app.monitor.refresh()
        await wait_until(lambda: len(detail.runs) == 4, what="the reloaded runs")
        assert detail.chosen_run.id == "run-2" and detail.chosen == 2
        assert subtitle(app) == "run 2 of 4 · [ ] choose"


async def test_intuned_runs_are_paged_by_the_backend(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, DEFAULT_API_KEY)
    emulator = IntunedEmulator(seed=11, clock=SimClock(speed=0))
    clock = FrozenClock(emulator.clock.now())
    settings = IntunedSettings(
        name="intuned", workspace_id=DEFAULT_WORKSPACE_ID, project=DEFAULT_PROJECT, api_key_env=KEY_ENV,
        base_url="http://intuned.test/api/v1/workspace", runs_page_size=2,
    )
    adapter = IntunedAdapter(settings, clock=clock, transport=emulator.transport())
    app = build_app(tmp_path, adapters=[adapter], clock=clock)  # type: ignore[list-item]
    nightly = JobRef(backend="intuned", id="nightly-prices")
    async with app.run_test(size=WIDE) as pilot:
        detail = await open_job(app, pilot, nightly)
        first = list(detail.runs)
        assert len(first) == 2 and detail.run_page.total == 5 and detail.run_page.pages == 3
        assert subtitle(app) == "run 5 of 5 (newest) · page 1/3 · [ ] choose"
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert detail.chosen_run == first[1]
        await pilot.press("right_square_bracket")
        await wait_until(lambda: detail.run_page.page == 1, what="page 2 of the runs")
        expected = await adapter.list_runs_page("nightly-prices", 1)
        assert detail.runs == expected.runs and detail.chosen_run == expected.runs[0]
        assert subtitle(app) == "run 3 of 5 · page 2/3 · [ ] choose"
        text = shown(detail)
        assert "Run 3 of 5 ·" in text and expected.runs[0].id in text.replace("\n", "").replace(" ", "")


async def test_a_backend_without_runs_shows_the_job_as_its_only_run(tmp_path):
    clock = FrozenClock()
    no_runs = frozenset({Capability.LIST, Capability.LOG})
    adapter = FakeAdapter.build("cluster", clock=clock, capabilities=no_runs, jobs=[
        make_job("scrape", JobState.RUNNING, name="scrape-catalog"),
        make_job("other", JobState.SUCCEEDED),
    ])
    app = build_app(tmp_path, [adapter], clock=clock)
    async with app.run_test(size=SMALL) as pilot:
        detail = await open_job(app, pilot)
        assert [run.id for run in detail.runs] == ["scrape"]
        assert subtitle(app) == "run 1 of 1"
        assert "Runs" not in shown(detail)  # the job's own rows already say everything
        await pilot.press("right_square_bracket", "left_square_bracket")
        await pilot.pause()
        assert toasts(app).count(ONLY_RUN.capitalize()) == 2
        assert detail.chosen_run.id == "scrape" and app.is_running


@pytest.mark.parametrize("mode", ["kiosk", "read-only"])
async def test_choosing_runs_is_a_view_allowed_in_mode_and_changes_nothing(tmp_path, mode):
    clock = FrozenClock()
    adapter = cluster(clock, PagedFakeAdapter, runs=5)
    app = build_app(tmp_path, [adapter], clock=clock, read_only=mode == "read-only", kiosk=mode == "kiosk")
    async with app.run_test(size=WIDE) as pilot:
        detail = await open_job(app, pilot)
        app.screen.query_one(JobList).focus()
        await pilot.press("right_square_bracket", "right_square_bracket")
        await wait_until(lambda: detail.run_page.page == 1, what="page 2 of the runs")
        assert detail.chosen_run.id == "run-3"
        assert adapter.mutations == []


async def test_at_80x24_choosing_a_run_brings_the_detail_and_the_run_into_view(tmp_path):
    clock = FrozenClock()
    app = build_app(tmp_path, [cluster(clock)], clock=clock)
    async with app.run_test(size=SMALL) as pilot:
        detail = await open_job(app, pilot)
        await pilot.press("l")
        await pilot.press("right_square_bracket")
        await pilot.pause()
        await pilot.pause()
        pane = app.screen.query_one("#detail-pane")
        assert pane.display and pane.has_class("-shown")
        assert detail.run_section is not None
        top, _ = detail.run_section
        assert pane.scroll_y <= top < pane.scroll_y + pane.scrollable_content_region.height


async def test_brackets_pressed_faster_than_pages_load_still_move_one_run_each(tmp_path):
    """] five times in one burst from the newest of 6 runs (pages of 2): each press is
    one run older, across the pages loaded meanwhile, never lost to a page in flight."""
    from textual import events

    clock = FrozenClock()
    adapter = cluster(clock, PagedFakeAdapter, runs=6)
    app = build_app(tmp_path, [adapter], clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        detail = await open_job(app, pilot)
        for _ in range(5):
            app.post_message(events.Key("right_square_bracket", "]"))
        await wait_until(lambda: detail.chosen_run is not None and detail.chosen_run.id == "run-1",
                         what="the oldest run")
        await pilot.pause(0.2)
        assert detail.run_page.page == 2 and detail.chosen_run.id == "run-1"
        assert subtitle(app) == "run 1 of 6 · page 3/3 · [ ] choose"
