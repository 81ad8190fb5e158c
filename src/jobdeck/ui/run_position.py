"""Where the chosen run is among a job's runs, in words: ``run 3 of 24 · page 1/3``.

The run detail draws it and the detail pane puts it in its border, so it
lives below both. The rules of ``[`` and ``]`` (which run a step chooses,
which page it loads) are beside the detail pane, in ``ui.panes.run_paging``.
No Textual here.
"""

from __future__ import annotations

from jobdeck.model import RunPage


def only_run(page: RunPage) -> bool:
    """Whether ``page`` holds the job's one and only run."""
    return page.page == 0 and len(page.runs) == 1 and not page.has_older


def page_text(page: RunPage) -> str:
    """``page 2/3`` (``page 2`` when the count is unknown), or "" when there is one page."""
    if page.pages is None:
        return f"page {page.page + 1}"
    return f"page {page.page + 1}/{page.pages}" if page.pages > 1 else ""


def run_position(page: RunPage, chosen: int) -> int | None:
    """The chosen run's place among all the job's runs, from 1 (newest), if known."""
    first = page.first_position
    return None if first is None else first + chosen + 1


def position_text(page: RunPage, chosen: int) -> str:
    """``run 3 of 24 · page 1/3 · [ ] choose``, or "" when no run is shown."""
    if not page.runs:
        return ""
    position = run_position(page, chosen)
    if position is None:
        parts = [f"run {chosen + 1} of the page"]
    elif page.total is not None:
        parts = [f"run {position} of {page.total}"]
    else:
        parts = [f"run {position}"]
    if only_run(page):
        return parts[0]
    pages = page_text(page)
    if pages:
        parts.append(pages)
    parts.append("[ ] choose")
    return " · ".join(parts)
