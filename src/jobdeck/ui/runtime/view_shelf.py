"""The deck's saved views: the config's, and those saved with ctrl+s in ``views.json``.

Reading and writing the file are blocking: the deck calls them from thread workers.
The shelf keeps the last list read, so that the palette and the switcher need no I/O.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from jobdeck.views import View, all_views, delete_view, find_view, read_saved_views, save_view


class ViewShelf:
    """The views the deck offers; ``start`` is the one it opens on (``--view NAME``)."""

    def __init__(
        self,
        configured: Sequence[View],
        file: Path | None,
        *,
        start: str | None = None,
        saved: tuple[Sequence[View], str | None] | None = None,
    ) -> None:
        """``saved``: the saved views and why some could not be read, as the command that checked
        ``start`` read them from ``file`` (the shelf then never reads them again)."""
        self.configured = list(configured)
        #: Where ctrl+s saves (None: saving is off, e.g. in a test without a data folder).
        self.file = file
        self.start = start
        self._saved: list[View] = list(saved[0]) if saved is not None else []
        #: Whether the saved views were read, and why some of them could not be.
        self._read, self._problem = (True, saved[1]) if saved is not None else (False, None)
        self._lock = threading.Lock()

    @property
    def views(self) -> list[View]:
        """The config's views, then the saved ones the config does not name."""
        return all_views(self.configured, self._saved)

    def find(self, name: str) -> View | None:
        return find_view(self.views, name)

    def is_configured(self, name: str) -> bool:
        return find_view(self.configured, name) is not None

    def load(self) -> str | None:
        """Read the saved views, once (blocking, unless given them); why some could not be read, or None."""
        if self.file is None:
            return None
        with self._lock:
            if not self._read:
                self._saved, self._problem = read_saved_views(self.file)
                self._read = True
            return self._problem

    def save(self, view: View) -> None:
        """Save ``view`` (blocking), replacing a saved one of the same name. OSError when it cannot."""
        if self.file is None:
            raise OSError("saving views is off in this deck")
        with self._lock:
            save_view(self.file, view)
            self._saved = [*(old for old in self._saved if old.name.casefold() != view.name.casefold()), view]

    def delete(self, name: str) -> bool:
        """Forget the saved view ``name`` (blocking); whether there was one."""
        if self.file is None:
            return False
        with self._lock:
            deleted = delete_view(self.file, name)
            self._saved = [view for view in self._saved if view.name.casefold() != name.casefold()]
        return deleted
