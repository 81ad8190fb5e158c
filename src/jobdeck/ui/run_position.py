"""Where the chosen run is among a job's runs, in words: ``run 3 of 24 · page 1/3``.

Runs are numbered as backends number them: #1 is the oldest, so the newest of
24 runs is "run 24 of 24 (newest)". Pages come newest first, so the number is
counted back from the total. The run detail draws it and the detail pane puts
it in its border, so it lives below both. The rules of ``[`` and ``]`` (which
run a step chooses, which page it loads) are beside the detail pane, in
``ui.panes.run_paging``. No Textual here.
"""

from __future__ import annotations

from jobdeck.model import RunPage


def only_run(page: RunPage) -> bool:
    """Whether ``page`` holds the job's one and only run."""
    return page.page == 0 and len(page.runs) == 1 and not page.has_older


def is_newest(page: RunPage, chosen: int) -> bool:
    """Whether the chosen run is the job's newest (the first of the first page)."""
    return page.page == 0 and chosen == 0 and bool(page.runs)


def page_text(page: RunPage) -> str:
    """``page 2/3`` (``page 2`` when the count is unknown), or "" when there is one page."""
    if page.pages is None:
        return f"page {page.page + 1}"
    return f"page {page.page + 1}/{page.pages}" if page.pages > 1 else ""


def runs_newer(page: RunPage, chosen: int) -> int | None:
    """How many of the job's runs are newer than the chosen one, if known."""
    first = page.first_position
    return None if first is None else first + chosen


def run_number(page: RunPage, chosen: int) -> int | None:
    """The chosen run's number among all the job's runs, #1 the oldest, if known."""
    newer = runs_newer(page, chosen)
    if newer is None or page.total is None:
        return None
    return page.total - newer


def run_label(page: RunPage, chosen: int) -> str | None:
    """``run 3 of 24``, ``run 24 of 24 (newest)``; without a total ``newest run`` or
    ``2 runs before the newest``; None when the place is unknown."""
    newer = runs_newer(page, chosen)
    if newer is None:
        return None
    number = run_number(page, chosen)
    if number is not None and page.total is not None:
        newest = " (newest)" if newer == 0 and page.total > 1 else ""
        return f"run {number} of {page.total}{newest}"
    if newer == 0:
        return "newest run"
    return f"{newer} {'run' if newer == 1 else 'runs'} before the newest"


def position_text(page: RunPage, chosen: int) -> str:
    """``run 3 of 24 · page 1/3 · [ ] choose``, or "" when no run is shown."""
    if not page.runs:
        return ""
    label = run_label(page, chosen)
    parts = [label if label is not None else f"run {chosen + 1} of the page"]
    if only_run(page):
        return parts[0]
    pages = page_text(page)
    if pages:
        parts.append(pages)
    parts.append("[ ] choose")
    return " · ".join(parts)
