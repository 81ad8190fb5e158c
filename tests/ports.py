"""A free TCP port for a server a test starts (never a fixed one: tests run side by side).

Import it as ``from ports import free_port`` (``tests/`` is on ``sys.path``)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port on 127.0.0.1 that the OS says is free now (bound once, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
