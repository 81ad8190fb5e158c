"""A Ray job in the deck, from what a real Ray 2.60 head answered (recorded once by
tests/engines/ray_data/record_screenshot.py): the recorded answers are replayed under the
adapter's own HTTP client, so its requests, validation, redaction and task counts run as
against the head. The deck's clock is the recording's, so ages and durations are the ones
seen then. The sweep's runtime_env and entrypoint carry (fake) secrets: hidden in the detail."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from deck_helpers import build_app, deck_settled, wait_for_jobs
from fakes import wait_until
from http_recording import Replay, load

from jobdeck.adapters.ray import RayAdapter, RaySettings
from jobdeck.clock import FrozenClock
from jobdeck.model import JobRef
from jobdeck.ui.panes.detail import DetailPane
from jobdeck.ui.widgets.log_view import LogView
from jobdeck.ui.widgets.run_detail import RunDetail

DATA = Path(__file__).parent / "engines" / "ray_data"
RECORDED = DATA / "recorded"

META = json.loads((RECORDED / "meta.json").read_text())
SWEEP = JobRef(backend="ray", id=META["ids"]["sweep"])


def ray_deck(tmp_path: Path):
    clock = FrozenClock(datetime.fromtimestamp(META["recorded_at"], UTC))
    replay = Replay(load(RECORDED / "answers.json")["answers"])
    settings = RaySettings(kind="ray", name="ray", url="http://127.0.0.1:8265", interval=3600)
    app = build_app(tmp_path, [RayAdapter(settings, clock=clock, transport=replay)], clock=clock)
    return app, replay


def on_the_sweep(app, replay: Replay, *, detail_from: str | None = None):
    """A run_before that selects the sweep and waits for its log; with ``detail_from``, the
    detail pane is scrolled to the row that starts with it."""

    async def run_before(pilot) -> None:
        jobs = await wait_for_jobs(app, 4)
        assert jobs.select_ref(SWEEP)
        await deck_settled(app, pilot)
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: any("best loss" in line for line in log_view.lines_text()), what="the log")
        if detail_from:
            pane = app.screen.query_one(DetailPane)
            detail = pane.query_one(RunDetail)
            rows = [detail.render_line(y).text for y in range(detail.virtual_size.height)]
            pane.scroll_to(y=next(y for y, text in enumerate(rows) if text.lstrip().startswith(detail_from)),
                           animate=False, immediate=True)
        await pilot.pause()
        assert not replay.missing, f"the deck asked what was not recorded: {replay.missing}"

    return run_before


def test_a_ray_job_at_120x40(snap_compare, tmp_path):
    app, replay = ray_deck(tmp_path)
    assert snap_compare(app, terminal_size=(120, 40), run_before=on_the_sweep(app, replay))


def test_a_ray_job_at_80x24(snap_compare, tmp_path):
    app, replay = ray_deck(tmp_path)
    # The detail at the job's own fields: its entrypoint and runtime_env, their secrets hidden.
    assert snap_compare(app, terminal_size=(80, 24), run_before=on_the_sweep(app, replay, detail_from="entrypoint"))
