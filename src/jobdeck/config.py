"""Typed settings from a TOML file.

Where the file is: ``--config PATH``, else ``$JOBDECK_CONFIG``, else
``config.toml`` in ``jobdeck.paths.config_dir()``. A missing default file means the defaults
(one local backend); a path the user named that does not exist is an error.

Each ``[[backends]]`` table is validated by the settings model of the
adapter its ``kind`` names (found through the adapter registry), so every
backend checks its own keys. Every error becomes a ``ConfigError`` whose
message names the file and the key path, e.g.
``/home/me/.config/jobdeck/config.toml: backends[2].interval: Input should be greater than 0 (got -1)``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from jobdeck import paths
from jobdeck.adapters.base import BackendSettings
from jobdeck.adapters.registry import adapter_class, available_kinds
from jobdeck.clock import display_zone
from jobdeck.errors import ConfigError

Mode = Literal["interactive", "read-only", "kiosk"]

#: Modes from least to most restrictive: a flag can only move further right.
MODES_BY_STRICTNESS: tuple[Mode, ...] = ("interactive", "read-only", "kiosk")

#: The backend every install has when the config names none.
DEFAULT_BACKEND: dict[str, Any] = {"kind": "local", "name": "local"}


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
    #: Plain ASCII only: no box-drawing, block or emoji glyphs.
    ascii: bool = False
    #: The zone the deck shows times in, and the kiosk's "today": UTC, local or an IANA name.
    time_zone: str = "UTC"
    #: The file these settings came from; None when they are the defaults.
    config_path: Path | None = None

    @field_validator("backends", mode="before")
    @classmethod
    def _validate_each_backend_by_its_kind(cls, value: Any) -> Any:
        # Tables become their adapter's own settings model; models pass through.
        if isinstance(value, Sequence) and not isinstance(value, str | bytes):
            return [_backend_settings(item) if isinstance(item, Mapping) else item for item in value]
        return value

    @field_validator("time_zone")
    @classmethod
    def _a_zone_the_deck_can_show(cls, value: str) -> str:
        display_zone(value)  # ValueError names the choices
        return value

    @model_validator(mode="after")
    def _backend_names_are_unique(self) -> Settings:
        seen: dict[str, int] = {}
        for index, backend in enumerate(self.backends):
            if backend.name in seen:
                hint = (
                    f" (a backend without a name is named after its kind: give each {backend.kind} backend its own name)"
                    if backend.name == backend.kind
                    else ""
                )
                raise ValueError(
                    f"backends[{index}].name: duplicate backend name {backend.name!r} "
                    f"(already used by backends[{seen[backend.name]}]); names must be unique{hint}"
                )
            seen[backend.name] = index
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
            raise ConfigError(f"config file {file}{origin} does not exist")
        return Settings()
    return settings_from_toml(_read(file), file)


def settings_from_toml(text: str, file: Path | None = None) -> Settings:
    """Parse and validate TOML text. ``file`` is only used in messages and ``config_path``."""
    where = str(file) if file else "<config>"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    return settings_from_dict(data, file)


def settings_from_dict(data: Mapping[str, Any], file: Path | None = None) -> Settings:
    """Validate a parsed config table; every problem is reported with its key path."""
    where = str(file) if file else "<config>"
    problems: list[str] = []
    fields = dict(data)
    if "config_path" in fields:
        problems.append("config_path: unknown key (it is set by jobdeck, not in the file)")
        del fields["config_path"]
    if "backends" in fields:
        backends, backend_problems = _validate_backends(fields["backends"])
        problems += backend_problems
        fields["backends"] = backends
    if not problems:
        try:
            return Settings.model_validate({**fields, "config_path": file})
        except ValidationError as exc:
            problems += [_describe_error(error, allowed=Settings.model_fields) for error in exc.errors()]
    raise ConfigError("\n".join(f"{where}: {problem}" for problem in problems))


def _validate_backends(value: Any) -> tuple[list[BackendSettings], list[str]]:
    if not isinstance(value, list):
        return [], ["backends: should be a list of [[backends]] tables"]
    valid: list[BackendSettings] = []
    problems: list[str] = []
    for index, table in enumerate(value):
        at = f"backends[{index}]"
        if not isinstance(table, dict):
            problems.append(f"{at}: should be a [[backends]] table, not {table!r}")
            continue
        kind = table.get("kind")
        if kind is None:
            problems.append(f"{at}.kind: missing; known kinds: {', '.join(available_kinds())}")
            continue
        if not isinstance(kind, str):
            problems.append(f"{at}.kind: should be a string, not {kind!r}")
            continue
        try:
            model = adapter_class(kind).Settings
        except ConfigError as exc:
            problems.append(f"{at}.kind: {exc}")
            continue
        try:
            valid.append(model.model_validate(table))
        except ValidationError as exc:
            problems += [f"{at}.{_describe_error(error, allowed=model.model_fields)}" for error in exc.errors()]
    return valid, problems


def _describe_error(error: ErrorDetails, *, allowed: Mapping[str, Any]) -> str:
    """``key.path: what is wrong (got value)`` for one pydantic error."""
    location = _format_location(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(error["loc"][-1]) if error["loc"] else ""
        if f"{key}_env" in allowed:
            # A secret written into the file: say how it is given instead.
            return (
                f"{location}: secrets are not written in the config file; set {key}_env "
                f"to the name of the environment variable that holds it"
            )
        return f"{location}: unknown key; allowed keys: {', '.join(allowed)}"
    if kind == "missing":
        return f"{location}: missing required key"
    message = error["msg"]
    if error["type"] == "value_error":
        # Our own validators already say where (e.g. duplicate names).
        message = message.removeprefix("Value error, ")
        return message if not location else f"{location}: {message}"
    value = error.get("input")
    got = "" if isinstance(value, dict | list) else f" (got {value!r})"
    return f"{location}: {message}{got}"


def _format_location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{file}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the config file: {exc.strerror or exc}") from None


def local_spool(settings: Settings) -> Path:
    """The spool of the configured local backend (the one named "local" first), else the default."""
    locals_ = [backend for backend in settings.backends if backend.kind == "local"]
    locals_.sort(key=lambda backend: backend.name != "local")
    for backend in locals_:
        spool = getattr(backend, "spool", None)
        if spool is not None:
            return Path(spool).expanduser()
    return paths.spool_dir()
