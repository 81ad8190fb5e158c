"""Faithful local servers for the seed backends' wire contracts.

``EMULATORS`` names each emulator class by kind; ``create_emulator`` builds
one. The framework (``core``, ``faults``, ``server``) is shared; each
backend's emulator lives in its own package ``jobdeck.emulators.<kind>``.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import Any

from jobdeck.emulators.core import DemoSpec, Emulator, SimClock
from jobdeck.emulators.faults import Faults
from jobdeck.emulators.server import running, serve

__all__ = [
    "EMULATORS",
    "DemoSpec",
    "Emulator",
    "Faults",
    "SimClock",
    "create_emulator",
    "demo_spec",
    "emulator_class",
    "running",
    "serve",
]

#: Every emulator by kind, as ``module:Class`` (imported only when asked for).
EMULATORS: dict[str, str] = {
    "drp": "jobdeck.emulators.drp:DrpEmulator",
    "intuned": "jobdeck.emulators.intuned:IntunedEmulator",
    "istari": "jobdeck.emulators.istari:IstariEmulator",
    "julep": "jobdeck.emulators.julep:JulepEmulator",
}


def emulator_class(kind: str) -> type[Emulator]:
    """The emulator class for ``kind``; ValueError naming the kinds there are otherwise."""
    target = EMULATORS.get(kind)
    if target is None:
        raise ValueError(f"no emulator for {kind!r}; emulators: {', '.join(available())}")
    module_name, _, attr = target.partition(":")
    module = _import_if_present(module_name)
    if module is None:
        raise ValueError(
            f"the {kind} emulator is not installed ({module_name} is missing); "
            f"emulators: {', '.join(available()) or 'none'}"
        )
    cls = getattr(module, attr, None)
    if not (isinstance(cls, type) and issubclass(cls, Emulator)):
        raise ValueError(f"{target} is not an emulator")
    return cls


def create_emulator(kind: str, **kwargs: Any) -> Emulator:
    """A new emulator of ``kind`` (keyword arguments as ``Emulator.__init__``)."""
    return emulator_class(kind)(**kwargs)


def demo_spec(kind: str) -> DemoSpec | None:
    """``jobdeck.emulators.<kind>.demo.DEMO``, or None when that module is not there (yet)."""
    module = _import_if_present(f"{__name__}.{kind}.demo")
    spec = getattr(module, "DEMO", None)
    return spec if isinstance(spec, DemoSpec) else None


def available() -> list[str]:
    """The kinds whose emulator module is present."""
    return [kind for kind, target in EMULATORS.items() if _module_exists(target.partition(":")[0])]


def _import_if_present(module_name: str) -> ModuleType | None:
    """The module, or None when it (or a package above it) is missing; other import errors raise."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name or module_name.startswith(f"{exc.name}."):
            return None
        raise


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False
