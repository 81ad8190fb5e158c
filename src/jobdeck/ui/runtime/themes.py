"""Theme files: loading, validating, watching, and remembering the user's choice.

A theme file is TOML whose keys are the fields of ``textual.theme.Theme``::

    name = "jobdeck-dark"          # optional; the file's stem otherwise
    primary = "#0178D4"            # the only required colour
    background = "#1e1e1e"
    dark = true
    ansi = false                   # true: colours are the terminal's own (ansi_red …)

    [variables]                    # any Textual design variable, e.g.
    block-cursor-text-style = "bold reverse"

Shipped themes live in the top-level ``themes/`` folder (``jobdeck/themes`` in
the wheel); users add files to ``jobdeck.paths.user_themes_dir()``; a user
theme with the same name as a shipped one replaces it. A broken file never
stops the deck: it is reported as a ``ThemeProblem`` naming the file and the
field, and the themes that loaded are used.
"""

from __future__ import annotations

import logging
import threading
import tomllib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import Theme

from jobdeck import paths
from jobdeck.ui.runtime.ui_state import default_file, read_ui_state, update_ui_state

log = logging.getLogger(__name__)

THEME_SUFFIX = ".toml"
#: Words a ``*-text-style`` variable may hold.
_TEXT_STYLES = frozenset({"none", "bold", "dim", "italic", "underline", "reverse", "strike", "blink", "not"})


@dataclass(frozen=True)
class ThemeProblem:
    """Why one theme file could not be used."""

    file: Path
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


def _colour(value: str) -> str:
    # "ansi_red", "#1e1e1e", "red", optionally followed by an alpha like "35%".
    first, _, alpha = value.strip().partition(" ")
    try:
        Color.parse(first)
    except ColorParseError:
        raise ValueError(f"not a colour: {value!r}") from None
    if alpha and not (alpha.endswith("%") and alpha[:-1].replace(".", "", 1).isdigit()):
        raise ValueError(f"not an alpha percentage: {alpha!r}")
    return value


class ThemeFile(BaseModel):
    """The validated contents of one theme file."""

    # Strict: `dark = "yes"` is a mistake to report, not a truthy string.
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    primary: str
    secondary: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    dark: bool = True
    luminosity_spread: float = Field(default=0.15, ge=0, le=1)
    text_alpha: float = Field(default=0.95, ge=0, le=1)
    ansi: bool = False
    variables: dict[str, str] = Field(default_factory=dict)

    @field_validator("primary", "secondary", "warning", "error", "success", "accent",
                     "foreground", "background", "surface", "panel", "boost")
    @classmethod
    def _is_a_colour(cls, value: str | None) -> str | None:
        return None if value is None else _colour(value)

    @field_validator("variables")
    @classmethod
    def _variables_are_valid(cls, variables: dict[str, str]) -> dict[str, str]:
        for key, value in variables.items():
            if key.endswith("text-style"):
                unknown = set(value.split()) - _TEXT_STYLES
                if unknown:
                    raise ValueError(f"{key}: unknown text style {' '.join(sorted(unknown))!r}")
            else:
                try:
                    _colour(value)
                except ValueError as exc:
                    raise ValueError(f"{key}: {exc}") from None
        return variables

    def to_theme(self, fallback_name: str) -> Theme:
        fields = self.model_dump(exclude={"name"})
        return Theme(name=self.name or fallback_name, **fields)


def load_theme_file(file: Path) -> Theme:
    """The theme in ``file``; ValueError says what is wrong and where (file and field)."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{file}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ValueError(f"{file}: cannot read: {exc.strerror or exc}") from None
    return theme_from_toml(text, file)


def theme_from_toml(text: str, file: Path) -> Theme:
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{file}: invalid TOML: {exc}") from None
    try:
        model = ThemeFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "(file)"
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "unknown field"
            elif error["type"] == "missing":
                message = "missing (every theme needs it)"
            problems.append(f"{field}: {message}")
        raise ValueError(f"{file}: " + "; ".join(problems)) from None
    return model.to_theme(file.stem)


def load_theme_dir(folder: Path) -> tuple[list[Theme], list[ThemeProblem]]:
    """Every theme file in ``folder`` (sorted by name), and the problems of those that failed.

    A missing folder has no themes and no problems; an unreadable one is a problem.
    """
    themes: list[Theme] = []
    problems: list[ThemeProblem] = []
    try:
        files = sorted(path for path in folder.iterdir() if path.suffix == THEME_SUFFIX and path.is_file())
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        return [], [ThemeProblem(folder, f"cannot read the themes folder: {exc.strerror or exc}")]
    for file in files:
        try:
            themes.append(load_theme_file(file))
        except ValueError as exc:
            problems.append(ThemeProblem(file, str(exc).removeprefix(f"{file}: ")))
    return themes, problems


def shipped_themes_dir() -> Path:
    """``jobdeck/themes`` inside the installed package, else the repository's ``themes/``."""
    packaged = Path(str(resources.files("jobdeck"))) / "themes"
    if packaged.is_dir():
        return packaged
    # An editable install: src/jobdeck/ui/runtime/themes.py -> the repository root.
    return Path(__file__).resolve().parents[4] / "themes"


def theme_dirs() -> list[Path]:
    """Where themes are read from, shipped first so a user file of the same name wins."""
    return [shipped_themes_dir(), paths.user_themes_dir()]


def load_all_themes(folders: Iterable[Path] | None = None) -> tuple[dict[str, Theme], list[ThemeProblem]]:
    """Every theme by name from ``folders`` (later folders win), and every problem."""
    themes: dict[str, Theme] = {}
    problems: list[ThemeProblem] = []
    for folder in folders if folders is not None else theme_dirs():
        loaded, failed = load_theme_dir(folder)
        themes.update((theme.name, theme) for theme in loaded)
        problems += failed
    return themes, problems


async def watch_theme_files(
    folders: Iterable[Path], *, debounce_ms: int = 1000, step_ms: int = 500
) -> AsyncIterator[set[Path]]:
    """Yield the theme files changed (written, added or deleted) in ``folders``.

    Folders that do not exist are skipped; when none exists the iterator ends at once.
    On Linux the folders are watched by inotify on the event loop (nothing runs until a
    file changes: ``jobdeck.inotify_watch``), elsewhere by watchfiles.
    """
    from jobdeck import inotify_watch  # here: ctypes costs start-up time

    existing = [str(folder) for folder in folders if folder.is_dir()]
    if not existing:
        return
    is_theme = lambda path: path.endswith(THEME_SUFFIX)  # noqa: E731
    async for paths in inotify_watch.changes(
        existing, recursive=False, step=step_ms / 1000, debounce=debounce_ms / 1000, keep=is_theme
    ):
        yield {Path(path) for path in paths}


class ThemeMemory:
    """The theme the user last chose in the deck, in a small JSON file in the data folder.

    The config file is the user's and is never rewritten. The remembered
    choice records the configured theme it replaced: when the config (or
    ``--theme``) names another theme later, that newer wish wins.

    The deck remembers with ``remember_soon``: the write (synced to disk) runs in a
    thread of its own, never on the UI thread, and the latest choice is the one
    written when several come quickly (``shift+t`` held down). The thread is not a
    daemon: a choice made just before quitting is still written (``flush`` waits).
    """

    def __init__(self, file: Path | None = None) -> None:
        self.file = file or default_file()
        self._lock = threading.Lock()
        #: The choice waiting to be written (theme, configured), if any.
        self._wish: tuple[str, str] | None = None
        self._writer: threading.Thread | None = None

    def remember_soon(self, theme: str, configured: str) -> None:
        """``remember`` in the writer thread (started if none is running); returns at once."""
        with self._lock:
            self._wish = (theme, configured)
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_wishes, name="theme-memory")
                self._writer.start()

    def flush(self, timeout: float | None = None) -> None:
        """Wait until the choices asked for are written (at most ``timeout`` seconds)."""
        with self._lock:
            writer = self._writer
        if writer is not None:
            writer.join(timeout)

    def _write_wishes(self) -> None:
        while True:
            with self._lock:
                wish, self._wish = self._wish, None
                if wish is None:
                    self._writer = None  # (under the lock: a new wish starts a new writer)
                    return
            self.remember(*wish)

    def recall(self, configured: str) -> str | None:
        """The remembered theme, if it was chosen over ``configured``; None otherwise."""
        data = read_ui_state(self.file)
        theme, over = data.get("theme"), data.get("over")
        if isinstance(theme, str) and theme and over == configured:
            return theme
        return None

    def remember(self, theme: str, configured: str) -> None:
        try:
            update_ui_state(self.file, lambda data: data.update(theme=theme, over=configured))
        except OSError as exc:
            # Forgetting the theme is a small loss; failing the switch would be worse.
            log.warning("cannot remember the theme in %s: %s", self.file, exc)
