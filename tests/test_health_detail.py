"""A backend's full error is reachable from the deck: H, or a click on the header's badges;
H also says jobdeck's own warnings (its history over its cap with nothing to prune)."""

from __future__ import annotations

import asyncio

from deck_helpers import sample_deck, screen_text, wait_for_jobs
from fakes import wait_until

from jobdeck.errors import Unreachable
from jobdeck.ui.screens.health_detail import HealthDetailScreen
from jobdeck.ui.widgets.health_bar import HealthBar

LONG_ERROR = (
    "cannot connect to https://cluster.example.internal:8443/api/v1/jobs: "
    "connection refused after 3 attempts (the last at 11:59:58)"
)


async def deck_with_a_backend_down(tmp_path, pilot_size):
    app, (_, cluster) = sample_deck(tmp_path)
    cluster.fail_always(Unreachable(LONG_ERROR))
    return app


async def test_h_shows_every_backends_health_with_the_whole_error(tmp_path):
    app = await deck_with_a_backend_down(tmp_path, (120, 40))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_jobs(app, 3)
        bar = app.screen.query_one(HealthBar)
        await wait_until(lambda: bar.health.get("cluster") and bar.health["cluster"].last_error, what="the failure")
        await pilot.pause()
        assert LONG_ERROR not in screen_text(app)  # the header cuts it
        await pilot.press("H")
        assert isinstance(app.screen, HealthDetailScreen)
        await pilot.pause()
        text = screen_text(app)
        # In full, wrapped at the dialog's width rather than cut.
        assert "cannot connect to https://cluster.example.internal:8443/api/v1/jobs:" in text
        assert "connection refused after 3 attempts (the last at 11:59:58)" in text
        assert "● local      ok" in text and "✗ cluster    down" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HealthDetailScreen)


async def test_a_click_on_the_badges_shows_the_same(tmp_path):
    app = await deck_with_a_backend_down(tmp_path, (80, 24))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_jobs(app, 3)
        await pilot.click(HealthBar)
        await pilot.pause()
        assert isinstance(app.screen, HealthDetailScreen)


async def test_the_palette_has_it_too(tmp_path):
    app, _ = sample_deck(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_jobs(app, 6)
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Backend health")
        assert command.help.startswith("Key H")
        command.callback()
        await pilot.pause()
        assert isinstance(app.screen, HealthDetailScreen)


async def test_the_80x24_header_with_five_backends_is_not_cut_mid_name(tmp_path):
    from deck_helpers import build_app
    from fakes import FakeAdapter

    from jobdeck.clock import FrozenClock

    clock = FrozenClock()
    adapters = [FakeAdapter.build(name, clock=clock, jobs=[]) for name in ("local", "drp", "intuned", "istari", "julep")]
    adapters[1].fail_always(Unreachable(LONG_ERROR))
    app = build_app(tmp_path, adapters, clock=clock, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.screen.query_one(HealthBar)
        await wait_until(lambda: len(bar.health) == 5 and bar.health["drp"].last_error is not None, what="the polls")
        await pilot.pause()
        header = screen_text(app).splitlines()[0]
        assert "READ-ONLY" in header and "…" not in header
        assert "✗ drp down" in header  # the one that is not ok keeps its name


async def test_ctrl_r_says_it_polls_and_then_what_it_found(tmp_path):
    from deck_helpers import toasts

    app = await deck_with_a_backend_down(tmp_path, (120, 40))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_jobs(app, 3)
        await pilot.press("ctrl+r")
        assert "Polling every backend now…" in toasts(app)
        await wait_until(lambda: any("answered" in t for t in toasts(app)), what="the refresh's outcome")
        assert "1 of 2 backends answered; not cluster (H: why)" in toasts(app)


async def test_ctrl_r_with_every_backend_answering_says_so(tmp_path):
    from deck_helpers import toasts

    app, _ = sample_deck(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("ctrl+r")
        await wait_until(lambda: "All 2 backends answered" in toasts(app), what="the refresh's outcome")


async def test_a_kiosk_shows_it_with_h_as_with_a_click(tmp_path):
    """Looking, not changing: the kiosk allows it, so its key and a click on the badges agree."""
    app, (_, cluster) = sample_deck(tmp_path, kiosk=True)
    cluster.fail_always(Unreachable(LONG_ERROR))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_jobs(app, 3)
        await pilot.press("H")
        await wait_until(lambda: isinstance(app.screen, HealthDetailScreen), what="the health detail")
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, HealthDetailScreen), what="the kiosk again")


async def test_h_says_the_history_is_over_its_cap_when_only_unfinished_jobs_fill_it(tmp_path):
    from fakes import FakeAdapter, make_job

    from jobdeck.clock import FrozenClock
    from jobdeck.config import Settings
    from jobdeck.model import JobState
    from jobdeck.monitor import Monitor
    from jobdeck.store.sqlite import HistoryStore
    from jobdeck.ui.app import JobdeckApp

    clock = FrozenClock()
    queue = [make_job(f"q{n}", JobState.PENDING, name=f"queued {n}", created=clock.now(), labels={"why": "x" * 2000})
             for n in range(400)]  # ~0.8 MB waiting, none finished
    adapter = FakeAdapter.build("hpc", clock=clock, jobs=queue)
    store = HistoryStore(tmp_path, clock=clock, max_mb=0.5, size_every=0)
    app = JobdeckApp(Settings(backends=[adapter.settings]), Monitor([adapter], clock=clock, store=store), clock=clock,
                     history_file=store.path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_jobs(app, 400)
        for _ in range(3):  # a poll written, then the size looked at
            await app.monitor.refresh()
            await asyncio.to_thread(store.flush)
        assert any("over its cap" in warning for warning in app.monitor.warnings())
        await pilot.press("H")
        await pilot.pause()
        assert isinstance(app.screen, HealthDetailScreen)
        text = screen_text(app)
        assert "jobdeck      its own records" in text and "warning      history:" in text
        assert "over its cap of 0.5 MB (history_max_mb), and no finished job is left" in text
