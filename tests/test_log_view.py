"""LogView: a bounded, following, wrapping, searchable log pane."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rich.color import Color
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.strip import Strip

from jobdeck.ui.widgets.log_view import LogView

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class LogApp(App[None]):
    def __init__(self, max_lines: int = 10_000) -> None:
        super().__init__()
        self.max_lines = max_lines
        self.follow_changes: list[bool] = []
        self.earlier_wanted = 0
        self.tail_wanted = 0

    def compose(self) -> ComposeResult:
        yield LogView(max_lines=self.max_lines)

    def on_log_view_follow_changed(self, message: LogView.FollowChanged) -> None:
        self.follow_changes.append(message.following)

    def on_log_view_earlier_wanted(self) -> None:
        self.earlier_wanted += 1

    def on_log_view_tail_wanted(self) -> None:
        self.tail_wanted += 1

    @property
    def log_view(self) -> LogView:
        return self.query_one(LogView)


@asynccontextmanager
async def running(app: LogApp, size: tuple[int, int] = (80, 24)) -> AsyncIterator[tuple[LogApp, LogView, Pilot]]:
    async with app.run_test(size=size) as pilot:
        yield app, app.log_view, pilot


def rendered_strips(log_view: LogView) -> list[Strip]:
    return [log_view.render_line(y) for y in range(log_view.scrollable_content_region.height)]


def rendered_rows(log_view: LogView) -> list[str]:
    return [strip.text.strip() for strip in rendered_strips(log_view)]


def numbered(count: int, start: int = 0) -> str:
    return "".join(f"line {n}\n" for n in range(start, start + count))


async def test_complete_lines_and_a_pending_partial_line_are_shown() -> None:
    async with running(LogApp()) as (app, log, pilot):
        log.append("first\nsec")
        await pilot.pause()
        assert log.lines_text() == ["first", "sec"]
        assert rendered_rows(log)[:2] == ["first", "sec"]
        log.append("ond\nthird\n")
        await pilot.pause()
        assert log.lines_text() == ["first", "second", "third"]
        assert log.line_count == 3


async def test_windows_line_endings_do_not_leave_empty_lines() -> None:
    async with running(LogApp()) as (app, log, pilot):
        log.append("one\r\ntwo\r\n")
        await pilot.pause()
        assert log.lines_text() == ["one", "two"]


async def test_the_view_follows_the_tail_as_lines_arrive() -> None:
    async with running(LogApp()) as (app, log, pilot):
        log.append(numbered(100))
        await pilot.pause()
        assert log.following
        assert log.scroll_y == log.max_scroll_y
        assert rendered_rows(log)[-1] == "line 99"
        log.append(numbered(5, start=100))
        await pilot.pause()
        assert rendered_rows(log)[-1] == "line 104"


async def test_scrolling_up_pauses_following_and_counts_new_lines() -> None:
    async with running(LogApp()) as (app, log, pilot):
        log.focus()
        log.append(numbered(100))
        await pilot.pause()
        await pilot.press("pageup")
        assert not log.following
        top_before = rendered_rows(log)[0]
        scroll_before = log.scroll_y
        log.append(numbered(3, start=100))
        await pilot.pause()
        assert log.scroll_y == scroll_before
        assert rendered_rows(log)[0] == top_before
        assert log.new_since_pause == 3
        assert rendered_rows(log)[-1] == "paused · 3 new lines · f to follow"
        assert app.follow_changes == [False]


async def test_dragging_the_view_up_by_any_means_pauses_following() -> None:
    async with running(LogApp()) as (app, log, pilot):
        log.append(numbered(100))
        await pilot.pause()
        log.scroll_y = 10  # what the scrollbar or the mouse wheel does
        await pilot.pause()
        assert not log.following


async def test_follow_resumes_and_jumps_to_the_end() -> None:
    async with running(LogApp()) as (app, log, pilot):
        log.focus()
        log.append(numbered(100))
        await pilot.pause()
        await pilot.press("home")
        log.append(numbered(10, start=100))
        await pilot.press("f")
        await pilot.pause()
        assert log.following
        assert log.new_since_pause == 0
        assert rendered_rows(log)[-1] == "line 109"
        assert app.follow_changes == [False, True]


async def test_the_end_key_also_resumes_following() -> None:
    async with running(LogApp()) as (app, log, pilot):
        log.focus()
        log.append(numbered(100))
        await pilot.press("up", "up")
        assert not log.following
        await pilot.press("end")
        assert log.following
        assert log.scroll_y == log.max_scroll_y


async def test_scrolling_back_down_to_the_end_resumes_following() -> None:
    async with running(LogApp()) as (app, log, pilot):
        log.focus()
        log.append(numbered(100))
        await pilot.pause()
        await pilot.press("up")
        assert not log.following
        await pilot.press("down", "down")
        assert log.following


async def test_wrapping_changes_the_virtual_height_and_back() -> None:
    async with running(LogApp()) as (app, log, pilot):
        long_line = "x" * 200
        log.append(f"short\n{long_line}\nend\n")
        await pilot.pause()
        width = log.scrollable_content_region.width
        assert log.virtual_size.height == 3
        assert log.virtual_size.width == 200
        log.toggle_wrap()
        await pilot.pause()
        wrapped_rows = -(-200 // width)
        assert log.virtual_size.height == 2 + wrapped_rows
        rows = rendered_rows(log)
        assert rows[0] == "short"
        assert "".join(rows[1 : 1 + wrapped_rows]) == long_line
        assert rows[1 + wrapped_rows] == "end"
        log.toggle_wrap()
        await pilot.pause()
        assert log.virtual_size.height == 3


async def test_wrapped_lines_rewrap_when_the_pane_is_resized() -> None:
    async with running(LogApp()) as (app, log, pilot):
        log.wrap = True
        log.append("y" * 150 + "\n")
        await pilot.pause()
        assert log.virtual_size.height == -(-150 // log.scrollable_content_region.width)
        await pilot.resize_terminal(40, 24)
        await pilot.pause()
        assert log.virtual_size.height == -(-150 // log.scrollable_content_region.width)


async def test_turning_wrap_on_or_off_while_paused_keeps_the_top_line_in_view() -> None:
    # With a pending partial line too: it is measured in the new layout, not the old one.
    for pending in ("", "still running"):
        async with running(LogApp()) as (app, log, pilot):
            log.append(numbered(100) + pending)
            await pilot.pause()
            log.scroll_to(y=40, animate=False)
            await pilot.pause()
            assert not log.following
            log.toggle_wrap()
            await pilot.pause()
            assert rendered_rows(log)[0] == "line 40"
            log.toggle_wrap()
            await pilot.pause()
            assert rendered_rows(log)[0] == "line 40"


async def test_search_finds_the_next_and_previous_match_and_scrolls_to_it() -> None:
    async with running(LogApp()) as (app, log, pilot):
        lines = [f"line {n}" for n in range(500)]
        lines[100] = "line 100 has the Needle"
        lines[400] = "line 400 has the needle too"
        log.append("\n".join(lines) + "\n")
        await pilot.pause()

        assert log.search("NEEDLE")  # from the view (the end), wrapping around
        await pilot.pause()
        assert not log.following
        assert "line 100 has the Needle" in rendered_rows(log)

        assert log.search_next()
        await pilot.pause()
        assert "line 400 has the needle too" in rendered_rows(log)

        assert log.search_previous()
        await pilot.pause()
        assert "line 100 has the Needle" in rendered_rows(log)


async def test_search_highlights_matches_with_the_match_style_and_the_current_one_apart() -> None:
    async with running(LogApp()) as (app, log, pilot):
        log.append("alpha beta alpha\n")
        assert log.search("alpha")
        await pilot.pause()
        match_style = log.get_component_rich_style("log-view--match", partial=True)
        current_style = log.get_component_rich_style("log-view--match-current", partial=True)
        assert current_style.bgcolor != match_style.bgcolor and current_style.underline

        def marked(style) -> list[tuple[int, str]]:
            segments, column = [], 0
            for segment in rendered_strips(log)[0]:
                if segment.style is not None and segment.style.bgcolor == style.bgcolor:
                    segments.append((column, segment.text))
                column += len(segment.text)
            return segments

        # The match the search moved to is the current one; the other is marked as a match.
        assert marked(current_style) == [(0, "alpha")]
        assert marked(match_style) == [(11, "alpha")]
        log.clear_search()
        await pilot.pause()
        assert all(
            segment.style is None or segment.style.bgcolor != match_style.bgcolor for segment in rendered_strips(log)[0]
        )


async def test_a_search_without_match_returns_false_and_leaves_the_view() -> None:
    async with running(LogApp()) as (app, log, pilot):
        log.append(numbered(100))
        await pilot.pause()
        scroll = log.scroll_y
        assert not log.search("absent")
        assert log.scroll_y == scroll
        assert log.following


async def test_the_buffer_is_bounded_and_counts_dropped_lines() -> None:
    async with running(LogApp(max_lines=100)) as (app, log, pilot):
        log.append(numbered(250))
        await pilot.pause()
        assert log.line_count == 100
        assert log.dropped_lines == 150
        assert log.lines_text()[0] == "line 150"
        log.scroll_to(y=0, animate=False)
        await pilot.pause()
        assert rendered_rows(log)[0] == "… 150 earlier lines not kept · b loads them"
        assert rendered_rows(log)[1] == "line 150"


async def test_a_paused_view_stays_on_its_lines_while_old_ones_are_dropped() -> None:
    async with running(LogApp(max_lines=100)) as (app, log, pilot):
        log.focus()
        log.append(numbered(100))
        await pilot.pause()
        await pilot.press("pageup")
        top = rendered_rows(log)[0]
        log.append(numbered(20, start=100))
        await pilot.pause()
        assert rendered_rows(log)[0] == top


async def test_a_hostile_line_renders_without_any_escape_sequence() -> None:
    async with running(LogApp()) as (app, log, pilot):
        log.append(
            "\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;pwned\x07ok \x1b[31mred\x1b[0m\x1b[2J\x1b[?1049h\x9b6n\x07\x08 done\n"
        )
        await pilot.pause()
        assert log.lines_text() == ["ok red done"]
        strips = rendered_strips(log)
        assert not any(CONTROL.search(segment.text) for strip in strips for segment in strip)
        red = [segment for segment in strips[0] if segment.text == "red"]
        assert red and red[0].style is not None and red[0].style.color == Color.from_ansi(1)


async def test_a_notice_banner_sits_above_the_log_and_clear_resets_everything() -> None:
    async with running(LogApp()) as (app, log, pilot):
        log.append(numbered(3))
        log.set_notice("Intuned has no log API: showing observed events")
        await pilot.pause()
        assert rendered_rows(log)[:2] == ["Intuned has no log API: showing observed events", "line 0"]
        log.clear(notice="log archived")
        await pilot.pause()
        assert log.line_count == 0
        assert rendered_rows(log)[0] == "log archived"
        log.set_notice(None)
        await pilot.pause()
        assert rendered_rows(log)[0] == ""


async def test_a_fire_hose_of_appends_stays_cheap() -> None:
    async with running(LogApp()) as (app, log, pilot):
        chunk = "".join(f"\x1b[32m{n:06d}\x1b[0m INFO step {n} finished\n" for n in range(100))
        started = time.perf_counter()
        for _ in range(1000):  # 100,000 lines in 1,000 chunks
            log.append(chunk)
        elapsed = time.perf_counter() - started
        await pilot.pause()
        assert log.line_count == 10_000
        assert log.dropped_lines == 90_000
        # Generous for slow CI; typically well under a second.
        assert elapsed < 5.0


async def test_wrapped_lines_keep_their_layout_as_lines_arrive_and_old_ones_go() -> None:
    async with running(LogApp(max_lines=50), size=(40, 12)) as (app, log, pilot):
        log.wrap = True
        await pilot.pause()
        width = log.scrollable_content_region.width
        long = "z" * (width + 5)  # two rows each
        log.append("".join(f"{n:03d}{long}\n" for n in range(30)))
        await pilot.pause()
        rendered_rows(log)  # builds the row index, which later appends extend
        log.append("".join(f"{n:03d}{long}\n" for n in range(30, 60)))
        await pilot.pause()
        assert log.dropped_lines == 10
        assert log.virtual_size.height == 1 + 50 * 2  # dropped-lines row + two rows per line
        rows = rendered_rows(log)
        assert rows[-2].startswith("059") and rows[-1] == "z" * 8
        log.scroll_to(y=0, animate=False)
        await pilot.pause()
        first, second = rendered_rows(log)[:2]
        assert first.startswith("… 10 earlier lines not kept") and second == f"010{long}"[:width]


async def test_search_in_wrap_mode_reveals_the_wrapped_match() -> None:
    async with running(LogApp(), size=(40, 12)) as (app, log, pilot):
        log.toggle_wrap()
        log.append("".join(f"{n:03d} {'w' * 60}\n" for n in range(100)))
        log.append("the target line\n")
        log.append("".join(f"{n:03d} {'w' * 60}\n" for n in range(100, 200)))
        await pilot.pause()
        assert log.search("TARGET")
        await pilot.pause()
        assert "the target line" in rendered_rows(log)


async def test_a_progress_bar_that_never_ends_its_line_stays_small() -> None:
    async with running(LogApp()) as (app, log, pilot):
        for step in range(5_001):
            log.append(f"\rdownloading {step / 50:6.2f}%")
        await pilot.pause()
        assert log.lines_text() == ["downloading 100.00%"]
        assert log.virtual_size.width == len("downloading 100.00%")


async def test_a_runaway_line_is_cut_and_says_so() -> None:
    async with running(LogApp()) as (app, log, pilot):
        log.append("x" * 100_000 + "\n")
        await pilot.pause()
        (line,) = log.lines_text()
        assert line.startswith("xxx") and line.endswith("more characters not shown]")
        assert len(line) < 20_000


async def test_the_status_row_can_be_left_to_the_parent() -> None:
    class QuietApp(LogApp):
        def compose(self) -> ComposeResult:
            yield LogView(show_status=False)

    async with running(QuietApp()) as (app, log, pilot):
        log.focus()
        log.append(numbered(100))
        await pilot.pause()
        await pilot.press("pageup")
        log.append(numbered(2, start=100))
        await pilot.pause()
        assert not log.following and log.new_since_pause == 2
        assert not any(row.startswith("paused") for row in rendered_rows(log))


# -- earlier lines: a window before the tail ------------------------------------------


async def test_b_asks_for_earlier_lines_only_when_some_were_not_loaded() -> None:
    async with running(LogApp()) as (app, log, pilot):
        log.append(numbered(5))
        log.focus()
        await pilot.press("b")
        await pilot.pause()
        assert app.earlier_wanted == 0  # the first line is shown already
        log.clear()
        log.start_at(4096)
        log.append(numbered(5, start=100))
        assert rendered_rows(log)[0] == "… earlier lines not loaded (the first 4.0 KB) · b loads them"
        await pilot.press("b")
        await pilot.pause()
        assert app.earlier_wanted == 1


async def test_an_earlier_window_rests_on_its_last_lines_and_f_asks_for_the_tail_again() -> None:
    async with running(LogApp(max_lines=50)) as (app, log, pilot):
        log.show_window(numbered(50, start=1000), start=8000, end=9000)
        await pilot.pause()
        assert not log.following and log.window_end == 9000
        rows = rendered_rows(log)
        assert rows[-2] == "line 1049"
        assert rows[-1].startswith("earlier lines, up to") and "f back to the end" in rows[-1]
        # Its end is not the log's end: scrolling there does not follow.
        log.focus()
        await pilot.press("end")
        await pilot.pause()
        assert not log.following and app.tail_wanted == 1
        await pilot.press("f")
        await pilot.pause()
        assert app.tail_wanted == 2
        log.clear()  # what the parent does before showing the tail again
        assert log.window_end is None and log.following
