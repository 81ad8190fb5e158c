"""The footer offers "f Follow" only when f would do something: not while the log
follows its tail, and again as soon as the log is paused."""

from __future__ import annotations

from deck_helpers import build_app, wait_for_jobs
from fakes import wait_until
from textual.widgets._footer import FooterKey

from jobdeck.model import JobRef
from jobdeck.ui.widgets.log_view import LogView

TRAIN = JobRef(backend="local", id="20260101-1158-c3")  # 30 log lines, still running


def footer_descriptions(app) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey)]


async def test_f_follow_is_in_the_footer_only_while_the_log_is_paused(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=(120, 24)) as pilot:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(TRAIN)
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.line_count >= 30, what="the log")
        log_view.focus()
        await pilot.pause()
        assert log_view.following
        await wait_until(lambda: "Follow" not in footer_descriptions(app), what="the footer without f Follow")

        await pilot.press("up", "up")  # scrolled up: the log pauses
        assert not log_view.following
        await wait_until(lambda: "Follow" in footer_descriptions(app), what="f Follow in the footer")

        await pilot.press("f")
        assert log_view.following
        await wait_until(lambda: "Follow" not in footer_descriptions(app), what="the footer without f Follow")


async def test_f_while_following_changes_nothing(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=(120, 24)) as pilot:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(TRAIN)
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.line_count >= 30, what="the log")
        log_view.focus()
        await pilot.pause()
        end = log_view.scroll_y
        await pilot.press("f")
        await pilot.pause()
        assert log_view.following and log_view.scroll_y == end
