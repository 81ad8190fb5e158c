"""What a Julep execution's transitions look like in the deck (120x40).

The emulator's clock is frozen (speed 0) at the same instant as the deck's
FrozenClock, so ids, times and ages are the same on every run."""

from __future__ import annotations

import pytest
from deck_helpers import build_app, deck_settled, wait_for_jobs
from fakes import wait_until

from jobdeck.adapters.julep import JulepAdapter, JulepSettings
from jobdeck.clock import FrozenClock
from jobdeck.emulators.core import SimClock
from jobdeck.emulators.julep import DEFAULT_API_KEY, JulepEmulator
from jobdeck.model import JobRef
from jobdeck.ui.widgets.log_view import LogView
from jobdeck.ui.widgets.timeline import Timeline

KEY_ENV = "JULEP_SNAPSHOT_KEY"


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, DEFAULT_API_KEY)


def test_an_execution_s_transitions_in_the_deck(snap_compare, tmp_path):
    emulator = JulepEmulator(seed=5, clock=SimClock(speed=0), spawn_every=None)
    failed = next(e for e in emulator.world.executions.values() if e.status == "failed")
    tasks = emulator.task_ids()
    settings = JulepSettings(
        name="julep",
        url="http://julep.test",
        api_key_env=KEY_ENV,
        jobs=[failed.job_id, "00000000-0000-7000-8000-000000000000"],
        tasks=tasks,
        task_names=dict(zip(tasks, ["summarize-docs", "translate-batch"], strict=True)),
    )
    adapter = JulepAdapter(settings, clock=emulator.clock, transport=emulator.transport())
    app = build_app(tmp_path, adapters=[adapter], clock=FrozenClock())
    expected_lines = len(failed.transitions)

    async def run_before(pilot) -> None:
        jobs = await wait_for_jobs(app, 2 + len(emulator.world.executions))
        # The push channel's first yield wakes one more poll: let it land before looking.
        await wait_until(lambda: app.monitor.health()["julep"].pushing, what="the push channel")
        await app.monitor.refresh()
        await pilot.press("t")
        assert jobs.select_ref(JobRef(backend="julep", id=failed.id))
        log_view = app.screen.query_one(LogView)
        timeline = app.screen.query_one(Timeline)
        await wait_until(lambda: log_view.line_count >= expected_lines, what="the transitions in the log")
        await wait_until(lambda: len(timeline.events) >= expected_lines, what="the transitions in the timeline")
        await pilot.wait_for_scheduled_animations()
        await deck_settled(app, pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
