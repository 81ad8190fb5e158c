"""NO_COLOR never ends the deck: a segment drawn with no style at all (the log's notice cut
with an ellipsis, found using the deck as a new user: `NO_COLOR=1 jobdeck demo`, an Istari
job's log) passes the NO_COLOR filter as it is. Textual's own Monochrome filter failed on
it ("'NoneType' object has no attribute 'color'") and the deck exited with a traceback."""

from __future__ import annotations

from deck_helpers import build_app, wait_for_jobs
from fakes import settle
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import Monochrome

from jobdeck.model import JobRef
from jobdeck.ui.runtime.no_color import TerminalNoColor, follow_theme
from jobdeck.ui.widgets.log_view import LogView

FAILED = JobRef(backend="local", id="20260101-1155-b2")
LONG_NOTICE = "Istari has no log API: these are the job's status messages; its parameters " * 3


def test_the_no_color_filters_pass_a_segment_without_a_style():
    for theme_is_ansi in (False, True):
        filters = [Monochrome()]
        follow_theme(filters, theme_is_ansi)
        [no_color] = filters
        assert isinstance(no_color, TerminalNoColor) if theme_is_ansi else isinstance(no_color, Monochrome)
        segments = [Segment("plain", None), Segment("red", Style(color="red"))]
        out = no_color.apply(segments, Color(0, 0, 0))
        assert [segment.text for segment in out] == ["plain", "red"]
        assert out[0].style is None


async def test_a_long_log_notice_under_no_color_is_drawn(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = build_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(FAILED)
        await pilot.press("l")
        log_view = app.screen.query_one(LogView)
        log_view.set_notice(LONG_NOTICE)
        await settle()
        await pilot.pause()
        assert app.is_running and app.return_code is None
        rows = [strip.text for strip in app.screen._compositor.render_strips()]
        assert any("Istari has no log API" in row and "…" in row for row in rows)
