"""Read-only mode has one owner: the monitor's action gate. The deck reads it from
there (its READ-ONLY badge, its refusals), so what the deck shows is always what
the gate does; a kiosk, which must never change a backend, needs a read-only gate."""

from __future__ import annotations

from pathlib import Path

import pytest
from deck_helpers import sample_backends, wait_for_jobs

from jobdeck.clock import FrozenClock
from jobdeck.config import Settings
from jobdeck.monitor import Monitor
from jobdeck.store.memory import MemoryStore
from jobdeck.ui.app import JobdeckApp

WIDE = (120, 40)


def monitor_and_settings(tmp_path: Path, *, read_only: bool) -> tuple[Monitor, Settings, FrozenClock]:
    clock = FrozenClock()
    adapters = sample_backends(clock)
    monitor = Monitor(
        adapters,
        clock=clock,
        store=MemoryStore(tmp_path),
        read_only=read_only,
    )
    return monitor, Settings(backends=[a.settings for a in adapters], time_zone="UTC"), clock


@pytest.mark.parametrize("read_only", [True, False])
async def test_the_deck_is_read_only_exactly_when_the_monitors_gate_is(tmp_path: Path, read_only: bool) -> None:
    monitor, settings, clock = monitor_and_settings(tmp_path, read_only=read_only)
    app = JobdeckApp(settings, monitor, clock=clock)  # no mode of its own: it reads the gate's

    assert app.read_only is read_only
    async with app.run_test(size=WIDE):
        await wait_for_jobs(app, 6)
        # The READ-ONLY badge is shown by this class.
        assert app.screen.has_class("-read-only") is read_only


def test_a_kiosk_is_refused_a_monitor_whose_gate_would_carry_out_actions(tmp_path: Path) -> None:
    monitor, settings, clock = monitor_and_settings(tmp_path, read_only=False)

    with pytest.raises(ValueError, match="read-only"):
        JobdeckApp(settings, monitor, clock=clock, kiosk=True)


def test_a_kiosk_on_a_read_only_monitor_is_read_only(tmp_path: Path) -> None:
    monitor, settings, clock = monitor_and_settings(tmp_path, read_only=True)

    assert JobdeckApp(settings, monitor, clock=clock, kiosk=True).read_only is True
