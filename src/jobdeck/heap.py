"""Keeping Python's cyclic garbage collector off the job data (issue 8).

100,000 jobs are about 540,000 objects the collector tracks (each pydantic
model is several). A full collection walks every one of them: 0.6–1 s with
the UI frozen, and CPython starts one whenever the objects that survived
since the last one reach a quarter of the rest, so they come back while a
big backend keeps changing.

Jobs never form reference cycles: a replaced job is freed by its reference
count alone. So once many new ones have arrived, the heap is frozen
(``gc.freeze``: every object now alive moves to a generation the collector
never walks; it costs next to nothing). What that gives up: a cycle that
was alive at a freeze and dies later is not collected. To bound that, a
freeze at most every ``full_every`` seconds first unfreezes and collects
everything, once (a pause of the old length, at a moment chosen by us).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: New jobs (added or changed objects) after which the heap is frozen again.
FREEZE_AFTER_JOBS = 20_000
#: At most this often, a freeze first collects everything (seconds).
FULL_COLLECT_EVERY = 600.0
#: The oldest generation is collected after this many collections of the middle one
#: (CPython's default is 10). Even with the jobs frozen, a full collection walks every
#: list of jobs the deck holds (the sorted view, rows, recent filters: up to 100 ms
#: with 100,000 jobs), and typing a filter makes enough garbage to start one every
#: few keys. Cycles still die, a little later.
OLDEST_GENERATION_THRESHOLD = 100


class FullCollections:
    """When a freeze first unfreezes and collects everything: at most every ``every`` seconds.
    The process has one (``FULL_COLLECTIONS``) for ``HeapKeeper.freeze`` and ``held_still``
    alike, so two full collections never fall in one period."""

    def __init__(self, *, every: float = FULL_COLLECT_EVERY, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self.monotonic = monotonic
        self.last = monotonic()
        #: How many it has done.
        self.count = 0

    def collect_if_due(self) -> bool:
        """Unfreeze and collect everything if the last time was ``every`` seconds ago; whether it did."""
        if self.monotonic() - self.last < self.every:
            return False
        gc.unfreeze()
        gc.collect()
        self.last = self.monotonic()
        self.count += 1
        return True


#: The process's one timer of full collections.
FULL_COLLECTIONS = FullCollections()


class HeapKeeper:
    """Counts new job objects and freezes the heap once enough have arrived."""

    def __init__(self, *, freeze_after: int = FREEZE_AFTER_JOBS, full: FullCollections = FULL_COLLECTIONS) -> None:
        self.freeze_after = freeze_after
        self.full = full
        self._arrived = 0
        #: How many times the heap was frozen, and of those, how many after a full collection.
        self.freezes = 0
        self.full_collections = 0

    @staticmethod
    def install() -> None:
        """Collect the oldest generation less often (see OLDEST_GENERATION_THRESHOLD)."""
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, OLDEST_GENERATION_THRESHOLD)

    def arrived(self, count: int) -> bool:
        """``count`` new job objects arrived; True (once, until ``freeze``) when that calls for a freeze."""
        before = self._arrived
        self._arrived += count
        return before < self.freeze_after <= self._arrived  # not when one is due already

    def freeze(self) -> None:
        """Freeze the heap now (call it between frames: a full collection may pause)."""
        self._arrived = 0
        if self.full.collect_if_due():
            self.full_collections += 1
        else:
            # The young generations are cheap to collect, and holding their garbage for ever is not.
            gc.collect(1)
        gc.freeze()
        self.freezes += 1


#: From this many objects, ``held_still`` pauses the collector.
HOLD_STILL_FROM = 50_000


@contextmanager
def held_still(count: int) -> Iterator[None]:
    """Work over ``count`` jobs that builds lists and maps of them (a first listing of a
    million): with ``count`` from ``HOLD_STILL_FROM``, no collection runs during it, and
    what is alive after it is frozen out of later collections (issue 22).

    Each young list or map of a million jobs costs every collection of its generation a
    look at each of its items (~50 ms apiece, memory far apart), and such work allocates
    enough to start several: about 1 s of the million-job first frame went to them.
    What the freeze gives up: cyclic garbage alive then (little: jobs form no cycles)
    waits for the next full collection (``HeapKeeper.freeze``) to be freed. (Collecting
    the young generations first would walk the big lists the adapter just made.)
    """
    if count < HOLD_STILL_FROM or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        # A big backend is held still every poll, changed or not: at most every
        # FULL_COLLECT_EVERY seconds, what was frozen is collected once (a pause of a
        # full collection), so the cyclic garbage frozen meanwhile does not pile up.
        FULL_COLLECTIONS.collect_if_due()
        gc.freeze()
        gc.enable()
