"""`jobdeck demo`: demo jobs in their own folder, visible to `ls`, cleaned up as documented."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke

from jobdeck.clock import SystemClock
from jobdeck.demo import LOCAL_DEMO_JOBS, cancel_active_jobs, wait_for_jobs
from jobdeck.local.spool import Spool

DEMO_NAMES = sorted(job.name for job in LOCAL_DEMO_JOBS)


def listed(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """`jobdeck ls --all --json` with the data folder at ``data_dir``."""
    with monkeypatch.context() as patch:
        patch.setenv("JOBDECK_DATA_DIR", str(data_dir))
        result = invoke("ls", "--all", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private data folder; every demo job still running afterwards is cancelled."""
    data = tmp_path / "data"
    monkeypatch.delenv("JOBDECK_CONFIG", raising=False)
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(data))
    monkeypatch.setenv("JOBDECK_CONFIG_DIR", str(tmp_path / "config"))
    yield data
    spool = data / "demo" / "spool"
    if spool.exists():
        asyncio.run(cancel_active_jobs(spool))


def test_demo_no_deck_starts_the_four_demo_jobs_and_ls_shows_them(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = invoke("demo", "--no-deck")

    assert result.exit_code == 0, result.output
    spool = Path(result.stdout.strip())
    assert spool == data_dir / "demo" / "spool"
    jobs = listed(data_dir / "demo", monkeypatch)
    assert sorted(job["name"] for job in jobs) == DEMO_NAMES
    assert all(job["backend"] == "local" for job in jobs)


def test_the_demo_never_touches_the_users_own_spool(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    invoke("demo", "--no-deck")

    assert not (data_dir / "spool").exists()
    assert listed(data_dir, monkeypatch) == []
    assert os.environ["JOBDECK_DATA_DIR"] == str(data_dir)  # restored after the demo


def test_a_new_demo_cancels_and_clears_the_previous_demos_jobs(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke("demo", "--no-deck")
    first_ids = {job["id"] for job in listed(data_dir / "demo", monkeypatch)}

    result = invoke("demo", "--no-deck")

    assert result.exit_code == 0, result.output
    jobs = listed(data_dir / "demo", monkeypatch)
    assert sorted(job["name"] for job in jobs) == DEMO_NAMES
    assert first_ids.isdisjoint(job["id"] for job in jobs)


def test_a_new_demo_says_it_cleared_the_previous_demos_archive_and_action_log(data_dir: Path) -> None:
    folder = data_dir / "demo"
    folder.mkdir(parents=True)
    (folder / "archive.json").write_text('["local/old"]')
    (folder / "actions.jsonl").write_text('{"action": "archive"}\n')

    result = invoke("demo", "--no-deck")

    assert result.exit_code == 0, result.output
    assert not (folder / "archive.json").exists() and not (folder / "actions.jsonl").exists()
    said = f"cleared the previous demo's {folder / 'archive.json'} and {folder / 'actions.jsonl'}"
    assert said in result.stderr
    assert "--fresh` leaves them" in result.stderr


def test_a_first_demo_says_nothing_of_clearing(data_dir: Path) -> None:
    result = invoke("demo", "--no-deck")

    assert result.exit_code == 0, result.output
    assert "cleared" not in result.stderr


def test_the_deck_opens_on_the_demo_folder_and_closing_it_stops_only_the_long_job(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def run_deck(settings: Any, *, read_only: bool, kiosk: bool) -> int:
        seen.update(settings=settings, read_only=read_only, kiosk=kiosk, data=os.environ["JOBDECK_DATA_DIR"])
        return 0

    monkeypatch.setattr("jobdeck.wiring.run_deck", run_deck)

    result = invoke("demo", "--read-only")

    assert result.exit_code == 0, result.output
    # The local backend first; the emulated seed backends (tests/test_demo_emulators.py) follow it.
    backend = seen["settings"].backends[0]
    assert (backend.kind, backend.spool) == ("local", data_dir / "demo" / "spool")
    assert seen["data"] == str(data_dir / "demo")
    assert (seen["read_only"], seen["kiosk"]) == (True, False)
    states = {job["name"]: job["state"] for job in listed(data_dir / "demo", monkeypatch)}
    assert states["reindex-catalog"] == "canceled"
    assert states["build-docs"] in {"pending", "running", "succeeded"}


def test_the_mode_and_theme_given_before_demo_open_the_demos_deck(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def run_deck(settings: Any, *, read_only: bool, kiosk: bool) -> int:
        seen.update(theme=settings.theme, read_only=read_only, kiosk=kiosk)
        return 0

    monkeypatch.setattr("jobdeck.wiring.run_deck", run_deck)

    result = invoke("--kiosk", "--theme", "jobdeck-light", "demo")

    assert result.exit_code == 0, result.output
    assert seen == {"theme": "jobdeck-light", "read_only": True, "kiosk": True}


def test_waiting_for_the_demo_jobs_counts_only_jobs_whose_spec_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A runner makes its job's folder a moment before it writes the spec: such a job
    # would be listed by its id. The wait must not end on it.
    monkeypatch.setattr("jobdeck.demo.SPOOL_WAIT_SECONDS", 0.3)
    spool = tmp_path / "spool"
    Spool(spool).create_job(argv=["true"], name="written", cwd=str(tmp_path), clock=SystemClock(), host="here")
    (spool / "20260101-000000-nospec").mkdir()
    asyncio.run(wait_for_jobs(spool, 1))
    assert "slow to start" not in capsys.readouterr().err
    asyncio.run(wait_for_jobs(spool, 2))
    assert "slow to start" in capsys.readouterr().err


def test_a_second_demo_in_the_folder_of_a_running_one_refuses_and_leaves_its_jobs(data_dir: Path) -> None:
    import subprocess
    import sys

    folder = data_dir / "demo"
    (folder / "spool").mkdir(parents=True)
    (folder / "spool" / "kept").write_text("the running demo's")
    holder = subprocess.Popen(  # a running demo: it holds the folder's lock
        [sys.executable, "-c", (
            "import fcntl, os, sys, time\n"
            f"lock = open({str(folder / 'demo.lock')!r}, 'a+')\n"
            "fcntl.flock(lock, fcntl.LOCK_EX)\n"
            "lock.write(str(os.getpid())); lock.flush()\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n"
        )],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = invoke("demo", "--no-deck")
        assert result.exit_code == 1
        assert f"another `jobdeck demo` is running in {folder} (pid {holder.pid})" in result.stderr
        assert "jobdeck demo --fresh" in result.stderr
        assert (folder / "spool" / "kept").read_text() == "the running demo's"
    finally:
        holder.kill()
        holder.wait(10)
    assert invoke("demo", "--no-deck").exit_code == 0  # once it has ended
