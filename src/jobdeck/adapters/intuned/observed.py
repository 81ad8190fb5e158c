"""What jobdeck saw Intuned runs do, since Intuned keeps no log and no history.

Each time the adapter reads the run that speaks for a job, it hands it to
``ObservedRunEvents.observe``, which compares it with the last sighting and
writes event lines (run started, counts moving, status changed, finished,
error) to that job's text buffer, and keeps each status change as an
observed ``StatusEvent`` for the timeline.

The buffer is addressed by UTF-8 byte offsets like a real log, so the log
pane resumes exactly; it keeps the newest ``max_bytes`` per job (older lines
are dropped from the front, and a reader behind them resumes at the oldest
line kept).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from jobdeck.clock import as_utc
from jobdeck.model import StatusEvent

from jobdeck.adapters.intuned.convert import counts_words, error_text, reason_text, run_state, short_id
from jobdeck.adapters.intuned.wire import WireRun

DEFAULT_MAX_BYTES = 64 * 1024
MAX_TRANSITIONS = 200


@dataclass(frozen=True)
class _Sighting:
    run_id: str
    status: str | None
    succeeded: int
    failed: int
    error: str | None


@dataclass
class _JobEvents:
    #: (byte offset of the line, the line's bytes), oldest first.
    lines: list[tuple[int, bytes]] = field(default_factory=list)
    end: int = 0
    kept: int = 0
    transitions: list[StatusEvent] = field(default_factory=list)
    last: _Sighting | None = None

    def write(self, text: str, max_bytes: int) -> None:
        data = text.encode("utf-8")
        self.lines.append((self.end, data))
        self.end += len(data)
        self.kept += len(data)
        while self.kept > max_bytes and len(self.lines) > 1:
            _, dropped = self.lines.pop(0)
            self.kept -= len(dropped)

    def read(self, offset: int) -> tuple[str, int]:
        if offset >= self.end or not self.lines:
            return "", self.end
        parts: list[bytes] = []
        for start, data in self.lines:
            if start + len(data) <= offset:
                continue
            parts.append(data[max(0, offset - start):])
        return b"".join(parts).decode("utf-8", errors="replace"), self.end


class ObservedRunEvents:
    """Per job: the event lines and status transitions jobdeck observed."""

    def __init__(self, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._jobs: dict[str, _JobEvents] = {}

    def observe(self, job_id: str, run: WireRun, now: datetime) -> None:
        events = self._jobs.setdefault(job_id, _JobEvents())
        seen = _Sighting(run.id, run.status, run.successful_runs or 0, run.failed_runs or 0, error_text(run.error))
        last = events.last
        events.last = seen
        if last == seen:
            return
        name = f"run {short_id(run.id)}"
        # The backend's time of the change when it says, else when jobdeck saw it.
        changed = run.updated_at or now
        if last is None or last.run_id != run.id:
            kind = (run.type or "").lower() or "a"
            events.write(_line(run.start_time or now, f"{kind} {name} started ({run.payloads} payloads)"),
                         self.max_bytes)
            if run.final:
                self._finished(events, run, name, run.end_time or now)
            elif seen.succeeded or seen.failed:
                events.write(_line(changed, f"{name}: {counts_words(run)}"), self.max_bytes)
            return
        if (last.succeeded, last.failed) != (seen.succeeded, seen.failed) and not run.final:
            events.write(_line(changed, f"{name}: {counts_words(run)}"), self.max_bytes)
        if last.status != seen.status:
            events.transitions.append(
                StatusEvent(at=changed, state=run_state(run), raw_state=run.status, observed=True,
                            message=f"{name}: {last.status} → {run.status}", actor="jobdeck")
            )
            del events.transitions[:-MAX_TRANSITIONS]
            if run.final:
                self._finished(events, run, name, run.end_time or changed)
            else:
                events.write(_line(changed, f"{name}: {last.status} → {run.status}"), self.max_bytes)

    def _finished(self, events: _JobEvents, run: WireRun, name: str, at: datetime) -> None:
        events.write(_line(at, f"{name} finished {run.status}: {counts_words(run)}"), self.max_bytes)
        error = error_text(run.error)
        if error:
            doc = f" (see {run.error.doc_url})" if run.error and run.error.doc_url else ""
            events.write(_line(at, f"{name} error: {error}{doc}"), self.max_bytes)
        reason = reason_text(run.reason)
        if reason:
            events.write(_line(at, f"{name} reason: {reason}"), self.max_bytes)

    def retain(self, job_ids: Collection[str]) -> None:
        """Forget the jobs that are gone from the backend."""
        for job_id in [known for known in self._jobs if known not in job_ids]:
            del self._jobs[job_id]

    def read(self, job_id: str, offset: int) -> tuple[str, int]:
        """The event text from byte ``offset`` on, and the offset after it."""
        events = self._jobs.get(job_id)
        if events is None:
            return "", 0
        return events.read(offset)

    def transitions(self, job_id: str) -> list[StatusEvent]:
        events = self._jobs.get(job_id)
        return list(events.transitions) if events else []


def _line(at: datetime, text: str) -> str:
    return f"{as_utc(at):%Y-%m-%d %H:%M:%S}  {text}\n"
