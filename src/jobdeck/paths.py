"""Where jobdeck keeps things. Environment variables override every default,
which is also how tests keep to their own temporary folders.

- ``JOBDECK_CONFIG``: the config file (resolved by ``jobdeck.config.config_path_from``).
- ``JOBDECK_CONFIG_DIR``: the config folder (user themes live in ``themes/`` in it).
- ``JOBDECK_DATA_DIR``: the data folder (spool, jobdeck's archive, action log).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "jobdeck"


def config_dir() -> Path:
    override = os.environ.get("JOBDECK_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    override = os.environ.get("JOBDECK_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP))


def spool_dir() -> Path:
    """Default spool of the local backend: one folder per job."""
    return data_dir() / "spool"


def archive_file() -> Path:
    """jobdeck's own archive: the job references archived in jobdeck."""
    return data_dir() / "archive.json"


def action_log_file() -> Path:
    """Every action taken from the deck, one JSON object per line."""
    return data_dir() / "actions.jsonl"


def user_themes_dir() -> Path:
    return config_dir() / "themes"
