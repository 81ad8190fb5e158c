"""Builds the running parts from settings: the adapters and the monitor.

The one place that knows how settings, adapters, the monitor and jobdeck's
own files fit together, so the CLI, the deck and the demo build them alike.
"""

from __future__ import annotations

from jobdeck.adapters.base import Adapter
from jobdeck.adapters.registry import adapter_class
from jobdeck.clock import Clock, SystemClock
from jobdeck.config import Settings
from jobdeck.monitor import Monitor
from jobdeck.monitor.action_log import ActionLog
from jobdeck.monitor.archive_store import JobdeckArchive


def build_adapters(settings: Settings, *, clock: Clock) -> list[Adapter]:
    """One adapter per enabled backend, in config order."""
    return [adapter_class(backend.kind)(backend, clock=clock) for backend in settings.enabled_backends]


def build_monitor(
    settings: Settings, *, read_only: bool, clock: Clock | None = None, push_delay: float = 0.0
) -> Monitor:
    """A monitor over every enabled backend, with jobdeck's archive and action log
    where ``jobdeck.paths`` says (``JOBDECK_DATA_DIR`` moves them: tests, the demo).
    ``push_delay``: see Monitor."""
    clock = clock or SystemClock()
    return Monitor(
        build_adapters(settings, clock=clock),
        clock=clock,
        archive=JobdeckArchive(),
        action_log=ActionLog(),
        read_only=read_only,
        push_delay=push_delay,
    )
