"""The unknown-theme message fits an 80×24 terminal: a few names, not the 25 themes."""

from __future__ import annotations

from deck_helpers import toasts, wait_for_jobs
from test_themes import themed_app
from textual.widgets._toast import Toast


async def test_an_unknown_theme_says_so_in_a_toast_that_fits_at_80x24(tmp_path):
    app = themed_app(tmp_path, tmp_path / "user", theme="no-such-theme")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.pause()
        shown = list(app.screen.query(Toast))
        assert len(shown) == 1
        assert shown[0].region.height <= 6  # a quarter of the screen, not half
        (text,) = toasts(app)
        assert "no-such-theme" in text and "jobdeck-dark" in text and "ctrl+p" in text
        assert "solarized-light" not in text  # Textual's own are in the palette
