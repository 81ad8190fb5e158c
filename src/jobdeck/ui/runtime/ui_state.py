"""``ui-state.json``: what the deck remembers between runs, one small JSON object in the
data folder that several parts share (the theme chosen, ``ThemeMemory``; the jobs watched
with ``+``, ``WatchMemory``), each under its own keys.

Read, a missing, unreadable or hand-broken file is ``{}`` (it never stops the deck).
Written, the keys another part wrote are kept, the file is replaced atomically, and a
lock makes a read and its write one step within this process (a theme switched on the
UI thread while a watch is remembered in a worker thread loses neither).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jobdeck import paths
from jobdeck.files import write_atomic

FILE_NAME = "ui-state.json"

_WRITING = threading.Lock()


def default_file() -> Path:
    return paths.data_dir() / FILE_NAME


def read_ui_state(file: Path) -> dict[str, Any]:
    """The remembered state ({} when there is none that can be read)."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # (UnicodeDecodeError is a ValueError)
        return {}
    return data if isinstance(data, dict) else {}


def update_ui_state(file: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Read the state, let ``change`` set its own keys in it (the others stay), write it
    back. OSError when it cannot be written."""
    with _WRITING:
        data = read_ui_state(file)
        change(data)
        file.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(file, json.dumps(data).encode())
