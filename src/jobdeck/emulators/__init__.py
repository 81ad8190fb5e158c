"""Faithful local servers for the seed backends' wire contracts, and for plugins'.

The framework (``core``, ``faults``, ``server``) is shared; each backend's
emulator lives in a package of its own (``jobdeck.emulators.<kind>``) or in a
plugin, and is found by kind through ``registry`` (the ``jobdeck.emulators``
entry-point group): ``create_emulator`` builds one, ``demo_spec`` says how
``jobdeck demo`` shows it.
"""

from __future__ import annotations

from jobdeck.emulators.core import DemoSpec, Emulator, Refusal, SimClock
from jobdeck.emulators.faults import Faults
from jobdeck.emulators.registry import available_kinds, create_emulator, demo_spec, emulator_class
from jobdeck.emulators.server import running, serve

__all__ = [
    "DemoSpec",
    "Emulator",
    "Faults",
    "Refusal",
    "SimClock",
    "available_kinds",
    "create_emulator",
    "demo_spec",
    "emulator_class",
    "running",
    "serve",
]
