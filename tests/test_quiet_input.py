"""The terminal's input thread sleeps until there is input (jobdeck.ui.runtime.quiet_input):
keys, a lone ESC and escape sequences arrive as with Textual's own driver, quitting ends
the thread at once, and while nobody types the thread does not wake."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.drivers.linux_driver import LinuxDriver
from textual.drivers.headless_driver import HeadlessDriver

from jobdeck.ui.runtime.quiet_input import QuietLinuxDriver, driver_class

APP = '''
import subprocess
import sys
import threading
from textual.app import App
from jobdeck.ui.runtime.quiet_input import QuietLinuxDriver

keys = open(sys.argv[1], "a", buffering=1)

class Keys(App):
    def on_mount(self):
        thread = next(t for t in threading.enumerate() if t.name == "textual-input")
        keys.write(f"ready {thread.native_id}\\n")
    def on_key(self, event):
        keys.write(event.key + "\\n")
        if event.key == "q":
            self.exit()
        if event.key == "s":  # the terminal handed over (a pager), then taken back
            with self.suspend():
                subprocess.run(["true"])

Keys(driver_class=QuietLinuxDriver).run()
'''


def test_it_replaces_textuals_linux_driver_only() -> None:
    assert driver_class(LinuxDriver) is QuietLinuxDriver
    assert driver_class(HeadlessDriver) is HeadlessDriver


@pytest.fixture
def keys_app(tmp_path: Path):
    """A Textual app on a pseudo-terminal with the quiet driver, writing each key it gets
    to a file: (the process, the terminal's end to type into, the file)."""
    script, typed = tmp_path / "keys_app.py", tmp_path / "keys.txt"
    script.write_text(APP)
    typed.write_text("")
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "TEXTUAL_DRIVER": ""}
    env.pop("TEXTUAL_DRIVER")
    process = subprocess.Popen(
        [sys.executable, str(script), str(typed)], stdin=slave, stdout=slave, stderr=subprocess.DEVNULL, env=env
    )
    os.close(slave)
    drained = __import__("threading").Thread(target=_drain, args=(master,), daemon=True)
    drained.start()
    try:
        _wait_for(lambda: "ready" in typed.read_text(), "the app to start")
        yield process, master, typed
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        os.close(master)


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass


def _wait_for(condition, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.02)


def _input_thread_wakes(pid: int, typed: Path) -> int:
    """How often the process's input thread (its id written by the app) has woken so far."""
    thread = typed.read_text().split()[1]
    for line in Path(f"/proc/{pid}/task/{thread}/status").read_text().splitlines():
        if line.startswith("voluntary_ctxt_switches:"):
            return int(line.split()[1])
    raise AssertionError("no count of the input thread's wake-ups")


def test_keys_a_lone_escape_and_sequences_arrive_through_a_suspension_and_q_quits_at_once(keys_app) -> None:
    process, terminal, typed = keys_app
    os.write(terminal, b"a")
    _wait_for(lambda: "a\n" in typed.read_text(), "a")
    os.write(terminal, b"\x1b")  # ESC alone: a key once the parser has waited for more
    _wait_for(lambda: "escape\n" in typed.read_text(), "escape")
    os.write(terminal, b"\x1b[A")
    _wait_for(lambda: "up\n" in typed.read_text(), "up")
    os.write(terminal, b"s")  # suspended and resumed: the input thread starts again
    _wait_for(lambda: "s\n" in typed.read_text(), "s")
    time.sleep(0.5)
    os.write(terminal, b"b")
    _wait_for(lambda: "b\n" in typed.read_text(), "b after the suspension")
    os.write(terminal, b"q")
    assert process.wait(timeout=10) == 0
    assert [line.split()[0] for line in typed.read_text().splitlines()] == ["ready", "a", "escape", "up", "s", "b", "q"]


def test_the_input_thread_does_not_wake_while_nobody_types(keys_app) -> None:
    process, _, typed = keys_app
    time.sleep(0.3)  # the terminal's answers to start-up queries read
    before = _input_thread_wakes(process.pid, typed)
    time.sleep(1.5)
    assert _input_thread_wakes(process.pid, typed) - before <= 1  # Textual's own: 15
