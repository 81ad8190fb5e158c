"""Changes of a job's state or state reason as jobdeck sees them, for its timeline.

Slurm keeps submit, eligible, start and end times, not how a pending job's
reason went from Priority to Resources to BeginTime; these are noted here as
they are seen (``observed`` events), a few dozen per job at most.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from jobdeck.adapters.slurm.convert import record_state
from jobdeck.adapters.slurm.states import explain_reason
from jobdeck.adapters.slurm.wire import SlurmRecord
from jobdeck.model import StatusEvent

#: Events kept per job (or array task).
KEEP = 40


class Observed:
    def __init__(self) -> None:
        self._last: dict[str, SlurmRecord] = {}
        self._events: dict[str, list[StatusEvent]] = {}

    def see(self, records: Iterable[SlurmRecord], now: datetime) -> None:
        seen: dict[str, SlurmRecord] = {}
        last = self._last
        for record in records:
            key = record.task_key
            seen[key] = record
            earlier = last.get(key)
            if earlier is None or earlier is record:
                continue
            before = (earlier.state, earlier.reason, earlier.restarts)
            if before == (record.state, record.reason, record.restarts):
                continue
            words = []
            if before[0] != record.state:
                words.append(f"{before[0] or '?'} → {record.state or '?'}")
            if before[1] != record.reason and record.reason and record.reason != "None":
                meaning = explain_reason(record.reason)
                words.append(f"reason {record.reason}" + (f": {meaning}" if meaning else ""))
            if (record.restarts or 0) > (before[2] or 0):
                words.append(f"requeued (restart {record.restarts})")
            if not words:
                continue
            events = self._events.setdefault(key, [])
            events.append(StatusEvent(at=now, state=record_state(record), raw_state=record.state,
                                      message="; ".join(words), observed=True))
            del events[:-KEEP]
        self._last = seen
        for key in [key for key in self._events if key not in seen]:
            del self._events[key]

    def events(self, key: str, run: str | None) -> list[StatusEvent]:
        return [event.model_copy(update={"run": run}) if run else event for event in self._events.get(key, ())]
