"""Choosing one of a job's runs with ``[`` and ``]``: the rules, without Textual.

The detail pane shows one page of a job's runs (newest first) with one of
them chosen. ``]`` moves to the next older run and ``[`` to the next newer
one; stepping past either end of the page asks for the neighbouring page.
These functions say what a step does; the pane loads pages, the run detail
draws them (with the words of ``ui.run_position``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jobdeck.model import Run, RunPage
from jobdeck.ui.run_position import is_newest, only_run

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


def request_again(page: RunPage, chosen: int) -> RunRequest:
    """A request to read again what is shown. The chosen run is kept by its id, but
    the newest stays the newest: a run that starts meanwhile (a retry) is chosen."""
    if is_newest(page, chosen):
        return RunRequest()
    run = page.runs[chosen] if 0 <= chosen < len(page.runs) else None
    return RunRequest(page=page.page, keep_id=run.id if run else None, fallback=chosen)


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
