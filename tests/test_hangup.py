"""Leaving when the terminal is gone (jobdeck.ui.runtime.hangup)."""

from __future__ import annotations

import os
import pty
import threading

from jobdeck.ui.runtime.hangup import watch_terminal


def test_a_terminal_that_hangs_up_is_noticed() -> None:
    master, slave = pty.openpty()
    gone = threading.Event()
    try:
        watch_terminal(slave, every=0.01, on_gone=gone.set)
        assert not gone.wait(0.1)  # still there: nothing happens
        os.close(master)  # the terminal window closes
        assert gone.wait(5)
    finally:
        os.close(slave)


def test_a_watch_stopped_before_the_hangup_does_nothing() -> None:
    master, slave = pty.openpty()
    gone = threading.Event()
    try:
        stop = watch_terminal(slave, every=0.01, on_gone=gone.set)
        stop.set()
        os.close(master)
        assert not gone.wait(0.2)
    finally:
        os.close(slave)
