"""Emulators served by a child process (``jobdeck emulate`` or a ``serve`` call), stopped with Ctrl-C.

Import it as ``from served_emulators import Served, serve_process, wait_until_served``
(``tests/`` is on ``sys.path``; ``serve_process`` is a fixture). The child finds
``tests/`` on its PYTHONPATH too, so it can serve the ``toy_emulator``.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest

TESTS = Path(__file__).parent
#: How long a child process gets to print its URL, and to stop after Ctrl-C.
PROCESS_TIMEOUT = 20.0


class Served:
    """A child process serving an emulator: its first stdout line holds the URL."""

    def __init__(self, argv: Sequence[str]) -> None:
        python_path = os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": python_path}
        # Unbuffered bytes: readline must not swallow output that communicate() reads later.
        self.process = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0, env=env)
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], PROCESS_TIMEOUT)
        first = self.process.stdout.readline().decode() if ready else ""
        self.url = next((word for word in first.split() if word.startswith("http://")), "")
        assert self.url, f"no URL in {first!r}; stderr: {self.stop()[2]}"

    def stop(self) -> tuple[int, str, str]:
        """Ctrl-C the process; its exit code, the rest of its stdout, and its stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            out, err = self.process.communicate(timeout=PROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            pytest.fail(f"the emulator did not stop within {PROCESS_TIMEOUT} s of Ctrl-C")
        return self.process.returncode, out.decode(), err.decode()


@pytest.fixture
def serve_process() -> Iterator[type[Served]]:
    started: list[Served] = []

    class Tracked(Served):
        def __init__(self, argv: Sequence[str]) -> None:
            started.append(self)
            super().__init__(argv)

    yield Tracked
    for served in started:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait(PROCESS_TIMEOUT)


def wait_until_served(url: str) -> httpx.Response:
    deadline = time.monotonic() + PROCESS_TIMEOUT
    while True:
        try:
            return httpx.get(f"{url}/_emulator/state", timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
