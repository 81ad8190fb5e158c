"""The deck's start-up, from the command to the first frame showing jobs (issue 8).

Two of the interpreter's defaults cost a small machine a third of a second
there and nothing once the deck runs, so they are changed for that stretch:

- The cyclic garbage collector: importing Textual, pydantic and the adapters
  and building the screen allocate a few hundred thousand objects that stay
  alive, which starts ~10 full collections that find nothing (~0.1 s).
  It is paused; when start-up ends, what is alive then (modules, classes,
  styles: kept for good) is frozen out of later collections, and it resumes.
- The GIL's switch interval: the first poll reads its files in a worker thread
  while the main thread builds the screen. Each read releases the GIL and
  then waits up to the interval (5 ms) for the busy main thread to hand it
  back, so a 5 ms spool scan took 0.2 s. It is 0.5 ms until start-up ends.

``begin()`` is called by the command before its imports; ``end()`` once the
first frame with jobs is out (the App), at the latest ``LONGEST`` seconds
after the deck mounted, or at once by a command that is not the deck. Both are
idempotent, and ``end()`` without ``begin()`` does nothing (tests, library use).
"""

from __future__ import annotations

import gc
import sys

#: The GIL's switch interval during start-up (seconds; CPython's default is 0.005).
SWITCH_INTERVAL = 0.0005
#: The longest start-up may last once the deck is mounted, even if no backend answers (seconds).
LONGEST = 3.0


class _State:
    began = False
    collector_was_enabled = True
    switch_interval = 0.005


def begin() -> None:
    """Pause the collector and shorten the switch interval, until ``end()``."""
    if _State.began:
        return
    _State.began = True
    _State.collector_was_enabled = gc.isenabled()
    _State.switch_interval = sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(min(SWITCH_INTERVAL, _State.switch_interval))


def active() -> bool:
    """True between ``begin()`` and ``end()``."""
    return _State.began


def end() -> None:
    """Back to the interpreter's settings; what start-up built is frozen out of collections."""
    if not _State.began:
        return
    _State.began = False
    sys.setswitchinterval(_State.switch_interval)
    if _State.collector_was_enabled:
        gc.freeze()
        gc.enable()
