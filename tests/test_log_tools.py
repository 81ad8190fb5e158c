"""The log's tools: `&` makes `/` show only the matching lines (with context) instead of
finding them; `|` opens the lines kept in $PAGER in interactive terminal decks only; `e`
shows stderr apart where the backend keeps it apart."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

import pytest
from deck_helpers import build_app, sample_backends, toasts, wait_for_jobs
from fakes import FakeAdapter, make_job, wait_until

from jobdeck.clock import FrozenClock
from jobdeck.log_cursor import STDERR, STDOUT
from jobdeck.model import JobRef, JobState, LogChunk, LogCursor
from jobdeck.ui.panes.log import LogPane
from jobdeck.ui.panes.log_filter import SEPARATOR, LineFilter
from jobdeck.ui.panes.log_tools import pager_command
from jobdeck.ui.widgets.job_list import JobList
from jobdeck.ui.widgets.log_view import LogView

WIDE = (120, 40)
TRAIN = JobRef(backend="local", id="20260101-1158-c3")


# -- the filter, line by line ---------------------------------------------------------------


def test_a_filter_shows_each_match_with_its_context_and_marks_the_gaps():
    lines = ["a", "b", "ERROR one", "c", "d", "e", "error two", "f", "error three", "g", "h"]
    assert LineFilter("error", 1).feed(lines) == ["b", "ERROR one", "c", SEPARATOR, "e", "error two", "f",
                                                   "error three", "g"]


def test_a_filter_fed_piece_by_piece_shows_what_it_would_all_at_once():
    lines = [f"line {n}" + (" boom" if n % 7 == 0 else "") for n in range(60)]
    whole = LineFilter("BOOM", 2).feed(lines)
    pieces = LineFilter("BOOM", 2)
    assert [line for start in range(0, 60, 5) for line in pieces.feed(lines[start:start + 5])] == whole


def test_a_filter_matches_what_is_seen_not_the_colours():
    colour = LineFilter("red", 0, text_of=lambda line: line.replace("\x1b[31m", ""))
    assert colour.feed(["\x1b[31mred", "[31m"]) == ["\x1b[31mred"]


# -- in the deck ----------------------------------------------------------------------------


async def focus_log(app, pilot) -> LogView:
    jobs = await wait_for_jobs(app, 6)
    assert jobs.select_ref(TRAIN)
    log_view = app.screen.query_one(LogView)
    await wait_until(lambda: log_view.line_count >= 30, what="the log")
    log_view.focus()
    await pilot.pause()
    return log_view


def subtitle(app) -> str:
    return str(app.screen.query_one(LogPane).border_subtitle)


async def test_ampersand_then_slash_shows_only_the_matching_lines_and_ampersand_the_whole_log_again(tmp_path):
    clock = FrozenClock()
    backends = sample_backends(clock)
    app = build_app(tmp_path, backends, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        log_view = await focus_log(app, pilot)
        await pilot.press("ampersand", "slash", *"epoch 1", "enter")
        # epoch 1, 10..19 match; two lines around each group.
        await wait_until(lambda: log_view.lines_text()[0] == "epoch 1: loss=0.89", what="the filtered lines")
        shown = log_view.lines_text()
        assert shown[:4] == ["epoch 1: loss=0.89", "epoch 2: loss=0.88", "epoch 3: loss=0.87", SEPARATOR]
        assert shown[4:] == [f"epoch {n}: loss=0.{90 - n:02d}" for n in range(8, 22)]
        assert "only “epoch 1” · 11 matching · & whole log" in subtitle(app)
        backends[0].append_log(TRAIN.id, "epoch 31: loss=0.59\nepoch 100: done\n")
        clock.advance(1)  # the backend's next read of the log
        await wait_until(lambda: log_view.lines_text()[-1] == "epoch 100: done", what="a new matching line")
        assert log_view.lines_text()[-5:] == ["epoch 21: loss=0.69", SEPARATOR, "epoch 30: loss=0.60",
                                              "epoch 31: loss=0.59", "epoch 100: done"]
        await pilot.press("ampersand")
        await wait_until(lambda: log_view.line_count == 32, what="the whole log")
        assert log_view.lines_text()[-2:] == ["epoch 31: loss=0.59", "epoch 100: done"]
        assert "/ search" in subtitle(app)


async def test_a_filter_kept_across_jobs_leaves_the_next_jobs_log_where_it_starts(tmp_path):
    # Each log longer than the pane keeps: each opens at its own tail. Filtered on the first
    # job, then on the second: without the filter the second's log starts at its own tail (not
    # the first's), so b shows the lines right before it.
    clock = FrozenClock()
    backend = FakeAdapter.build("local", clock=clock, jobs=[make_job("a", JobState.RUNNING, name="short lines"),
                                                            make_job("b", JobState.RUNNING, name="long lines")])
    backend.append_log("a", "".join(f"a {n}\n" for n in range(1000)))
    backend.append_log("b", "".join(f"b {n} {'x' * 40}\n" for n in range(1000)))
    app = build_app(tmp_path, [backend], clock=clock)
    app.settings = app.settings.model_copy(update={"log_lines": 50})
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 2)
        log_view, pane = app.screen.query_one(LogView), app.screen.query_one(LogPane)
        assert jobs.select_ref(JobRef(backend="local", id="a"))
        await wait_until(lambda: log_view.lines_text()[-1:] == ["a 999"], what="a's log")
        pane.finder_mode = "filter"
        pane.apply_filter("9")
        assert jobs.select_ref(JobRef(backend="local", id="b"))
        await wait_until(lambda: log_view.lines_text()[-1:] == [f"b 999 {'x' * 40}"], what="b's log, filtered")
        pane.clear_filter()
        assert log_view.start_offset == await backend.log_tail_offset("b", 50)
        assert log_view.lines_text()[0] == f"b 950 {'x' * 40}"
        log_view.focus()
        await pilot.press("b")
        await wait_until(lambda: log_view.lines_text()[-1:] == [f"b 949 {'x' * 40}"], what="the lines before")


async def test_with_no_job_shown_the_filter_keeps_no_lines_of_the_last_one(tmp_path):
    clock = FrozenClock()
    app = build_app(tmp_path, sample_backends(clock), clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        log_view = await focus_log(app, pilot)
        pane = app.screen.query_one(LogPane)
        pane.apply_filter("epoch 1")
        app.screen.query_one(JobList).filter_text = "no job is called this"
        await wait_until(lambda: pane.ref is None, what="no job shown")
        pane.clear_filter()
        await pilot.pause()
        assert log_view.lines_text() == []


async def test_the_pager_gets_the_lines_kept_and_the_deck_comes_back(tmp_path, monkeypatch):
    seen, given = tmp_path / "paged.txt", tmp_path / "given.txt"
    pager = tmp_path / "pager.py"
    pager.write_text(f"import pathlib, shutil, sys\npathlib.Path({str(given)!r}).write_text(sys.argv[-1])\n"
                     f"shutil.copyfile(sys.argv[-1], {str(seen)!r})\n")
    monkeypatch.setenv("PAGER", f"{sys.executable} {pager}")
    app = build_app(tmp_path)
    monkeypatch.setattr(app, "suspend", nullcontext)  # the headless test driver has no terminal to hand over
    async with app.run_test(size=WIDE) as pilot:
        await focus_log(app, pilot)
        await pilot.press("vertical_line")
        await wait_until(seen.exists, what="the pager to run")
        assert seen.read_text().splitlines()[-1] == "epoch 30: loss=0.60"
        # The file the pager was given is gone once it ends.
        handed = Path(given.read_text())
        assert handed.name.startswith("jobdeck-log-")
        await wait_until(lambda: not handed.exists(), what="the pager's file to be removed")


async def test_the_pager_gets_the_filtered_log_made_safe_as_the_whole_one(tmp_path, monkeypatch):
    # While filtering, the log is kept as received: a backend's escapes (a window title, a
    # clipboard write) must not reach a pager that prints them as they are.
    seen = tmp_path / "paged.txt"
    pager = tmp_path / "pager.py"
    pager.write_text(f"import shutil, sys\nshutil.copyfile(sys.argv[-1], {str(seen)!r})\n")
    monkeypatch.setenv("PAGER", f"{sys.executable} {pager}")
    clock = FrozenClock()
    backends = sample_backends(clock)
    app = build_app(tmp_path, backends, clock=clock)
    monkeypatch.setattr(app, "suspend", nullcontext)
    async with app.run_test(size=WIDE) as pilot:
        log_view = await focus_log(app, pilot)
        backends[0].append_log(TRAIN.id, "\x1b]0;owned\x07epoch 99: \x1b[31mred\x1b[0m \x1b]52;c;aGk=\x07done\n")
        clock.advance(1)
        await wait_until(lambda: log_view.lines_text()[-1] == "epoch 99: red done", what="the line with escapes")
        app.screen.query_one(LogPane).apply_filter("epoch 9")
        await pilot.press("vertical_line")
        await wait_until(seen.exists, what="the pager to run")
        paged = seen.read_text()
        assert "\x1b" not in paged and "\x07" not in paged
        assert paged.splitlines()[-1] == "epoch 99: red done"


@pytest.mark.parametrize("mode, words", [
    ({"read_only": True}, "A read-only deck opens no pager"),
    ({"kiosk": True}, "The kiosk opens no pager"),
])
async def test_no_pager_in_a_read_only_deck_or_the_kiosk(tmp_path, mode, words):
    app = build_app(tmp_path, **mode)
    async with app.run_test(size=WIDE) as pilot:
        await focus_log(app, pilot)
        app.screen.query_one(LogPane).action_open_pager()
        await pilot.pause()
        assert any(words in toast for toast in toasts(app))


async def test_a_terminal_that_cannot_hand_over_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PAGER", "true")
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await focus_log(app, pilot)
        await pilot.press("vertical_line")
        await wait_until(lambda: any("The pager cannot open here" in t for t in toasts(app)), what="the message")


@pytest.mark.parametrize("pager, command", [
    (None, ["less", "-R"]), ("", ["less", "-R"]), ("most", ["most"]),
    ("less -S '+G'", ["less", "-S", "+G"]), ("less 'unclosed", ["less", "-R"]),
])
def test_pager_is_a_command_and_its_arguments_never_a_shell_line(pager, command):
    assert pager_command(pager) == command


class TwoStreams(FakeAdapter):
    """A backend that keeps stderr apart, like Slurm."""

    log_streams = (STDOUT, STDERR)

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        stream = cursor.stream if isinstance(cursor, LogCursor) else STDOUT
        text = f"{stream} of {job_id}\n"
        position = cursor.position if isinstance(cursor, LogCursor) else cursor
        start = min(int(position), len(text)) if isinstance(position, int) else 0
        return LogChunk(text=text[start:], cursor=LogCursor(position=len(text), stream=stream), complete=True)

    async def log_tail_offset(self, job_id: str, lines: int, before: int | None = None) -> int:
        return 0


async def test_e_shows_stderr_where_the_backend_keeps_it_apart_and_says_so_where_not(tmp_path):
    clock = FrozenClock()
    local, _ = sample_backends(clock)
    hpc = TwoStreams.build("hpc", clock=clock, jobs=[make_job("77", backend="hpc", name="sim")])
    app = build_app(tmp_path, [local, hpc], clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 4)
        assert jobs.select_ref(JobRef(backend="hpc", id="77"))
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.lines_text() == ["stdout of 77"], what="stdout")
        log_view.focus()
        await pilot.press("e")
        await wait_until(lambda: log_view.lines_text() == ["stderr of 77"], what="stderr")
        assert "stderr (e: stdout)" in subtitle(app)
        await pilot.press("e")
        await wait_until(lambda: log_view.lines_text() == ["stdout of 77"], what="stdout again")
        assert jobs.select_ref(TRAIN)
        await wait_until(lambda: log_view.line_count >= 30, what="the local log")
        log_view.focus()
        await pilot.press("e")
        await wait_until(lambda: any("local keeps one log per job" in t for t in toasts(app)), what="the message")


def test_a_filtered_log_keeps_a_line_that_never_ends_bounded():
    from jobdeck.ui.panes.log_filter import FilteredLog
    from jobdeck.ui.widgets.log_view.buffer import MAX_LINE_CHARS

    log = FilteredLog("done", 0, [], "", max_lines=100)
    for percent in range(2000):
        log.feed(f"\r{percent / 20:5.1f}% " + "#" * 40)  # a progress bar that only rewinds
    assert len(log.whole_text()) <= MAX_LINE_CHARS + 100
    assert log.feed(" done\n").endswith("done\n")
