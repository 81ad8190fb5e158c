"""The App's themes: loaded from files, watched, switched with T, remembered.

Mixed into ``JobdeckApp`` (which holds the settings, the theme folders and the
memory this reads).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.theme import Theme

from jobdeck import paths
from jobdeck.ui.runtime.no_color import follow_theme
from jobdeck.ui.runtime.themes import load_all_themes, watch_theme_files

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from jobdeck.config import Settings
    from jobdeck.ui.runtime.themes import ThemeMemory


class AppThemes(App[int]):
    """Theme files registered and watched, the starting theme chosen, ``T`` cycling them."""

    settings: Settings
    file_themes: list[str]
    _theme_folders: list[Path]
    _theme_memory: ThemeMemory | None
    _theme_ready: bool

    if TYPE_CHECKING:

        def apply_display(self, node: DOMNode) -> None: ...

    def _load_themes(self, changed: Iterable[Path] | None = None) -> list[Callable[[], None]]:
        """Register every theme file; a notice (to call) for each broken one among ``changed``
        (all when None).

        A broken file never unregisters the theme it held: the last good
        version stays, so an edit in progress never blanks the deck.
        """
        themes, problems = load_all_themes(self._theme_folders)
        for theme in themes.values():
            self.register_theme(theme)
        self.file_themes = list(themes)
        wanted = set(changed) if changed is not None else None
        return [
            partial(
                self.notify, f"{problem}\nThe current theme stays.", title="Theme not loaded", severity="warning", timeout=10
            )
            for problem in problems
            if wanted is None or problem.file in wanted
        ]

    def _starting_theme(self) -> tuple[str, Callable[[], None] | None]:
        """The theme to start with, and a notice (to call) if the configured one is unknown."""
        configured = self.settings.theme
        remembered = self._theme_memory.recall(configured) if self._theme_memory else None
        for name in (remembered, configured):
            if name and name in self.available_themes:
                return name, None
        # A few names, not all 25: the toast must fit at 80×24. `jobdeck info` and the palette list them all.
        names = ", ".join(self.file_themes[:4]) + (" …" if len(self.file_themes) > 4 else "")
        return "textual-dark", partial(
            self.notify,
            f"No theme named {configured!r}; using textual-dark. jobdeck's: {names} (ctrl+p, Theme: all)",
            title="Theme",
            severity="warning",
        )

    def watch_theme(self, theme: str) -> None:
        follow_theme(self._filters, self.native_ansi_color)  # Textual chose NO_COLOR's filter once, at start
        if not self._theme_ready:
            return
        self.apply_display(self.screen)
        if self._theme_memory is not None:
            self._theme_memory.remember_soon(theme, self.settings.theme)  # (a synced write: not on the UI thread)

    def reload_themes(self, changed: Iterable[Path]) -> None:
        """Re-read the theme files after ``changed`` changed; re-apply the current theme."""
        before: Theme | None = self.get_theme(self.theme)
        for notice in self._load_themes(changed):
            notice()
        if self.get_theme(self.theme) is not before:
            # Same name, new colours: the watcher only runs on a new name, so force it.
            self.mutate_reactive(App.theme)

    @work(exclusive=True, group="themes", exit_on_error=False)
    async def _watch_theme_files(self) -> None:
        # The user's themes folder may not exist yet; make it, so a theme file
        # dropped there later applies live too (watching needs a folder).
        user_folder = paths.user_themes_dir()
        if user_folder in self._theme_folders:
            with contextlib.suppress(OSError):
                user_folder.mkdir(parents=True, exist_ok=True)
        async for changed in watch_theme_files(self._theme_folders):
            self.reload_themes(changed)

    def action_next_theme(self) -> None:
        """Switch to the next theme file's theme (the configured theme is in the cycle too)."""
        cycle = list(self.file_themes)
        if self.settings.theme not in cycle and self.settings.theme in self.available_themes:
            cycle.insert(0, self.settings.theme)
        if not cycle:
            return
        position = cycle.index(self.theme) if self.theme in cycle else -1
        self.theme = cycle[(position + 1) % len(cycle)]
        self.notify(f"Theme: {self.theme}", timeout=2)
