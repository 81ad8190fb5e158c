"""``jobdeck serve``: the deck in a browser, through textual-serve.

textual-serve runs one deck process per browser tab and relays its screen
over a websocket. The deck it starts is read-only unless the user asks for
actions: a browser view is easy to share, so it must not be able to archive
or cancel by default. No Textual import here; textual-serve is imported only
when the server starts.
"""

from __future__ import annotations

import ipaddress
import shlex
import sys
from pathlib import Path


def deck_command(*, config_path: Path | None, allow_actions: bool, python: str | None = None) -> str:
    """The shell command textual-serve runs for each browser session."""
    args = [python or sys.executable, "-m", "jobdeck"]
    if config_path is not None:
        args += ["--config", str(Path(config_path).expanduser().resolve())]
    if not allow_actions:
        args.append("--read-only")
    return shlex.join(args)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_deck(command: str, *, host: str, port: int) -> None:
    """Serve ``command`` on http://host:port/ until interrupted. ImportError if textual-serve is missing."""
    from textual_serve.server import Server

    Server(command, host=host, port=port, title="jobdeck").serve()
