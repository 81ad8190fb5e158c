"""Knowing when a frame was really painted, in a headless deck.

A headless Textual app composes every update but skips turning it into
terminal output. ``FrameProbe`` wraps ``App._display`` so each update is
also rendered to the escape sequences a terminal would receive (the cost is
counted, as a real terminal would pay it), then timestamped and kept for
searching: "the first frame after t0 that shows X".
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass

from textual.app import App
from textual._compositor import CompositorUpdate

_ESCAPES = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


@dataclass(frozen=True)
class Frame:
    at: float
    #: CPU time of the UI thread when it was painted (``time.thread_time``).
    cpu: float
    #: The update's text with escape sequences removed.
    text: str


class FrameProbe:
    def __init__(self, app: App[object]) -> None:
        self.app = app
        self.frames: list[Frame] = []
        self._painted = asyncio.Event()
        original = app._display

        def display(screen: object, renderable: object) -> None:
            original(screen, renderable)  # type: ignore[arg-type]
            if renderable is None or app._batch_count:
                return
            if isinstance(renderable, CompositorUpdate):
                output = renderable.render_segments(app.console)
                self._record(_ESCAPES.sub("", output))

        app._display = display  # type: ignore[method-assign]

    def _record(self, text: str) -> None:
        self.frames.append(Frame(time.monotonic(), time.thread_time(), text))
        self._painted.set()

    async def wait_for(self, needle: str, *, after: float, timeout: float = 60.0) -> Frame:
        """The first frame painted after ``after`` whose text holds ``needle``."""
        deadline = time.monotonic() + timeout
        checked = 0
        while True:
            for frame in self.frames[checked:]:
                if frame.at >= after and needle in frame.text:
                    return frame
            checked = len(self.frames)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no frame showed {needle!r} within {timeout}s")
            self._painted.clear()
            try:
                await asyncio.wait_for(self._painted.wait(), min(remaining, 0.5))
            except TimeoutError:
                pass
