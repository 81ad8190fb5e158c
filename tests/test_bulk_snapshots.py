"""What marked rows, the bulk confirmation, its progress window and a new failure look like,
at 120x40 and 80x24 (README, Several jobs at once and Alerts)."""

from __future__ import annotations

from deck_helpers import build_app, deck_settled, wait_for_jobs
from fakes import wait_until

from jobdeck.model import JobState
from jobdeck.ui.screens.bulk_actions import BulkProgressScreen
from jobdeck.ui.screens.confirm import ConfirmScreen


def marking(app, *keys: str):
    """A run_before that waits for the first poll, marks the first and third jobs, then presses ``keys``."""

    async def run_before(pilot) -> None:
        await wait_for_jobs(app, 6)
        await pilot.press("space", "down", "space")
        await deck_settled(app, pilot)
        if keys:
            await pilot.press(*keys)
            await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
            await pilot.pause()

    return run_before


def test_marked_rows_at_120x40(snap_compare, tmp_path):
    app = build_app(tmp_path)
    assert snap_compare(app, terminal_size=(120, 40), run_before=marking(app))


def test_marked_rows_at_80x24(snap_compare, tmp_path):
    app = build_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=marking(app))


def test_bulk_confirmation_at_120x40(snap_compare, tmp_path):
    # Every job marked, then cancel: two of them cannot be, and the dialog says why.
    app = build_app(tmp_path)
    assert snap_compare(app, terminal_size=(120, 40), run_before=marking(app, "V", "x"))


def test_bulk_confirmation_at_80x24(snap_compare, tmp_path):
    app = build_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=marking(app, "V", "x"))


def test_bulk_progress_with_a_failure_at_120x40(snap_compare, tmp_path):
    from deck_helpers import sample_backends

    from jobdeck.clock import FrozenClock
    from jobdeck.errors import Unreachable

    clock = FrozenClock()
    local, cluster = sample_backends(clock)
    cluster.fail_always(Unreachable("connection refused (10.0.0.9:443)"), method="cancel")
    app = build_app(tmp_path, [local, cluster], clock=clock)

    async def run_before(pilot) -> None:
        await marking(app, "V", "x")(pilot)
        await pilot.press("y")
        await wait_until(lambda: isinstance(app.screen, BulkProgressScreen) and app.screen.finished, what="the end")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_new_failure_at_120x40(snap_compare, tmp_path):
    from deck_helpers import sample_backends

    from jobdeck.clock import FrozenClock

    clock = FrozenClock()
    local, cluster = sample_backends(clock)
    app = build_app(tmp_path, [local, cluster], clock=clock)
    app.bell = lambda: None  # (headless: nothing to ring)

    async def run_before(pilot) -> None:
        jobs = await wait_for_jobs(app, 6)
        await pilot.press("down")
        local.update_job("20260101-1158-c3", state=JobState.FAILED, raw_state="failed", error="out of memory")
        await app.monitor.refresh("local")
        await wait_until(lambda: bool(app.screen._new_failures), what="the new failure")
        assert jobs.highlighted is not None
        await deck_settled(app, pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
