"""Freezing the heap once many new jobs arrived, so full collections stop walking them."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from jobdeck.heap import OLDEST_GENERATION_THRESHOLD, HeapKeeper


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_a_freeze_is_called_for_once_enough_new_jobs_arrived() -> None:
    keeper = HeapKeeper(freeze_after=100)
    assert not keeper.arrived(60)
    assert keeper.arrived(40)
    # Until the freeze happens, more arrivals do not ask again.
    assert not keeper.arrived(500)
    keeper.freeze()
    assert not keeper.arrived(99)
    assert keeper.arrived(1)


def test_freezing_moves_every_live_object_out_of_the_collectors_walks() -> None:
    keeper = HeapKeeper(freeze_after=1)
    jobs = [{"job": number} for number in range(1000)]
    keeper.freeze()
    assert gc.get_freeze_count() >= len(jobs)
    assert keeper.freezes == 1 and keeper.full_collections == 0


def test_at_most_every_full_every_seconds_a_freeze_first_collects_everything() -> None:
    clock = [0.0]
    keeper = HeapKeeper(freeze_after=1, full_every=600.0, monotonic=lambda: clock[0])
    keeper.freeze()
    assert keeper.full_collections == 0
    clock[0] = 601.0

    class Cycle:
        pass

    cycle = Cycle()
    cycle.me = cycle  # type: ignore[attr-defined]
    gone = weakref.ref(cycle)
    keeper.freeze()  # the cycle is frozen while alive ...
    del cycle
    gc.collect()
    assert gone() is not None  # ... so no collection walks it ...
    clock[0] = 1300.0
    keeper.freeze()  # ... until the next full collection
    assert keeper.full_collections == 2
    assert gone() is None


def test_installing_collects_the_oldest_generation_less_often() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)  # CPython's defaults
        HeapKeeper.install()
        assert gc.get_threshold() == (700, 10, OLDEST_GENERATION_THRESHOLD)
        assert OLDEST_GENERATION_THRESHOLD > 10
    finally:
        gc.set_threshold(*before)
