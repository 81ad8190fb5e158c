"""What every store (``jobdeck.store.base.Store``) must do, whichever keeps it.

Parametrized by store kind: a new store (the history's) adds its factory to
``STORES`` and gets every test here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fakes import make_job

from jobdeck.clock import Clock, FrozenClock
from jobdeck.model import JobRef, JobState
from jobdeck.store import MemoryStore, Store
from jobdeck.store.sqlite import HistoryStore

#: Each kind of store, made in a folder of its own with a clock.
STORES: dict[str, Callable[[Path, Clock], Store]] = {
    "memory": lambda folder, clock: MemoryStore(folder, clock=clock),
    "sqlite": lambda folder, clock: HistoryStore(folder, clock=clock),
}

REF = JobRef(backend="alpha", id="7")
OTHER = JobRef(backend="beta", id="a/b")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture(params=list(STORES))
def new_store(request: pytest.FixtureRequest, tmp_path: Path, clock: FrozenClock) -> Callable[[], Store]:
    """Opens the store of this kind in the test's folder (again: as the next deck would)."""
    return lambda: STORES[request.param](tmp_path, clock)


# -- jobdeck's archive ---------------------------------------------------------------


def test_archiving_says_whether_it_changed_anything(new_store: Callable[[], Store]) -> None:
    archive = new_store().archive
    assert archive.add(REF) is True
    assert archive.add(REF) is False
    assert REF in archive and OTHER not in archive
    assert archive.remove(REF) is True
    assert archive.remove(REF) is False
    assert archive.refs() == frozenset()


def test_archived_refs_are_the_same_object_until_they_change(new_store: Callable[[], Store]) -> None:
    archive = new_store().archive
    archive.add(REF)
    before = archive.refs()
    assert archive.refs() is before  # the job table's once-a-poll check is by identity
    archive.add(OTHER)
    assert archive.refs() is not before and archive.refs() == {REF, OTHER}


def test_the_archive_outlives_the_store(new_store: Callable[[], Store]) -> None:
    first = new_store()
    first.archive.add(REF)
    first.close()
    assert new_store().archive.refs() == {REF}


# -- action records ---------------------------------------------------------------------


def test_an_action_record_is_kept(new_store: Callable[[], Store], clock: FrozenClock) -> None:
    actions = new_store().actions
    kept = actions.append(
        at=clock.now(), backend="alpha", job="7", action="cancel", result="refused", message="read-only mode"
    )
    assert kept is True


# -- observed transitions ---------------------------------------------------------------


def test_observed_transitions_note_each_change_of_state_once_oldest_first(
    new_store: Callable[[], Store], clock: FrozenClock
) -> None:
    observed = new_store().observed
    running = make_job("7", JobState.RUNNING, backend="alpha")
    first = observed.observe(running, clock.now())
    assert first is not None and first.observed and first.state is JobState.RUNNING
    assert observed.observe(running, clock.now() + timedelta(seconds=1)) is None  # no change of state

    failed = running.model_copy(update={"state": JobState.FAILED, "raw_state": "failed"})
    second = observed.observe(failed, clock.now() + timedelta(seconds=2))
    assert second is not None and second.raw_state == "failed"
    assert observed.events(REF) == [first, second]


def test_a_forgotten_job_has_no_live_timeline(new_store: Callable[[], Store], clock: FrozenClock) -> None:
    observed = new_store().observed
    observed.observe(make_job("7", JobState.RUNNING, backend="alpha"), clock.now())
    observed.forget(REF)
    assert observed.events(REF) == []
    observed.forget(OTHER)  # never seen: nothing to do, no error


# -- the poll hook, warnings, closing ------------------------------------------------------


def test_a_store_handed_changes_does_not_depend_on_the_lists_afterwards(
    new_store: Callable[[], Store], clock: FrozenClock
) -> None:
    store = new_store()
    added = [make_job("7", JobState.RUNNING, backend="alpha")]
    changed: list = []
    removed = [OTHER]
    store.record_changes(
        "alpha", clock.now(), added=added, changed=changed, removed=removed, transitions=[], complete=True
    )
    added.clear()
    changed.append(make_job("8", backend="alpha"))  # the job table reuses its lists
    store.record_changes("alpha", clock.now(), added=[], changed=[], removed=(), transitions=(), complete=False)
    store.close()


def test_a_fresh_store_has_no_warnings_and_closes_twice_without_error(new_store: Callable[[], Store]) -> None:
    store = new_store()
    assert store.warnings() == []
    store.close()
    store.close()


# -- today's store -------------------------------------------------------------------------


def test_the_memory_store_warns_of_an_archive_file_it_set_aside(tmp_path: Path) -> None:
    (tmp_path / "archive.json").write_text("{not json")
    [warning] = MemoryStore(tmp_path).warnings()
    assert "archive.json.corrupt-" in warning


def test_the_memory_store_keeps_its_files_in_the_data_folder_unless_given_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FrozenClock
) -> None:
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(tmp_path / "data"))
    store = MemoryStore()
    store.archive.add(REF)
    store.actions.append(at=clock.now(), backend="alpha", job="7", action="archive", result="ok", message="m")
    assert sorted(path.name for path in (tmp_path / "data").iterdir()) == [
        "actions.jsonl",
        "archive.json",
        "archive.json.lock",
    ]


def test_a_log_tail_handed_to_any_store_never_raises_even_for_a_job_it_never_saw(
    new_store: Callable[[], Store], clock: FrozenClock
) -> None:
    store = new_store()
    store.record_log_tail(REF, clock.now(), "the end\n")
    store.record_log_tail(OTHER, None, "")
    store.close()
    assert store.warnings() == []
