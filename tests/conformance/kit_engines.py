"""The real engines of the conformance kits (Airflow, Celery, Ray, Slurm): each the engine
tests' own, started once a session, and made ready for the suite once, on the first test that
needs it (runs triggered, jobs submitted, a Flower of its own); stopped at the session's end."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engines"))
from engine_session import Engine, shared_session  # noqa: E402

_ready: dict[str, Engine] = {}


def engine_for(request: pytest.FixtureRequest, kind: str, prepare: Callable[[Engine], None] | None = None) -> Engine:
    """The engine of ``kind``, ``prepare``d the first time it is asked for (skips, saying why,
    where the engine cannot be installed)."""
    if kind not in _ready:
        engine = shared_session(request.config).get(kind)
        if prepare is not None:
            prepare(engine)
        _ready[kind] = engine
    return _ready[kind]
