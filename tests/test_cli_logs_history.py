"""``jobdeck logs REF`` with a bare id or name of a job its backend forgot: found in the
history when only one job there has it (its kept log tail printed, as for BACKEND/ID);
several → a message listing them, made safe, asking for BACKEND/ID."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_helpers import invoke
from fakes import make_job

from jobdeck.clock import FrozenClock
from jobdeck.model import Job, JobState
from jobdeck.store.sqlite import HistoryStore

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("JOBDECK_CONFIG", raising=False)
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JOBDECK_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "data").mkdir()
    return tmp_path / "data"


def forgotten(folder: Path, *jobs: tuple[Job, str | None], ago: timedelta = timedelta(hours=1)) -> None:
    """``jobs`` seen ``ago`` by another jobdeck, with their kept log tails (None: none kept)."""
    at = NOW - ago
    store = HistoryStore(folder, clock=FrozenClock(at))
    for job, tail in jobs:
        store.record_changes(job.backend, at, added=[job], changed=[], removed=[], transitions=[], complete=False)
        if tail is not None:
            store.record_log_tail(job.ref, job.created, tail)
    store.close()


def finished(backend: str, job_id: str, name: str) -> Job:
    return make_job(job_id, JobState.FAILED, backend=backend, name=name, created=NOW - timedelta(hours=2))


def test_a_bare_id_or_name_only_one_job_of_the_history_has_prints_its_kept_tail(data_dir: Path) -> None:
    forgotten(data_dir, (finished("slurm", "81234", "train-resnet"), "epoch 9\nCUDA out of memory\n"))
    for typed in ("81234", "train-resnet"):
        result = invoke("logs", typed)
        assert result.exit_code == 0, result.output
        assert result.stdout == "epoch 9\nCUDA out of memory\n"
        assert "slurm/81234 is no longer listed by slurm; showing the last 1 KB kept in history" in result.stderr


def test_an_id_two_backends_had_lists_both_newest_first_and_asks_for_backend_and_id(data_dir: Path) -> None:
    forgotten(data_dir, (finished("slurm", "77", "a"), "one\n"), ago=timedelta(hours=3))
    forgotten(data_dir, (finished("ray", "77", "b"), "two\n"))
    result = invoke("logs", "77")
    assert result.exit_code == 2 and result.stdout == ""  # a usage error: the REF says too little
    assert result.stderr == (
        "jobdeck: '77' is ambiguous: it matches jobs in the history (newest first):\n"
        "  ray/77\n  slurm/77\ngive one as BACKEND/ID\n"
    )
    assert invoke("logs", "slurm/77").stdout == "one\n"  # in full, it is found


def test_an_id_wins_over_a_name_and_a_name_many_runs_had_is_ambiguous(data_dir: Path) -> None:
    runs = [(finished("celery", f"run-{n}", "nightly"), f"run {n}\n") for n in range(12)]
    forgotten(data_dir, *runs, (finished("celery", "nightly", "other"), "the job whose id it is\n"))
    assert invoke("logs", "nightly").stdout == "the job whose id it is\n"
    forgotten(data_dir, *runs[:2], (finished("ray", "x", "backup"), None), (finished("ray", "y", "backup"), None))
    result = invoke("logs", "backup")
    assert result.exit_code == 2 and result.stderr.count("\n  ray/") == 2
    many = invoke("logs", "run-1")  # one id: found
    assert many.exit_code == 0 and many.stdout == "run 1\n"


def test_more_candidates_than_shown_end_with_and_more(data_dir: Path) -> None:
    forgotten(data_dir, *[(finished(f"b{n:02d}", "5", "x"), None) for n in range(12)])
    result = invoke("logs", "5")
    assert result.exit_code == 2
    assert result.stderr.count("\n  b") == 10 and "\n  …and more\n" in result.stderr


def test_backend_and_id_of_a_backend_no_longer_configured_finds_it_however_many_others_share_the_id(
    data_dir: Path,
) -> None:
    forgotten(data_dir, (finished("retired", "5", "x"), "the retired one\n"), ago=timedelta(hours=5))
    forgotten(data_dir, *[(finished(f"b{n:02d}", "5", "x"), None) for n in range(12)])  # newer, more than shown
    result = invoke("logs", "retired/5")
    assert result.exit_code == 0, result.output
    assert result.stdout == "the retired one\n"
    assert invoke("logs", "retired/x").stdout == "the retired one\n"  # its name, as for a bare name
    unknown = invoke("logs", "nonesuch/5")
    assert unknown.exit_code == 2 and "no backend 'nonesuch'" in unknown.stderr


def test_backend_and_name_of_a_backend_no_longer_configured_lists_the_runs_that_had_it(data_dir: Path) -> None:
    """BACKEND/NAME is read as a bare NAME is, among that backend's jobs: several runs of that
    name are candidates to choose from (newest first), never the newest taken silently."""
    older, newer = finished("retired", "r-1", "nightly"), finished("retired", "r-2", "nightly")
    forgotten(data_dir, (older, "first run\n"), ago=timedelta(hours=5))
    forgotten(data_dir, (newer, "second run\n"), (finished("other", "o-1", "nightly"), None))
    result = invoke("logs", "retired/nightly")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "jobdeck: 'retired/nightly' is ambiguous: it matches jobs in the history (newest first):\n"
        "  retired/r-2\n  retired/r-1\ngive one as BACKEND/ID\n"
    )
    assert invoke("logs", "retired/r-1").stdout == "first run\n"  # in full, it is found


def test_candidates_from_a_backend_are_printed_safe_one_line_each(data_dir: Path) -> None:
    hostile = "9\x1b]0;pwned\x07\nFAKE: all good\x1b[31m"
    forgotten(data_dir, (finished("alpha", hostile, "x"), None), (finished("beta", "other", "x"), None))
    result = invoke("logs", "x")
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "\nFAKE" not in result.stderr  # the id's line break does not start a line of its own


def test_a_job_of_the_history_with_no_tail_kept_says_so(data_dir: Path) -> None:
    forgotten(data_dir, (finished("slurm", "81234", "train"), None))
    result = invoke("logs", "81234")
    assert result.exit_code == 1
    assert result.stderr == "jobdeck: slurm/81234 is no longer listed by slurm and the history kept no log of it\n"
    unknown = invoke("logs", "nonesuch")
    assert unknown.exit_code == 1 and "no job 'nonesuch'" in unknown.stderr


def test_history_off_looks_only_at_listed_jobs(data_dir: Path) -> None:
    forgotten(data_dir, (finished("slurm", "81234", "train"), "kept\n"))
    (data_dir.parent / "config").mkdir()
    (data_dir.parent / "config" / "config.toml").write_text("history = false\n")
    result = invoke("logs", "81234")
    assert result.exit_code == 1 and "no job '81234'" in result.stderr
