"""Start-up: the collector paused and the GIL's switch interval short until the first frame
with jobs, then the interpreter's own settings back (jobdeck.startup)."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import invoke
from deck_helpers import sample_deck

from jobdeck import startup
from jobdeck.monitor import HealthStatus


@pytest.fixture(autouse=True)
def interpreter_settings() -> Iterator[None]:
    """Whatever a test does, the rest of the suite keeps the collector and switch interval it had."""
    interval, enabled = sys.getswitchinterval(), gc.isenabled()
    yield
    startup.end()
    gc.unfreeze()
    sys.setswitchinterval(interval)
    if enabled:
        gc.enable()


def test_begin_pauses_the_collector_and_shortens_the_switch_interval() -> None:
    startup.begin()
    assert startup.active()
    assert not gc.isenabled()
    assert sys.getswitchinterval() == pytest.approx(startup.SWITCH_INTERVAL)


def test_end_restores_both_and_freezes_what_start_up_built() -> None:
    interval = sys.getswitchinterval()
    startup.begin()
    startup.end()
    assert not startup.active()
    assert gc.isenabled()
    assert sys.getswitchinterval() == pytest.approx(interval)
    assert gc.get_freeze_count() > 0


def test_begin_and_end_are_idempotent() -> None:
    interval = sys.getswitchinterval()
    startup.begin()
    startup.begin()  # must not take the paused state as the one to restore
    startup.end()
    startup.end()
    assert gc.isenabled()
    assert sys.getswitchinterval() == pytest.approx(interval)


def test_end_without_begin_changes_nothing() -> None:
    frozen = gc.get_freeze_count()
    startup.end()
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


def test_a_collector_disabled_before_start_up_stays_disabled() -> None:
    gc.disable()
    startup.begin()
    startup.end()
    assert not gc.isenabled()


def test_a_command_other_than_the_deck_ends_start_up_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.toml").write_text("")
    monkeypatch.setenv("JOBDECK_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(tmp_path / "data"))
    startup.begin()
    result = invoke("info")
    assert result.exit_code == 0, result.output
    assert not startup.active()


async def test_the_deck_ends_start_up_once_its_first_jobs_are_shown(tmp_path: Path) -> None:
    app, _ = sample_deck(tmp_path)
    startup.begin()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert app.monitor.jobs()
        assert not startup.active()
        assert gc.isenabled()


async def test_a_deck_without_jobs_ends_start_up_after_the_longest_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(startup, "LONGEST", 0.05)
    app, adapters = sample_deck(tmp_path)
    for adapter in adapters:
        adapter.set_jobs([])
    startup.begin()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        assert not app.monitor.jobs()
        assert not startup.active()


async def test_the_first_frame_waits_for_the_first_polls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing is drawn before the app is ready: by then the jobs are in hand, so the first
    # frame shows them instead of an empty list drawn again a moment later.
    monkeypatch.setattr("jobdeck.ui.app.FIRST_POLL_WAIT", 5.0)
    app, adapters = sample_deck(tmp_path)
    for adapter in adapters:
        adapter.hold_polls()  # answered only 0.3 s on, while the screen is long built
    asyncio.get_running_loop().call_later(0.3, lambda: [adapter.release_polls() for adapter in adapters])
    async with app.run_test(size=(120, 40)):
        assert app.monitor.jobs()


async def test_a_backend_that_does_not_answer_holds_the_first_frame_only_briefly(tmp_path: Path) -> None:
    app, adapters = sample_deck(tmp_path)
    for adapter in adapters:
        adapter.hold_polls()
    async with app.run_test(size=(120, 40)) as pilot:
        assert not app.monitor.jobs()
        assert {health.status for health in app.monitor.health().values()} == {HealthStatus.STARTING}
        for adapter in adapters:
            adapter.release_polls()
        await pilot.pause()
