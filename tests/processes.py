"""Background processes a test starts, stopped at its end.

Import it as ``from processes import Processes`` (``tests/`` is on ``sys.path``)::

    with Processes(grace=5) as processes:
        server = processes.start([sys.executable, "-m", "jobdeck", "serve"], stderr=subprocess.PIPE)
        ...
    # here every process still running has been terminated, or killed after `grace` seconds
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from typing import Any, Self


class Processes:
    """Starts subprocesses and, on the way out, stops those still running."""

    def __init__(self, *, grace: float) -> None:
        self.grace = grace
        self._started: list[subprocess.Popen[bytes]] = []

    def start(self, argv: Sequence[str], **popen: Any) -> subprocess.Popen[bytes]:
        """``subprocess.Popen(argv, **popen)``, remembered to be stopped."""
        process = subprocess.Popen(list(argv), **popen)
        self._started.append(process)
        return process

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for process in self._started:
            if process.poll() is not None:
                continue
            process.terminate()
            try:
                process.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
