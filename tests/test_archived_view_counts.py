"""The archived view's title counts what it shows, after a restore too (issue 24 saw
"Archived jobs 0/269" after one): archive some jobs, restore one in the archived view."""

from __future__ import annotations

from deck_helpers import sample_deck, wait_for_jobs
from fakes import wait_until

from jobdeck.model import JobRef
from jobdeck.ui.panes.jobs import JobsPane

WIDE = (120, 40)
ARCHIVED = [JobRef(backend="cluster", id="run-7702"), JobRef(backend="cluster", id="run-7779"),
            JobRef(backend="local", id="20260101-1150-a1")]


def title(app) -> str:
    return str(app.screen.query_one(JobsPane).border_title)


async def test_restoring_one_job_in_the_archived_view_counts_the_rest(tmp_path):
    app, _ = sample_deck(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        for ref in ARCHIVED:
            assert jobs.select_ref(ref)
            await pilot.pause()
            await pilot.press("a", "y")
            await wait_until(lambda ref=ref: app.monitor.job(ref).archived, what=f"{ref} archived")
        await wait_until(lambda: jobs.visible_count == 3, what="the active view without them")
        assert title(app).startswith("Jobs 3/3")

        await pilot.press("v")
        await pilot.pause()
        assert title(app).startswith("Archived jobs 3/3")
        assert jobs.select_ref(ARCHIVED[0])
        await pilot.pause()
        await pilot.press("u", "y")
        await wait_until(lambda: not app.monitor.job(ARCHIVED[0]).archived, what="the restore")
        await wait_until(lambda: jobs.total_count == 2, what="the archived view without it")
        await pilot.pause()
        assert jobs.visible_count == 2
        assert title(app).startswith("Archived jobs 2/2")

        await pilot.press("v")
        await pilot.pause()
        assert title(app).startswith("Jobs 4/4")


async def test_with_a_filter_the_archived_view_counts_the_matches_and_names_the_filter(tmp_path):
    """What was seen as "Archived jobs 0/269": a filter (backend:local) whose last archived
    match was just restored. The counts are right (none of the archived jobs matches);
    the pane's lower border names the filter that hides the rest."""
    app, _ = sample_deck(tmp_path)
    local = ARCHIVED[2]
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        for ref in ARCHIVED:
            assert jobs.select_ref(ref)
            await pilot.pause()
            await pilot.press("a", "y")
            await wait_until(lambda ref=ref: app.monitor.job(ref).archived, what=f"{ref} archived")
        await pilot.press("v", "slash", *"backend:local", "enter")
        await wait_until(lambda: jobs.visible_count == 1, what="the filtered archived view")
        assert jobs.select_ref(local)
        await pilot.pause()
        await pilot.press("u", "y")
        await wait_until(lambda: not app.monitor.job(local).archived, what="the restore")
        await wait_until(lambda: jobs.total_count == 2, what="the archived view without it")
        await pilot.pause()
        pane = app.screen.query_one(JobsPane)
        assert title(app).startswith("Archived jobs 0/2")
        assert "filter: backend:local" in str(pane.border_subtitle)
