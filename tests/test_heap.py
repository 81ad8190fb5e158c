"""Freezing the heap once many new jobs arrived, so full collections stop walking them."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from jobdeck.heap import FULL_COLLECTIONS, OLDEST_GENERATION_THRESHOLD, FullCollections, HeapKeeper


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
    keeper = HeapKeeper(freeze_after=1, full=FullCollections(every=600.0, monotonic=lambda: 0.0))
    jobs = [{"job": number} for number in range(1000)]
    keeper.freeze()
    assert gc.get_freeze_count() >= len(jobs)
    assert keeper.freezes == 1 and keeper.full_collections == 0


def test_at_most_every_full_every_seconds_a_freeze_first_collects_everything() -> None:
    clock = [0.0]
    keeper = HeapKeeper(freeze_after=1, full=FullCollections(every=600.0, monotonic=lambda: clock[0]))
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


def test_the_keeper_and_held_still_share_one_timer_so_two_full_collections_never_fall_in_one_period(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jobdeck.heap import HOLD_STILL_FROM, held_still

    clock = [0.0]
    monkeypatch.setattr(FULL_COLLECTIONS, "monotonic", lambda: clock[0])
    monkeypatch.setattr(FULL_COLLECTIONS, "last", -600.0)  # one is due
    keeper = HeapKeeper(freeze_after=1)
    before = FULL_COLLECTIONS.count
    was = gc.isenabled()
    gc.enable()  # (held still only pauses a collector that runs)
    try:
        keeper.freeze()  # the keeper's freeze does the due one ...
        assert keeper.full_collections == 1 and FULL_COLLECTIONS.count == before + 1
        with held_still(HOLD_STILL_FROM):  # ... and work held still in the same period does none
            pass
        assert FULL_COLLECTIONS.count == before + 1
        clock[0] = 600.0
        with held_still(HOLD_STILL_FROM):  # a period later, whichever comes first does it
            pass
        keeper.freeze()
        assert FULL_COLLECTIONS.count == before + 2 and keeper.full_collections == 1
    finally:
        (gc.enable if was else gc.disable)()


def test_installing_collects_the_oldest_generation_less_often() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)  # CPython's defaults
        HeapKeeper.install()
        assert gc.get_threshold() == (700, 10, OLDEST_GENERATION_THRESHOLD)
        assert OLDEST_GENERATION_THRESHOLD > 10
    finally:
        gc.set_threshold(*before)
