"""Marks and bulk actions in the deck (README, Several jobs at once): space marks, V marks
what the filter shows, esc clears marks before the filter; an action key with jobs marked
asks once (how many, on which backends, which cannot and why), then acts on each through
the gate (one action-log entry per job), a failing backend stopping no other; read-only
and the kiosk refuse as they refuse one job."""

from __future__ import annotations

import json
from pathlib import Path

from deck_helpers import sample_deck, screen_text, toasts, wait_for_jobs
from fakes import wait_until

from jobdeck.errors import Unreachable
from jobdeck.ui.screens.bulk_actions import BulkProgressScreen
from jobdeck.ui.screens.confirm import ConfirmScreen
from jobdeck.ui.screens.marks import MARK, MARK_ASCII
from jobdeck.ui.widgets.job_list import JobList

WIDE = (120, 40)


def logged(tmp_path: Path) -> list[tuple[str, str, str, str]]:
    path = tmp_path / "actions.jsonl"
    if not path.exists():
        return []
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    return [(e["backend"], e["job"], e["action"], e["result"]) for e in entries]


def marked_names(app) -> list[str]:
    jobs = app.screen.query_one(JobList)
    return [job.name for job in jobs.every_job if job.ref in app.screen.marked]


def row_of(app, name: str) -> str:
    return next(line for line in screen_text(app).splitlines() if name in line)


async def test_space_marks_the_selected_job_and_moves_down_and_the_row_and_header_show_it(tmp_path: Path) -> None:
    app, _ = sample_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        first, second = jobs.rows[0], jobs.rows[1]
        await pilot.press("space", "space")  # the first two, the cursor moving down
        await pilot.press("up", "space")  # the second again: unmarked
        await pilot.pause()

        assert app.screen.marked == [first.ref]
        mark = MARK_ASCII if app.ascii else MARK
        assert mark + first.name in row_of(app, first.name)
        assert mark not in row_of(app, second.name)
        assert f"{mark}1 marked" in screen_text(app).splitlines()[0]


async def test_v_marks_every_job_the_filter_shows_and_again_unmarks_them(tmp_path: Path) -> None:
    app, _ = sample_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("slash", *"backend:cluster", "enter", "V")
        await pilot.pause()
        assert sorted(marked_names(app)) == ["provision m-07", "scrape-catalog", "weekly-report"]

        await pilot.press("V")
        assert app.screen.marked == []


async def test_esc_clears_the_marks_first_then_the_filter(tmp_path: Path) -> None:
    app, _ = sample_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        await pilot.press("slash", *"backend:cluster", "enter", "V", "escape")
        await pilot.pause()
        assert (app.screen.marked, jobs.filter_text) == ([], "backend:cluster")

        await pilot.press("escape")
        assert jobs.filter_text == ""


async def test_one_confirmation_says_how_many_on_which_backends_and_which_cannot_and_why(tmp_path: Path) -> None:
    app, adapters = sample_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("V", "x")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        title = str(app.screen.query_one("#confirm-title").render())
        message = str(app.screen.query_one("#confirm-message").render())

        assert title == "Cancel 4 marked jobs?"
        assert message.splitlines()[0] == "Cancel: 1 on local, 3 on cluster."
        assert "2 other marked jobs cannot be acted on:" in message
        assert "nightly-backup" in message and "etl-orders" in message
        await pilot.press("n")
        await pilot.pause()
        assert all(adapter.mutations == [] for adapter in adapters)
        assert len(app.screen.marked) == 6  # a no keeps the marks


async def test_yes_acts_on_each_job_it_can_with_one_action_log_entry_each_and_keeps_the_rest_marked(
    tmp_path: Path,
) -> None:
    app, (local, cluster) = sample_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("V", "x")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        await pilot.press("y")
        await wait_until(lambda: len(logged(tmp_path)) == 4, what="four entries in the action log")
        progress = app.screen
        await wait_until(lambda: isinstance(progress, BulkProgressScreen) and progress.finished, what="the end")

        assert sorted(logged(tmp_path)) == [
            ("cluster", "run-7702", "cancel", "ok"),
            ("cluster", "run-7779", "cancel", "ok"),
            ("cluster", "run-7781", "cancel", "ok"),
            ("local", "20260101-1158-c3", "cancel", "ok"),
        ]
        assert local.mutations == [("cancel", "20260101-1158-c3")]
        assert sorted(cluster.mutations) == [("cancel", "run-7702"), ("cancel", "run-7779"), ("cancel", "run-7781")]
        # The outcomes are in the window, not in six toasts.
        assert not any("canceled" in toast for toast in toasts(app))
        await pilot.press("escape")  # closes the window
        # Those that could not be canceled stay marked, to act on otherwise.
        assert sorted(marked_names(app)) == ["etl-orders", "nightly-backup"]


async def test_a_backend_that_fails_stops_no_other_and_each_failure_has_its_line(tmp_path: Path) -> None:
    app, (local, cluster) = sample_deck(tmp_path)
    cluster.fail_always(Unreachable("connection refused"), method="cancel")
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("V", "x")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        await pilot.press("y")
        await wait_until(lambda: isinstance(app.screen, BulkProgressScreen), what="the progress window")
        progress = app.screen
        await wait_until(lambda: progress.finished, what="the bulk action to end")
        await pilot.pause()
        failures = progress.query_one("#bulk-failures").lines

        assert (progress.done, progress.failed) == (1, 3)
        assert len(failures) == 3
        assert all("connection refused" in line for line in failures)
        assert local.mutations == [("cancel", "20260101-1158-c3")]
        assert sorted(result for *_, result in logged(tmp_path)) == ["failed", "failed", "failed", "ok"]
        assert str(progress.query_one("#bulk-status").render()) == "Finished: 1 done · 3 failed"


async def test_marked_jobs_in_read_only_mode_are_each_refused_and_logged_and_nothing_reaches_a_backend(
    tmp_path: Path,
) -> None:
    app, adapters = sample_deck(tmp_path, read_only=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("V", "r")
        await wait_until(lambda: len(logged(tmp_path)) == 6, what="six refusals in the action log")

        assert {result for *_, result in logged(tmp_path)} == {"refused"}
        assert any("Retry of 6 marked jobs is unavailable: read-only mode" in toast for toast in toasts(app))
        assert all(adapter.mutations == [] for adapter in adapters)
        assert not isinstance(app.screen, ConfirmScreen)


async def test_the_kiosk_marks_nothing_and_acts_on_nothing(tmp_path: Path) -> None:
    app, adapters = sample_deck(tmp_path, kiosk=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        await pilot.press("V", "space", "x", "a")
        await pilot.pause()

        assert app.screen.marked == []
        assert all(adapter.mutations == [] for adapter in adapters)


async def test_an_action_with_no_marks_still_acts_on_the_selected_job_alone(tmp_path: Path) -> None:
    app, (local, _) = sample_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.highlighted is not None and jobs.highlighted.name == "train-model"
        await pilot.press("x")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")

        assert str(app.screen.query_one("#confirm-title").render()) == "Cancel train-model?"


async def test_marks_read_in_plain_ascii_without_colour(tmp_path: Path) -> None:
    from deck_helpers import sample_backends

    from jobdeck.clock import FrozenClock
    from jobdeck.config import Settings
    from jobdeck.monitor import Monitor
    from jobdeck.store.memory import MemoryStore
    from jobdeck.ui.app import JobdeckApp

    clock = FrozenClock()
    adapters = sample_backends(clock)
    monitor = Monitor(adapters, clock=clock, store=MemoryStore(tmp_path))
    app = JobdeckApp(Settings(backends=[a.settings for a in adapters], ascii=True), monitor, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        jobs = await wait_for_jobs(app, 6)
        first = jobs.rows[0]
        await pilot.press("space")
        await pilot.pause()

        assert "[*] " + first.name in row_of(app, first.name)
        assert "[*] 1 marked" in screen_text(app).splitlines()[0]
        assert screen_text(app).isascii()


async def test_with_jobs_marked_every_action_key_is_available(tmp_path: Path) -> None:
    # Restore is greyed out for a job that is not archived; with marks, the confirmation says
    # which marked jobs cannot, so the key is offered (and the footer told).
    app, _ = sample_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_jobs(app, 6)
        assert app.screen.check_action("act", ("restore",)) is None
        await pilot.press("space")
        await pilot.pause()

        assert app.screen.check_action("act", ("restore",)) is True
