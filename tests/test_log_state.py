"""The log pane says its state in its border (following, paused · N new, ended), and b says what it did."""

from __future__ import annotations

from deck_helpers import sample_deck, toasts, wait_for_jobs
from fakes import wait_until

from jobdeck.model import JobRef
from jobdeck.ui.panes.log import LogPane
from jobdeck.ui.widgets.log_view import LogView

WIDE = (120, 40)
RUNNING = JobRef(backend="local", id="20260101-1158-c3")  # 30 lines, still being written
FAILED = JobRef(backend="local", id="20260101-1155-b2")  # a complete log


def border(app) -> str:
    return str(app.screen.query_one(LogPane).border_subtitle)


async def show_log(app, pilot, ref: JobRef, lines: int) -> LogView:
    jobs = await wait_for_jobs(app, 6)
    assert jobs.select_ref(ref)
    await pilot.pause()
    log_view = app.screen.query_one(LogView)
    await wait_until(lambda: log_view.line_count >= lines, what="the log")
    log_view.focus()
    await pilot.pause()
    return log_view


async def test_the_border_says_following_then_paused_with_the_new_lines_then_following(tmp_path):
    app, (local, _) = sample_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        log_view = await show_log(app, pilot, RUNNING, 30)
        assert border(app).startswith("following · ")
        assert "f follow" not in border(app)  # nothing to ask for: it follows
        await pilot.press("pageup")
        await wait_until(lambda: border(app).startswith("paused"), what="paused in the border")
        local.append_log(RUNNING.id, "epoch 31: loss=0.59\nepoch 32: loss=0.58\n")
        app.clock.advance(1)  # the backend's next read of the log
        await wait_until(lambda: "2 new lines" in border(app), what="the new lines counted in the border")
        assert border(app).startswith("paused · 2 new lines · f to follow")
        await pilot.press("f")
        await wait_until(lambda: border(app).startswith("following"), what="following again")
        assert log_view.following


async def test_a_finished_jobs_log_says_ended_not_paused(tmp_path):
    app, _ = sample_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await show_log(app, pilot, FAILED, 2)
        await wait_until(lambda: border(app).startswith("ended"), what="ended in the border")
        await pilot.press("pageup")
        await pilot.pause()
        assert "paused" not in border(app)


async def test_b_on_a_log_loaded_whole_moves_to_its_first_line_and_says_so(tmp_path):
    app, _ = sample_deck(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        log_view = await show_log(app, pilot, RUNNING, 30)
        assert log_view.scroll_y > 0  # the tail is in view, not line 1
        await pilot.press("b")
        await pilot.pause()
        assert log_view.scroll_y == 0
        assert "The whole log is loaded (30 lines): moved to its first line" in toasts(app)
        await pilot.press("b")
        await pilot.pause()
        assert "The whole log is loaded (30 lines); its first line is in view" in toasts(app)


async def test_b_that_loads_earlier_lines_says_how_many_and_where_and_the_border_says_so(tmp_path):
    from test_deck_keys import long_log_deck, open_long_log

    app, _ = long_log_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        log_view = await open_long_log(app)
        log_view.focus()
        await pilot.press("b")
        await wait_until(lambda: log_view.window_end is not None, what="the earlier window")
        await pilot.pause()
        assert any(t.startswith("Showing 50 earlier lines (") and "f goes back to the end" in t for t in toasts(app))
        assert border(app).startswith("earlier lines, up to ")
