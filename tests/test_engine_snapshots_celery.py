"""Celery's grouped view in the deck, from what a real Celery's Flower answered (recorded
once by tests/engines/celery_data/record_screenshot.py): the recorded answers are replayed
through the real celery adapter's HTTP path, so listing, grouping, workers and each task's
detail run as against Flower. The deck's clock is the recording's, so every age, rate and
heartbeat is the one seen then.

Also the workers' part of the header: "2 workers online, 1 active task", and what is left
of it when Flower's workers view does not answer (the listing stands, the note says why)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from deck_helpers import build_app, deck_settled, wait_for_jobs
from fakes import wait_until
from http_recording import Replay, load

from jobdeck.adapters.celery import CeleryAdapter, CelerySettings
from jobdeck.clock import FrozenClock
from jobdeck.model import JobRef, JobState
from jobdeck.ui.panes.detail import DetailPane
from jobdeck.ui.widgets.health_bar import HealthBar
from jobdeck.ui.widgets.run_detail import RunDetail

RECORDED = load(Path(__file__).parent / "engines" / "celery_data" / "recorded" / "flower.json")
IDS: dict[str, str] = RECORDED["ids"]
FLAKY = JobRef(backend="tasks", id=IDS["flaky2"])
FLOWER = "http://flower.invalid:5555"


def recorded_clock() -> FrozenClock:
    return FrozenClock(datetime.fromtimestamp(RECORDED["recorded_at"], UTC))


def celery(clock: FrozenClock, without: frozenset[str] = frozenset()) -> CeleryAdapter:
    settings = CelerySettings(name="tasks", flower_url=FLOWER, interval=3600)
    return CeleryAdapter(settings, clock=clock, transport=Replay(RECORDED["answers"], without))


def celery_deck(tmp_path: Path):
    clock = recorded_clock()
    return build_app(tmp_path, [celery(clock)], clock=clock)


def on(app, ref: JobRef):
    async def run_before(pilot) -> None:
        jobs = await wait_for_jobs(app, len(IDS))
        assert jobs.select_ref(ref)
        await deck_settled(app, pilot)
        detail = app.screen.query_one(RunDetail)
        await wait_until(lambda: detail.job is not None and detail.job.ref == ref, what="the task's detail")
        await pilot.pause()
        # The detail pane scrolled down to the group's rows (as far as it scrolls).
        rows = [detail.render_line(y).text for y in range(detail.size.height)]
        group_row = next(y for y, text in enumerate(rows) if text.lstrip().startswith("Group"))
        app.screen.query_one(DetailPane).scroll_to(y=group_row, animate=False, immediate=True)
        await pilot.pause()

    return run_before


def test_celery_grouped_at_120x40(snap_compare, tmp_path):
    app = celery_deck(tmp_path)
    assert snap_compare(app, terminal_size=(120, 40), run_before=on(app, FLAKY))


def test_celery_grouped_at_80x24(snap_compare, tmp_path):
    app = celery_deck(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=on(app, FLAKY))


async def test_a_task_names_group_counts_its_retries_strip_and_rate_as_flower_told_them() -> None:
    adapter = celery(recorded_clock())
    await adapter.open()
    try:
        jobs = {job.id: job for job in await adapter.list_jobs()}
    finally:
        await adapter.close()

    flaky = jobs[IDS["flaky2"]].group
    assert flaky is not None and flaky.key == "tasks.flaky"
    assert flaky.counts is not None and flaky.counts.count(JobState.FAILED) == 2
    assert flaky.retries == 4  # each of the two retried twice before failing
    assert flaky.recent == (JobState.FAILED, JobState.FAILED)
    sleeps = jobs[IDS["running"]].group
    assert sleeps is not None and sleeps.recent[-2:] == (JobState.CANCELED, JobState.RUNNING)
    assert sleeps.per_minute == pytest.approx(1.0)  # 4 slept and 1 terminated in the last 5 minutes
    assert sleeps.rate_window_s == 300


async def test_the_workers_are_a_note_online_and_active_tasks() -> None:
    adapter = celery(recorded_clock())
    await adapter.open()
    try:
        await adapter.list_jobs()
    finally:
        await adapter.close()

    assert adapter.notes() == ("2 workers online, 1 active task",)
    assert adapter.warnings() == ()


async def test_without_flowers_workers_view_the_listing_stands_and_the_note_says_what_is_unknown() -> None:
    adapter = celery(recorded_clock(), without=frozenset({"/workers"}))
    await adapter.open()
    try:
        jobs = await adapter.list_jobs()
    finally:
        await adapter.close()

    assert len(jobs) == len(IDS)
    assert [worker.online for worker in adapter.workers] == [True, True]
    online, unknown = adapter.notes()
    assert online == "2 workers online"  # how many tasks they run is not known
    assert unknown.startswith("active tasks and heartbeats unknown:") and "404" in unknown


async def test_the_header_tells_the_workers_beside_the_backends_health(tmp_path) -> None:
    app = celery_deck(tmp_path)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for_jobs(app, len(IDS))
        bar = app.screen.query_one(HealthBar)
        await wait_until(lambda: "2 workers online" in bar.render_line(0).text, what="the workers in the header")
        await pilot.pause()
        assert "tasks ok · 2 workers online, 1 active task" in bar.render_line(0).text
