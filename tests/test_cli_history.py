"""``jobdeck history`` and ``jobdeck stats``: what the history file holds, read only,
listed like ``jobdeck ls`` (plus gone, first and last seen), filtered like the deck,
one job's transitions, and runs / success rate / p50 / p95 per job name."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_helpers import invoke
from fakes import make_job

from jobdeck.clock import FrozenClock
from jobdeck.model import JobGroup, JobRef, JobState, StatusEvent
from jobdeck.store.sqlite import FILE_NAME, HistoryStore

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("JOBDECK_CONFIG", raising=False)
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JOBDECK_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "data").mkdir()
    return tmp_path / "data"


def record(folder: Path, at: datetime, backend: str = "alpha", *, added=(), changed=(), removed=(), transitions=()):
    """One poll of ``backend`` at ``at``, written to the history in ``folder``."""
    store = HistoryStore(folder, clock=FrozenClock(at))
    store.record_changes(backend, at, added=list(added), changed=list(changed), removed=list(removed),
                         transitions=list(transitions), complete=False)
    store.close()


@pytest.fixture
def seeded(data_dir: Path) -> Path:
    """alpha/old seen ten days ago; alpha/1 (nightly, failed) and beta/2 (backup) an hour ago;
    alpha/3 (nightly build, running) seen an hour ago then gone from alpha."""
    old = make_job("old", JobState.SUCCEEDED, backend="alpha", name="ancient", created=NOW - timedelta(days=10))
    record(data_dir, NOW - timedelta(days=10), added=[old])
    hour_ago = NOW - timedelta(hours=1)
    running = make_job("1", JobState.RUNNING, backend="alpha", name="nightly", created=hour_ago)
    building = make_job("3", JobState.RUNNING, backend="alpha", name="nightly build", created=hour_ago)
    record(data_dir, hour_ago, added=[running, building])
    record(data_dir, hour_ago, "beta", added=[make_job("2", JobState.SUCCEEDED, backend="beta", name="backup",
                                                        created=hour_ago)])
    failed = running.model_copy(update={"state": JobState.FAILED, "raw_state": "OOM"})
    event = StatusEvent(at=hour_ago + timedelta(minutes=5), state=JobState.FAILED, raw_state="OOM", observed=True)
    record(data_dir, hour_ago + timedelta(minutes=5), changed=[failed], removed=[building.ref],
           transitions=[(failed.ref, event)])
    return data_dir


def listed(*args: str) -> list[dict]:
    result = invoke("history", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def refs(*args: str) -> list[str]:
    return [job["ref"] for job in listed(*args)]


def test_history_lists_every_job_seen_newest_first_with_gone_ones_marked(seeded: Path) -> None:
    result = invoke("history")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["STATE", "REF", "NAME", "AGE", "SEEN", "COUNTS"]
    assert [line.split()[2] for line in lines[1:]] == ["beta/2", "alpha/3", "alpha/1", "alpha/old"]
    [gone_line] = [line for line in lines if "alpha/3" in line]
    assert "∅ nightly build" in gone_line and "∅" not in result.stdout.replace(gone_line, "")


def test_history_json_has_the_fields_of_ls_json_plus_gone_first_and_last_seen(seeded: Path) -> None:
    jobs = {job["ref"]: job for job in listed()}
    ls_fields = set(make_job("x").to_public())
    assert all(set(job) == ls_fields | {"first_seen", "last_seen"} for job in jobs.values())
    assert jobs["alpha/3"]["gone"] is True and jobs["alpha/1"]["gone"] is False
    assert jobs["alpha/1"]["state"] == "failed" and jobs["alpha/1"]["raw_state"] == "OOM"
    assert datetime.fromisoformat(jobs["alpha/1"]["first_seen"]) == NOW - timedelta(hours=1)
    assert datetime.fromisoformat(jobs["alpha/1"]["last_seen"]) == NOW - timedelta(minutes=55)
    assert datetime.fromisoformat(jobs["alpha/old"]["last_seen"]) == NOW - timedelta(days=10)


def test_history_json_says_a_job_is_archived_in_its_backend_or_in_jobdecks_archive(data_dir: Path) -> None:
    at = NOW - timedelta(hours=1)
    in_backend = make_job("1", JobState.FAILED, backend="alpha", created=at, archived=True)
    in_jobdeck = make_job("2", JobState.FAILED, backend="alpha", created=at)
    plain = make_job("3", JobState.FAILED, backend="alpha", created=at)
    store = HistoryStore(data_dir, clock=FrozenClock(at))
    store.archive.add(in_jobdeck.ref)
    store.record_changes("alpha", at, added=[in_backend, in_jobdeck, plain], changed=[], removed=[],
                         transitions=[], complete=True)
    store.flush()
    archived = {job["ref"]: job["archived"] for job in listed()}
    assert archived == {"alpha/1": True, "alpha/2": True, "alpha/3": False}

    store.archive.remove(in_jobdeck.ref)  # restored in the deck: recorded with its next poll
    store.record_changes("alpha", NOW, added=[], changed=[], removed=[], transitions=[], complete=True)
    store.close()
    assert {job["ref"]: job["archived"] for job in listed()}["alpha/2"] is False


def test_history_filters_by_backend_state_and_the_decks_filter_terms(seeded: Path) -> None:
    assert refs("--backend", "beta") == ["beta/2"]
    assert refs("--backend", "beta", "--backend", "alpha") == ["beta/2", "alpha/3", "alpha/1", "alpha/old"]
    assert refs("--state", "failed") == ["alpha/1"]
    assert refs("--state", "running", "--state", "succeeded") == ["beta/2", "alpha/3", "alpha/old"]
    assert refs("name:nightly") == ["alpha/3", "alpha/1"]
    assert refs("name:nightly", "-state:failed") == ["alpha/3"]
    assert refs("nightly build") == ["alpha/3"]  # one argument with a space is a phrase
    assert refs("backend:alpha", "state:succeeded") == ["alpha/old"]
    bad = invoke("history", "state:bogus")
    assert bad.exit_code == 2 and "bad filter" in bad.stderr and "bogus" in bad.stderr


def test_a_sort_term_orders_the_history_in_sql_a_page_at_a_time_with_the_other_filters(
    seeded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("jobdeck.cli.history_source.PAGE", 1)  # every job a page of its own
    assert refs("sort:name") == ["alpha/old", "beta/2", "alpha/1", "alpha/3"]  # ancient, backup, nightly, nightly build
    assert refs("sort:name", "--since", "2d") == ["beta/2", "alpha/1", "alpha/3"]
    assert refs("sort:-name", "--backend", "alpha") == ["alpha/3", "alpha/1", "alpha/old"]
    assert refs("nightly", "sort:-name", "--state", "failed") == ["alpha/1"]


def test_since_takes_a_span_or_a_date_and_refuses_anything_else_with_exit_2(seeded: Path) -> None:
    assert "alpha/old" not in refs("--since", "7d")
    assert refs("--since", "2w")[-1] == "alpha/old"
    assert refs("--since", "30m") == []
    assert refs("--since", "90m") == ["beta/2", "alpha/3", "alpha/1"]
    assert "alpha/old" not in refs("--since", (NOW - timedelta(days=2)).date().isoformat())
    assert "alpha/old" in refs("--since", (NOW - timedelta(days=11)).isoformat())
    for bad in ("3x", "yesterday", "-7d", "99999999999w", "2026-13-40"):
        result = invoke("history", "--since", bad)
        assert result.exit_code == 2, (bad, result.output)
        assert "--since" in result.output and "span" in result.output and "Traceback" not in result.output
    assert invoke("stats", "--since", "7 days").exit_code == 2


def test_history_ref_prints_its_transitions_oldest_first(seeded: Path) -> None:
    result = invoke("history", "alpha/1")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and "running" in lines[0] and "failed" in lines[1] and "(OOM)" in lines[1]
    as_json = json.loads(invoke("history", "--json", "alpha/1").stdout)
    assert [(e["state"], e["raw_state"]) for e in as_json] == [("running", "running"), ("failed", "OOM")]
    assert datetime.fromisoformat(as_json[1]["at"]) == NOW - timedelta(minutes=55)
    unknown = invoke("history", "alpha/nope")
    assert unknown.exit_code == 1 and "no job alpha/nope in the history" in unknown.output


def test_a_missing_history_is_said_and_lists_nothing_but_a_ref_in_it_fails(data_dir: Path) -> None:
    result = invoke("history")
    assert result.exit_code == 0 and result.stdout == ""
    assert "no history: nothing recorded yet" in result.stderr
    assert invoke("history", "--json").stdout.strip() == "[]"
    assert invoke("stats", "--json").stdout.strip() == "[]"
    ref = invoke("history", "alpha/1")
    assert ref.exit_code == 1 and "nothing recorded yet" in ref.stderr
    (data_dir.parent / "config").mkdir()
    (data_dir.parent / "config" / "config.toml").write_text("history = false\n")
    off = invoke("history")
    assert off.exit_code == 0 and "history is off" in off.stderr


def test_a_file_that_is_no_database_is_named_with_exit_1(data_dir: Path) -> None:
    (data_dir / FILE_NAME).write_bytes(b"this is not sqlite" * 100)
    result = invoke("history")
    assert result.exit_code == 1 and FILE_NAME in result.stderr and "Traceback" not in result.output


def test_history_reads_while_a_deck_holds_the_write_lock(seeded: Path) -> None:
    writer = sqlite3.connect(seeded / FILE_NAME, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE jobs SET name = 'renamed'")
    try:
        assert refs("--backend", "beta") == ["beta/2"]
        assert listed("--backend", "beta")[0]["name"] == "backup"  # not what is uncommitted
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_text_from_the_database_is_printed_terminal_safe(data_dir: Path) -> None:
    hostile = make_job("9", JobState.FAILED, backend="alpha", name="evil\x1b]0;pwned\x07\x1b[31mred\nline",
                       raw_state="\x1b[2J", created=NOW)
    record(data_dir, NOW, added=[hostile])
    for args in (("history",), ("history", "alpha/9"), ("stats",)):
        result = invoke(*args)
        assert result.exit_code == 0 and "\x1b" not in result.stdout and "\x07" not in result.stdout, args


def test_history_and_stats_take_read_only_like_ls(seeded: Path) -> None:
    assert invoke("--read-only", "history").exit_code == 0
    assert invoke("--read-only", "stats").exit_code == 0
    assert invoke("--kiosk", "history").exit_code == 2


def test_stats_gives_runs_success_rate_and_p50_p95_per_job_name_or_group(data_dir: Path) -> None:
    nightly = []
    for n in range(1, 21):  # durations 1..20 s; the first five failed
        start = NOW - timedelta(hours=2) + timedelta(minutes=n)
        nightly.append(make_job(f"n{n}", JobState.FAILED if n <= 5 else JobState.SUCCEEDED, backend="alpha",
                                name="nightly", created=start, started=start, ended=start + timedelta(seconds=n)))
    nightly.append(make_job("n21", JobState.RUNNING, backend="alpha", name="nightly", created=NOW, started=NOW))
    group = JobGroup(key="array-7", name="sweep")
    tasks = [make_job(f"t{n}", JobState.SUCCEEDED, backend="beta", name=f"task {n}", group=group, created=NOW,
                      started=NOW, ended=NOW + timedelta(minutes=n)) for n in (1, 2)]
    record(data_dir, NOW, added=nightly)
    record(data_dir, NOW, "beta", added=tasks)
    result = invoke("stats", "--json")
    assert result.exit_code == 0, result.output
    rows = {(row["backend"], row["name"]): row for row in json.loads(result.stdout)}
    night = rows[("alpha", "nightly")]
    assert (night["runs"], night["finished"], night["succeeded"], night["failed"]) == (21, 20, 15, 5)
    assert night["success_rate"] == 0.75 and night["p50_s"] == 10 and night["p95_s"] == 19
    sweep = rows[("beta", "sweep")]
    assert (sweep["runs"], sweep["success_rate"], sweep["p50_s"], sweep["p95_s"]) == (2, 1.0, 60, 120)
    table = invoke("stats").stdout.splitlines()
    assert table[0].split() == ["BACKEND", "NAME", "RUNS", "OK", "P50", "P95"]
    assert table[1].split() == ["alpha", "nightly", "21", "75%", "10s", "19s"]
    assert table[2].split() == ["beta", "sweep", "2", "100%", "1m00s", "2m00s"]
    assert [row["name"] for row in json.loads(invoke("stats", "--json", "--backend", "beta").stdout)] == ["sweep"]


def test_a_job_removed_from_the_spool_is_listed_as_gone(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBDECK_")}
    env |= {"JOBDECK_DATA_DIR": str(tmp_path / "data"), "JOBDECK_CONFIG_DIR": str(tmp_path / "config")}

    def jobdeck(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "jobdeck", *args], env=env, capture_output=True, text=True,
                              timeout=60)

    assert jobdeck("run", "--name", "greet", "--", sys.executable, "-c", "pass").returncode == 0
    [job] = json.loads(jobdeck("ls", "--json").stdout)
    shutil.rmtree(tmp_path / "data" / "spool" / job["id"])  # the backend forgets it
    assert json.loads(jobdeck("ls", "--json").stdout) == []
    history = jobdeck("history", "--json")
    assert history.returncode == 0, history.stderr
    [kept] = json.loads(history.stdout)
    assert kept["ref"] == job["ref"] and kept["gone"] is True and kept["state"] == "succeeded"
    assert JobRef.parse(kept["ref"]) == JobRef(backend="local", id=job["id"])


def test_a_mistyped_option_is_refused_not_taken_for_a_filter_term(seeded: Path) -> None:
    for command in ("history", "stats"):
        result = invoke(command, "--sinse", "7d")
        assert result.exit_code == 2 and "no such option: --sinse" in result.stderr
