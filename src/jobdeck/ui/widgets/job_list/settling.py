"""When the panes follow the job list's highlight: at once, or once the cursor rests.

Highlights in quick succession (a key held down, a filter being typed) are the
user moving through the list. The detail, timeline and log (a relayout and
three backend calls) follow only the job the cursor rests on. This class keeps
the timing and the timer; the screen shows the job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum
from typing import Protocol

#: Highlights closer together than this (seconds) are moving through the list:
#: the detail, timeline and log follow once the highlight rests this long.
SETTLE_SECONDS = 0.15


class Stoppable(Protocol):
    """A started timer (Textual's Timer)."""

    def stop(self) -> None: ...


#: Starts a timer that calls back after a delay in seconds (Textual's ``set_timer``).
StartTimer = Callable[[float, Callable[[], None]], Stoppable]


class Follow(Enum):
    """What the panes do about one highlight."""

    #: The cursor is moving: they follow once it rests (the timer calls ``show``).
    WAIT = "wait"
    #: Show the highlighted job now.
    SHOW = "show"
    #: Show it now unless it is already shown: a job chosen again stays as it is.
    SHOW_IF_OTHER = "show if other"


class HighlightSettler:
    """Decides when the panes follow the list's highlight."""

    def __init__(
        self,
        seconds: float,
        *,
        show: Callable[[], None],
        start_timer: StartTimer,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        #: See SETTLE_SECONDS; 0 shows every highlight at once.
        self.seconds = seconds
        #: Shows the job highlighted now (called when the cursor rests, or on ``settle``).
        self._show = show
        self._start_timer = start_timer
        self._clock = clock
        self._highlighted_at = float("-inf")
        self._timer: Stoppable | None = None

    @property
    def waiting(self) -> bool:
        """Whether a highlight waits to be shown."""
        return self._timer is not None

    def highlighted(self, chosen: bool) -> Follow:
        """Note one highlight and say what the panes do. ``chosen``: the job was picked
        (not reached by moving through the list), so it never waits."""
        now = self._clock()
        moving = not chosen and now - self._highlighted_at < self.seconds
        self._highlighted_at = now
        was_waiting = self.waiting
        self._cancel()
        if moving:
            self._timer = self._start_timer(self.seconds, self.settle)
            return Follow.WAIT
        # Nothing waiting: the panes show the last highlight, maybe this very job.
        return Follow.SHOW_IF_OTHER if chosen and not was_waiting else Follow.SHOW

    def settle(self) -> None:
        """Show the waiting highlight now, if one waits: actions settle first, so
        they act on the job under the cursor."""
        if self._timer is None:
            return
        self._cancel()
        self._show()

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
