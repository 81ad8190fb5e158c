"""What the runner does with signals while it supervises a command.

SIGINT/SIGTERM go to the command's process group (a second one sends
SIGKILL); SIGHUP is ignored, so closing the terminal does not stop the job.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from types import FrameType, TracebackType
from typing import Any


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class SignalForwarder:
    """While supervising: SIGINT/SIGTERM go to the command's process group
    (a second one sends SIGKILL), and SIGHUP is ignored so the job outlives
    the terminal. Python handlers, not SIG_IGN, so the command inherits none."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.child_group: int | None = None
        self._count = 0
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> SignalForwarder:
        # Handlers can only be installed from the main thread (tests may run us elsewhere).
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, signal.SIGTERM):
                self._previous[number] = signal.signal(number, self._on_stop)
            self._previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, self._on_hangup)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def adopt(self, group: int) -> None:
        """The command started: forward to its group, including a signal that came first."""
        self.child_group = group
        if self.received is not None:
            self.forward(self.received)

    def forward(self, number: int) -> None:
        if self.child_group is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
            os.killpg(self.child_group, number)

    def _on_stop(self, number: int, frame: FrameType | None) -> None:
        self._count += 1
        if self.received is None:
            self.received = number
        self.forward(number if self._count == 1 else signal.SIGKILL)

    def _on_hangup(self, number: int, frame: FrameType | None) -> None:
        """Keep running; echoing to the vanished terminal fails and stops by itself."""
