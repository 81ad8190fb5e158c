"""A Slurm array job in the deck, from what a real Slurm 22.05 answered (recorded once by
tests/engines/slurm_data/record_screenshot.py): Slurm's commands on PATH replay the
recording, so the adapter's whole cli mode (its subprocesses, squeue's JSON, text sacct,
scontrol's log paths, the log files) runs as against the cluster. The deck's clock is
the recording's, so every age and duration is the one seen then."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from deck_helpers import build_app, deck_settled, wait_for_jobs
from fakes import wait_until

from jobdeck.adapters.slurm import SlurmAdapter, SlurmSettings
from jobdeck.clock import FrozenClock
from jobdeck.model import JobRef
from jobdeck.ui.panes.detail import DetailPane
from jobdeck.ui.widgets.log_view import LogView
from jobdeck.ui.widgets.run_detail import RunDetail

DATA = Path(__file__).parent / "engines" / "slurm_data"
RECORDED = DATA / "recorded"
sys.path.insert(0, str(DATA))
from slurm_replay import replay_path  # noqa: E402

META = json.loads((RECORDED / "meta.json").read_text())
ARRAY = JobRef(backend="hpc", id=META["ids"]["render"])


@pytest.fixture
def recorded_slurm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """Slurm's commands first on PATH, answering as the recorded cluster; the clock of the recording."""
    commands = replay_path(tmp_path / "bin", RECORDED, RECORDED / "logs")
    monkeypatch.setenv("PATH", f"{commands}:{Path(sys.executable).parent}:/usr/bin:/bin")
    return FrozenClock(datetime.fromtimestamp(int(META["recorded_at"]), UTC))


def slurm_deck(tmp_path: Path, clock: FrozenClock):
    settings = SlurmSettings(kind="slurm", name="hpc", users=[META["user"]], interval=3600)
    return build_app(tmp_path, [SlurmAdapter(settings, clock=clock)], clock=clock)


def on_the_array(app, *keys: str, log_text: str = "", runs_in_view: bool = False):
    """A run_before that selects the array job, presses ``keys`` and waits for ``log_text`` in its
    log; with ``runs_in_view``, the detail pane is scrolled to the chosen run's row of its Runs."""

    async def run_before(pilot) -> None:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(ARRAY)
        await deck_settled(app, pilot)
        if keys:
            await pilot.press(*keys)
            await deck_settled(app, pilot)
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_text in "\n".join(log_view.lines_text()), what=f"{log_text!r} in the log")
        if runs_in_view:
            pane = app.screen.query_one(DetailPane)
            detail = pane.query_one(RunDetail)
            rows = [detail.render_line(y).text for y in range(detail.virtual_size.height)]
            chosen = next(y for y, text in enumerate(rows) if text.lstrip().startswith("▸"))
            pane.scroll_to(y=chosen - 3, animate=False, immediate=True)
        await pilot.pause()

    return run_before


#: From the newest task (23, pending) back to task 14, running: the latest started, whose log
#: the log pane follows (the pane follows the job's log, which for an array is that task's).
TO_THE_LATEST_STARTED_TASK = ("right_square_bracket",) * 9


def test_a_slurm_array_at_120x40(snap_compare, tmp_path, recorded_slurm):
    app = slurm_deck(tmp_path, recorded_slurm)
    run_before = on_the_array(app, *TO_THE_LATEST_STARTED_TASK, log_text="frame 14: 1,920x1,080",
                              runs_in_view=True)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_a_slurm_array_at_80x24(snap_compare, tmp_path, recorded_slurm):
    app = slurm_deck(tmp_path, recorded_slurm)
    assert snap_compare(app, terminal_size=(80, 24), run_before=on_the_array(app, log_text="frame 14"))
