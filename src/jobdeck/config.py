"""Typed settings from a TOML file.

Where the file is: ``--config PATH``, else ``$JOBDECK_CONFIG``, else
``config.toml`` in ``jobdeck.paths.config_dir()``. A missing default file means the defaults
(one local backend); a path the user named that does not exist is an error.

Each ``[[backends]]`` table is validated by the settings model of the
adapter its ``kind`` names (found through the adapter registry), so every
backend checks its own keys. Every problem of the file, top-level and of
each backend, is found in one pass and becomes one line of a ``ConfigError``
that names the file and the key path, e.g.
``/home/me/.config/jobdeck/config.toml: backends[2].interval: Input should be greater than 0 (got -1)``;
past the first 20 only their number is told (``jobdeck.config_problems``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from jobdeck import paths
from jobdeck.adapters.base import BackendSettings
from jobdeck.adapters.registry import adapter_class, available_kinds
from jobdeck.clock import display_zone
from jobdeck.config_problems import ProblemReport, shown, shown_path, unknown_keys
from jobdeck.errors import ConfigError
from jobdeck.views import View

Mode = Literal["interactive", "read-only", "kiosk"]

#: Modes from least to most restrictive: a flag can only move further right.
MODES_BY_STRICTNESS: tuple[Mode, ...] = ("interactive", "read-only", "kiosk")

#: The backend every install has when the config names none.
DEFAULT_BACKEND: dict[str, Any] = {"kind": "local", "name": "local"}


class AlertSettings(BaseModel):
    """``[alerts]``: what the deck does when a job it watched fails, or a backend goes down."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: A terminal bell and a "new failure" mark in the list and the header.
    enabled: bool = True
    #: A desktop notification through the terminal: "osc9" (iTerm2, kitty, WezTerm, Windows
    #: Terminal …) or "osc777" (foot, urxvt, VTE …); "off" by default; never in a served deck.
    desktop: Literal["off", "osc9", "osc777"] = "off"
    #: A command run for each alert, as arguments (never a shell string); placeholders:
    #: {name} {backend} {id} {ref} {state} {error} {what}, each filled with made-safe text.
    on_failure: list[str] = Field(default_factory=list, max_length=64)
    #: Seconds the command may run before it is stopped.
    hook_timeout: float = Field(default=10.0, gt=0, le=600)


class Settings(BaseModel):
    """Everything jobdeck is configured with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backends: list[BackendSettings] = Field(default_factory=lambda: [_backend_settings(DEFAULT_BACKEND)])
    theme: str = Field(default="textual-dark", min_length=1)
    mode: Mode = "interactive"
    log_lines: int = Field(default=10_000, gt=0, le=1_000_000, description="lines kept per log pane")
    #: Kiosk: seconds each failing or running job stays selected before the next.
    kiosk_rotate_seconds: float = Field(default=10.0, gt=0, le=3600)
    #: Kiosk: the keys that quit, pressed in order within ``kiosk_quit_within`` seconds.
    kiosk_quit_keys: list[str] = Field(default_factory=lambda: ["ctrl+q", "ctrl+q"], min_length=1, max_length=8)
    kiosk_quit_within: float = Field(default=2.0, gt=0, le=60)
    #: Over slow links: slower refresh, coalesced updates, no animations.
    low_bandwidth: bool = False
    #: Plain ASCII only: no box-drawing, block or emoji glyphs. "auto": on by itself where
    #: the terminal cannot draw them (the Linux console, TERM=linux); true or false: always.
    ascii: Literal["auto"] | bool = Field(
        default="auto", description='"auto" (ASCII on the Linux console only), true or false'
    )
    #: Hours a job its backend no longer lists stays in the deck, marked gone from the
    #: backend, before it leaves the live table (a backend may forget jobs; failed ones
    #: must stay in view meanwhile).
    live_keep_hours: float = Field(default=24.0, gt=0, le=24 * 366)
    #: Keep a history of every job seen (history.sqlite3 in the data folder); read-only
    #: decks and the kiosk record too: the history is jobdeck's own, no backend change.
    history: bool = True
    #: Days a job stays in the history after it was last seen.
    history_days: float = Field(default=30.0, gt=0, le=3660)
    #: MB the history may hold: beyond it the oldest finished jobs go first (with their
    #: transitions and kept log tails), in the background; 0: no cap.
    history_max_mb: int = Field(default=1024, ge=0, le=1024 * 1024)
    #: KB of a finished job's log kept in the history (its last part), so the log stays
    #: readable after its backend forgets the job (`jobdeck logs`); 0 keeps none.
    history_log_kb: int = Field(default=256, ge=0, le=64 * 1024)
    #: The zone the deck shows times in, and the kiosk's "today": UTC, local or an IANA name.
    time_zone: str = "UTC"
    #: What the deck does when a job fails (``AlertSettings``).
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    #: Named filters, sorts and columns (``[[views]]``); the deck adds its own with ctrl+s.
    views: list[View] = Field(default_factory=list, max_length=200)
    #: The view the deck opens on (a name of ``views`` or a saved one); ``--view`` overrides it.
    view: str | None = Field(default=None, min_length=1, max_length=64)
    #: The file these settings came from; None when they are the defaults.
    config_path: Path | None = None

    @field_validator("backends", mode="before")
    @classmethod
    def _validate_each_backend_by_its_kind(cls, value: Any) -> Any:
        # Tables become their adapter's own settings model; models pass through.
        if isinstance(value, Sequence) and not isinstance(value, str | bytes):
            return [_backend_settings(item) if isinstance(item, Mapping) else item for item in value]
        return value

    @field_validator("kiosk_quit_keys")
    @classmethod
    def _keys_that_can_be_pressed(cls, keys: list[str]) -> list[str]:
        # An empty name, a space or a control character is no key: a kiosk that nobody can leave.
        for key in keys:
            if not key or not key.isascii() or not key.isprintable() or " " in key:
                raise ValueError(f"{key!r} is not a key name; name keys as Textual does, e.g. ctrl+q, f10 or escape")
        return keys

    @field_validator("ascii", mode="before")
    @classmethod
    def _auto_true_or_false(cls, value: Any) -> Any:
        # One message naming the three choices (not one per member of the union); "yes" is no bool here.
        if value == "auto" or isinstance(value, bool):
            return value
        raise ValueError(f'should be "auto", true or false (got {shown(value)})')

    @field_validator("views")
    @classmethod
    def _views_have_their_own_names(cls, views: list[View]) -> list[View]:
        seen: set[str] = set()
        for view in views:
            if view.name.casefold() in seen:
                raise ValueError(f"two views are named {view.name!r}")
            seen.add(view.name.casefold())
        return views

    @field_validator("time_zone")
    @classmethod
    def _a_zone_the_deck_can_show(cls, value: str) -> str:
        display_zone(value)  # ValueError names the choices
        return value

    @model_validator(mode="after")
    def _backend_names_are_unique(self) -> Settings:
        for problem in duplicate_names(enumerate(self.backends)):
            raise ValueError(problem)
        return self

    @property
    def enabled_backends(self) -> list[BackendSettings]:
        return [backend for backend in self.backends if backend.enabled]

    def with_mode(self, *, read_only: bool = False, kiosk: bool = False) -> Settings:
        """These settings with the mode made at least as strict as the flags ask."""
        wanted: Mode = "kiosk" if kiosk else "read-only" if read_only else "interactive"
        return self.model_copy(update={"mode": stricter_mode(self.mode, wanted)})

    @property
    def read_only(self) -> bool:
        return self.mode != "interactive"

    @property
    def kiosk(self) -> bool:
        return self.mode == "kiosk"


#: Settings jobdeck fills in itself, each with why a file cannot set it.
SET_BY_JOBDECK: dict[str, str] = {"config_path": "it is set by jobdeck, not in the file"}
#: The keys a config file may have at its top level (what an unknown key's message lists).
FILE_KEYS: tuple[str, ...] = tuple(name for name in Settings.model_fields if name not in SET_BY_JOBDECK)
#: A config file is a few kilobytes; past this it is the wrong file (or /dev/zero), not read whole.
MAX_CONFIG_BYTES = 16 * 1024 * 1024


def duplicate_names(backends: Iterable[tuple[int, BackendSettings]]) -> list[str]:
    """A problem for each backend whose name an earlier one has (by their index in the file)."""
    seen: dict[str, int] = {}
    problems: list[str] = []
    for index, backend in backends:
        if backend.name not in seen:
            seen[backend.name] = index
            continue
        hint = (
            f" (a backend without a name is named after its kind: give each {backend.kind} backend its own name)"
            if backend.name == backend.kind
            else ""
        )
        problems.append(
            f"backends[{index}].name: duplicate backend name {backend.name!r} "
            f"(already used by backends[{seen[backend.name]}]); names must be unique{hint}"
        )
    return problems


def stricter_mode(a: Mode, b: Mode) -> Mode:
    """The more restrictive of two modes (kiosk > read-only > interactive)."""
    return max(a, b, key=MODES_BY_STRICTNESS.index)


def _backend_settings(table: Mapping[str, Any]) -> BackendSettings:
    """One backend table validated by its adapter's settings model (errors unformatted)."""
    kind = table.get("kind")
    if not isinstance(kind, str):
        raise ValueError(f"every backend needs a kind; known kinds: {', '.join(available_kinds())}")
    return adapter_class(kind).Settings.model_validate(dict(table))


# -- loading ----------------------------------------------------------------------


def config_path_from(path: Path | None, env: Mapping[str, str]) -> tuple[Path, bool]:
    """Where the config file is, and whether the user named it explicitly."""
    if path is not None:
        return Path(path).expanduser(), True
    if env.get("JOBDECK_CONFIG"):
        return Path(env["JOBDECK_CONFIG"]).expanduser(), True
    if env.get("JOBDECK_CONFIG_DIR"):
        return Path(env["JOBDECK_CONFIG_DIR"]).expanduser() / "config.toml", False
    return paths.config_dir() / "config.toml", False


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the config file (see the module doc); ConfigError says what and where."""
    environ = os.environ if env is None else env
    file, explicit = config_path_from(path, environ)
    if not file.exists():
        if explicit:
            origin = "" if path is not None else " (named by JOBDECK_CONFIG)"
            raise ConfigError(f"config file {shown_path(file)}{origin} does not exist")
        return Settings()
    return settings_from_toml(_read(file), file)


def settings_from_toml(text: str, file: Path | None = None) -> Settings:
    """Parse and validate TOML text. ``file`` is only used in messages and ``config_path``."""
    where = shown_path(file) if file else "<config>"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses into nested arrays and tables
        raise ConfigError(f"{where}: invalid TOML: arrays or tables nested too deeply") from None
    return settings_from_dict(data, file)


def settings_from_dict(data: Mapping[str, Any], file: Path | None = None) -> Settings:
    """Validate a parsed config table; every problem, top-level and of each backend, is reported at once
    (the first ``MAX_SHOWN`` with their key path, then how many more)."""
    report = ProblemReport()
    fields = unknown_keys(report, data, FILE_KEYS, notes=SET_BY_JOBDECK)
    if isinstance(fields.get("alerts"), dict):
        fields["alerts"] = unknown_keys(report, fields["alerts"], tuple(AlertSettings.model_fields), at="alerts")
    backends: list[BackendSettings] | None = None
    if "backends" in fields:
        backends = _validate_backends(fields.pop("backends"), report)
    # The other keys are checked even when a backend is wrong; with the backends only when all are right,
    # so that a wrong one is not reported twice (and the default backend stands in meanwhile).
    top = {**fields, "config_path": file}
    if backends is not None:
        top["backends"] = backends
    settings: Settings | None = None
    try:
        settings = Settings.model_validate(top)
    except ValidationError as exc:
        report.add_validation_error(exc, allowed=FILE_KEYS)
    if report or settings is None:
        raise ConfigError(report.text(str(file) if file else "<config>"))
    return settings


def _validate_backends(value: Any, report: ProblemReport) -> list[BackendSettings] | None:
    """Each ``[[backends]]`` table validated by its kind's model; None if any is wrong (told in ``report``)."""
    if not isinstance(value, list):
        report.add("backends: should be a list of [[backends]] tables")
        return None
    valid: list[tuple[int, BackendSettings]] = []
    problems_before = report.total
    for index, table in enumerate(value):
        at = f"backends[{index}]"
        backend = _validate_backend(table, at, report)
        if backend is not None:
            valid.append((index, backend))
    for problem in duplicate_names(valid):
        report.add(problem)
    return [backend for _, backend in valid] if report.total == problems_before else None


def _validate_backend(table: Any, at: str, report: ProblemReport) -> BackendSettings | None:
    if not isinstance(table, dict):
        report.add(f"{at}: should be a [[backends]] table, not {shown(table)}")
        return None
    kind = table.get("kind")
    if kind is None:
        report.add(f"{at}.kind: missing; known kinds: {', '.join(available_kinds())}")
        return None
    if not isinstance(kind, str):
        report.add(f"{at}.kind: should be a string, not {shown(kind)}")
        return None
    try:
        model = adapter_class(kind).Settings
    except ConfigError as exc:
        report.add(f"{at}.kind: {exc}")
        return None
    allowed = _writable_keys(model)
    problems_before = report.total
    if model.model_config.get("extra") == "forbid":
        # Told here rather than by pydantic: a table of 200,000 unknown keys costs a pass over them, no more.
        table = unknown_keys(report, table, allowed, at=at)
    try:
        backend = model.model_validate(table)
    except ValidationError as exc:
        report.add_validation_error(exc, at=at, allowed=allowed)
        return None
    return backend if report.total == problems_before else None


def _writable_keys(model: type[BaseModel]) -> tuple[str, ...]:
    """The keys a table for ``model`` may have: its fields, by their alias where they have one."""
    return tuple(
        field.validation_alias if isinstance(field.validation_alias, str) else field.alias or name
        for name, field in model.model_fields.items()
    )


def _read(file: Path) -> str:
    """The file's text, read no further than ``MAX_CONFIG_BYTES`` (a FIFO or /dev/zero must not hang us)."""
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{shown_path(file)}: cannot read the config file: {exc.strerror or exc}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{shown_path(file)}: larger than {MAX_CONFIG_BYTES // (1024 * 1024)} MiB; is it the config file?"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{shown_path(file)}: not UTF-8 text (byte {exc.start})") from None


def local_spool(settings: Settings) -> Path:
    """The spool of the configured local backend (the one named "local" first), else the default."""
    locals_ = [backend for backend in settings.backends if backend.kind == "local"]
    locals_.sort(key=lambda backend: backend.name != "local")
    for backend in locals_:
        spool = getattr(backend, "spool", None)
        if spool is not None:
            return Path(spool).expanduser()
    return paths.spool_dir()
