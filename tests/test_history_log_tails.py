"""The history keeps the last part of each finished job's log (issue 17): read by the monitor
in the background when a job finishes while jobdeck watches, capped, handed to the store;
``jobdeck logs`` shows it once the backend has forgotten the job."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from fakes import FakeAdapter, make_job

from jobdeck.clock import FrozenClock
from jobdeck.model import Capability, JobRef, JobState
from jobdeck.monitor import Monitor
from jobdeck.monitor.log_tails import last_bytes
from jobdeck.store import MemoryStore
from jobdeck.store.sqlite import FILE_NAME, HistoryStore
from jobdeck.store.sqlite.log_tails import kept_log_tail
from jobdeck.store.sqlite.schema import MIGRATIONS, connect

REF = JobRef(backend="fake", id="1")


class TailRecordingStore(MemoryStore):
    """A MemoryStore that notes the log tails it is handed."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.tails: list[tuple[JobRef, datetime | None, str]] = []

    def record_log_tail(self, ref: JobRef, created: datetime | None, text: str) -> None:
        self.tails.append((ref, created, text))


async def _finish_while_watched(adapter: FakeAdapter, store: object, clock: FrozenClock, *, keep: int) -> None:
    monitor = Monitor([adapter], clock=clock, store=store, log_tail_bytes=keep)  # type: ignore[arg-type]
    await monitor.poll_once()
    adapter.update_job("1", state=JobState.FAILED, raw_state="failed", ended=clock.now())
    await monitor.poll_once()
    await monitor.stop()  # waits for the tails being read


async def test_a_job_that_finishes_while_watched_has_its_log_tail_kept_capped_at_a_line_start(tmp_path: Path) -> None:
    clock = FrozenClock()
    created = clock.now() - timedelta(minutes=5)
    adapter = FakeAdapter.build(jobs=[make_job("1", JobState.RUNNING, created=created)])
    lines = [f"line {n:04d} of the log\n" for n in range(200)]  # 22 bytes each
    adapter.set_log("1", "".join(lines))
    adapter.log_read_limit = 100  # the tail is read in several chunks
    store = TailRecordingStore(tmp_path)
    await _finish_while_watched(adapter, store, clock, keep=1024)
    [(ref, when, text)] = store.tails
    assert ref == REF and when == created
    assert text == "".join(lines)[-len(text) :]  # what the adapter returned, its end
    assert len(text.encode()) <= 1024 and text.startswith("line ") and text.endswith("line 0199 of the log\n")


async def test_no_tail_is_read_where_no_history_wants_one_or_the_backend_has_no_logs(tmp_path: Path) -> None:
    clock = FrozenClock()
    no_logs = FakeAdapter.build(
        jobs=[make_job("1", JobState.RUNNING)], capabilities={Capability.LIST}
    )
    store = TailRecordingStore(tmp_path)
    await _finish_while_watched(no_logs, store, clock, keep=1024)
    keeping_none = FakeAdapter.build(jobs=[make_job("1", JobState.RUNNING)])
    keeping_none.set_log("1", "hello\n")
    await _finish_while_watched(keeping_none, store, clock, keep=0)
    assert store.tails == []
    assert no_logs.count("read_log") == 0 and keeping_none.count("read_log") == 0


async def test_jobs_that_finished_before_jobdeck_looked_are_not_backfilled(tmp_path: Path) -> None:
    clock = FrozenClock()
    old = make_job("1", JobState.SUCCEEDED, ended=clock.now() - timedelta(days=2))
    just_now = make_job("2", JobState.SUCCEEDED, ended=clock.now() - timedelta(seconds=1))
    adapter = FakeAdapter.build(jobs=[old, just_now], interval=2.0)
    adapter.set_log("1", "old\n")
    adapter.set_log("2", "new\n")
    store = TailRecordingStore(tmp_path)
    monitor = Monitor([adapter], clock=clock, store=store, log_tail_bytes=1024)
    await monitor.poll_once()
    await monitor.stop()
    assert [(ref.id, text) for ref, _, text in store.tails] == [("2", "new\n")]


async def test_a_job_first_seen_finished_a_moment_ago_in_a_time_without_a_zone_is_kept(tmp_path: Path) -> None:
    """A backend that leaves the zone out gives UTC times (``assume_utc``): one second ago is a moment ago."""
    clock = FrozenClock()
    naive = (clock.now() - timedelta(seconds=1)).replace(tzinfo=None)
    adapter = FakeAdapter.build(jobs=[make_job("1", JobState.FAILED, ended=naive)], interval=2.0)
    adapter.set_log("1", "boom\n")
    store = TailRecordingStore(tmp_path)
    monitor = Monitor([adapter], clock=clock, store=store, log_tail_bytes=1024)
    await monitor.poll_once()
    await monitor.stop()
    assert [(ref.id, text) for ref, _, text in store.tails] == [("1", "boom\n")]


async def test_the_history_store_keeps_the_tail_with_the_job_and_hands_it_back(tmp_path: Path) -> None:
    clock = FrozenClock()
    adapter = FakeAdapter.build(jobs=[make_job("1", JobState.RUNNING, created=clock.now())])
    adapter.set_log("1", "building\ndone: \x1b[31mred\x1b[0m\n")
    store = HistoryStore(tmp_path, clock=clock)
    await _finish_while_watched(adapter, store, clock, keep=1024)
    kept = kept_log_tail(tmp_path / FILE_NAME, REF)
    assert kept is not None and kept.text == "building\ndone: \x1b[31mred\x1b[0m\n"
    assert kept_log_tail(tmp_path / FILE_NAME, JobRef(backend="fake", id="2")) is None


def test_a_tail_for_a_job_the_history_does_not_have_is_dropped_quietly(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path, clock=FrozenClock())
    store.record_log_tail(REF, None, "nobody's\n")
    store.close()
    assert store.warnings() == []
    assert kept_log_tail(tmp_path / FILE_NAME, REF) is None


def test_a_version_1_history_file_is_migrated_to_keep_log_tails(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    old = sqlite3.connect(path)
    old.executescript(
        MIGRATIONS[0] + "CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1);"
    )
    old.close()
    assert kept_log_tail(path, REF) is None  # an old file: nothing kept, no error
    connection = connect(path)
    assert connection.execute("SELECT max(version) FROM schema_version").fetchone()[0] == len(MIGRATIONS) >= 2
    assert connection.execute("SELECT count(*) FROM log_tails").fetchone()[0] == 0
    connection.close()


def test_the_tail_is_cut_at_a_character_and_a_line_start() -> None:
    assert last_bytes("short\n", 100) == "short\n"
    assert last_bytes("first line\nsecond\n", 10) == "second\n"
    assert last_bytes("ééééé", 5) == "éé"  # 2-byte characters: never half of one
    assert last_bytes("no newline at all", 7) == " at all"


def test_jobdeck_logs_shows_the_kept_tail_of_a_job_its_backend_forgot(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBDECK_")}
    env |= {"JOBDECK_DATA_DIR": str(tmp_path / "data"), "JOBDECK_CONFIG_DIR": str(tmp_path / "config")}
    (tmp_path / "config").mkdir()
    # A long interval: the job ended within one poll interval of `ls`, however slow the machine.
    (tmp_path / "config" / "config.toml").write_text('[[backends]]\nkind = "local"\nname = "local"\ninterval = 3600\n')

    def jobdeck(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "jobdeck", *args], env=env, capture_output=True, text=True, timeout=60
        )

    script = "print('step one'); print('\\x1b]0;title\\x07done')"
    assert jobdeck("run", "--name", "greet", "--", sys.executable, "-c", script).returncode == 0
    listing = jobdeck("ls", "--json")  # the job finished just before: its tail is kept as ls stops
    assert listing.returncode == 0, listing.stderr
    [job] = json.loads(listing.stdout)
    folders = [p for p in (tmp_path / "data").rglob("*") if p.is_dir() and p.name == job["id"]]
    assert folders, "the job's folder in the spool"
    shutil.rmtree(folders[0])  # the backend forgets the job
    shown = jobdeck("logs", job["ref"])
    assert shown.returncode == 0, shown.stderr
    assert "step one\n" in shown.stdout and "done" in shown.stdout
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout  # terminal-safe
    assert shown.stderr.strip() == (
        f"jobdeck: {job['ref']} is no longer listed by local; showing the last 1 KB kept in history"
    )
    unknown = jobdeck("logs", "local/nonesuch")
    assert unknown.returncode != 0 and "no job local/nonesuch" in unknown.stderr
