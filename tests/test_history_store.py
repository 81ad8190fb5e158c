"""The history store (jobdeck.store.sqlite): every job and transition jobdeck saw, in
history.sqlite3, kept across restarts, shared by two decks, safe from kills and damage."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from fakes import make_job

from jobdeck.clock import FrozenClock
from jobdeck.model import JobRef, JobState, StatusEvent
from jobdeck.store.sqlite import FILE_NAME, HistoryReader, HistoryStore

CHILD = Path(__file__).resolve().parent / "history_child.py"
REF = JobRef(backend="alpha", id="7")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


def poll(store: HistoryStore, clock: FrozenClock, *, added=(), changed=(), removed=(), transitions=(), complete=True):
    store.record_changes(
        "alpha", clock.now(), added=list(added), changed=list(changed), removed=list(removed),
        transitions=list(transitions), complete=complete,
    )


def reader(folder: Path) -> HistoryReader:
    return HistoryReader(folder / FILE_NAME)


def rows(folder: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(folder / FILE_NAME) as connection:
        return connection.execute(sql).fetchall()


def test_history_survives_a_restart(tmp_path: Path, clock: FrozenClock) -> None:
    store = HistoryStore(tmp_path, clock=clock)
    running = make_job("7", JobState.RUNNING, backend="alpha", labels={"stage": "train"})
    poll(store, clock, added=[running])
    clock.advance(60)
    failed = running.model_copy(update={"state": JobState.FAILED, "raw_state": "OOM", "error": "out of memory"})
    event = StatusEvent(at=clock.now() - timedelta(seconds=5), state=JobState.FAILED, raw_state="OOM", observed=True)
    poll(store, clock, changed=[failed], transitions=[(REF, event)])
    store.close()

    HistoryStore(tmp_path, clock=clock).close()  # the next deck opens it again
    [entry] = reader(tmp_path).jobs()
    assert entry.job.state is JobState.FAILED and entry.job.error == "out of memory"
    assert entry.job.labels == {"stage": "train"} and entry.job.gone_since is None
    assert entry.last_seen == clock.now() and entry.first_seen == clock.now() - timedelta(seconds=60)
    states = [(step.state, step.raw_state, step.at) for step in reader(tmp_path).transitions(REF)]
    assert states == [
        (JobState.RUNNING, "running", clock.now() - timedelta(seconds=60)),
        (JobState.FAILED, "OOM", event.at),  # the time the poll's transition gave
    ]


def test_a_job_the_backend_forgets_keeps_its_row_marked_gone(tmp_path: Path, clock: FrozenClock) -> None:
    store = HistoryStore(tmp_path, clock=clock)
    poll(store, clock, added=[make_job("7", JobState.FAILED, backend="alpha"), make_job("8", backend="alpha")])
    clock.advance(30)
    poll(store, clock)  # listed again, unchanged
    clock.advance(30)
    poll(store, clock, removed=[REF])
    store.close()
    entries = {entry.job.id: entry for entry in reader(tmp_path).jobs()}
    assert entries["7"].job.gone_since == clock.now() and entries["7"].job.state is JobState.FAILED
    assert entries["7"].last_seen == clock.now() - timedelta(seconds=30)  # the last listing that had it
    assert entries["8"].job.gone_since is None and entries["8"].last_seen == clock.now()


def test_a_job_gone_while_no_deck_watched_is_marked_gone_by_the_next_first_listing(
    tmp_path: Path, clock: FrozenClock
) -> None:
    store = HistoryStore(tmp_path, clock=clock)
    poll(store, clock, added=[make_job("7", backend="alpha"), make_job("8", backend="alpha")])
    store.close()
    clock.advance(3600)
    store = HistoryStore(tmp_path, clock=clock)
    poll(store, clock, added=[make_job("8", backend="alpha")])
    store.close()
    gone = {entry.job.id: entry.job.gone_since for entry in reader(tmp_path).jobs()}
    assert gone == {"7": clock.now(), "8": None}


def test_a_reused_id_is_another_job_and_the_old_one_is_gone(tmp_path: Path, clock: FrozenClock) -> None:
    store = HistoryStore(tmp_path, clock=clock)
    first = make_job("7", JobState.SUCCEEDED, backend="alpha", created=clock.now() - timedelta(days=1))
    poll(store, clock, added=[first])
    clock.advance(60)
    second = make_job("7", JobState.RUNNING, backend="alpha", name="other", created=clock.now())
    poll(store, clock, changed=[second])
    store.close()
    entries = reader(tmp_path).jobs()
    assert [(entry.job.name, entry.job.gone_since) for entry in entries] == [
        ("other", None),
        ("job 7", clock.now()),
    ]
    assert [step.state for step in reader(tmp_path).transitions(REF)] == [JobState.RUNNING]
    old = reader(tmp_path).transitions(REF, created=first.created)
    assert [step.state for step in old] == [JobState.SUCCEEDED]


def test_the_reader_pages_and_filters_newest_first(tmp_path: Path, clock: FrozenClock) -> None:
    store = HistoryStore(tmp_path, clock=clock)
    for number in range(6):
        state = JobState.FAILED if number % 2 else JobState.SUCCEEDED
        poll(store, clock, added=[make_job(str(number), state, backend="alpha")], complete=False)
        clock.advance(3600)
    store.record_changes("beta", clock.now(), added=[make_job("b", backend="beta")], changed=[], removed=[],
                         transitions=[], complete=False)
    store.close()
    history = reader(tmp_path)
    assert [entry.job.id for entry in history.jobs()] == ["b", "5", "4", "3", "2", "1", "0"]
    assert [entry.job.id for entry in history.jobs(backend="alpha", limit=2, offset=1)] == ["4", "3"]
    assert [entry.job.id for entry in history.jobs(state="failed")] == ["5", "3", "1"]
    assert [entry.job.id for entry in history.jobs(since=clock.now() - timedelta(minutes=90))] == ["b", "5"]
    assert history.transitions(JobRef(backend="alpha", id="nope")) == []


def test_retention_prunes_jobs_last_seen_longer_ago_than_history_days(tmp_path: Path, clock: FrozenClock) -> None:
    store = HistoryStore(tmp_path, clock=clock)
    poll(store, clock, added=[make_job("old", backend="alpha"), make_job("7", backend="alpha")])
    poll(store, clock, removed=[JobRef(backend="alpha", id="old")])
    store.close()
    clock.advance(31 * 86400)
    HistoryStore(tmp_path, clock=clock, keep_days=90).close()
    assert len(reader(tmp_path).jobs()) == 2  # within 90 days
    store = HistoryStore(tmp_path, clock=clock, keep_days=30)  # prunes in the background from the start
    poll(store, clock, added=[make_job("new", backend="alpha")], complete=False)
    store.close()
    assert sorted(entry.job.id for entry in reader(tmp_path).jobs()) == ["new"]
    assert rows(tmp_path, "SELECT count(*) FROM transitions") == [(1,)]


def test_a_corrupt_file_is_moved_aside_with_a_warning_naming_both(tmp_path: Path, clock: FrozenClock) -> None:
    (tmp_path / FILE_NAME).write_bytes(b"this is no database\x00" * 100)
    store = HistoryStore(tmp_path, clock=clock)
    [warning] = store.warnings()
    [aside] = tmp_path.glob(f"{FILE_NAME}.corrupt-*")
    assert str(tmp_path / FILE_NAME) in warning and str(aside) in warning
    assert aside.read_bytes().startswith(b"this is no database")
    poll(store, clock, added=[make_job("7", backend="alpha")])
    store.close()
    assert [entry.job.id for entry in reader(tmp_path).jobs()] == ["7"]  # a new one, recording


def test_a_poll_never_waits_for_the_disk_and_the_oldest_changes_go_when_the_queue_is_full(
    tmp_path: Path, clock: FrozenClock
) -> None:
    store = HistoryStore(tmp_path, clock=clock, queue_limit=10)
    blocker = sqlite3.connect(tmp_path / FILE_NAME, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    for number in range(20):
        poll(store, clock, added=[make_job(str(number), backend="alpha")], complete=False)  # returns at once
    blocker.execute("ROLLBACK")
    blocker.close()
    store.close()
    assert any("were not kept" in warning for warning in store.warnings())
    kept = {entry.job.id for entry in reader(tmp_path).jobs(limit=100)}
    assert "19" in kept and len(kept) < 20


def test_two_stores_on_one_file_in_two_threads_make_no_duplicates(tmp_path: Path, clock: FrozenClock) -> None:
    stores = [HistoryStore(tmp_path, clock=clock) for _ in range(2)]
    states = [JobState.PENDING, JobState.RUNNING, JobState.SUCCEEDED]
    jobs = {state: [make_job(str(n), state, backend="alpha") for n in range(200)] for state in states}

    def deck(store: HistoryStore) -> None:
        for index, state in enumerate(states):
            poll(store, clock, added=jobs[state] if index == 0 else [], changed=jobs[state] if index else [])
            store.flush()

    threads = [threading.Thread(target=deck, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
        assert store.warnings() == []
    assert rows(tmp_path, "SELECT count(*) FROM jobs") == [(200,)]
    assert rows(tmp_path, "SELECT count(*), count(DISTINCT job || state) FROM transitions") == [(600, 600)]


def test_two_processes_on_one_file_make_no_duplicates_and_no_error(tmp_path: Path) -> None:
    command = [sys.executable, str(CHILD), str(tmp_path), "same", "5"]
    children = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in "ab"]
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        assert out.splitlines() == ["ok"]  # and no warning
    assert rows(tmp_path, "SELECT count(*) FROM jobs") == [(50,)]
    # pending, running, failed, running again, succeeded: five per job, none twice
    assert rows(tmp_path, "SELECT count(*) FROM transitions") == [(250,)]


def test_a_kill_mid_write_loses_nothing_committed_and_the_file_opens(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(tmp_path), "flood"], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    for line in child.stdout:
        if line.strip() == "written 5":
            break
    child.send_signal(signal.SIGKILL)  # it goes on writing until the signal lands
    child.wait(timeout=30)
    store = HistoryStore(tmp_path, clock=FrozenClock())  # the child's time: nothing to prune
    assert store.warnings() == []
    store.close()
    assert rows(tmp_path, "PRAGMA integrity_check") == [("ok",)]
    [(count,)] = rows(tmp_path, "SELECT count(*) FROM jobs")
    assert count >= 600 and count % 100 == 0  # batches 0-5 at least, each whole or not at all


def test_a_lone_surrogate_in_a_job_is_stored_as_the_replacement_character(tmp_path: Path, clock: FrozenClock) -> None:
    # A spool file's "\ud800" (or an argument with bad bytes) must not stop the writer.
    store = HistoryStore(tmp_path, clock=clock)
    poll(store, clock, added=[make_job("7\ud800", JobState.FAILED, backend="alpha", name="n\ud800")])
    store.close()

    assert store.warnings() == []
    [entry] = reader(tmp_path).jobs()
    assert (entry.job.id, entry.job.name) == ("7\ufffd", "n\ufffd")
    # Asked for as typed (with the surrogate), the job is found.
    assert reader(tmp_path).transitions(JobRef(backend="alpha", id="7\ud800")) == reader(tmp_path).transitions(
        JobRef(backend="alpha", id="7\ufffd")
    )


def test_a_passing_failure_to_open_is_tried_again_and_never_sets_the_file_aside(
    tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two decks creating the file at one moment: one of them may see "disk I/O error".
    from jobdeck.store.sqlite import schema

    HistoryStore(tmp_path, clock=clock).close()
    real_connect, failures = schema.connect, [sqlite3.OperationalError("disk I/O error")] * 2

    def connect(path: Path) -> sqlite3.Connection:
        if failures:
            raise failures.pop()
        return real_connect(path)

    monkeypatch.setattr(schema, "connect", connect)
    monkeypatch.setattr(schema.time, "sleep", lambda seconds: None)
    store = HistoryStore(tmp_path, clock=clock)
    store.close()
    assert store.warnings() == []
    assert sorted(p.name for p in tmp_path.iterdir() if "corrupt" in p.name) == []
