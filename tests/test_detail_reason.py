"""A run's reason is shown in the error colour only when it explains a failure."""

from __future__ import annotations

from datetime import timedelta

from test_run_detail import NOW, DetailApp, a_job, show

from jobdeck.model import JobState, Run


def reason_styles(detail, text: str) -> list:
    """The styles of the segments drawing ``text``."""
    return [
        segment.style
        for y in range(detail.size.height)
        for segment in detail.render_line(y)
        if text in segment.text
    ]


async def test_a_local_jobs_started_pid_reason_is_not_drawn_as_an_error() -> None:
    job = a_job(state=JobState.RUNNING, raw_state="running", error=None, ended=None)
    runs = [Run(job=job.ref, id="run-1", state=JobState.RUNNING, started=NOW - timedelta(minutes=1),
                reason="started pid 4242")]
    app = DetailApp()
    async with app.run_test(size=(80, 40)) as pilot:
        rows = await show(app, pilot, job, runs)
        assert any(r.startswith("Reason") and "started pid 4242" in r for r in rows)
        error = app.detail.get_component_rich_style("run-detail--error", partial=True)
        styles = reason_styles(app.detail, "started pid 4242")
        assert styles and all(style is None or style.color != error.color for style in styles)


async def test_a_failed_runs_reason_is_drawn_as_an_error() -> None:
    job = a_job(error=None)
    runs = [Run(job=job.ref, id="run-1", state=JobState.FAILED, started=NOW - timedelta(minutes=5),
                reason="node lost")]
    app = DetailApp()
    async with app.run_test(size=(80, 40)) as pilot:
        await show(app, pilot, job, runs)
        error = app.detail.get_component_rich_style("run-detail--error", partial=True)
        styles = reason_styles(app.detail, "node lost")
        assert styles and all(style is not None and style.color == error.color for style in styles)
