"""The detail pane's run-history strip: the last runs of the same job (backend and name,
or group) from jobdeck's history, as state glyphs with durations, with the success rate
and p50/p95 duration; with history off, no strip (nor room kept for one)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from deck_helpers import sample_backends, screen_text, seconds_before, wait_for_jobs
from fakes import FakeAdapter, make_job, wait_until
from history_deck import earlier_runs, history_app, history_settled, record, seed_history

from jobdeck.clock import FrozenClock
from jobdeck.model import JobGroup, JobRef, JobState
from jobdeck.store.run_stats import RunStats, percentile
from jobdeck.store.sqlite import FILE_NAME
from jobdeck.store.sqlite.run_history import recent_runs
from jobdeck.ui.widgets.run_detail import RunDetail
from jobdeck.ui.widgets.run_strip import RunStrip

FAILED = JobRef(backend="local", id="20260101-1155-b2")  # etl-orders, failed after 58 s
BACKUP = JobRef(backend="local", id="20260101-1150-a1")  # nightly-backup: no earlier runs


def strip_lines(app) -> list[str]:
    strip = app.screen.query_one(RunStrip)
    lines = [line.rstrip() for line in screen_text(app).splitlines()[strip.region.y:strip.region.bottom]]
    assert len(lines) == 2, (strip.region, screen_text(app))
    return lines


# -- the arithmetic, shared with `jobdeck stats` -------------------------------------


def test_percentiles_are_by_nearest_rank_and_the_rate_counts_finished_runs_only():
    stats = RunStats()
    for state, seconds in [(JobState.SUCCEEDED, 10), (JobState.FAILED, 40), (JobState.SUCCEEDED, 20),
                           (JobState.CANCELED, 30), (JobState.RUNNING, 999), (JobState.PENDING, None)]:
        stats.add(state, seconds)
    assert (stats.runs, stats.finished, stats.succeeded) == (6, 4, 2)
    assert stats.success_rate == 0.5
    assert stats.percentile(50) == 20 and stats.percentile(95) == 40  # the running run's 999 s is no duration yet
    assert percentile([], 50) is None and RunStats().success_rate is None
    assert percentile([5.0], 95) == 5.0


# -- the history's query ----------------------------------------------------------------


def test_the_query_reads_the_same_jobs_last_runs_newest_first(tmp_path: Path):
    clock = FrozenClock()
    runs = earlier_runs(clock)
    seed_history(tmp_path, clock, runs)
    record(tmp_path, clock.now(), "local", [make_job("other", JobState.FAILED, backend="local", name="etl-refunds")])
    record(tmp_path, clock.now(), "elsewhere", [make_job("x", JobState.FAILED, backend="elsewhere", name="etl-orders")])

    found = recent_runs(tmp_path / FILE_NAME, runs[-1], limit=4)
    assert [run.job_id for run in found] == ["etl-orders-10", "etl-orders-9", "etl-orders-8", "etl-orders-7"]
    assert [run.state for run in found] == [JobState.SUCCEEDED, JobState.FAILED, JobState.SUCCEEDED, JobState.SUCCEEDED]
    assert found[0].is_run_of(runs[-1]) and not found[1].is_run_of(runs[-1])
    assert found[1].ended - found[1].started == timedelta(seconds=9)
    assert recent_runs(tmp_path / "none.sqlite3", runs[-1]) == []


def test_a_job_in_a_group_has_its_groups_runs_whatever_their_names(tmp_path: Path):
    clock = FrozenClock()
    ago = seconds_before(clock)
    group = JobGroup(key="task-7", name="translate")
    jobs = [
        make_job(f"e{n}", JobState.SUCCEEDED, backend="julep", name=f"execution {n}", group=group,
                 created=ago(600 - n), started=ago(600 - n), ended=ago(500 - n))
        for n in range(3)
    ]
    seed_history(tmp_path, clock, jobs, backend="julep")
    record(tmp_path, clock.now(), "julep", [make_job("lone", backend="julep", name="execution 1")])
    found = recent_runs(tmp_path / FILE_NAME, jobs[0])
    assert [run.job_id for run in found] == ["e2", "e1", "e0"]


# -- in the deck ---------------------------------------------------------------------


async def test_the_strip_shows_the_jobs_earlier_runs_with_the_rate_and_percentiles(tmp_path: Path):
    clock = FrozenClock()
    seed_history(tmp_path, clock, earlier_runs(clock))
    app = history_app(tmp_path, sample_backends(clock), clock)
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(FAILED)
        await history_settled(app, pilot)
        strip = app.screen.query_one(RunStrip)
        data = strip.data
        assert data is not None and not data.loading
        # The eleven earlier runs and this one, the newest first, this one marked.
        assert len(data.runs) == 12 and data.runs[0].marked and not any(run.marked for run in data.runs[1:])
        stats = data.stats()
        assert (stats.succeeded, stats.failed, stats.canceled) == (8, 3, 1)
        # Durations 9 12 30 57 58 58 59 61 62 64 66 75: the 6th and the 12th by nearest rank.
        assert (stats.percentile(50), stats.percentile(95)) == (58, 75)
        top, summary = strip_lines(app)
        # The newest on the right; the oldest that do not fit give way to "…".
        assert top.split("│")[-2].split() == ["History", "…", "✓1m15s", "✓57s", "✗9s", "✓1m06s", "✗58s"]
        # At this width the line below has no room to say how many jobs.
        assert summary.split("│")[-2].strip() == "67% ok · p50 58s · p95 1m15s"
        await pilot.resize_terminal(200, 40)
        await pilot.pause()
        top, summary = strip_lines(app)
        assert summary.split("│")[-2].strip() == "12 jobs of this name · 67% ok · p50 58s · p95 1m15s"


async def test_a_job_without_earlier_runs_is_its_own_one_run(tmp_path: Path):
    clock = FrozenClock()
    app = history_app(tmp_path, sample_backends(clock), clock)
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(BACKUP)
        await history_settled(app, pilot)
        top, summary = strip_lines(app)
        assert top.split("│")[-2].split() == ["History", "✓2m50s"]
        assert summary.split("│")[-2].strip() == "100% ok · p50 2m50s · p95 2m50s"


async def test_the_strip_follows_the_shown_jobs_new_state(tmp_path: Path):
    clock = FrozenClock()
    seed_history(tmp_path, clock, earlier_runs(clock, name="train-model", runs=[(JobState.SUCCEEDED, 100)]))
    adapters = sample_backends(clock)
    app = history_app(tmp_path, adapters, clock)
    async with app.run_test(size=(200, 40)) as pilot:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(JobRef(backend="local", id="20260101-1158-c3"))
        await history_settled(app, pilot)
        strip = app.screen.query_one(RunStrip)
        assert [run.state for run in strip.data.runs] == [JobState.RUNNING, JobState.SUCCEEDED]
        assert "2 jobs of this name · 100% ok" in strip_lines(app)[1]
        # It fails: the strip says so with the next poll.
        [local, _] = adapters
        running = next(job for job in local.jobs if job.name == "train-model")
        local.upsert_job(running.model_copy(update={"state": JobState.FAILED, "ended": clock.now()}))
        await app.monitor.refresh()
        await wait_until(lambda: strip.data.runs[0].state is JobState.FAILED, what="the new state")
        await history_settled(app, pilot)
        assert "2 jobs of this name · 50% ok" in strip_lines(app)[1]


async def test_a_retry_that_ran_and_failed_between_two_polls_is_drawn_with_its_own_times(tmp_path: Path):
    """The job's state reads failed before and after (a local retry is a new run of the same
    job): the strip is read again all the same, and its glyph takes the new run's duration."""
    clock = FrozenClock()
    adapters = sample_backends(clock)
    app = history_app(tmp_path, adapters, clock)
    async with app.run_test(size=(200, 40)) as pilot:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(FAILED)
        await history_settled(app, pilot)
        strip = app.screen.query_one(RunStrip)
        assert strip_lines(app)[0].split("│")[-2].split() == ["History", "✗58s"]
        [local, _] = adapters
        failed = next(job for job in local.jobs if job.ref == FAILED)
        retried = clock.now() - timedelta(seconds=3)
        local.upsert_job(failed.model_copy(update={"started": retried, "ended": clock.now()}))
        await app.monitor.refresh()
        await wait_until(lambda: strip.data.runs[0].begun == retried, what="the retry's times")
        await history_settled(app, pilot)
        assert strip_lines(app)[0].split("│")[-2].split() == ["History", "✗3s"]
        assert "1 job of this name" in strip_lines(app)[1]


async def test_a_job_in_a_group_counts_the_jobs_of_its_group_by_the_groups_name(tmp_path: Path):
    clock = FrozenClock()
    ago = seconds_before(clock)
    group = JobGroup(key="task-7", name="translate-batch")
    executions = [
        make_job(f"e{n}", state, backend="julep", name=f"translate-batch: batch=b-00{n}", group=group,
                 created=ago(600 - n), started=ago(600 - n), ended=ago(590 - n))
        for n, state in enumerate([JobState.SUCCEEDED, JobState.FAILED, JobState.FAILED])
    ]
    seed_history(tmp_path, clock, executions[:2], backend="julep")
    julep = FakeAdapter.build("julep", jobs=executions[2:], clock=clock)
    app = history_app(tmp_path, [julep], clock)
    async with app.run_test(size=(200, 40)) as pilot:
        jobs = await wait_for_jobs(app, 1)
        assert jobs.select_ref(JobRef(backend="julep", id="e2"))
        await history_settled(app, pilot)
        assert strip_lines(app)[1].split("│")[-2].strip().startswith("3 jobs of translate-batch · 33% ok")


async def test_in_ascii_the_glyphs_are_ascii(tmp_path: Path):
    clock = FrozenClock()
    seed_history(tmp_path, clock, earlier_runs(clock))
    app = history_app(tmp_path, sample_backends(clock), clock, ascii=True)
    async with app.run_test(size=(80, 24)) as pilot:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(FAILED)
        await history_settled(app, pilot)
        top, summary = strip_lines(app)
        assert top.rstrip("| ").endswith("+57s x9s +1m06s x58s")
        assert "~" in top and top.isascii() and summary.isascii()
        assert "12 jobs of this name - 67% ok - p50 58s - p95 1m15s" in summary


# -- with history off ------------------------------------------------------------------


async def test_with_history_off_a_job_that_is_its_own_run_has_no_strip(tmp_path: Path):
    clock = FrozenClock()
    app = history_app(tmp_path, sample_backends(clock), clock, history=False)
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(FAILED)
        await history_settled(app, pilot)
        strip = app.screen.query_one(RunStrip)
        assert strip.data is None and not strip.display
        assert app.screen.query_one(RunDetail).region.y == strip.parent.content_region.y


async def test_a_history_that_cannot_be_read_says_so_in_the_strip(tmp_path: Path):
    from jobdeck.config import Settings
    from jobdeck.monitor import Monitor
    from jobdeck.store.memory import MemoryStore
    from jobdeck.ui.app import JobdeckApp

    clock = FrozenClock()
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"this is no database " * 200)
    adapters = sample_backends(clock)
    monitor = Monitor(adapters, clock=clock, store=MemoryStore(tmp_path, clock=clock))
    app = JobdeckApp(Settings(backends=[a.settings for a in adapters]), monitor, clock=clock, history_file=damaged)
    async with app.run_test(size=(200, 40)) as pilot:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(FAILED)
        await history_settled(app, pilot)
        top, summary = strip_lines(app)
        assert top.split("│")[-2].split() == ["History", "✗58s"]  # the job shown, at least
        assert summary.split("│")[-2].strip() == "history cannot be read: file is not a database"


async def test_an_older_run_shown_stays_in_view_with_the_runs_around_it(tmp_path: Path):
    from fakes import FakeAdapter

    clock = FrozenClock()
    runs = earlier_runs(clock)
    seed_history(tmp_path, clock, runs)
    local = FakeAdapter.build("local", clock=clock, jobs=runs)  # the backend still lists them all
    app = history_app(tmp_path, [local], clock)
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await wait_for_jobs(app, len(runs))
        assert jobs.select_ref(runs[2].ref)  # the third oldest: failed after 12 s
        await history_settled(app, pilot)
        strip = app.screen.query_one(RunStrip)
        assert [run.marked for run in strip.data.runs].index(True) == len(runs) - 3
        top, _ = strip_lines(app)
        shown = top.split("│")[-2].split()
        # The runs before it give way (…), then it, then as many newer runs as fit (…).
        assert shown[:3] == ["History", "…", "✗12s"] and shown[-1] == "…", shown


async def test_a_run_chosen_with_a_bracket_comes_into_view_below_the_strip(tmp_path: Path):
    """`[`/`]` still step through the job's own runs; the run chosen is scrolled to the top
    of the pane, the strip above the detail counted."""
    from test_deck_runs import cluster, open_job

    clock = FrozenClock()
    app = history_app(tmp_path, [cluster(clock)], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await open_job(app, pilot)
        await history_settled(app, pilot)
        await pilot.press("right_square_bracket")
        await wait_until(lambda: detail.chosen == 1, what="the older run")
        await pilot.pause()
        await pilot.pause()
        pane = app.screen.query_one("#detail-pane")
        strip = app.screen.query_one(RunStrip)
        top, _ = detail.run_section
        assert strip.display and pane.scroll_y == top + strip.outer_size.height


def test_a_damaged_row_is_read_with_what_can_be_read_of_it(tmp_path: Path):
    """The history file is not ours alone: a row whose times are no times, or whose state is
    no text, is a run of unknown times (the strip never waits for a reading that failed)."""
    import sqlite3

    clock = FrozenClock()
    runs = earlier_runs(clock)
    seed_history(tmp_path, clock, runs)
    with sqlite3.connect(tmp_path / FILE_NAME) as connection:
        connection.execute(
            "UPDATE jobs SET started = 'soon', ended = 1e300, created = x'00', state = 7 WHERE job_id = ?",
            ("etl-orders-9",),
        )
    found = recent_runs(tmp_path / FILE_NAME, runs[-1], limit=3)
    assert [run.job_id for run in found] == ["etl-orders-10", "etl-orders-9", "etl-orders-8"]
    damaged = found[1]
    assert (damaged.state, damaged.started, damaged.ended, damaged.created) == (JobState.UNKNOWN, None, None, None)


async def test_a_history_of_another_shape_says_why_in_the_strip_instead_of_reading_for_ever(tmp_path: Path):
    import sqlite3

    from jobdeck.config import Settings
    from jobdeck.monitor import Monitor
    from jobdeck.store.memory import MemoryStore
    from jobdeck.ui.app import JobdeckApp

    clock = FrozenClock()
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as connection:  # a database, but not jobdeck's: no columns it reads
        connection.execute("CREATE TABLE jobs (something TEXT)")
    adapters = sample_backends(clock)
    monitor = Monitor(adapters, clock=clock, store=MemoryStore(tmp_path, clock=clock))
    app = JobdeckApp(Settings(backends=[a.settings for a in adapters]), monitor, clock=clock, history_file=foreign)
    async with app.run_test(size=(200, 40)) as pilot:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(FAILED)
        await history_settled(app, pilot)
        _, summary = strip_lines(app)
        assert summary.split("│")[-2].strip().startswith("history cannot be read: no such column")
