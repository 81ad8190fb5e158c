"""What an Istari job's timeline looks like in the deck (120x40).

The emulator's clock is frozen (speed 0) at the same instant as the deck's
FrozenClock, so ids, times and ages are the same on every run."""

from __future__ import annotations

import pytest
from deck_helpers import build_app, deck_settled, wait_for_jobs
from fakes import wait_until

from jobdeck.adapters.istari import IstariAdapter, IstariSettings
from jobdeck.clock import FrozenClock
from jobdeck.emulators.core import SimClock
from jobdeck.emulators.istari import DEFAULT_TOKEN, IstariEmulator
from jobdeck.model import JobRef
from jobdeck.ui.widgets.log_view import LogView

TOKEN_ENV = "ISTARI_SNAPSHOT_PAT"


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, DEFAULT_TOKEN)


def test_an_istari_jobs_timeline_in_the_deck(snap_compare, tmp_path):
    emulator = IstariEmulator(seed=5, clock=SimClock(speed=0))
    jobs = list(emulator.world.jobs.values())
    # The newest failure: it went through the agent's statuses and failed with a message.
    failed = next(job for job in reversed(jobs) if job.status_name.value == "Failed")
    settings = IstariSettings(name="istari", registry_url="http://istari.test", token_env=TOKEN_ENV)
    adapter = IstariAdapter(settings, clock=emulator.clock, transport=emulator.transport())
    app = build_app(tmp_path, adapters=[adapter], clock=FrozenClock())
    active = sum(not job.archived for job in jobs)

    async def run_before(pilot) -> None:
        job_list = await wait_for_jobs(app, active)
        assert job_list.select_ref(JobRef(backend="istari", id=failed.id))
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.line_count >= len(failed.status_history), what="the status messages")
        await pilot.pause()
        await pilot.press("t")
        await deck_settled(app, pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
