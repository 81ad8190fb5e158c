"""The job a key acts on has one owner: the job list's cursor (``JobList.highlighted``).

The panes show that job once the cursor rests; a key pressed before they have
caught up still acts on the job under the cursor, never on the one they show.
"""

from __future__ import annotations

from deck_helpers import build_app, toasts, wait_for_jobs
from fakes import wait_until
from textual import events

from jobdeck.ui.screens.deck import DeckScreen
from jobdeck.ui.widgets.run_detail import RunDetail

WIDE = (120, 40)


async def test_c_pressed_in_the_same_burst_as_a_cursor_move_copies_the_job_under_the_cursor(tmp_path, monkeypatch):
    # Every highlight is shown at once (no settling timer): only the burst can outrun the panes.
    monkeypatch.setattr(DeckScreen, "settle_seconds", 0.0)
    app = build_app(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        detail = app.screen.query_one(RunDetail)
        await wait_until(lambda: detail.job is not None and detail.job.ref == jobs.highlighted.ref, what="the first job")
        first = jobs.highlighted.ref
        # Both keys are queued before either is handled: the panes learn of the move after c.
        app.post_message(events.Key("down", None))
        app.post_message(events.Key("c", "c"))
        await wait_until(lambda: any(t.startswith("Copied ") for t in toasts(app)), what="the copy")
        target = jobs.highlighted.ref
        assert target != first
        assert f"Copied {target}" in toasts(app)
        assert app.clipboard == str(target)
        # ... and the panes then show that job.
        await wait_until(lambda: detail.job is not None and detail.job.ref == target, what="the panes")
