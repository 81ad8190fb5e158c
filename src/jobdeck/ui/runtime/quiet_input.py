"""A terminal driver whose input thread sleeps until there is input.

Textual's Linux driver (8.2.8) reads keys in a thread that wakes ten times a second
to ask whether the app is quitting and whether a lone ESC has waited long enough to
be a key: a sixth of what an idle deck with jobs running costs (issue 22). This one
waits on the terminal and on a pipe that quitting writes to, and wakes on a timer only
while the key parser is waiting to tell ESC from the start of a sequence (until the
parser's own deadline, not in tenths of a second). What it reads, and how, is
Textual's own (``run_input_thread`` below is Textual's, with the wait changed).

Used on the Textual release it was written against only (``driver_class``): any other
keeps Textual's driver.
"""

from __future__ import annotations

import os
import selectors
import weakref
from codecs import getincrementaldecoder
from threading import Event

import textual
from textual._loop import loop_last
from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver

#: The Textual release whose input thread this copies (pinned in pyproject).
TEXTUAL_VERSION = "8.2.8"


class WakingEvent(Event):
    """An Event that also writes to a pipe when set, so a thread waiting in ``select`` on
    the pipe's other end wakes at once."""

    def __init__(self) -> None:
        super().__init__()
        self.wake_fd, self._write_fd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        weakref.finalize(self, _close_all, self.wake_fd, self._write_fd)

    def set(self) -> None:
        super().set()
        try:
            os.write(self._write_fd, b"!")
        except OSError:  # full (already woken) or closed: nothing to add
            pass

    def clear(self) -> None:
        super().clear()
        try:
            while os.read(self.wake_fd, 64):
                pass
        except OSError:  # drained
            pass


def _close_all(*fds: int) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


class QuietLinuxDriver(LinuxDriver):
    """Textual's Linux driver, its input thread asleep until input, quitting or an ESC's
    deadline."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # (Its pipe lives as long as the event, the driver's: a suspended app, a pager shown,
        # closes the driver and starts its input thread again on the same event.)
        self.exit_event = WakingEvent()

    def run_input_thread(self) -> None:
        """Wait for input and dispatch events (Textual's, but for the wait)."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        wake_fd = self.exit_event.wake_fd
        selector.register(wake_fd, selectors.EVENT_READ)

        fileno = self.fileno
        EVENT_READ = selectors.EVENT_READ

        parser = XTermParser(self._debug)
        feed = parser.feed
        tick = parser.tick

        utf8_decoder = getincrementaldecoder("utf-8")().decode
        decode = utf8_decoder
        read = os.read

        def wait() -> float | None:
            """Until input, or the parser's deadline for what it holds (a lone ESC …)."""
            deadline = parser._timeout_time
            return None if deadline is None else max(0.0, deadline - get_time())

        def process_selector_events(
            selector_events: list[tuple[selectors.SelectorKey, int]],
            final: bool = False,
        ) -> None:
            terminal_events = [(key, mask) for key, mask in selector_events if key.fd != wake_fd]
            for last, (_selector_key, mask) in loop_last(terminal_events):
                if mask & EVENT_READ:
                    unicode_data = decode(read(fileno, 1024 * 4), final=final and last)
                    if not unicode_data:
                        # This can occur if the stdin is piped
                        break
                    for event in feed(unicode_data):
                        self.process_message(event)
            for event in tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process_selector_events(selector.select(wait()))
            selector.unregister(wake_fd)
            selector.unregister(self.fileno)
            process_selector_events(selector.select(0.1), final=True)

        finally:
            selector.close()
            try:
                for event in feed(""):
                    pass
            except (EOFError, ParseError):
                pass


def driver_class(textual_choice: type[Driver]) -> type[Driver]:
    """The driver to use where Textual chose ``textual_choice``: the quiet one instead of
    Textual's Linux driver on the release it copies, else Textual's choice."""
    if textual_choice is LinuxDriver and getattr(textual, "__version__", None) == TEXTUAL_VERSION:
        return QuietLinuxDriver
    return textual_choice
