"""The history view's filter with the richer language: OR and patterns find what they
find in the live list, and a bad query holding markup-like text is said as text, never a crash."""

from __future__ import annotations

from fakes import wait_until
from test_history_view import deck, names, open_history, seed

from jobdeck.clock import FrozenClock


async def test_or_and_a_pattern_in_the_history_view(tmp_path) -> None:
    seed(tmp_path, FrozenClock())
    app = deck(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        history = await open_history(app, pilot)
        await pilot.press("slash")
        app.screen.query_one("#history-filter").value = "name:/-2[89]$/ OR name:etl-0"
        await wait_until(lambda: names(history) == ["nightly-29", "etl-28", "etl-0"], what="the filter")


async def test_a_bad_query_with_brackets_is_said_as_text(tmp_path) -> None:
    seed(tmp_path, FrozenClock())
    app = deck(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        history = await open_history(app, pilot)
        await pilot.press("slash")
        app.screen.query_one("#history-filter").value = "state:[/x]"
        await pilot.pause()
        error = str(app.screen.query_one("#history-error").render())
        assert "unknown state '[/x]'" in error and "column 1" in error
        assert history.entries
