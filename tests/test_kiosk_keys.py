"""The kiosk's keys as a new user meets them: a refused key says how to leave the kiosk,
and ``?`` lists only keys that work there, the way out first (no marks, search or pager)."""

from __future__ import annotations

import io

from deck_helpers import build_app, toasts, wait_for_jobs
from fakes import settle, wait_until
from rich.console import Console
from textual.widgets import Input

from jobdeck.clock import FrozenClock
from jobdeck.ui.runtime.view_shelf import ViewShelf
from jobdeck.ui.screens.help import HelpScreen, key_table
from jobdeck.ui.screens.kiosk import KioskScreen
from jobdeck.ui.widgets.log_view import LogView
from jobdeck.views import View

WIDE = (120, 40)
QUIT_HINT = "To quit the kiosk: ctrl+q 2 times within 2s"


async def test_q_in_the_kiosk_says_how_to_quit_it(tmp_path):
    app = build_app(tmp_path, kiosk=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running
        assert any("This is a kiosk: q does not quit it." in toast and QUIT_HINT in toast for toast in toasts(app))


async def test_c_and_other_refused_keys_in_the_kiosk_say_so_and_how_to_quit(tmp_path):
    app = build_app(tmp_path, kiosk=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        for key in ("c", "a", "slash"):
            await pilot.press(key)
        await pilot.pause()
        shown = toasts(app)
        assert any("c (Copy job reference) is off here" in toast and QUIT_HINT in toast for toast in shown)
        assert any("a (Archive) is off here" in toast for toast in shown)
        assert any("/ (Filter) is off here" in toast for toast in shown)
        assert not isinstance(app.focused, Input)  # / opened no filter box


async def test_a_refused_key_held_down_gives_one_hint(tmp_path):
    clock = FrozenClock()
    app = build_app(tmp_path, clock=clock, kiosk=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("q", "q", "q")
        await pilot.pause()
        assert len([t for t in toasts(app) if QUIT_HINT in t]) == 1


async def test_keys_that_work_in_the_kiosk_give_no_hint(tmp_path):
    app = build_app(tmp_path, kiosk=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("down", "s", "l", "f")
        await settle()
        await pilot.pause()
        assert not [t for t in toasts(app) if "kiosk" in t]


def _help_text(app) -> str:
    """The key table ``?`` shows, as plain text."""
    screen = app.screen
    assert isinstance(screen, HelpScreen)
    console = Console(width=100, color_system=None, file=io.StringIO())
    console.print(key_table(screen._sections, app.get_key_display))
    return console.file.getvalue()


def _descriptions(text: str) -> set[str]:
    return {part.split("  (")[0].strip() for line in text.splitlines() for part in line.split("  ")[1:] if part.strip()}


async def test_the_kiosk_help_lists_the_way_out_and_only_keys_that_work(tmp_path):
    app = build_app(tmp_path, kiosk=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        assert isinstance(app.screen, KioskScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        text = _help_text(app)
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert lines[0] == "Kiosk"
        assert lines[1].startswith("ctrl+q 2 times within 2s") and lines[1].endswith("Quit the kiosk")
        for works in ("Sort", "Follow log", "Detail", "Backend health", "Keys"):
            assert works in text
        described = _descriptions(text)
        for refused in ("Quit", "Copy job reference", "Watch a job by id", "Archive", "Retry", "Filter",
                        "Next theme", "Command palette",
                        # No marks, no search and no pager in a kiosk: their keys are not listed.
                        "Clear marks, then filter", "Next match", "Previous match", "Filter/search log",
                        "Log in $PAGER"):
            assert refused not in described, refused
        assert "unavailable" not in text


async def test_the_deck_help_still_lists_every_key(tmp_path):
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("question_mark")
        await pilot.pause()
        text = _help_text(app)
        described = _descriptions(text)
        for key in ("Quit", "Copy job reference", "Watch a job by id", "Archive", "Filter", "Command palette"):
            assert key in described, key
        assert "Quit the kiosk" not in text


async def test_esc_in_the_kiosk_says_how_to_quit_and_keeps_the_view_it_was_started_on(tmp_path):
    app = build_app(tmp_path, kiosk=True)
    app.view_shelf = ViewShelf([View(name="failing", query="state:failed")], None, start="failing")
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await wait_until(lambda: jobs.filter_text == "state:failed", what="the kiosk's view")
        await pilot.press("escape")
        await pilot.pause()
        assert jobs.filter_text == "state:failed"
        assert any("This is a kiosk: esc does not quit it." in toast and QUIT_HINT in toast for toast in toasts(app))


async def test_the_pager_key_in_the_kiosk_is_off_like_any_refused_key(tmp_path):
    app = build_app(tmp_path, kiosk=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        app.screen.query_one(LogView).focus()
        await pilot.press("vertical_line", "n")
        await pilot.pause()
        shown = toasts(app)
        assert any("| (Log in $PAGER) is off here" in toast and QUIT_HINT in toast for toast in shown)
        assert any("n (Next match) is off here" in toast for toast in shown)
        assert not any("opens no pager" in toast for toast in shown)  # the log pane never saw |
