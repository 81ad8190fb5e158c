"""How the history writer stores a poll's changed jobs: the common change (state, times,
counts, labels) is written in place, and a job renamed, regrouped, not stored yet or
seen later by another deck is still stored exactly as the full write would store it."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from fakes import make_job

from jobdeck.clock import FrozenClock
from jobdeck.model import Counts, JobGroup, JobRef, JobState, StatusEvent
from jobdeck.store.sqlite import FILE_NAME, HistoryReader, HistoryStore
from jobdeck.store.sqlite.search_index import match_expression

REF = JobRef(backend="alpha", id="7")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


def poll(store: HistoryStore, clock: FrozenClock, *, added=(), changed=(), transitions=()) -> None:
    store.record_changes(
        "alpha", clock.now(), added=list(added), changed=list(changed), removed=[],
        transitions=list(transitions), complete=True,
    )


def stored(folder: Path):
    reader = HistoryReader(folder / FILE_NAME)
    try:
        return {entry.job.id: entry for entry in reader.jobs()}
    finally:
        reader.close()


def words_found(folder: Path, word: str) -> list[int]:
    with sqlite3.connect(folder / FILE_NAME) as connection:
        return [row[0] for row in connection.execute(
            "SELECT rowid FROM jobs_text WHERE jobs_text MATCH ?", (match_expression([word]),)
        )]


def test_a_changed_job_keeps_its_first_sighting_and_takes_the_new_state_counts_and_labels(
    tmp_path: Path, clock: FrozenClock
) -> None:
    store = HistoryStore(tmp_path, clock=clock)
    pending = make_job("7", JobState.PENDING, backend="alpha", labels={"stage": "queue"})
    poll(store, clock, added=[pending])
    clock.advance(60)
    running = pending.model_copy(
        update={"state": JobState.RUNNING, "counts": Counts(total=4, succeeded=1), "labels": {"node": "gpu-03"}}
    )
    event = StatusEvent(at=clock.now(), state=JobState.RUNNING, observed=True)
    poll(store, clock, changed=[running], transitions=[(REF, event)])
    store.close()
    entry = stored(tmp_path)["7"]
    assert entry.job.state is JobState.RUNNING and entry.job.counts == Counts(total=4, succeeded=1)
    assert entry.job.labels == {"node": "gpu-03"}
    assert entry.first_seen == clock.now() - timedelta(seconds=60) and entry.last_seen == clock.now()
    assert words_found(tmp_path, "gpu-03") and not words_found(tmp_path, "queue")  # the word index follows


def test_a_changed_job_renamed_or_regrouped_is_stored_under_its_new_name_and_group(
    tmp_path: Path, clock: FrozenClock
) -> None:
    store = HistoryStore(tmp_path, clock=clock)
    jobs = [make_job(str(n), backend="alpha", name=f"train {n}") for n in range(5)]
    poll(store, clock, added=jobs)
    clock.advance(60)
    renamed = jobs[1].model_copy(update={"name": "evaluate 1"})
    regrouped = jobs[2].model_copy(update={"group": JobGroup(key="array-9", name="nightly")})
    poll(store, clock, changed=[jobs[0], renamed, regrouped, jobs[3]])
    store.close()
    entries = stored(tmp_path)
    assert entries["1"].job.name == "evaluate 1" and words_found(tmp_path, "evaluate")
    assert entries["2"].job.group == JobGroup(key="array-9", name="nightly")
    assert {entries[n].last_seen for n in "0123"} == {clock.now()}
    assert entries["4"].last_seen == clock.now()  # listed (a complete listing), unchanged


def test_a_changed_job_not_stored_yet_is_stored(tmp_path: Path, clock: FrozenClock) -> None:
    # A job the monitor already had when the history file was started anew (set aside, pruned).
    store = HistoryStore(tmp_path, clock=clock)
    poll(store, clock, changed=[make_job("7", JobState.FAILED, backend="alpha")])
    store.close()
    entry = stored(tmp_path)["7"]
    assert entry.job.state is JobState.FAILED and entry.first_seen == clock.now()


def test_a_late_write_from_another_deck_changes_nothing_the_later_one_wrote(tmp_path: Path, clock: FrozenClock) -> None:
    store = HistoryStore(tmp_path, clock=clock)
    running = make_job("7", JobState.RUNNING, backend="alpha", name="train")
    poll(store, clock, added=[running])
    early = clock.now()
    clock.advance(60)
    poll(store, clock, changed=[running.model_copy(update={"state": JobState.SUCCEEDED, "name": "train v2"})])
    store.flush()
    # The other deck's batch, seen before this one's last sighting, arrives now.
    store.record_changes(
        "alpha", early, added=[], changed=[running.model_copy(update={"name": "old"})], removed=[],
        transitions=[], complete=False,
    )
    store.close()
    entry = stored(tmp_path)["7"]
    assert entry.job.state is JobState.SUCCEEDED and entry.job.name == "train v2" and entry.last_seen == clock.now()
