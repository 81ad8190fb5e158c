"""What the deck looks like. Review snapshot_report.html before --snapshot-update;
`make screenshots` copies these SVGs into screenshots/ for the README."""

from __future__ import annotations

from deck_helpers import build_app, deck_settled, wait_for_jobs
from fakes import wait_until

from jobdeck.model import JobRef
from jobdeck.ui.widgets.log_view import LogView

FAILED = JobRef(backend="local", id="20260101-1155-b2")
RUNNING = JobRef(backend="local", id="20260101-1158-c3")
COUNTED = JobRef(backend="cluster", id="run-7781")


def selecting(app, ref: JobRef, *keys: str, log_lines: int = 0):
    """A run_before that waits for the first poll, selects ``ref`` and presses ``keys``."""

    async def run_before(pilot) -> None:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(ref)
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.line_count >= log_lines, what="the log")
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
        await deck_settled(app, pilot)

    return run_before


def test_deck_at_120x40_with_a_failed_job(snap_compare, tmp_path):
    app = build_app(tmp_path)
    assert snap_compare(app, terminal_size=(120, 40), run_before=selecting(app, FAILED, log_lines=2))


def test_deck_at_200x60_with_counts(snap_compare, tmp_path):
    app = build_app(tmp_path)
    assert snap_compare(app, terminal_size=(200, 60), run_before=selecting(app, COUNTED))


def test_deck_at_80x24(snap_compare, tmp_path):
    app = build_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=selecting(app, COUNTED))


def test_deck_at_80x24_showing_the_log(snap_compare, tmp_path):
    app = build_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=selecting(app, RUNNING, "l", log_lines=30))


def test_deck_at_80x24_showing_the_timeline(snap_compare, tmp_path):
    app = build_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=selecting(app, FAILED, "t"))


def test_confirmation_names_the_job_and_backend(snap_compare, tmp_path):
    app = build_app(tmp_path)
    assert snap_compare(app, terminal_size=(120, 40), run_before=selecting(app, FAILED, "r"))


def test_read_only_deck(snap_compare, tmp_path):
    app = build_app(tmp_path, read_only=True)
    assert snap_compare(app, terminal_size=(120, 40), run_before=selecting(app, FAILED))


def test_key_help(snap_compare, tmp_path):
    app = build_app(tmp_path)
    assert snap_compare(app, terminal_size=(120, 40), run_before=selecting(app, FAILED, "question_mark"))
