"""The polling engine: pure asyncio, no Textual."""

from jobdeck.monitor.events import (
    ActionDone,
    BackendHealth,
    HealthChanged,
    HealthStatus,
    JobsChanged,
    MonitorEvent,
    TimelineChanged,
)
from jobdeck.monitor.monitor import Monitor

__all__ = [
    "ActionDone",
    "BackendHealth",
    "HealthChanged",
    "HealthStatus",
    "JobsChanged",
    "Monitor",
    "MonitorEvent",
    "TimelineChanged",
]
