"""Kiosk mode: counts, clock, rotation, the quit sequence, and proof that no
key or palette command in kiosk or read-only mode changes a backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from deck_helpers import build_app, sample_deck, screen_text, wait_for_jobs
from fakes import make_job, settle, wait_until
from textual.binding import Binding
from textual.command import CommandPalette
from textual.widgets import Input

from jobdeck.clock import FrozenClock
from jobdeck.model import JobRef, JobState
from jobdeck.ui.app import JobdeckApp
from jobdeck.ui.runtime.quit_sequence import QuitSequence
from jobdeck.ui.screens.confirm import ConfirmScreen
from jobdeck.ui.screens.deck import DeckScreen
from jobdeck.ui.screens.help import HelpScreen
from jobdeck.ui.screens.kiosk import KioskScreen, next_in_rotation, rotation_order
from jobdeck.ui.widgets.job_list import JobList
from jobdeck.ui.widgets.kiosk_board import BackendCounts, KioskBoard, count_jobs
from jobdeck.ui.widgets.log_view import LogView
from jobdeck.ui.widgets.run_detail import RunDetail

WIDE = (120, 40)
FAILED = JobRef(backend="local", id="20260101-1155-b2")
TRAIN = JobRef(backend="local", id="20260101-1158-c3")
SCRAPE = JobRef(backend="cluster", id="run-7781")


# -- pure rules -------------------------------------------------------------------


def test_counts_are_per_backend_for_the_last_hour_and_today():
    clock = FrozenClock()  # 2026-01-01 12:00 UTC
    now = clock.now()
    jobs = [
        make_job("r1", JobState.RUNNING, backend="a"),
        make_job("f1", JobState.FAILED, backend="a", ended=now - timedelta(minutes=10)),
        make_job("f2", JobState.FAILED, backend="a", ended=now - timedelta(hours=3)),
        make_job("f3", JobState.FAILED, backend="a", ended=now - timedelta(days=1)),  # yesterday
        make_job("s1", JobState.SUCCEEDED, backend="b", updated=now - timedelta(minutes=59)),
        make_job("s2", JobState.SUCCEEDED, backend="b", ended=now, archived=True),  # archived: not counted
    ]
    counts = count_jobs(jobs, now, ["a", "b", "c"])
    assert list(counts) == ["a", "b", "c"]
    assert counts["a"] == BackendCounts(running=1, failed_hour=1, failed_today=2)
    assert counts["b"] == BackendCounts(succeeded_hour=1, succeeded_today=1)
    assert counts["c"] == BackendCounts()


def test_today_is_the_day_in_the_zone_of_now():
    tokyo = ZoneInfo("Asia/Tokyo")
    now = datetime(2026, 1, 2, 0, 30, tzinfo=tokyo)  # 2026-01-01 15:30 UTC
    jobs = [
        make_job("after-midnight", JobState.FAILED, backend="a", ended=datetime(2026, 1, 1, 15, 10, tzinfo=UTC)),
        make_job("before-midnight", JobState.FAILED, backend="a", ended=datetime(2026, 1, 1, 14, 50, tzinfo=UTC)),
    ]
    assert count_jobs(jobs, now, ["a"])["a"] == BackendCounts(failed_hour=2, failed_today=1)
    assert count_jobs(jobs, now.astimezone(UTC), ["a"])["a"] == BackendCounts(failed_hour=2, failed_today=2)


def test_rotation_goes_through_failed_jobs_latest_first_then_running_ones():
    clock = FrozenClock()
    now = clock.now()
    jobs = [
        make_job("run-old", JobState.RUNNING, started=now - timedelta(hours=2)),
        make_job("fail-old", JobState.FAILED, ended=now - timedelta(hours=2)),
        make_job("ok", JobState.SUCCEEDED, ended=now),
        make_job("run-new", JobState.RUNNING, started=now - timedelta(minutes=1)),
        make_job("fail-new", JobState.FAILED, ended=now - timedelta(minutes=1)),
        make_job("fail-ancient", JobState.FAILED, ended=now - timedelta(days=3)),
    ]
    order = [ref.id for ref in rotation_order(jobs, now)]
    assert order == ["fail-new", "fail-old", "run-new", "run-old"]
    refs = rotation_order(jobs, now)
    assert next_in_rotation(refs, None) == refs[0]
    assert next_in_rotation(refs, refs[-1]) == refs[0]
    assert next_in_rotation([], None) is None


def test_the_rotation_keeps_failed_jobs_the_backend_forgot_but_not_running_ones():
    now = FrozenClock().now()
    jobs = [
        make_job("fail-forgotten", JobState.FAILED, ended=now - timedelta(minutes=5), gone_since=now),
        make_job("run-forgotten", JobState.RUNNING, started=now, gone_since=now),
        make_job("run", JobState.RUNNING, started=now - timedelta(minutes=1)),
    ]
    assert [ref.id for ref in rotation_order(jobs, now)] == ["fail-forgotten", "run"]


def test_the_board_counts_a_forgotten_failure_but_not_a_forgotten_run_as_running():
    now = FrozenClock().now()
    jobs = [
        make_job("f", JobState.FAILED, backend="a", ended=now - timedelta(minutes=5), gone_since=now),
        make_job("r", JobState.RUNNING, backend="a", gone_since=now),
    ]
    assert count_jobs(jobs, now, ["a"])["a"] == BackendCounts(failed_hour=1, failed_today=1)


def test_the_quit_sequence_needs_every_key_within_the_window():
    sequence = QuitSequence(["ctrl+q", "ctrl+q"], within=2.0)
    assert not sequence.press("ctrl+q", 0.0)
    assert not sequence.press("ctrl+q", 3.0)  # too late: this press starts over
    assert sequence.press("ctrl+q", 4.5)
    other = QuitSequence(["escape", "ctrl+q"], within=2.0)
    assert not other.press("ctrl+q", 0.0)
    assert not other.press("escape", 1.0)
    assert other.press("ctrl+q", 1.5)
    assert "2 times within 2s" in sequence.describe()


# -- the kiosk screen -------------------------------------------------------------------


async def test_kiosk_shows_counts_health_and_a_clock(tmp_path):
    app = build_app(tmp_path, kiosk=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        screen = app.screen
        assert isinstance(screen, KioskScreen)
        screen.kiosk_tick()
        await pilot.pause()
        board = screen.query_one(KioskBoard)
        assert board.counts["local"] == BackendCounts(
            running=1, failed_hour=1, failed_today=1, succeeded_hour=1, succeeded_today=1
        )
        assert board.counts["cluster"].running == 1
        assert {name: h.status.value for name, h in board.health.items()} == {"local": "ok", "cluster": "ok"}
        clock_text = str(screen.query_one("#kiosk-clock").render())
        assert "12:00:00 UTC" in clock_text and "refreshed just now" in clock_text
        assert str(screen.query_one("#mode").render()) == "KIOSK"


async def test_the_clock_today_and_the_panes_use_the_configured_time_zone(tmp_path):
    app = build_app(tmp_path, kiosk=True, time_zone="Asia/Tokyo")  # UTC+9: 12:00 UTC is 21:00
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        app.screen.kiosk_tick()
        await pilot.pause()
        assert "21:00:00 JST" in str(app.screen.query_one("#kiosk-clock").render())
        detail = app.screen.query_one(RunDetail)
        await wait_until(lambda: detail.job is not None, what="a job in the detail")
        await pilot.pause()
        created = detail.job.created.astimezone(ZoneInfo("Asia/Tokyo"))
        assert f"{created:%Y-%m-%d %H:%M:%S}" in screen_text(app)


async def test_kiosk_rotates_through_failing_then_running_jobs_on_the_app_clock(tmp_path):
    clock = FrozenClock()
    app = build_app(tmp_path, clock=clock, kiosk=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        screen = app.screen
        jobs = screen.query_one(JobList)

        async def tick() -> JobRef | None:
            screen.kiosk_tick()
            await pilot.pause()
            return jobs.highlighted.ref if jobs.highlighted else None

        assert await tick() == FAILED  # the first tick with jobs selects the first failure
        log_view = screen.query_one(LogView)
        await wait_until(lambda: log_view.line_count >= 2, what="the failed job's log tail")
        clock.advance(5)
        assert await tick() == FAILED  # not yet: 10 s per job by default
        clock.advance(5)
        assert await tick() == TRAIN  # then running jobs, latest started first
        clock.advance(10)
        assert await tick() == SCRAPE
        clock.advance(10)
        assert await tick() == FAILED  # and round again


async def test_a_failed_job_its_backend_forgets_stays_in_the_kiosk_rotation(tmp_path):
    app, (local, _) = sample_deck(tmp_path, kiosk=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        local.remove_job(FAILED.id)  # its queue dropped it (Slurm forgets finished jobs)
        await app.monitor.refresh("local")
        assert app.monitor.job(FAILED).gone
        screen = app.screen
        jobs = screen.query_one(JobList)
        screen.kiosk_tick()
        await pilot.pause()
        assert jobs.highlighted is not None and jobs.highlighted.ref == FAILED


async def test_a_small_kiosk_shows_each_jobs_detail_timeline_and_log_in_turn(tmp_path):
    clock = FrozenClock()
    app = build_app(tmp_path, clock=clock, kiosk=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_jobs(app, 6)
        screen = app.screen
        seen = []
        for _ in range(4):
            screen.kiosk_tick()
            await pilot.pause()
            seen.append((screen.query_one(JobList).highlighted.ref, screen._lower_pane))
            clock.advance(10 / 3 + 0.01)
        assert seen == [(FAILED, "detail"), (FAILED, "timeline"), (FAILED, "log"), (TRAIN, "detail")]


async def test_kiosk_has_no_command_palette(tmp_path):
    app = build_app(tmp_path, kiosk=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("ctrl+p")
        assert not CommandPalette.is_open(app)
        assert app.use_command_palette is False


async def test_q_alone_does_nothing_in_kiosk_and_ctrl_q_twice_in_time_quits(tmp_path):
    clock = FrozenClock()
    app = build_app(tmp_path, clock=clock, kiosk=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("q", "q")
        await pilot.press("ctrl+q")
        clock.advance(3)  # too slow: the sequence starts again
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and app.return_code is None
        await pilot.press("ctrl+q")
    assert app.return_code == 0


async def test_sigterm_quits_the_kiosk(tmp_path):
    app = build_app(tmp_path, kiosk=True)
    async with app.run_test(size=WIDE):
        await wait_for_jobs(app, 6)
        app.on_sigterm()
    assert app.return_code == 0


async def test_the_kiosk_quit_keys_come_from_the_settings(tmp_path):
    clock = FrozenClock()
    sample = build_app(tmp_path, clock=clock, kiosk=True)
    settings = sample.settings.model_copy(update={"kiosk_quit_keys": ["escape", "ctrl+x"]})
    app = JobdeckApp(settings, sample.monitor, clock=clock, kiosk=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("ctrl+q", "ctrl+q")
        assert app.return_code is None
        await pilot.press("escape", "ctrl+x")
    assert app.return_code == 0


# -- no key and no command changes a backend, in kiosk or read-only mode ----------------


def _keys_of(*owners: type) -> list[str]:
    """A key for every binding of ``owners`` and their base classes (Textual's own included).

    One key per distinct action of a class (``up`` and ``k`` do the same);
    a key bound to several actions (the deck's action keys and their
    explanations) is pressed once, and runs whichever its state allows.
    """
    keys: list[str] = []
    for owner in owners:
        for cls in owner.__mro__:
            actions: set[str] = set()
            for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", [])):
                if binding.action in actions:
                    continue
                actions.add(binding.action)
                if binding.key not in keys:
                    keys.append(binding.key)
    return keys


async def _back_to_the_deck(pilot, app) -> None:
    """Close whatever a key opened; a confirmation is *accepted*, to prove the gate holds."""
    for _ in range(10):
        screen = app.screen
        if isinstance(screen, ConfirmScreen):
            await pilot.press("y")
        elif isinstance(screen, HelpScreen):
            await pilot.press(*_keys_of(HelpScreen)[:1])
        elif not isinstance(screen, DeckScreen):
            await pilot.press("escape")
        elif isinstance(screen.focused, Input):
            await pilot.press("escape")
        else:
            return
    raise AssertionError(f"stuck on {app.screen}")


@pytest.mark.parametrize("mode", ["kiosk", "read-only"])
async def test_no_binding_or_palette_command_reaches_a_backend_in_mode(tmp_path, monkeypatch, mode):
    kiosk = mode == "kiosk"
    app, adapters = sample_deck(tmp_path, read_only=not kiosk, kiosk=kiosk)
    keys = _keys_of(type(app), KioskScreen, DeckScreen, JobList, LogView, ConfirmScreen, HelpScreen)
    # Leaving is tested above; every other key is pressed.
    leaving = {"q", "ctrl+q", "ctrl+c"}
    keys = [key for key in keys if key not in leaving]
    assert {"a", "u", "r", "x", "enter", "slash", "y", "n"} <= set(keys)
    input_keys = [key for key in _keys_of(Input) if key not in leaving]
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        monkeypatch.setattr(app, "deliver_screenshot", lambda *args, **kwargs: None)
        # A job on a backend that can do everything, with the list focused;
        # one on a backend that cannot archive, with the log focused.
        for ref, focus in ((FAILED, JobList), (SCRAPE, LogView)):
            jobs.view, jobs.filter_text = "active", ""  # `v` and `/` may have changed them
            assert jobs.select_ref(ref)
            app.screen.query_one(focus).focus()
            for key in keys:
                await pilot.press(key)
                await _back_to_the_deck(pilot, app)
        # The filter's own keys, with the filter open.
        await pilot.press("slash", "a", *input_keys)
        await _back_to_the_deck(pilot, app)
        # Every command the palette lists, run directly.
        commands = list(app.get_system_commands(app.screen))
        titles = [command.title for command in commands]
        if not kiosk:
            assert {"Theme", "Copy job reference", "Next theme"} <= set(titles)
        for command in commands:
            if command.title == "Quit":
                continue
            result = command.callback()
            if hasattr(result, "__await__"):
                await result
            await pilot.pause()
            await _back_to_the_deck(pilot, app)
        await settle()
        assert app.is_running
    assert [adapter.mutations for adapter in adapters] == [[], []]


@pytest.mark.parametrize("backends", [2, 5])
async def test_kiosk_cards_never_cut_their_labels_at_120_columns(tmp_path, backends):
    """Five backends at 120 columns leave each count a narrow column: the words move
    under the digits ("today") rather than being cut ("failed t…")."""
    from textual.app import App, ComposeResult

    counts = {f"backend{n}": BackendCounts(running=3, failed_today=12, failed_hour=12, succeeded_today=7)
              for n in range(backends)}

    class BoardApp(App[None]):
        def compose(self) -> ComposeResult:
            yield KioskBoard()

    async with BoardApp().run_test(size=WIDE) as pilot:
        board = pilot.app.query_one(KioskBoard)
        board.counts = counts
        await pilot.pause()
        text = "\n".join(line.text for line in board.render_lines(board.region.reset_offset))
        assert "…" not in text
        assert text.count("failed") == backends and text.count("today") == 2 * backends
        assert text.count("12") >= backends  # the last hour's failures, beside their words
