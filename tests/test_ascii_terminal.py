"""On the Linux console (TERM=linux) the deck falls back to ASCII by itself, as `ascii = true` does."""

from __future__ import annotations

import pytest
from deck_helpers import sample_backends, screen_text, wait_for_jobs

from jobdeck.clock import FrozenClock
from jobdeck.config import Settings
from jobdeck.monitor import Monitor
from jobdeck.store.memory import MemoryStore
from jobdeck.ui.app import JobdeckApp
from jobdeck.ui.runtime.ascii_mode import ascii_for_terminal, terminal_needs_ascii


@pytest.mark.parametrize("term", ["linux", "linux-16color", "vt100", "vt220", "LINUX"])
def test_consoles_without_the_glyphs_need_ascii(term):
    assert terminal_needs_ascii({"TERM": term})


@pytest.mark.parametrize("term", ["xterm-256color", "screen-256color", "tmux-256color", "xterm-kitty", ""])
def test_other_terminals_keep_the_glyphs(term):
    assert not terminal_needs_ascii({"TERM": term})


def test_a_browser_tab_keeps_the_glyphs_whatever_the_servers_term():
    assert not terminal_needs_ascii({"TERM": "linux", "TERM_PROGRAM": "textual"})


def test_the_setting_is_turned_on_only_where_needed():
    assert ascii_for_terminal(Settings(), {"TERM": "linux"}).ascii
    assert not ascii_for_terminal(Settings(), {"TERM": "xterm"}).ascii
    assert ascii_for_terminal(Settings(ascii=True), {"TERM": "xterm"}).ascii  # the config's choice stands


async def test_the_deck_on_the_linux_console_draws_only_ascii(tmp_path):
    clock = FrozenClock()
    adapters = sample_backends(clock)
    monitor = Monitor(adapters, clock=clock, store=MemoryStore(tmp_path))
    settings = ascii_for_terminal(Settings(backends=[a.settings for a in adapters]), {"TERM": "linux"})
    app = JobdeckApp(settings, monitor, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.pause()
        text = screen_text(app)
        for glyph in "✓✗◌▶╭─│█▌·…":
            assert glyph not in text, glyph
