"""Work over a million jobs runs with the garbage collector held still (issue 22)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from jobdeck.heap import HOLD_STILL_FROM, held_still


@pytest.fixture(autouse=True)
def collector_as_before() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    gc.unfreeze()
    (gc.enable if was else gc.disable)()


def test_big_work_runs_without_collections_and_what_it_built_is_frozen_after() -> None:
    frozen = gc.get_freeze_count()
    with held_still(HOLD_STILL_FROM):
        assert not gc.isenabled()
        built = [[number] for number in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen + len(built)


def test_small_work_leaves_the_collector_alone() -> None:
    frozen = gc.get_freeze_count()
    with held_still(HOLD_STILL_FROM - 1):
        assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


def test_a_collector_paused_by_someone_else_stays_paused_and_nothing_is_frozen() -> None:
    gc.disable()  # as during the deck's start-up (jobdeck.startup)
    frozen = gc.get_freeze_count()
    with held_still(10 * HOLD_STILL_FROM):
        pass
    assert not gc.isenabled()
    assert gc.get_freeze_count() == frozen


def test_the_collector_comes_back_when_the_work_fails() -> None:
    with pytest.raises(ValueError), held_still(HOLD_STILL_FROM):
        raise ValueError("a listing that is not a list of jobs")
    assert gc.isenabled()


def test_work_held_still_again_and_again_has_what_it_froze_collected_now_and_then(monkeypatch: pytest.MonkeyPatch) -> None:
    from jobdeck import heap

    clock = [1000.0]
    monkeypatch.setattr(heap.FULL_COLLECTIONS, "monotonic", lambda: clock[0])
    monkeypatch.setattr(heap.FULL_COLLECTIONS, "last", 1000.0)
    before = heap.FULL_COLLECTIONS.count
    with held_still(HOLD_STILL_FROM):
        pass
    assert heap.FULL_COLLECTIONS.count == before  # a poll a moment later: frozen, not collected
    clock[0] += heap.FULL_COLLECT_EVERY
    with held_still(HOLD_STILL_FROM):
        cycle: list[object] = []
        cycle.append(cycle)  # garbage once the work is over: the full collection frees it
        del cycle
    assert heap.FULL_COLLECTIONS.count == before + 1
    assert gc.isenabled()
