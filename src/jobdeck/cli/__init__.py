"""The ``jobdeck`` command: the deck, and the small commands around it.

One module per command (``run``, ``ls``, ``logs``, ``info``, ``demo``,
``emulate``, ``serve``); ``group`` holds the top-level options, which open
the deck when no command is given, and ``common`` what they all share.

Errors never reach the user as tracebacks: a bad config prints
``jobdeck: <what and where>`` and exits 2; anything unexpected prints one
line pointing at ``<data dir>/jobdeck.log`` (where the traceback goes) and
exits 1. Python logging writes only to that file, because the deck owns the
screen and a stray library warning would tear it.

Start-up time matters here: a command imports what only it needs (Textual,
the monitor, the adapters) inside its function, not at the top of its module.
"""

from __future__ import annotations

from jobdeck.cli.group import cli, main

__all__ = ["cli", "main"]
