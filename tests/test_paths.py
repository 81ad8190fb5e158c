"""Where jobdeck keeps things: the environment's overrides, else the platform's user folders."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from jobdeck import paths


@pytest.fixture
def no_overrides(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("JOBDECK_CONFIG_DIR", raising=False)
    monkeypatch.delenv("JOBDECK_DATA_DIR", raising=False)
    monkeypatch.delenv("JOBDECK_CACHE_DIR", raising=False)
    return monkeypatch


@pytest.mark.parametrize("xdg", [None, "", "/srv/xdg"])
def test_the_default_folders_are_the_ones_platformdirs_names(no_overrides: pytest.MonkeyPatch, xdg: str | None) -> None:
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        if xdg is None:
            no_overrides.delenv(variable, raising=False)
        else:
            no_overrides.setenv(variable, xdg and f"{xdg}/{variable.lower()}")
    assert paths.config_dir() == platformdirs.user_config_path("jobdeck")
    assert paths.data_dir() == platformdirs.user_data_path("jobdeck")
    assert paths.cache_dir() == platformdirs.user_cache_path("jobdeck")


def test_the_environment_moves_every_folder(no_overrides: pytest.MonkeyPatch, tmp_path: Path) -> None:
    no_overrides.setenv("JOBDECK_CONFIG_DIR", str(tmp_path / "config"))
    no_overrides.setenv("JOBDECK_DATA_DIR", str(tmp_path / "data"))
    no_overrides.setenv("JOBDECK_CACHE_DIR", str(tmp_path / "cache"))
    assert paths.user_themes_dir() == tmp_path / "config" / "themes"
    assert paths.spool_dir() == tmp_path / "data" / "spool"
    assert paths.archive_file() == tmp_path / "data" / "archive.json"
    assert paths.action_log_file() == tmp_path / "data" / "actions.jsonl"
    assert paths.cache_dir() == tmp_path / "cache"
