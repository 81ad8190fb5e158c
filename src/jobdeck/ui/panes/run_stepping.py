"""``[`` and ``]`` pressed while a page of runs is loading: they wait, then run in order.

A step past either end of the page shown asks for the neighbouring page (see
``run_paging``). Steps pressed before that page arrives are taken from it one
by one, as if each had waited for the one before. This class holds them; the
detail pane loads pages and shows runs.
"""

from __future__ import annotations

from collections import deque

from jobdeck.model import RunPage
from jobdeck.ui.panes.run_paging import RunStep, step_run


class RunStepQueue:
    """The ``[`` and ``]`` steps waiting for a page of runs."""

    def __init__(self) -> None:
        self._turning = False
        #: +1 (older) or -1 (newer), in the order pressed.
        self._waiting: deque[int] = deque()

    @property
    def turning(self) -> bool:
        """Whether a page asked for by a step is on its way."""
        return self._turning

    def step(self, page: RunPage, chosen: int, delta: int) -> RunStep | None:
        """What a step from run ``chosen`` of ``page`` does now; None when it waits
        for the page on its way. A step that loads a page makes later ones wait."""
        if self._turning:
            self._waiting.append(delta)
            return None
        step = step_run(page, chosen, delta)
        if step.refusal is not None:
            # The end is reached: steps pressed further are past it too.
            self._waiting.clear()
        elif step.load is not None:
            self._turning = True
        return step

    def page_done(self, *, arrived: bool) -> None:
        """The page stopped loading. If it did not arrive (another load replaced it),
        the steps waiting for it are dropped."""
        self._turning = False
        if not arrived:
            self._waiting.clear()

    def next_waiting(self) -> int | None:
        """The next step to take (it leaves the queue), or None: none waits, or a
        page is on its way again."""
        if self._turning or not self._waiting:
            return None
        return self._waiting.popleft()

    def clear(self) -> None:
        """Drop the waiting steps: another job is shown."""
        self._waiting.clear()
