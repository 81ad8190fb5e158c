"""The history is on by default, for every process that polls: the deck in every mode,
``jobdeck ls`` and ``jobdeck logs`` (which close their store, so what they saw is written)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from jobdeck import wiring
from jobdeck.clock import FrozenClock
from jobdeck.config import settings_from_toml
from jobdeck.errors import ConfigError
from jobdeck.store.memory import MemoryStore
from jobdeck.store.sqlite import FILE_NAME, HistoryStore


def test_history_is_on_for_thirty_days_unless_the_config_says_otherwise() -> None:
    settings = settings_from_toml("")
    assert settings.history is True and settings.history_days == 30
    changed = settings_from_toml("history = false\nhistory_days = 7")
    assert changed.history is False and changed.history_days == 7
    with pytest.raises(ConfigError, match="history_days"):
        settings_from_toml("history_days = 0")


def test_every_mode_records_history_and_history_off_keeps_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBDECK_DATA_DIR", str(tmp_path))
    clock = FrozenClock()
    for toml in ('mode = "kiosk"', 'mode = "read-only"', ""):
        store = wiring.build_store(settings_from_toml(toml), clock=clock)
        assert isinstance(store, HistoryStore) and store.path == tmp_path / FILE_NAME
        store.close()
    store = wiring.build_store(settings_from_toml("history = false"), clock=clock)
    assert isinstance(store, MemoryStore)


def test_jobdeck_ls_and_logs_record_what_they_saw(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBDECK_")}
    env |= {"JOBDECK_DATA_DIR": str(tmp_path / "data"), "JOBDECK_CONFIG_DIR": str(tmp_path / "config")}

    def jobdeck(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "jobdeck", *args], env=env, capture_output=True, text=True,
                              timeout=60)

    assert jobdeck("run", "--name", "greet", "--", sys.executable, "-c", "print('hi')").returncode == 0
    listing = jobdeck("ls", "--json")
    assert listing.returncode == 0, listing.stderr
    database = tmp_path / "data" / FILE_NAME
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT name, state FROM jobs").fetchall() == [("greet", "succeeded")]
        connection.execute("DELETE FROM jobs")
    [job] = json.loads(listing.stdout)
    assert jobdeck("logs", job["ref"]).returncode == 0
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT name FROM jobs").fetchall() == [("greet",)]
