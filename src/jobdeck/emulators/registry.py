"""Emulators by kind: the seed four plus plugins from the ``jobdeck.emulators``
entry-point group, found as adapters are (``jobdeck.adapters.registry``).

A plugin names its emulator class in its package metadata::

    [project.entry-points."jobdeck.emulators"]
    slurm = "acme_emulators.slurm:SlurmEmulator"

The class subclasses ``jobdeck.emulators.core.Emulator``. If the module the
entry point names has a ``demo`` module beside it (``acme_emulators.slurm.demo``)
holding ``DEMO = DemoSpec(...)``, ``jobdeck demo`` shows the emulator and
``jobdeck emulate`` prints how to reach it. Plugins may add kinds but not
replace the seed ones. Nothing here imports an emulator until it is asked for.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

from jobdeck.builtin_kinds import builtin_targets
from jobdeck.emulators.core import DemoSpec, Emulator

#: The entry-point group emulators register under.
GROUP = "jobdeck.emulators"


def builtin() -> dict[str, str]:
    """The seed emulators as ``module:Class``: jobdeck's own entry points in GROUP, declared once
    in its pyproject.toml (``jobdeck.builtin_kinds`` reads them)."""
    return builtin_targets(GROUP)


def targets() -> dict[str, str]:
    """Every emulator kind there is, as ``module:Class``: the seed ones first, then plugins by name."""
    found = builtin()
    plugins: dict[str, str] = {}
    for ep in entry_points(group=GROUP):
        plugins.setdefault(ep.name, ep.value)  # a second plugin of the same kind is ignored
    for kind in sorted(plugins):
        found.setdefault(kind, plugins[kind])
    return found


def available_kinds() -> list[str]:
    return list(targets())


def emulator_class(kind: str) -> type[Emulator]:
    """The emulator class of ``kind``; ValueError saying why otherwise (naming the kinds there are)."""
    target = targets().get(kind)
    if target is None:
        raise _unknown(kind)
    try:
        return _load(target)
    except Exception as exc:  # a broken plugin is refused with a sentence, never a traceback
        raise ValueError(f"the {kind} emulator ({target}) could not be loaded: {_reason(exc)}") from exc


def create_emulator(kind: str, **kwargs: Any) -> Emulator:
    """A new emulator of ``kind`` (keyword arguments as ``Emulator.__init__``)."""
    return emulator_class(kind)(**kwargs)


def demo_spec(kind: str) -> DemoSpec | None:
    """``DEMO`` of the ``demo`` module beside the emulator's, or None when there is none.

    ValueError when the kind is unknown or its demo module fails to load."""
    target = targets().get(kind)
    if target is None:
        raise _unknown(kind)
    module_name = f"{target.partition(':')[0]}.demo"
    try:
        module = _import_if_present(module_name)
    except Exception as exc:
        reason = _reason(exc)
        raise ValueError(f"the demo of the {kind} emulator ({module_name}) could not be loaded: {reason}") from exc
    spec = getattr(module, "DEMO", None)
    return spec if isinstance(spec, DemoSpec) else None


def _load(target: str) -> type[Emulator]:
    module_name, colon, attr = target.partition(":")
    if not colon or not module_name.strip() or not attr.strip():
        raise ValueError(f"{target!r} is not module:Class")
    module = importlib.import_module(module_name.strip())
    cls = getattr(module, attr.strip(), None)
    if cls is None:
        raise ValueError(f"{module_name.strip()} has no {attr.strip()}")
    if not (isinstance(cls, type) and issubclass(cls, Emulator)):
        raise ValueError(f"{target} is not an emulator (a subclass of jobdeck.emulators.core.Emulator)")
    return cls


def _unknown(kind: str) -> ValueError:
    return ValueError(f"no emulator for {kind!r}; emulators: {', '.join(available_kinds())}")


def _reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, ValueError) and str(exc) else f"{type(exc).__name__}: {exc}"


def _import_if_present(module_name: str) -> ModuleType | None:
    """The module, or None when it (or a package above it) is missing; other import errors raise."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name or module_name.startswith(f"{exc.name}."):
            return None
        raise
