"""The palette's "Screenshot": an SVG of the screen, saved where jobdeck says, and said where.

Textual saves it to the user's Downloads folder, which many servers do not
have; the write then fails with "Failed to save screenshot" and no reason.
jobdeck saves to ``<data dir>/screenshots/`` (``jobdeck info`` shows it),
makes the folder first, and names the file it wrote, or why it could not.
In a browser (``jobdeck serve``) the SVG is sent to the browser instead.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from textual import events
from textual.app import App

from jobdeck import paths
from jobdeck.clock import Clock

log = logging.getLogger(__name__)

#: The delivery's name: not Textual's own "screenshot", whose handlers would toast a second time.
SCREENSHOT_DELIVERY = "jobdeck-screenshot"
TOAST_TITLE = "Screenshot"


class ScreenshotApp(App[int]):
    """An App whose screenshots go to jobdeck's screenshots folder."""

    #: Names the file (set by the App: time is injected, so tests know the name).
    clock: Clock

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """Save an SVG of the screen in ``path`` (default: the screenshots folder); the delivery key."""
        folder = paths.screenshots_dir() if path is None else Path(path).expanduser()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._screenshot_failed(f"cannot make the folder {folder}: {exc.strerror or exc}")
            return None
        name = filename or f"jobdeck-{self.clock.now().strftime(time_format or '%Y%m%d-%H%M%S-%f')}.svg"
        return self.deliver_text(
            io.StringIO(self.export_screenshot()),
            save_directory=folder,
            save_filename=name,
            open_method="browser",
            mime_type="image/svg+xml",
            name=SCREENSHOT_DELIVERY,
        )

    def on_delivery_complete(self, event: events.DeliveryComplete) -> None:
        if event.name != SCREENSHOT_DELIVERY:
            return
        if event.path is None:  # delivered to a browser (jobdeck serve)
            self.notify("Screenshot sent to the browser", title=TOAST_TITLE)
        else:
            log.info("screenshot saved in %s", event.path)
            self.notify(f"Saved in {event.path}", title=TOAST_TITLE, timeout=8)

    def on_delivery_failed(self, event: events.DeliveryFailed) -> None:
        if event.name != SCREENSHOT_DELIVERY:
            return
        error = event.exception
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        where = getattr(error, "filename", None)
        self._screenshot_failed(f"cannot write {where}: {reason}" if where else reason)

    def _screenshot_failed(self, reason: str) -> None:
        log.warning("screenshot not saved: %s", reason)
        self.notify(f"Screenshot not saved: {reason}", title=TOAST_TITLE, severity="error", timeout=10)
