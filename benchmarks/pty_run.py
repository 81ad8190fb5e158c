"""Run a terminal program in a pseudo-terminal, as a user would, and watch its screen output.

Used for what only a real command can show: start-up time, idle CPU and the
time to open a file (jobdeck against toolong). The output is drained all the
time (a full pty would block the program) and searched with escape
sequences removed, so styled text still reads as text.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Mapping, Sequence

_ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")

COLUMNS, ROWS = 120, 40


class PtyProcess:
    """A command running on a pty of ``COLUMNS`` x ``ROWS``, its output drained in a thread."""

    def __init__(self, argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: str | None = None) -> None:
        self.started = time.monotonic()
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        full_env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(ROWS)}
        full_env.update(env or {})
        self.process = subprocess.Popen(
            list(argv), stdin=slave, stdout=slave, stderr=slave, env=full_env, cwd=cwd, start_new_session=True
        )
        os.close(slave)
        self._master = master
        self._text = bytearray()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._closed = False
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        pending = b""
        while not self._closed:
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self._master, 1 << 16)
            except OSError:
                break
            if not data:
                break
            # An escape sequence may be cut at the end of a read: keep a short tail back.
            data = pending + data
            cut = data.rfind(b"\x1b")
            if cut != -1 and len(data) - cut < 32:
                data, pending = data[:cut], data[cut:]
            else:
                pending = b""
            with self._changed:
                self._text += _ESCAPES.sub(b"", data)
                self._changed.notify_all()

    def wait_for(self, needle: str, timeout: float) -> float:
        """Seconds from the start of the command until ``needle`` was drawn; TimeoutError if never."""
        wanted = needle.encode()
        deadline = time.monotonic() + timeout
        with self._changed:
            while wanted not in self._text:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.process.poll() is not None:
                    tail = self._text[-400:].decode(errors="replace")
                    raise TimeoutError(f"{needle!r} not shown after {timeout}s; last output: {tail!r}")
                self._changed.wait(min(remaining, 0.05))
            return time.monotonic() - self.started

    def send(self, keys: str) -> None:
        """Type ``keys`` into the program's terminal."""
        os.write(self._master, keys.encode())

    def cpu_seconds(self) -> float:
        """User + system CPU time the process (all its threads) has used so far."""
        with open(f"/proc/{self.process.pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def close(self) -> None:
        """End the program (its whole session) and the reader."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait()
        self._closed = True
        self._reader.join(timeout=1)
        os.close(self._master)

    def __enter__(self) -> PtyProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def time_until_shown(argv: Sequence[str], needle: str, *, env: Mapping[str, str] | None = None, timeout: float = 60) -> float:
    """Seconds from running ``argv`` until ``needle`` is on its screen."""
    with PtyProcess(argv, env=env) as proc:
        return proc.wait_for(needle, timeout)
