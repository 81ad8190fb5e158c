"""Where jobdeck keeps things. Environment variables override every default,
which is also how tests keep to their own temporary folders.

- ``JOBDECK_CONFIG``: the config file (resolved by ``jobdeck.config.config_path_from``).
- ``JOBDECK_CONFIG_DIR``: the config folder (user themes live in ``themes/`` in it).
- ``JOBDECK_DATA_DIR``: the data folder (spool, jobdeck's archive, action log, screenshots).
- ``JOBDECK_CACHE_DIR``: the cache folder (what can be made again: parsed CSS).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "jobdeck"


def config_dir() -> Path:
    override = os.environ.get("JOBDECK_CONFIG_DIR")
    return Path(override) if override else _user_dir("XDG_CONFIG_HOME", ".config", "user_config_dir")


def data_dir() -> Path:
    override = os.environ.get("JOBDECK_DATA_DIR")
    return Path(override) if override else _user_dir("XDG_DATA_HOME", ".local/share", "user_data_dir")


def cache_dir() -> Path:
    override = os.environ.get("JOBDECK_CACHE_DIR")
    return Path(override) if override else _user_dir("XDG_CACHE_HOME", ".cache", "user_cache_dir")


def _user_dir(xdg_variable: str, xdg_default: str, platformdirs_function: str) -> Path:
    """The XDG folder on Linux (what platformdirs answers there, without its ~8 ms import
    at every start), platformdirs' answer elsewhere."""
    if sys.platform.startswith("linux"):
        base = os.environ.get(xdg_variable, "").strip()
        return (Path(base) if base else Path.home() / xdg_default) / APP
    import platformdirs

    return Path(getattr(platformdirs, platformdirs_function)(APP))


def spool_dir() -> Path:
    """Default spool of the local backend: one folder per job."""
    return data_dir() / "spool"


def archive_file() -> Path:
    """jobdeck's own archive: the job references archived in jobdeck."""
    return data_dir() / "archive.json"


def action_log_file() -> Path:
    """Every action taken from the deck, one JSON object per line."""
    return data_dir() / "actions.jsonl"


def screenshots_dir() -> Path:
    """Where the deck's "Screenshot" command saves its SVGs."""
    return data_dir() / "screenshots"


def user_themes_dir() -> Path:
    return config_dir() / "themes"
