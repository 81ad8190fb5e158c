"""Adapters by config ``kind``: jobdeck's own plus plugins, all from the
``jobdeck.adapters`` entry-point group.

jobdeck's own kinds are its own entry points in that group, declared once in its
pyproject.toml (``jobdeck.builtin_kinds`` reads them); other packages' entry
points are plugins."""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import entry_points

from jobdeck.adapters.base import Adapter
from jobdeck.builtin_kinds import builtin_targets
from jobdeck.errors import ConfigError

log = logging.getLogger(__name__)

#: The entry-point group adapters register under.
GROUP = "jobdeck.adapters"


def builtin() -> dict[str, str]:
    """jobdeck's own kinds as ``module:Class``. Plugins may add kinds but not replace these."""
    return builtin_targets(GROUP)


_cache: dict[str, type[Adapter]] = {}


def _load(target: str) -> type[Adapter]:
    module_name, _, attr = target.partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise TypeError(f"{target} is not a jobdeck Adapter")
    return cls


def _plugin_targets() -> dict[str, str]:
    found: dict[str, str] = {}
    for ep in entry_points(group=GROUP):
        found.setdefault(ep.name, ep.value)
    return found


def available_kinds() -> list[str]:
    return sorted(set(builtin()) | set(_plugin_targets()))


def adapter_class(kind: str) -> type[Adapter]:
    """The adapter class for ``kind``; ConfigError naming the known kinds otherwise."""
    if kind in _cache:
        return _cache[kind]
    target = builtin().get(kind) or _plugin_targets().get(kind)
    if target is None:
        raise ConfigError(
            f"unknown backend kind {kind!r}; known kinds: {', '.join(available_kinds())}"
        )
    try:
        cls = _load(target)
    except Exception as exc:  # a broken plugin must not take the deck down
        raise ConfigError(f"the adapter for kind {kind!r} ({target}) failed to load: {exc}") from exc
    _cache[kind] = cls
    return cls


def register(kind: str, cls: type[Adapter]) -> None:
    """Register an adapter class directly (tests, embedding)."""
    _cache[kind] = cls
