"""The deck's keys, pressed the way a user presses them."""

from __future__ import annotations

import json

from deck_helpers import build_app, sample_backends, sample_deck, toasts, wait_for_jobs
from fakes import settle, wait_until

from jobdeck.clock import FrozenClock
from jobdeck.model import JobRef
from jobdeck.ui.screens.confirm import ConfirmScreen
from jobdeck.ui.screens.deck import DeckScreen
from jobdeck.ui.screens.help import HelpScreen
from jobdeck.ui.widgets.job_list import JobList
from jobdeck.ui.widgets.log_view import LogView
from jobdeck.ui.widgets.run_detail import RunDetail

WIDE = (120, 40)
SMALL = (80, 24)


async def select(pilot, jobs: JobList, backend: str, job_id: str) -> None:
    assert jobs.select_ref(JobRef(backend=backend, id=job_id))
    await pilot.pause()


async def focus_train_model_log(app, pilot) -> LogView:
    """Select the running train-model job, wait for its 30 log lines and focus the log."""
    jobs = await wait_for_jobs(app, 6)
    await select(pilot, jobs, "local", "20260101-1158-c3")
    log_view = app.screen.query_one(LogView)
    await wait_until(lambda: log_view.line_count >= 30, what="the log")
    log_view.focus()
    return log_view


async def test_the_deck_shows_jobs_of_every_backend(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await pilot.pause()
        assert jobs.total_count == 6
        assert {job.backend for job in [jobs.highlighted]} <= {"local", "cluster"}


async def test_selecting_a_job_shows_its_detail_and_log(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await select(pilot, jobs, "local", "20260101-1158-c3")
        detail = app.screen.query_one(RunDetail)
        assert detail.job is not None and detail.job.name == "train-model"
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.line_count >= 30, what="the log")
        assert "epoch 30: loss=0.60" in log_view.lines_text()[-1]


async def test_slash_filters_the_list_and_escape_clears_it(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await pilot.press("slash", *"state:failed", "enter")
        assert jobs.filter_text == "state:failed"
        assert jobs.visible_count == 1
        await pilot.press("escape")
        assert jobs.filter_text == ""
        assert jobs.visible_count == 6


async def test_a_bad_filter_says_what_is_wrong(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("slash", *"state:bogus", "enter")
        assert any("bogus" in t for t in toasts(app))


async def test_s_cycles_the_sort(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        first = jobs.sort
        await pilot.press("s")
        assert jobs.sort != first


async def test_archive_asks_first_and_no_leaves_the_job_alone(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await select(pilot, jobs, "local", "20260101-1150-a1")
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen)
        text = app.screen.query_one("#confirm-message").render()
        assert "nightly-backup" in str(text) and "local" in str(text)
        await pilot.press("n")
        assert not isinstance(app.screen, ConfirmScreen)
        await settle()
        assert app.monitor.job(JobRef(backend="local", id="20260101-1150-a1")).archived is False


async def test_archive_confirmed_archives_on_the_backend(tmp_path):
    app, adapters = sample_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await select(pilot, jobs, "local", "20260101-1150-a1")
        await pilot.press("a", "y")
        await wait_until(lambda: adapters[0].mutations == [("archive", "20260101-1150-a1")], what="archive")
        lines = (tmp_path / "actions.jsonl").read_text().splitlines()
        assert json.loads(lines[-1])["action"] == "archive"


async def test_archive_on_a_backend_without_one_uses_jobdecks_archive(tmp_path):
    app, adapters = sample_deck(tmp_path)
    ref = JobRef(backend="cluster", id="run-7702")
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await select(pilot, jobs, "cluster", "run-7702")
        await pilot.press("a")
        assert "jobdeck" in str(app.screen.query_one("#confirm-message").render())
        await pilot.press("y")
        await wait_until(lambda: app.monitor.job(ref).archived, what="jobdeck archive")
        assert app.monitor.job(ref).archived_by == "jobdeck"
        assert adapters[1].mutations == []
        await pilot.pause()
        assert jobs.visible_count == 5  # hidden from the active view
        await pilot.press("v")
        assert jobs.view == "archived"
        assert jobs.select_ref(ref)
        await pilot.pause()
        await pilot.press("u", "y")
        await wait_until(lambda: not app.monitor.job(ref).archived, what="restore")


async def test_an_unavailable_key_says_why_and_asks_nothing(tmp_path):
    app, adapters = sample_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await select(pilot, jobs, "local", "20260101-1158-c3")  # running: no retry
        await pilot.press("r")
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("Retry is unavailable" in t and "running" in t for t in toasts(app))
        assert adapters[0].mutations == []


async def test_retry_and_cancel_ask_and_then_act(tmp_path):
    app, adapters = sample_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await select(pilot, jobs, "local", "20260101-1155-b2")
        await pilot.press("r")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(lambda: ("retry", "20260101-1155-b2") in adapters[0].mutations, what="retry")
        await select(pilot, jobs, "cluster", "run-7781")
        await pilot.press("x", "y")
        await wait_until(lambda: ("cancel", "run-7781") in adapters[1].mutations, what="cancel")


async def test_read_only_refuses_every_action_key_without_touching_a_backend(tmp_path):
    app, adapters = sample_deck(tmp_path, read_only=True)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        for backend, job_id in [("local", "20260101-1155-b2"), ("cluster", "run-7781")]:
            await select(pilot, jobs, backend, job_id)
            for key in "aurx":
                await pilot.press(key)
                assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("v")
        await pilot.press(*"aurx")
        await settle()
        assert all(a.mutations == [] for a in adapters)
        assert any("read-only" in t for t in toasts(app))
        assert app.screen.query_one("#mode").display


async def test_question_mark_lists_every_key(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_f_and_w_control_the_log(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        log_view = await focus_train_model_log(app, pilot)
        await pilot.press("pageup")
        assert not log_view.following
        await pilot.press("f")
        assert log_view.following
        await pilot.press("w")
        assert log_view.wrap


async def test_slash_in_the_log_searches_it(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        log_view = await focus_train_model_log(app, pilot)
        await pilot.press("slash", *"epoch 3:", "enter")
        assert not log_view.following  # a search stops following, to stay on the match
        assert not any("Not found" in t for t in toasts(app))


async def test_compact_layout_shows_one_lower_pane_at_a_time(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.pause()
        screen = app.screen
        assert screen.has_class("-compact")
        assert screen.query_one("#detail-pane").display
        await pilot.press("l")
        assert screen.query_one("#log-pane").display
        await pilot.press("t")
        assert screen.query_one("#timeline-pane").has_class("-shown")


async def test_q_quits(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("q")
    assert app.return_code == 0


async def test_ctrl_r_polls_every_backend_now(tmp_path):
    app, adapters = sample_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        before = [a.count("list_jobs") for a in adapters]
        await pilot.press("ctrl+r")
        await wait_until(
            lambda: all(a.count("list_jobs") > n for a, n in zip(adapters, before, strict=True)),
            what="a poll of every backend",
        )


async def test_n_and_shift_n_step_through_log_matches(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        log_view = await focus_train_model_log(app, pilot)
        await pilot.press("slash", *"loss=0.8", "enter")
        first = log_view.scroll_offset.y
        await pilot.press("n")
        await pilot.press("N")
        assert log_view.scroll_offset.y == first
        assert not any("Not found" in t for t in toasts(app))


async def test_v_shows_the_archived_view_and_back(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await pilot.press("v")
        assert jobs.view == "archived" and jobs.visible_count == 0
        assert "Archived jobs" in str(app.screen.query_one("#jobs-pane").border_title)
        await pilot.press("v")
        assert jobs.view == "active" and jobs.visible_count == 6


async def test_enter_on_a_job_opens_its_log(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await select(pilot, jobs, "local", "20260101-1158-c3")
        jobs.focus()
        await pilot.press("enter")
        assert app.screen.query_one("#log-pane").display
        assert app.focused is app.screen.query_one(LogView)


async def test_a_long_log_opens_at_its_tail_and_says_what_it_skipped(tmp_path):
    clock = FrozenClock()
    adapters = sample_backends(clock)
    adapters[0].set_log("20260101-1158-c3", "".join(f"line {i}\n" for i in range(50_000)))
    app = build_app(tmp_path, adapters, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await select(pilot, jobs, "local", "20260101-1158-c3")
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: "line 49999" in "".join(log_view.lines_text()[-1:]), what="the tail")
        assert log_view.line_count <= app.settings.log_lines
        assert log_view.start_offset > 0
        # Only the tail was read: one read from where the last lines begin.
        reads = [call for call in adapters[0].calls if call[0] == "read_log"]
        assert reads and int(reads[0][2]) == log_view.start_offset


async def test_p_pauses_and_shift_p_resumes_where_the_backend_can(tmp_path):
    from fakes import DEFAULT_CAPABILITIES

    from jobdeck.model import Capability

    clock = FrozenClock()
    adapters = sample_backends(clock)
    adapters[0].capabilities = DEFAULT_CAPABILITIES | {Capability.PAUSE, Capability.RESUME}
    app = build_app(tmp_path, adapters, clock=clock)
    running = JobRef(backend="local", id="20260101-1158-c3")
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await select(pilot, jobs, "local", running.id)
        await pilot.press("P")  # not paused: nothing to resume
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("p")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(lambda: app.monitor.job(running).state.value == "paused", what="the pause")
        await pilot.press("P", "y")
        await wait_until(lambda: ("resume", running.id) in adapters[0].mutations, what="the resume")
        # A backend without pause says so, and nothing is asked.
        await select(pilot, jobs, "cluster", "run-7781")
        await pilot.press("p")
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("Pause is unavailable" in t for t in toasts(app))


async def test_a_backend_that_keeps_reasons_gets_the_one_typed_in_the_confirmation(tmp_path):
    from jobdeck.model import Capability

    clock = FrozenClock()
    adapters = sample_backends(clock)
    adapters[0].reason_actions = frozenset({Capability.ARCHIVE})
    app = build_app(tmp_path, adapters, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await select(pilot, jobs, "local", "20260101-1150-a1")
        await pilot.press("a")
        assert app.screen.query("#confirm-reason")
        await pilot.press("tab")  # from Cancel straight into the reason field
        assert app.focused is app.screen.query_one("#confirm-reason")
        await pilot.press(*"no longer needed by anyone", "enter")  # y and n type, not answer
        await wait_until(
            lambda: ("archive", "20260101-1150-a1", "no longer needed by anyone") in adapters[0].mutations,
            what="the archive with its reason",
        )


async def test_backends_that_keep_no_reason_are_not_asked_for_one(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await select(pilot, jobs, "local", "20260101-1150-a1")
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen)
        assert not app.screen.query("#confirm-reason")


async def test_plus_watches_a_job_by_id_on_a_backend_that_can(tmp_path):
    from jobdeck.model import Capability
    from jobdeck.ui.screens.prompt import PromptScreen

    clock = FrozenClock()
    adapters = sample_backends(clock)
    adapters[1].capabilities = adapters[1].capabilities | {Capability.WATCH}
    app = build_app(tmp_path, adapters, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await pilot.press("plus")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"abc123", "enter")
        await wait_until(lambda: jobs.total_count == 7, what="the watched job")
        assert app.monitor.job(JobRef(backend="cluster", id="abc123")) is not None
        assert any("watching job abc123 on cluster" in t for t in toasts(app))
        await pilot.press("plus", *"not-an-id", "enter")
        await wait_until(lambda: any("not a job id" in t for t in toasts(app)), what="the refusal")


async def test_plus_says_when_no_backend_can_watch_by_id(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("plus")
        assert any("No backend here can watch a job by id" in t for t in toasts(app))


async def test_moving_quickly_through_the_list_shows_the_job_where_the_cursor_rests(tmp_path, monkeypatch):
    # A long settling time, so a slow machine's key presses still count as quick.
    monkeypatch.setattr(DeckScreen, "settle_seconds", 1.0)
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        detail = app.screen.query_one(RunDetail)
        await wait_until(lambda: detail.job is not None, what="the first job shown")
        await pilot.press("down", "down", "down")
        # Moving: the panes wait (no relayout or backend calls per row passed) ...
        assert detail.job is not None and detail.job.ref != jobs.highlighted.ref
        # ... and catch up once the cursor rests.
        await wait_until(lambda: detail.job is not None and detail.job.ref == jobs.highlighted.ref, what="the detail")


async def test_an_action_key_pressed_while_moving_acts_on_the_job_under_the_cursor(tmp_path, monkeypatch):
    monkeypatch.setattr(DeckScreen, "settle_seconds", 1.0)
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await pilot.pause(0.3)
        await pilot.press("down", "down")
        target = jobs.highlighted
        await pilot.press("c")
        assert f"Copied {target.ref}" in toasts(app)
        assert app.screen.query_one(RunDetail).job.ref == target.ref


def long_log_deck(tmp_path):
    """A deck keeping 50 log lines, on one job whose log has 300 ("line 0000" …)."""
    from fakes import FakeAdapter, make_job

    adapter = FakeAdapter.build("local", jobs=[make_job("long", name="long log")])
    adapter.set_log("long", "".join(f"line {n:04d}\n" for n in range(300)))
    app = build_app(tmp_path, [adapter])
    app.settings = app.settings.model_copy(update={"log_lines": 50})
    return app, adapter


async def open_long_log(app) -> LogView:
    await wait_for_jobs(app, 1)
    log_view = app.screen.query_one(LogView)
    await wait_until(lambda: log_view.lines_text()[-1:] == ["line 0299"], what="the tail")
    return log_view


async def test_b_in_the_log_pages_back_through_a_long_log_and_f_returns_to_its_end(tmp_path):
    app, adapter = long_log_deck(tmp_path)
    adapter.log_read_limit = 256
    async with app.run_test(size=WIDE) as pilot:
        log_view = await open_long_log(app)
        assert log_view.lines_text()[0] == "line 0250"  # opened at its last 50 lines
        log_view.focus()
        await pilot.press("b")
        await wait_until(lambda: log_view.window_end is not None, what="the earlier window")
        assert log_view.lines_text()[0] == "line 0200" and log_view.lines_text()[-1] == "line 0249"
        assert not log_view.following
        await pilot.press("b")
        await wait_until(lambda: log_view.lines_text()[0] == "line 0150", what="the window before")
        assert log_view.lines_text()[-1] == "line 0199"
        await pilot.press("f")
        await wait_until(lambda: log_view.window_end is None and log_view.line_count == 50, what="the tail again")
        assert log_view.lines_text()[-1] == "line 0299" and log_view.following


async def test_text_typed_in_one_burst_after_slash_goes_to_the_filter_not_to_the_keys(tmp_path):
    """Over a slow link "/" and the next letters arrive together, all queued for the list
    before "/" has opened the box: they must become filter text, never commands."""
    from textual import events
    from textual.widgets import Input

    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.pause()
        for key, character in (("slash", "/"), ("a", "a"), ("r", "r"), ("g", "g")):
            app.post_message(events.Key(key, character))
        await pilot.pause(0.2)
        assert app.screen.query_one("#filter", Input).value == "arg"
        assert not isinstance(app.screen, ConfirmScreen)  # "a" did not ask to archive
        assert app.screen.query_one(JobList).filter_text == "arg"


async def test_b_never_reads_more_than_a_bounded_window_when_line_starts_are_unknown(tmp_path, monkeypatch):
    monkeypatch.setattr("jobdeck.ui.screens.deck.EARLIER_WINDOW_MAX_BYTES", 100)
    app, adapter = long_log_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        log_view = await open_long_log(app)
        first = log_view.start_offset

        async def unknown(job_id, lines, before=None):
            return 0  # this backend cannot tell where earlier lines begin

        adapter.log_tail_offset = unknown  # type: ignore[method-assign]
        log_view.focus()
        await pilot.press("b")
        await wait_until(lambda: log_view.window_end is not None, what="the earlier window")
        assert log_view.window_end == first and log_view.start_offset == first - 100
        assert len("\n".join(log_view.lines_text())) <= 100
