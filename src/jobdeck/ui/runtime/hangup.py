"""Leaving when the terminal is gone.

A closed SSH session or terminal window normally sends the deck SIGHUP, and it
ends. Not always: run under a parent that holds on (``make demo`` in a tmux
pane that was killed, for one), the deck got no signal; Textual's input thread
then read end-of-file in a loop at 70% of a core and its writer blocked the
UI thread, for ever. A small thread checks once a second that the terminal is
still there and, when it is not, does what the hangup would have done.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable

#: Seconds between two checks (one cheap system call each).
CHECK_EVERY = 1.0


def _hang_up() -> None:
    # SIGHUP's default action ends the process even with the UI thread stuck.
    os.kill(os.getpid(), signal.SIGHUP)


def watch_terminal(
    fd: int, *, every: float = CHECK_EVERY, on_gone: Callable[[], None] = _hang_up
) -> threading.Event:
    """Call ``on_gone`` once ``fd`` is no longer a terminal (it hung up). Returns an
    event that stops the watch when set (the deck ended on its own)."""
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(every):
            if not os.isatty(fd):
                on_gone()
                return

    threading.Thread(target=watch, name="jobdeck-terminal-watch", daemon=True).start()
    return stop
