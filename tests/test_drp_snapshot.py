"""A DRP job in the deck, served by the DRP emulator, at 120x40.

Deterministic: the emulator's SimClock is frozen (speed 0) and the app's
FrozenClock shows the same instant; the seed fixes every job."""

from __future__ import annotations

import pytest
from deck_helpers import build_app, deck_settled, wait_for_jobs
from fakes import wait_until

from jobdeck.adapters.drp import DrpAdapter, DrpSettings
from jobdeck.clock import FrozenClock
from jobdeck.emulators.drp import DrpEmulator
from jobdeck.model import JobRef
from jobdeck.ui.widgets.log_view import LogView


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRP_SNAP_USER", "rocketskates")
    monkeypatch.setenv("DRP_SNAP_PASSWORD", "r0cketsk8ts")


def test_a_failed_drp_job_at_120x40(snap_compare, tmp_path):
    emulator = DrpEmulator(seed=3, speed=0, history=240)
    settings = DrpSettings(name="drp", endpoint="http://drp.test", user_env="DRP_SNAP_USER",
                           password_env="DRP_SNAP_PASSWORD", interval=3600)
    adapter = DrpAdapter(settings, clock=emulator.clock, transport=emulator.transport())
    app = build_app(tmp_path, adapters=[adapter], clock=FrozenClock(emulator.clock.now()))
    failed = max((j for j in emulator.world.jobs.values() if j.State == "failed" and not j.Archived),
                 key=lambda j: j.StartTime)
    log_lines = bytes(emulator.world.logs[failed.Uuid]).count(b"\n")

    async def run_before(pilot) -> None:
        jobs = await wait_for_jobs(app)
        await wait_until(lambda: jobs.select_ref(JobRef(backend="drp", id=failed.Uuid)), what="the failed job")
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.line_count >= log_lines, what="the log")
        await deck_settled(app, pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
