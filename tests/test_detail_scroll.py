"""The detail pane starts at the top of each job it is given, not where the last job was scrolled."""

from __future__ import annotations

from fakes import make_job, wait_until
from test_panes import PaneApp, Reader

from jobdeck.model import RunPage
from jobdeck.ui.panes.detail import DetailPane

LONG = make_job("long", name="long job", labels={f"label{n}": f"value {n}" for n in range(40)})
SHORT = make_job("short", name="short job")


async def test_another_job_is_shown_from_the_top_of_the_detail() -> None:
    reader = Reader()
    reader.pages[LONG.ref] = [RunPage(runs=[])]
    reader.pages[SHORT.ref] = [RunPage(runs=[])]
    pane = DetailPane(reader)
    async with PaneApp(pane).run_test(size=(60, 12)) as pilot:
        pane.show_job(LONG)
        await pilot.pause()
        pane.scroll_end(animate=False)
        await wait_until(lambda: pane.scroll_y > 0, what="the detail scrolled down")
        pane.show_job(SHORT.model_copy(update={"labels": LONG.labels}))
        await pilot.pause()
        assert pane.scroll_y == 0


async def test_the_same_job_read_again_keeps_where_the_detail_is_scrolled() -> None:
    reader = Reader()
    reader.pages[LONG.ref] = [RunPage(runs=[])]
    pane = DetailPane(reader)
    async with PaneApp(pane).run_test(size=(60, 12)) as pilot:
        pane.show_job(LONG)
        await pilot.pause()
        pane.scroll_end(animate=False)
        await wait_until(lambda: pane.scroll_y > 0, what="the detail scrolled down")
        scrolled = pane.scroll_y
        pane.show_job(LONG)
        await pilot.pause()
        assert pane.scroll_y == scrolled
