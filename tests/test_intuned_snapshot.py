"""The deck on the Intuned emulator: a run in flight with its payload counts.

The emulator's clock is frozen (speed 0) and moved to 12 s after the demo's
start; the deck's FrozenClock stands at the same instant, so every age and
count is the same on every run.
"""

from __future__ import annotations

import pytest
from deck_helpers import build_app, deck_settled, wait_for_jobs
from fakes import wait_until

from jobdeck.adapters.intuned import IntunedAdapter, IntunedSettings
from jobdeck.clock import FrozenClock
from jobdeck.emulators.core import SimClock
from jobdeck.emulators.intuned import DEFAULT_API_KEY, DEFAULT_PROJECT, DEFAULT_WORKSPACE_ID, IntunedEmulator
from jobdeck.model import JobRef
from jobdeck.ui.widgets.log_view import LogView
from jobdeck.ui.widgets.run_detail import RunDetail

KEY_ENV = "JOBDECK_TEST_INTUNED_KEY"
IN_FLIGHT = JobRef(backend="intuned", id="catalog-sync")


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, DEFAULT_API_KEY)


def build_intuned_deck(tmp_path):
    emulator = IntunedEmulator(seed=5, clock=SimClock(speed=0))
    emulator.advance(12)
    clock = FrozenClock(emulator.clock.now())
    settings = IntunedSettings(
        name="intuned", workspace_id=DEFAULT_WORKSPACE_ID, project=DEFAULT_PROJECT, api_key_env=KEY_ENV,
        base_url="http://intuned.test/api/v1/workspace",
    )
    adapter = IntunedAdapter(settings, clock=clock, transport=emulator.transport())
    return build_app(tmp_path, adapters=[adapter], clock=clock)


def test_an_intuned_run_in_flight_with_its_counts_at_120x40(snap_compare, tmp_path):
    app = build_intuned_deck(tmp_path)

    async def run_before(pilot) -> None:
        jobs = await wait_for_jobs(app, 4)
        assert jobs.select_ref(IN_FLIGHT)
        detail = app.screen.query_one(RunDetail)
        await wait_until(lambda: len(detail.runs) > 1, what="the runs of the job")
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.line_count >= 2, what="the observed run events")
        await deck_settled(app, pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
