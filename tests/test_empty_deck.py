"""What an empty deck says: how to start a job where jobdeck can (a local backend), else
where to look (no backend of the config lists any job yet)."""

from __future__ import annotations

from deck_helpers import build_app
from fakes import FakeAdapter, wait_until

from jobdeck.adapters.local import LocalAdapter, LocalSettings
from jobdeck.clock import FrozenClock
from jobdeck.ui.widgets.job_list import JobList


def shown(job_list: JobList) -> str:
    return "\n".join(job_list.render_line(y).text for y in range(job_list.size.height))


async def test_without_a_local_backend_the_empty_list_does_not_advise_jobdeck_run(tmp_path):
    clock = FrozenClock()
    app = build_app(tmp_path, [FakeAdapter.build("tasks", clock=clock, jobs=[])], clock=clock)
    async with app.run_test(size=(120, 40)):
        job_list = app.screen.query_one(JobList)
        await wait_until(lambda: "No jobs yet" in shown(job_list), what="the empty list's words")
        assert "the backends list none (H shows each backend's health)" in shown(job_list)
        assert "jobdeck run" not in shown(job_list)


async def test_with_a_local_backend_the_empty_list_says_how_to_start_a_job(tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    local = LocalAdapter(LocalSettings(spool=spool), clock=FrozenClock())
    app = build_app(tmp_path, [local])
    async with app.run_test(size=(120, 40)):
        job_list = app.screen.query_one(JobList)
        await wait_until(lambda: "No jobs yet" in shown(job_list), what="the empty list's words")
        assert "Run `jobdeck run -- CMD` to start one." in shown(job_list)
