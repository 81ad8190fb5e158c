"""A partial update draws only the lines that changed (jobdeck.ui.runtime.dirty_lines), and
sends the terminal exactly what Textual's own partial update would: every update of a deck
at work (ticking, moving the selection, a toast over it, a dialog over it, the log pane
scrolled) is drawn both ways and compared, byte for byte."""

from __future__ import annotations

from deck_helpers import deck_settled, sample_deck, wait_for_jobs
from textual._compositor import Compositor

from jobdeck.ui.runtime import dirty_lines


def draw_both_ways(monkeypatch, console) -> list[tuple[str, str]]:
    """From now on every partial update is drawn both ways: the list of (ours, Textual's)
    terminal texts, one pair per update."""
    pairs: list[tuple[str, str]] = []

    def both(self: Compositor):
        regions = set(self._dirty_regions)
        ours = dirty_lines.render_partial_update(self)
        self._dirty_regions.update(regions)
        theirs = dirty_lines.textual_render_partial_update(self)
        if ours is None or theirs is None:
            assert ours is theirs
            return theirs
        pairs.append((ours.render_segments(console), theirs.render_segments(console)))
        return theirs

    monkeypatch.setattr(Compositor, "render_partial_update", both)
    return pairs


def test_it_is_in_use_on_the_pinned_textual() -> None:
    assert dirty_lines.install()
    assert Compositor.render_partial_update is dirty_lines.render_partial_update


async def test_a_deck_at_work_is_drawn_to_the_same_bytes_as_textual_draws_it(tmp_path, monkeypatch) -> None:
    app, _ = sample_deck(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pairs = draw_both_ways(monkeypatch, app.console)
        await wait_for_jobs(app, 6)
        await deck_settled(app, pilot)
        deck = app.screen

        async def second_passes() -> None:
            app.clock.advance(1)
            deck._tick()
            await pilot.pause()

        async def press(*keys: str) -> None:
            await pilot.press(*keys)
            await pilot.pause()

        for _ in range(3):
            await second_passes()
        await pilot.press("down", "down")
        await deck_settled(app, pilot)
        app.notify("a toast over the list")
        await pilot.pause()
        await second_passes()
        await press("x")  # cancel: a dialog over the deck
        await second_passes()
        await press("escape")
        await press("tab", "tab", "tab", "up", "up")
        await press("slash", "t", "r")  # a filter typed: the list and the input change
        await second_passes()
        await press("escape", "question_mark")  # the keys over the deck, ticking behind
        await second_passes()
        await press("escape")
    assert len(pairs) >= 12
    for ours, theirs in pairs:
        assert ours == theirs
