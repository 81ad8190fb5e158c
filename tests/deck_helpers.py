"""Build a deck on fake backends with a frozen clock, for Pilot and snapshot tests.

Data is fixed and times are relative to the frozen clock, so every snapshot
shows the same ages and durations on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from fakes import FakeAdapter, make_job, wait_until

from jobdeck.clock import FrozenClock
from jobdeck.config import Settings
from jobdeck.model import Capability, Counts, JobState, StatusEvent
from jobdeck.monitor import Monitor
from jobdeck.store.memory import MemoryStore
from jobdeck.ui.app import JobdeckApp
from jobdeck.ui.runtime.css_cache import ParsedCssCache
from jobdeck.ui.widgets.job_list import JobList

#: Everything but the backend's own archive: archive/restore use jobdeck's.
NO_ARCHIVE = frozenset(
    {Capability.LIST, Capability.LOG, Capability.TIMELINE, Capability.RUNS, Capability.RETRY, Capability.CANCEL}
)


def seconds_before(clock: FrozenClock) -> Callable[[float], datetime]:
    """The time ``seconds`` before the frozen clock's now: job times relative to it."""
    now = clock.now()
    return lambda seconds: now - timedelta(seconds=seconds)


def sample_backends(clock: FrozenClock) -> list[FakeAdapter]:
    """Two backends with one job in each interesting state."""
    ago = seconds_before(clock)
    local = FakeAdapter.build(
        "local",
        clock=clock,
        jobs=[
            make_job("20260101-1150-a1", JobState.SUCCEEDED, name="nightly-backup", raw_state="succeeded",
                     created=ago(600), started=ago(590), ended=ago(420), updated=ago(420),
                     labels={"host": "build-01", "exit": "0"}),
            make_job("20260101-1155-b2", JobState.FAILED, name="etl-orders", raw_state="failed",
                     created=ago(300), started=ago(298), ended=ago(240), updated=ago(240),
                     error="exit code 3", labels={"host": "build-01", "exit": "3"}),
            make_job("20260101-1158-c3", JobState.RUNNING, name="train-model", raw_state="running",
                     created=ago(120), started=ago(118), updated=ago(2), progress=42.0,
                     labels={"host": "gpu-02"}),
        ],
    )
    cluster = FakeAdapter.build(
        "cluster",
        clock=clock,
        capabilities=NO_ARCHIVE,
        jobs=[
            make_job("run-7781", JobState.RUNNING, name="scrape-catalog", raw_state="PENDING",
                     created=ago(900), started=ago(880), updated=ago(5),
                     counts=Counts(total=300, succeeded=113, failed=7),
                     labels={"project": "shop", "type": "scheduled"}),
            make_job("run-7779", JobState.PENDING, name="provision m-07", raw_state="created",
                     created=ago(30), updated=ago(30), labels={"machine": "m-07", "stage": "discover"}),
            make_job("run-7702", JobState.PAUSED, name="weekly-report", raw_state="PAUSED",
                     created=ago(86400), updated=ago(7200)),
        ],
    )
    local.set_log("20260101-1158-c3", "".join(f"epoch {i}: loss=0.{90 - i:02d}\n" for i in range(1, 31)))
    local.set_log("20260101-1155-b2", "reading orders.csv\n\x1b[31mERROR\x1b[0m bad row 17\n")
    local.complete_log("20260101-1155-b2")
    local.set_timeline("20260101-1155-b2", [
        StatusEvent(at=ago(300), state=JobState.PENDING, raw_state="pending"),
        StatusEvent(at=ago(298), state=JobState.RUNNING, raw_state="running"),
        StatusEvent(at=ago(240), state=JobState.FAILED, raw_state="failed", message="exit code 3"),
    ])
    return [local, cluster]


def build_app(
    tmp_path: Path,
    adapters: list[FakeAdapter] | None = None,
    *,
    clock: FrozenClock | None = None,
    read_only: bool = False,
    kiosk: bool = False,
    css_cache: ParsedCssCache | None = None,
    time_zone: str = "UTC",
) -> JobdeckApp:
    clock = clock or FrozenClock()
    adapters = adapters if adapters is not None else sample_backends(clock)
    monitor = Monitor(
        adapters,
        clock=clock,
        store=MemoryStore(tmp_path),
        read_only=read_only or kiosk,
    )
    settings = Settings(backends=[a.settings for a in adapters], time_zone=time_zone)
    return JobdeckApp(settings, monitor, clock=clock, kiosk=kiosk, css_cache=css_cache)


def sample_deck(tmp_path: Path, **options: bool) -> tuple[JobdeckApp, list[FakeAdapter]]:
    """The sample deck and its backends (local, cluster), to see what reached them."""
    clock = FrozenClock()
    adapters = sample_backends(clock)
    return build_app(tmp_path, adapters, clock=clock, **options), adapters


async def deck_settled(app: JobdeckApp, pilot) -> None:
    """Wait until the selected job's runs and timeline have loaded and been drawn."""

    def loading() -> bool:
        return any(
            worker.group in ("runs", "timeline") and not worker.is_finished for worker in app.workers
        )

    await wait_until(lambda: not loading(), what="the detail and timeline to load")
    await pilot.pause()
    await pilot.pause()


async def wait_for_jobs(app: JobdeckApp, count: int | None = None) -> JobList:
    """Wait until the first poll has reached the job list."""
    jobs = app.screen.query_one(JobList)
    expected = count if count is not None else 1
    await wait_until(lambda: jobs.total_count >= expected, what="the first poll")
    return jobs


def screen_text(app: JobdeckApp) -> str:
    """The screen as plain text, a line per row."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def toasts(app: JobdeckApp) -> list[str]:
    """The messages of the notifications shown so far."""
    return [str(n.message) for n in app._notifications]
