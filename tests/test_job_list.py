"""The job list widget, driven through Pilot at 80x24 unless said otherwise."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from fakes import make_job
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from jobdeck.model import Counts, Job, JobRef, JobState
from jobdeck.ui.widgets.job_list import JobList

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def numbered(count: int, **fields: object) -> list[Job]:
    """Jobs "0".."count-1"; job 0 is the most recent, so "recent" keeps this order."""
    return [make_job(str(number), name=f"job {number}", updated=ago(number + 1), **fields) for number in range(count)]


class ListApp(App[None]):
    """A bare app holding one JobList, recording what it posts."""

    def __init__(self, jobs: Iterable[Job] = (), **list_options: object) -> None:
        super().__init__()
        self.initial_jobs = list(jobs)
        self.list_options = list_options
        self.highlighted: list[Job | None] = []
        self.selected: list[Job] = []

    def compose(self) -> ComposeResult:
        yield JobList(self.initial_jobs, now=NOW, **self.list_options)  # type: ignore[arg-type]

    def on_job_list_highlighted(self, message: JobList.Highlighted) -> None:
        self.highlighted.append(message.job)

    def on_job_list_selected(self, message: JobList.Selected) -> None:
        self.selected.append(message.job)

    @property
    def job_list(self) -> JobList:
        return self.query_one(JobList)


@asynccontextmanager
async def running(app: ListApp, size: tuple[int, int] = (80, 24)) -> AsyncIterator[tuple[ListApp, JobList, Pilot]]:
    async with app.run_test(size=size) as pilot:
        yield app, app.job_list, pilot


def screen_lines(job_list: JobList) -> list[str]:
    return [job_list.render_line(y).text for y in range(job_list.scrollable_content_region.height)]


async def test_rows_render_under_a_header_with_glyph_name_backend_age_and_progress() -> None:
    jobs = [
        make_job("1", JobState.FAILED, backend="local", name="nightly build", started=ago(303), ended=ago(3),
                 updated=ago(3), counts=Counts(total=12, succeeded=9, failed=1)),
        make_job("2", JobState.RUNNING, backend="drp", name="provision", started=ago(60), updated=ago(12), progress=45),
    ]
    async with running(ListApp(jobs)) as (app, job_list, pilot):
        await pilot.pause()
        lines = screen_lines(job_list)
        header, first, second = lines[0], lines[1], lines[2]
        assert "name" in header and "backend" in header and "age" in header and "progress" in header
        assert "✗ nightly build" in first and "local" in first and "3s" in first and "5m00s" in first
        assert "9✓ 1✗ /12" in first
        assert "▶ provision" in second and "drp" in second and "12s" in second and "45%" in second
        assert all(len(line) == len(header) for line in lines)


async def test_a_wide_list_shows_the_state_word_beside_the_glyph() -> None:
    async with running(ListApp([make_job("1", JobState.FAILED, name="nightly build", error="exit code 2")]), size=(140, 24)) as (app, job_list, pilot):
        await pilot.pause()
        first = screen_lines(job_list)[1]
        assert "✗ failed" in first
        assert "exit code 2" in first  # the note column


async def test_arrow_and_vim_keys_move_the_cursor_and_post_highlighted() -> None:
    async with running(ListApp(numbered(5))) as (app, job_list, pilot):
        job_list.focus()
        await pilot.pause()
        assert app.highlighted[-1] is not None and app.highlighted[-1].id == "0"
        await pilot.press("down", "j")
        await pilot.pause()
        assert job_list.highlighted is not None and job_list.highlighted.id == "2"
        assert app.highlighted[-1] is not None and app.highlighted[-1].id == "2"
        await pilot.press("up", "k", "k")  # the last "k" stops at the top
        await pilot.pause()
        assert job_list.cursor_index == 0
        assert app.highlighted[-1] is not None and app.highlighted[-1].id == "0"


async def test_the_cursor_row_is_marked_so_it_shows_without_colour() -> None:
    async with running(ListApp(numbered(3))) as (app, job_list, pilot):
        job_list.focus()
        await pilot.press("down")
        lines = screen_lines(job_list)
        assert lines[2].startswith("▌") and not lines[1].startswith("▌")


async def test_home_end_g_and_G_jump_to_the_ends_and_page_keys_move_a_page() -> None:
    async with running(ListApp(numbered(100))) as (app, job_list, pilot):
        job_list.focus()
        await pilot.press("end")
        assert job_list.cursor_index == 99
        assert "job 99" in screen_lines(job_list)[-1]
        await pilot.press("home")
        assert job_list.cursor_index == 0
        await pilot.press("G")
        assert job_list.cursor_index == 99
        await pilot.press("g")
        assert job_list.cursor_index == 0
        await pilot.press("pagedown")
        page = job_list.scrollable_content_region.height - 1
        assert job_list.cursor_index == page
        await pilot.press("pageup")
        assert job_list.cursor_index == 0


async def test_enter_posts_selected_with_the_highlighted_job() -> None:
    async with running(ListApp(numbered(3))) as (app, job_list, pilot):
        job_list.focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert [job.id for job in app.selected] == ["1"]


async def test_the_query_filters_rows_and_a_bad_query_keeps_the_last_good_filter() -> None:
    jobs = [
        make_job("1", JobState.FAILED, name="nightly build", updated=ago(1)),
        make_job("2", JobState.RUNNING, name="nightly tests", updated=ago(2)),
        make_job("3", JobState.SUCCEEDED, name="backup", updated=ago(3)),
    ]
    async with running(ListApp(jobs)) as (app, job_list, pilot):
        job_list.filter_text = "nightly"
        await pilot.pause()
        assert [job.id for job in job_list.rows] == ["1", "2"]
        assert job_list.visible_count == 2 and job_list.total_count == 3
        job_list.filter_text = "nightly state:bogus"
        await pilot.pause()
        assert job_list.query_error is not None and "unknown state 'bogus'" in job_list.query_error
        assert [job.id for job in job_list.rows] == ["1", "2"]
        job_list.filter_text = "nightly state:run"
        await pilot.pause()
        assert job_list.query_error is None
        assert [job.id for job in job_list.rows] == ["2"]
        job_list.filter_text = ""
        await pilot.pause()
        assert job_list.visible_count == 3


async def test_the_highlight_moves_to_a_shown_job_when_the_filter_hides_it() -> None:
    async with running(ListApp(numbered(5))) as (app, job_list, pilot):
        job_list.focus()
        await pilot.press("down")
        job_list.filter_text = "-id:1"
        await pilot.pause()
        assert job_list.highlighted is not None and job_list.highlighted.id != "1"
        assert app.highlighted[-1] is job_list.highlighted


async def test_sort_reorders_rows_and_cycle_sort_walks_every_key() -> None:
    jobs = [
        make_job("a", JobState.SUCCEEDED, name="zulu", updated=ago(1)),
        make_job("b", JobState.FAILED, name="alpha", updated=ago(2)),
        make_job("c", JobState.RUNNING, name="mike", updated=ago(3)),
    ]
    async with running(ListApp(jobs)) as (app, job_list, pilot):
        assert [job.id for job in job_list.rows] == ["a", "b", "c"]
        job_list.sort = "state"
        await pilot.pause()
        assert [job.id for job in job_list.rows] == ["b", "c", "a"]
        job_list.sort = "name"
        await pilot.pause()
        assert [job.id for job in job_list.rows] == ["b", "c", "a"]
        assert screen_lines(job_list)[1].find("alpha") > 0
        seen = [job_list.cycle_sort() for _ in range(5)]
        assert sorted(seen) == sorted(["recent", "state", "name", "backend", "duration"])
        assert job_list.sort == "name"


async def test_the_archived_view_shows_only_archived_jobs_with_a_jobdeck_archive_marker() -> None:
    jobs = [
        make_job("live", name="live job", updated=ago(1)),
        make_job("old", name="old job", updated=ago(2), archived=True, archived_by="jobdeck"),
        make_job("gone", name="gone job", updated=ago(3), archived=True, archived_by="backend"),
    ]
    async with running(ListApp(jobs)) as (app, job_list, pilot):
        assert [job.id for job in job_list.rows] == ["live"]
        job_list.view = "archived"
        await pilot.pause()
        assert [job.id for job in job_list.rows] == ["old", "gone"]
        lines = screen_lines(job_list)
        assert "⌂ old job" in lines[1]
        assert "⌂" not in lines[2]


async def test_a_job_its_backend_no_longer_lists_is_marked_gone_before_its_name_and_in_its_note() -> None:
    jobs = [
        make_job("here", name="here job", updated=ago(1)),
        make_job("gone", JobState.FAILED, name="gone job", updated=ago(2), error="exit 3", gone_since=ago(1)),
    ]
    async with running(ListApp(jobs), size=(140, 24)) as (app, job_list, pilot):
        lines = screen_lines(job_list)
        assert "∅ gone job" in lines[2] and "gone from the backend; exit 3" in lines[2]
        assert "∅" not in lines[1] and "gone from" not in lines[1]
        job_list.ascii = True  # a word where the mark cannot be drawn
        await pilot.pause()
        assert "[gone] gone job" in screen_lines(job_list)[2]


async def test_apply_changes_keeps_the_cursor_on_the_same_job_when_rows_move() -> None:
    jobs = numbered(10)
    async with running(ListApp(jobs)) as (app, job_list, pilot):
        job_list.focus()
        await pilot.press("down", "down", "down")
        assert job_list.highlighted is not None and job_list.highlighted.id == "3"
        before = len(app.highlighted)
        # Job 7 becomes the most recent and jumps to the top; job 3 moves down one row.
        moved = jobs[7].model_copy(update={"updated": NOW, "state": JobState.FAILED})
        new = make_job("new", name="job new", updated=ago(0.5))
        job_list.apply_changes([new], [moved], [JobRef(backend="fake", id="9")])
        await pilot.pause()
        assert [job.id for job in job_list.rows] == ["7", "new", "0", "1", "2", "3", "4", "5", "6", "8"]
        assert job_list.highlighted is not None and job_list.highlighted.id == "3"
        assert job_list.cursor_index == 5
        assert len(app.highlighted) == before  # same job: nothing to announce
        assert "✗ job 7" in screen_lines(job_list)[1]


async def test_apply_changes_moves_the_highlight_to_a_neighbour_when_its_job_is_removed() -> None:
    jobs = numbered(5)
    async with running(ListApp(jobs)) as (app, job_list, pilot):
        job_list.focus()
        await pilot.press("down")
        job_list.apply_changes([], [], [jobs[1].ref])
        await pilot.pause()
        assert job_list.highlighted is not None and job_list.highlighted.id == "2"
        assert app.highlighted[-1] is job_list.highlighted


async def test_apply_changes_patches_a_filtered_list_without_a_full_resort() -> None:
    jobs = numbered(200)
    async with running(ListApp(jobs)) as (app, job_list, pilot):
        job_list.filter_text = "state:failed"
        await pilot.pause()
        assert job_list.visible_count == 0
        failed = jobs[50].model_copy(update={"state": JobState.FAILED})
        job_list.apply_changes([], [failed], [])
        await pilot.pause()
        assert [job.id for job in job_list.rows] == ["50"]
        assert job_list.total_count == 200
        archived = jobs[60].model_copy(update={"archived": True})
        job_list.apply_changes([], [archived], [])
        assert job_list.total_count == 199


async def test_time_terms_are_read_at_the_decks_time_not_the_machines() -> None:
    # NOW is in 2026-01-01: jobs 0..9 were active 1..10 s before it, whatever the machine's clock says.
    jobs = numbered(10)
    async with running(ListApp(jobs)) as (app, job_list, pilot):
        job_list.filter_text = "age:<5s"
        await pilot.pause()
        assert [job.id for job in job_list.rows] == ["0", "1", "2", "3"]
        job_list.filter_text = "since:2026-01-01"
        await pilot.pause()
        assert job_list.visible_count == 10


async def test_select_ref_moves_the_cursor_to_a_shown_job_only() -> None:
    jobs = numbered(200)
    async with running(ListApp(jobs)) as (app, job_list, pilot):
        assert job_list.select_ref(JobRef(backend="fake", id="150"))
        await pilot.pause()
        assert job_list.highlighted is not None and job_list.highlighted.id == "150"
        assert any("job 150" in line for line in screen_lines(job_list))
        assert app.highlighted[-1] is job_list.highlighted
        assert not job_list.select_ref(JobRef(backend="fake", id="nope"))
        job_list.filter_text = "-id:7"
        assert not job_list.select_ref(JobRef(backend="fake", id="7"))


async def test_an_empty_list_explains_how_to_start_a_job() -> None:
    async with running(ListApp([])) as (app, job_list, pilot):
        await pilot.pause()
        text = "\n".join(screen_lines(job_list))
        assert "No jobs yet. Run `jobdeck run -- CMD` to start one." in text
        assert job_list.highlighted is None
        assert app.highlighted == [None]


async def test_a_filter_matching_nothing_says_so_with_the_query() -> None:
    async with running(ListApp(numbered(3))) as (app, job_list, pilot):
        job_list.filter_text = "zebra"
        await pilot.pause()
        assert "No jobs match zebra" in "\n".join(screen_lines(job_list))
        assert app.highlighted[-1] is None


async def test_an_empty_archive_says_nothing_is_archived() -> None:
    async with running(ListApp(numbered(3))) as (app, job_list, pilot):
        job_list.view = "archived"
        await pilot.pause()
        assert "Nothing archived" in "\n".join(screen_lines(job_list))


async def test_rows_of_stale_backends_are_marked_stale_and_drawn_in_the_stale_style() -> None:
    jobs = [
        make_job("1", backend="local", name="job 1", updated=ago(1)),
        make_job("2", backend="drp", name="job 2", updated=ago(2)),
    ]
    async with running(ListApp(jobs)) as (app, job_list, pilot):
        job_list.stale_backends = frozenset({"drp"})
        await pilot.pause()
        fresh_row, stale_row = screen_lines(job_list)[1:3]
        assert "stale" in stale_row and "stale" not in fresh_row
        # The stale style (italic in the default CSS) is a cue that needs no colour.
        assert all(segment.style and segment.style.italic for segment in job_list.render_line(2))
        assert not any(segment.style and segment.style.italic for segment in job_list.render_line(1))


async def test_ascii_mode_draws_only_ascii_glyphs() -> None:
    jobs = [make_job(str(number), state, name=f"job {number}", updated=ago(number + 1), progress=50)
            for number, state in enumerate(JobState)]
    async with running(ListApp(jobs)) as (app, job_list, pilot):
        job_list.ascii = True
        job_list.focus()
        await pilot.pause()
        for line in screen_lines(job_list)[1:]:
            assert line.isascii(), line


async def test_text_from_backends_cannot_reach_the_terminal_as_escape_sequences() -> None:
    async with running(ListApp([make_job("1", name="evil \x1b]0;pwned\x07 \x1b[2J name", error="\x1b[31mred")]), size=(140, 24)) as (app, job_list, pilot):
        await pilot.pause()
        for line in screen_lines(job_list):
            assert "\x1b" not in line and "\x07" not in line


async def test_ages_follow_the_now_the_screen_sets() -> None:
    async with running(ListApp([make_job("1", name="job 1", updated=ago(5))])) as (app, job_list, pilot):
        assert " 5s " in screen_lines(job_list)[1]
        job_list.now = NOW + timedelta(minutes=3)
        await pilot.pause()
        assert " 3m " in screen_lines(job_list)[1]


async def test_a_tick_that_changes_no_shown_age_repaints_nothing() -> None:
    # An idle deck must cost nothing: ages of hours do not move every second.
    async with running(ListApp([make_job("1", name="job 1", updated=ago(7200), started=ago(7300), ended=ago(7200))])) as (app, job_list, pilot):
        repaints: list[object] = []
        original = job_list.refresh
        job_list.refresh = lambda *args, **kwargs: (repaints.append(args), original(*args, **kwargs))[1]  # type: ignore[method-assign]
        job_list.now = NOW + timedelta(seconds=1)
        await pilot.pause()
        assert repaints == []
        job_list.now = NOW + timedelta(hours=1)
        await pilot.pause()
        assert repaints and " 3h " in screen_lines(job_list)[1]


async def test_a_tick_redraws_only_the_rows_whose_age_moved() -> None:
    # While jobs are fresh their ages tick every second: only their rows are drawn again.
    jobs = [make_job("1", name="fresh", updated=ago(5)), make_job("2", name="old", updated=ago(7200))]
    async with running(ListApp(jobs)) as (app, job_list, pilot):
        repaints: list[tuple[object, ...]] = []
        original = job_list.refresh
        job_list.refresh = lambda *args, **kwargs: (repaints.append(args), original(*args, **kwargs))[1]  # type: ignore[method-assign]
        job_list.now = NOW + timedelta(seconds=1)
        await pilot.pause()
        assert [region.y for (region,) in repaints] == [1]  # line 0 is the header
        lines = screen_lines(job_list)
        assert " 6s " in lines[1] and "fresh" in lines[1]
        assert " 2h " in lines[2] and "old" in lines[2]


async def test_a_row_retimed_by_ticks_is_the_row_drawn_afresh_at_that_time() -> None:
    # A tick makes only the time cells of a drawn row again: the result must be the very
    # row a list opened at that moment draws (cells, padding and styles).
    jobs = [
        make_job("1", name="running", state=JobState.RUNNING, started=ago(5), updated=ago(5)),
        make_job("2", name="done", state=JobState.SUCCEEDED, started=ago(70), ended=ago(9), updated=ago(9)),
    ]
    later = NOW + timedelta(seconds=65)
    async with running(ListApp(jobs), size=(120, 10)) as (app, job_list, pilot):
        for seconds in (1, 2, 65):
            job_list.now = NOW + timedelta(seconds=seconds)
            await pilot.pause()
        ticked = [list(job_list.render_line(y)) for y in (1, 2)]
    opened_later = ListApp(jobs)
    opened_later.compose = lambda: iter([JobList(jobs, now=later)])  # type: ignore[method-assign]
    async with running(opened_later, size=(120, 10)) as (app, job_list, pilot):
        afresh = [list(job_list.render_line(y)) for y in (1, 2)]
    assert ticked == afresh
    assert " 1m " in "".join(segment.text for segment in ticked[0])


async def test_a_theme_change_redraws_rows_in_the_new_colours() -> None:
    async with running(ListApp(numbered(2, state=JobState.FAILED))) as (app, job_list, pilot):
        before = {segment.style for segment in job_list.render_line(2)}
        app.theme = "textual-light"
        await pilot.pause()
        after = {segment.style for segment in job_list.render_line(2)}
        assert before != after


async def test_one_hundred_thousand_jobs_mount_and_paint() -> None:
    jobs = [
        Job.model_construct(
            ref=JobRef(backend=f"b{number % 4}", id=str(number)),
            name=f"job {number}",
            state=list(JobState)[number % 7],
            raw_state=None,
            created=ago(number),
            started=None,
            ended=None,
            updated=None,
            progress=None,
            counts=None,
            archived=False,
            archived_by=None,
            labels={},
            error=None,
            detail={},
        )
        for number in range(100_000)
    ]
    async with running(ListApp()) as (app, job_list, pilot):
        started = time.perf_counter()
        job_list.set_jobs(jobs)
        await pilot.pause()
        lines = screen_lines(job_list)
        elapsed = time.perf_counter() - started
        print(f"100,000 jobs: set_jobs + first paint in {elapsed:.3f} s")
        assert job_list.visible_count == 100_000
        assert "job 0" in lines[1]
        job_list.focus()
        await pilot.press("end")
        assert "job 99999" in screen_lines(job_list)[-1]


async def test_clicking_a_row_highlights_it_and_a_double_click_selects_it() -> None:
    async with running(ListApp(numbered(5))) as (app, job_list, pilot):
        await pilot.click(JobList, offset=(10, 3))
        await pilot.pause()
        assert job_list.highlighted is not None and job_list.highlighted.id == "2"
        await pilot.double_click(JobList, offset=(10, 2))
        await pilot.pause()
        assert [job.id for job in app.selected] == ["1"]


async def test_without_a_now_ages_and_running_durations_show_a_dash() -> None:
    async with running(ListApp([make_job("1", name="job 1", started=ago(5), updated=ago(5))])) as (app, job_list, pilot):
        job_list.now = None
        await pilot.pause()
        assert "—" in screen_lines(job_list)[1]


# -- the filter pipeline: index, cached filters, narrowing, patches -----------------


async def test_a_large_list_builds_its_filter_index_after_the_first_paint(monkeypatch) -> None:
    monkeypatch.setattr("jobdeck.ui.widgets.job_list.widget.INDEX_IN_BACKGROUND_FROM", 500)
    monkeypatch.setattr("jobdeck.ui.widgets.job_list.widget.INDEX_SLICE", 100)
    async with running(ListApp(numbered(1_000))) as (app, job_list, pilot):
        assert "job 0" in screen_lines(job_list)[1]
        for _ in range(200):
            if job_list.filter_ready:
                break
            await pilot.pause(0.01)
        assert job_list.filter_ready
        job_list.filter_text = "job 999"
        assert [job.id for job in job_list.rows] == ["999"]


async def test_a_filter_typed_while_a_big_lists_index_is_built_in_a_thread_applies_once_built(monkeypatch) -> None:
    monkeypatch.setattr("jobdeck.ui.widgets.job_list.widget.INDEX_IN_THREAD_FROM", 500)
    applied: list[JobList.FilterApplied] = []

    class Recording(ListApp):
        def on_job_list_filter_applied(self, message: JobList.FilterApplied) -> None:
            applied.append(message)

    async with running(Recording(numbered(1_000))) as (app, job_list, pilot):
        job_list.filter_text = "job 999"  # at once, before the index can be ready
        for _ in range(500):
            if job_list.filter_ready:
                break
            await pilot.pause(0.01)
        await pilot.pause()
        assert job_list.filter_ready and not job_list.filter_waiting
        assert [job.id for job in job_list.rows] == ["999"]
        assert "job 999" in screen_lines(job_list)[1]
        assert len(applied) == 1  # said, so the pane's title counts follow


def expected_rows(jobs: dict[str, Job], job_list: JobList, filter_text: str) -> list[str]:
    """What a fresh list would show: the view, sorted, then filtered, from scratch."""
    from jobdeck.query import parse_query, sort_jobs

    in_view = [job for job in jobs.values() if job.archived is (job_list.view == "archived")]
    query = parse_query(filter_text)
    return [job.id for job in query.filter(sort_jobs(in_view, job_list.sort, NOW))]


async def test_any_mix_of_filters_diffs_sorts_and_views_shows_what_a_fresh_list_would(monkeypatch) -> None:
    """Cached filters, narrowing while typing, patched diffs and the index built in
    slices meanwhile are shortcuts: the rows must always equal the slow way."""
    import random

    monkeypatch.setattr("jobdeck.ui.widgets.job_list.widget.INDEX_IN_BACKGROUND_FROM", 100)
    monkeypatch.setattr("jobdeck.ui.widgets.job_list.widget.INDEX_SLICE", 40)
    rng = random.Random(8)
    states = list(JobState)
    # Distinct times and names: every sort is then a total order, ties cannot differ.
    jobs = {
        str(n): make_job(str(n), name=f"job {n}", started=ago(n + 500), updated=ago(n + 1), labels={"machine": "m1"})
        for n in range(300)
    }
    texts = ["", "job", "job 1", "job 12", "state:fail", "-state:run", "job 2 machine:m1", "1", "12", "nope"]
    tick = [0]

    def later() -> datetime:
        tick[0] += 1
        return NOW + timedelta(seconds=tick[0])

    good_filter = ""
    async with running(ListApp(jobs.values())) as (app, job_list, pilot):
        for step in range(250):
            roll = rng.random()
            if roll < 0.35:
                job_list.filter_text = rng.choice(texts)
            elif roll < 0.45:
                job_list.filter_text = job_list.filter_text + rng.choice("0123456789 ")
            elif roll < 0.85:
                changed, added, removed = [], [], []
                for _ in range(rng.randint(1, 5)):
                    pick = jobs[rng.choice(list(jobs))]
                    kind = rng.random()
                    if kind < 0.6:
                        changed.append(pick.model_copy(update={"state": rng.choice(states), "updated": later()}))
                    elif kind < 0.7:
                        changed.append(pick.model_copy(update={"archived": not pick.archived, "updated": later()}))
                    elif kind < 0.85 and len(jobs) > 50:
                        removed.append(pick.ref)
                    else:
                        number = 1000 + step * 10 + len(added)
                        added.append(make_job(str(number), name=f"job {number}", started=ago(number), updated=later()))
                changed = list({job.ref: job for job in changed if job.ref not in removed}.values())
                job_list.apply_changes(added, changed, removed)
                for ref in removed:
                    jobs.pop(ref.id, None)
                jobs.update({job.id: job for job in (*added, *changed)})
            elif roll < 0.93:
                job_list.cycle_sort()
            else:
                job_list.view = "archived" if job_list.view == "active" else "active"
            if job_list.query_error is None:
                good_filter = job_list.filter_text  # a bad one keeps the last good filter
            if rng.random() < 0.3:
                await pilot.pause()
            expected = expected_rows(jobs, job_list, good_filter)
            assert [job.id for job in job_list.rows] == expected, (step, job_list.filter_text, job_list.sort)
        assert job_list.filter_ready


async def test_the_scrollbar_thumb_follows_a_jump_made_as_the_scrollbar_appears() -> None:
    # Textual moves the thumb only while a scrollbar shows; this one appears at the
    # next layout, after the jump to a row far down.
    async with running(ListApp(numbered(3))) as (app, job_list, pilot):
        await pilot.pause()
        job_list.set_jobs(numbered(200))
        assert job_list.select_ref(JobRef(backend="fake", id="150"))
        await pilot.pause()
        await pilot.pause()
        assert job_list.scroll_y > 100
        assert job_list.vertical_scrollbar.position == job_list.scroll_y


async def test_the_backend_column_is_sized_from_the_backend_names_given() -> None:
    # The deck names its backends, so 100,000 jobs need no pass to size the column;
    # a job from a backend with a longer name still widens it when it arrives.
    async with running(ListApp([])) as (app, job_list, pilot):
        job_list.backend_names = ("local", "cluster-east")
        job_list.set_jobs([make_job("1", name="job 1", backend="local")])
        assert job_list._backend_width == len("cluster-east")
        job_list.backend_names = ("local", "web")
        job_list.set_jobs([make_job("1", name="job 1", backend="local")])
        job_list.apply_changes([make_job("2", name="job 2", backend="backend-long", updated=NOW)], [], [])
        await pilot.pause()
        assert any("backend-long" in line for line in screen_lines(job_list))


async def test_rows_already_drawn_follow_the_backend_column_when_a_diff_widens_it() -> None:
    # The new job sorts off screen; the rows on screen must still move with the header.
    jobs = [make_job(str(n), name=f"job {n}", backend="local", updated=ago(n + 1)) for n in range(100)]
    async with running(ListApp(jobs)) as (app, job_list, pilot):
        await pilot.pause()
        job_list.apply_changes([make_job("x", name="job x", backend="backend-long", updated=ago(9_999))], [], [])
        await pilot.pause()
        header, first = screen_lines(job_list)[:2]
        assert first.index("local") == header.index("backend")
