"""Choosing one of a job's runs with ``[`` and ``]``: the rules, without Textual.

The deck shows one page of a job's runs (newest first) with one of them
chosen. ``]`` moves to the next older run and ``[`` to the next newer one;
stepping past either end of the page asks for the neighbouring page. These
functions say what a step does; the screen loads pages and draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jobdeck.model import Run, RunPage

#: Said when there is nothing to choose from, by direction of the step.
NO_OLDER = "this is the job's oldest run"
NO_NEWER = "this is the job's newest run"
ONLY_RUN = "the job has only this one run"
NOT_LOADED = "the job's runs are not loaded"


@dataclass(frozen=True)
class RunRequest:
    """Which page of runs to load, and which run to choose on it."""

    page: int = 0
    #: Choose this run when it is on the page (a reload keeps the choice) …
    keep_id: str | None = None
    #: … else the run at this index; -1 chooses the oldest run of the page.
    fallback: int = 0


@dataclass(frozen=True)
class RunStep:
    """What one press of ``[`` or ``]`` does: exactly one field is set."""

    #: Choose this run of the page already shown.
    index: int | None = None
    #: Load this page and choose on it.
    load: RunRequest | None = None
    #: Nothing happens, because of this.
    refusal: str | None = None


def step_run(page: RunPage, chosen: int, delta: int) -> RunStep:
    """What moving ``delta`` runs from the ``chosen`` one does (+1 older, -1 newer)."""
    runs = page.runs
    if not runs:
        return RunStep(refusal=NOT_LOADED)
    target = chosen + delta
    if 0 <= target < len(runs):
        return RunStep(index=target)
    if delta > 0 and page.has_older:
        return RunStep(load=RunRequest(page=page.page + 1, fallback=0))
    if delta < 0 and page.page > 0:
        return RunStep(load=RunRequest(page=page.page - 1, fallback=-1))
    if only_run(page):
        return RunStep(refusal=ONLY_RUN)
    return RunStep(refusal=NO_OLDER if delta > 0 else NO_NEWER)


def pick_index(runs: Sequence[Run], keep_id: str | None, fallback: int) -> int:
    """The index to choose on a freshly loaded page (0 when the page is empty)."""
    if not runs:
        return 0
    if keep_id is not None:
        for index, run in enumerate(runs):
            if run.id == keep_id:
                return index
    if fallback < 0:
        return len(runs) - 1
    return min(fallback, len(runs) - 1)


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
