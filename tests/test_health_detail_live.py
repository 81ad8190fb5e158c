"""H, left open, follows the backends' health: a backend that answers again (or stops) is shown
so without closing and opening it again."""

from __future__ import annotations

from datetime import timedelta

from deck_helpers import sample_deck, screen_text, wait_for_jobs
from fakes import wait_until
from textual.widgets import Static

from jobdeck.errors import Unreachable
from jobdeck.ui.screens.health_detail import HealthDetailScreen
from jobdeck.ui.widgets.health_bar import HealthBar


async def test_h_left_open_shows_a_backend_that_answers_again_and_one_that_stops(tmp_path):
    app, (local, cluster) = sample_deck(tmp_path)
    cluster.fail_always(Unreachable("connection refused by the cluster"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_jobs(app, 3)
        bar = app.screen.query_one(HealthBar)
        await wait_until(lambda: bar.health.get("cluster") and bar.health["cluster"].last_error, what="the failure")
        await pilot.press("H")
        assert isinstance(app.screen, HealthDetailScreen)
        await pilot.pause()
        assert "✗ cluster    down" in screen_text(app)
        assert "connection refused by the cluster" in screen_text(app)

        cluster.fail_always(None)
        local.fail_always(Unreachable("the spool folder is gone"))
        await app.monitor.refresh()
        await wait_until(lambda: "● cluster    ok" in screen_text(app), what="H showing the cluster back")
        assert isinstance(app.screen, HealthDetailScreen)  # still open
        text = screen_text(app)
        assert "connection refused by the cluster" not in text
        assert "the spool folder is gone" in text


async def test_h_left_open_draws_its_table_again_only_when_what_it_says_changed(tmp_path):
    """A tick that changes nothing H says (the clock moved within the same "just now")
    keeps the drawn table; a backend that stops answering draws a new one."""
    app, (local, _cluster) = sample_deck(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_jobs(app, 3)
        bar = app.screen.query_one(HealthBar)
        await wait_until(lambda: bar.now is not None and bar.health.get("local"), what="the first health")
        await pilot.press("H")
        await pilot.pause()
        table = app.screen.query_one("#health-detail", Static)
        drawn = table.content

        bar.now += timedelta(microseconds=1)  # the watcher runs; the text is the same
        await pilot.pause()
        assert table.content is drawn

        local.fail_always(Unreachable("the spool folder is gone"))
        await app.monitor.refresh()
        await wait_until(lambda: "the spool folder is gone" in screen_text(app), what="H showing the failure")
        assert table.content is not drawn
