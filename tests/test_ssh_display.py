"""Over SSH: ASCII only, NO_COLOR, the 16-colour theme, low bandwidth, 80x24, and OSC 52 copy."""

from __future__ import annotations

import base64
from typing import Any

from deck_helpers import build_app, sample_backends, screen_text, toasts, wait_for_jobs
from fakes import make_job, wait_until

from jobdeck.clock import FrozenClock
from jobdeck.model import JobRef, JobState, StatusEvent
from jobdeck.monitor.events import BackendHealth, HealthChanged, HealthStatus, JobsChanged, TimelineChanged
from jobdeck.ui.app import JobdeckApp
from jobdeck.ui.runtime.event_coalescer import EventCoalescer, merge_events
from jobdeck.ui.runtime.themes import shipped_themes_dir
from jobdeck.ui.widgets.job_list import JobList
from jobdeck.ui.widgets.log_view import LogView
from jobdeck.wiring import LOW_BANDWIDTH_MIN_INTERVAL, slower_polls

SMALL = (80, 24)
WIDE = (120, 40)
FAILED = JobRef(backend="local", id="20260101-1155-b2")
RUNNING = JobRef(backend="local", id="20260101-1158-c3")


def deck(tmp_path, *, kiosk: bool = False, theme: str | None = None, adapters=None, **settings: Any) -> JobdeckApp:
    """The sample deck (or one on ``adapters``) with some settings changed."""
    sample = build_app(tmp_path, adapters, kiosk=kiosk)
    update = dict(settings)
    if theme:
        update["theme"] = theme
    return JobdeckApp(
        sample.settings.model_copy(update=update),
        sample.monitor,
        clock=sample.clock,
        kiosk=kiosk,
        theme_folders=[shipped_themes_dir()],
    )


async def test_the_ascii_setting_draws_no_glyph_outside_ascii(tmp_path):
    for size, kiosk, keys in ((SMALL, False, ()), (SMALL, False, ("l",)), (WIDE, False, ()), (WIDE, True, ())):
        app = deck(tmp_path, ascii=True, kiosk=kiosk)
        async with app.run_test(size=size) as pilot:
            jobs = await wait_for_jobs(app, 6)
            assert jobs.select_ref(FAILED)
            await pilot.press(*keys)
            await pilot.pause()
            assert all(widget.ascii for widget in app.screen.query("*") if hasattr(type(widget), "ascii"))
            text = screen_text(app)
            odd = sorted({ch for ch in text if ord(ch) > 127})  # separators and ellipses too
            assert odd == [], f"non-ASCII glyphs at {size} (kiosk={kiosk}): {odd}"
            assert "x failed" in text  # state by glyph and word


async def test_no_color_spells_out_states_even_in_a_narrow_list(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = deck(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await pilot.pause()
        assert app.no_color
        assert jobs.state_words
        text = screen_text(app)
        for word in ("✗ failed", "▶ running", "✓ succeeded", "◌ pending", "‖ paused"):
            assert word in text


async def test_colour_alone_never_carries_the_state_in_a_full_colour_theme_either(tmp_path):
    app = deck(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await pilot.pause()
        assert not jobs.state_words  # narrow, in colour: glyphs, which differ per state
        text = screen_text(app)
        assert all(glyph in text for glyph in "✗▶✓◌‖")


async def test_the_16_colour_theme_uses_the_terminals_palette_and_spells_out_states(tmp_path):
    app = deck(tmp_path, theme="jobdeck-16")
    async with app.run_test(size=SMALL) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await pilot.pause()
        assert app.theme == "jobdeck-16"
        assert app.native_ansi_color
        assert jobs.state_words
        assert "failed" in screen_text(app)


async def test_switching_to_the_16_colour_theme_at_run_time_spells_out_states(tmp_path):
    app = deck(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        jobs = await wait_for_jobs(app, 6)
        app.theme = "jobdeck-16"
        await pilot.pause()
        assert jobs.state_words
        app.theme = "jobdeck-dark"
        await pilot.pause()
        assert not jobs.state_words


async def test_everything_is_reachable_at_80x24_without_a_mouse(tmp_path):
    app = deck(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(FAILED)
        for key, pane in (("d", "#detail-pane"), ("t", "#timeline-pane"), ("l", "#log-pane")):
            await pilot.press(key)
            assert app.screen.query_one(pane).display
            assert app.screen.query_one(pane).region.height >= 5
        assert "Archive" in screen_text(app)  # the footer still names the job keys


async def test_low_bandwidth_turns_animations_off_ticks_slower_and_coalesces_updates(tmp_path):
    local, cluster = sample_backends(FrozenClock())
    app = deck(tmp_path, adapters=[local, cluster], low_bandwidth=True)
    assert app.animation_level == "none"
    assert app.tick_seconds >= 5
    async with app.run_test(size=SMALL) as pilot:
        jobs = await wait_for_jobs(app, 6)
        app.coalescer.flush()
        await pilot.pause()
        # A new job arrives: the list hears of it at the next flush, not at once.
        local.upsert_job(make_job("late-1", backend="local", name="late arrival"))
        await app.monitor.refresh("local")
        await wait_until(lambda: len(app.monitor.jobs()) == 7, what="the new job polled")
        await pilot.pause()
        assert jobs.total_count == 6
        app.coalescer.flush()
        await pilot.pause()
        assert jobs.total_count == 7


def test_low_bandwidth_polls_no_backend_more_often_than_every_ten_seconds(tmp_path):
    settings = build_app(tmp_path).settings
    slow = slower_polls(settings)
    assert all(backend.interval >= LOW_BANDWIDTH_MIN_INTERVAL for backend in slow.backends)


def test_coalesced_events_keep_only_the_final_effect():
    clock = FrozenClock()
    a1 = make_job("1", JobState.RUNNING, backend="a")
    a1_done = make_job("1", JobState.SUCCEEDED, backend="a")
    a2 = make_job("2", JobState.RUNNING, backend="a")
    a3 = make_job("3", JobState.RUNNING, backend="a")
    old = make_job("0", JobState.FAILED, backend="a")
    health = BackendHealth(name="a", kind="fake", status=HealthStatus.OK)
    event = StatusEvent(at=clock.now(), state=JobState.SUCCEEDED)
    merged = merge_events([
        JobsChanged(backend="a", added=[a1, a2]),
        HealthChanged(BackendHealth(name="a", kind="fake")),
        JobsChanged(backend="a", changed=[a1_done, old], removed=[a2.ref]),
        JobsChanged(backend="a", added=[a3]),
        HealthChanged(health),
        TimelineChanged(ref=a1.ref, event=event),
        TimelineChanged(ref=a1.ref, event=event),
    ])
    jobs_changed, health_changed, timeline = merged
    assert jobs_changed == JobsChanged(backend="a", added=[a1_done, a3], changed=[old], removed=[])
    assert health_changed == HealthChanged(health)
    assert timeline.ref == a1.ref


def test_the_coalescer_delivers_the_first_jobs_at_once_and_then_only_when_flushed():
    delivered: list[object] = []
    coalescer = EventCoalescer(delivered.append)
    first = JobsChanged(backend="a", added=[make_job("0", backend="a")])
    coalescer(first)
    assert delivered == [first]  # the deck is not left empty at start
    job = make_job("1", backend="a")
    coalescer(JobsChanged(backend="a", added=[job]))
    coalescer(JobsChanged(backend="a", removed=[job.ref]))
    assert delivered == [first] and coalescer.pending == 2
    coalescer.flush()
    assert delivered == [first]  # added then removed within one batch: nothing to show


def test_a_coalescer_for_a_deck_that_already_shows_jobs_buffers_from_the_first_event():
    delivered: list[object] = []
    coalescer = EventCoalescer(delivered.append, jobs_shown=True)
    coalescer(JobsChanged(backend="a", added=[make_job("1", backend="a")]))
    assert delivered == [] and coalescer.pending == 1


async def test_c_copies_the_selected_jobs_reference_with_osc_52(tmp_path):
    app = deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        written: list[str] = []
        original = app._driver.write
        app._driver.write = lambda data: (written.append(data), original(data))[1]  # type: ignore[method-assign]
        assert jobs.select_ref(FAILED)
        await pilot.pause()
        await pilot.press("c")
        assert app.clipboard == "local/20260101-1155-b2"
        expected = base64.b64encode(b"local/20260101-1155-b2").decode()
        assert any(f"\x1b]52;c;{expected}\a" in data for data in written)
        assert any("Copied local/20260101-1155-b2" in t for t in toasts(app))


async def test_y_copies_the_current_log_line(tmp_path):
    app = deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(RUNNING)
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.line_count >= 30, what="the log")
        await pilot.press("y")
        assert app.clipboard == "epoch 30: loss=0.60"
        log_view.focus()
        await pilot.press("slash", *"epoch 7:", "enter")
        await pilot.press("y")
        assert app.clipboard == "epoch 7: loss=0.83"


async def test_the_kiosk_copies_nothing(tmp_path):
    app = deck(tmp_path, kiosk=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        app.screen.kiosk_tick()
        await pilot.pause()
        await pilot.press("c", "y")
        assert app.clipboard == ""


async def test_the_kiosk_fits_80x24_with_its_counts_and_clock(tmp_path):
    app = deck(tmp_path, kiosk=True)
    async with app.run_test(size=SMALL) as pilot:
        await wait_for_jobs(app, 6)
        app.screen.kiosk_tick()
        await pilot.pause()
        text = screen_text(app)
        assert "12:00:00 UTC" in text
        assert "running" in text and "1 today" in text and "last hour" in text
        assert app.screen.query_one(JobList).region.height >= 4
