"""Shared test helpers: a scriptable in-memory adapter and small async utilities.

Import it from any test module as ``from fakes import FakeAdapter, make_job``
(``tests/`` has no ``__init__.py``, so pytest puts this folder on ``sys.path``).
Importing it registers the adapter under the config kind ``"fake"``.

Typical use::

    clock = FrozenClock()
    adapter = FakeAdapter.build(name="alpha", jobs=[make_job("1")], clock=clock)
    adapter.fail_next(2, Unreachable("connection refused"))   # the next 2 polls fail
    adapter.set_log("1", "hello\\n")
    ...
    assert adapter.mutations == []          # read-only proofs

Every call is recorded in ``adapter.calls`` as a tuple of strings, e.g.
``("list_jobs",)``, ``("read_log", "1", "0")``, ``("archive", "1")``.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from jobdeck.adapters import registry
from jobdeck.adapters.base import Adapter, BackendSettings
from jobdeck.clock import Clock
from jobdeck.errors import NotFound, Unsupported
from jobdeck.model import (
    ActionResult,
    Capability,
    Job,
    JobRef,
    JobState,
    LogChunk,
    LogCursor,
    Run,
    StatusEvent,
)
from jobdeck.monitor.monitor import Monitor
from jobdeck.store.memory import MemoryStore

#: The calls that change a backend. ``FakeAdapter.mutations`` lists only these.
MUTATING_METHODS = frozenset({"archive", "restore", "retry", "cancel", "pause", "resume"})

#: What a FakeAdapter can do unless told otherwise: everything but PUSH.
DEFAULT_CAPABILITIES = frozenset(
    {
        Capability.LIST,
        Capability.LOG,
        Capability.TIMELINE,
        Capability.RUNS,
        Capability.COUNTS,
        Capability.PROGRESS,
        Capability.ARCHIVE,
        Capability.RESTORE,
        Capability.RETRY,
        Capability.CANCEL,
    }
)


def make_job(
    id: str,
    state: JobState | str = JobState.RUNNING,
    *,
    backend: str = "fake",
    name: str | None = None,
    **fields: Any,
) -> Job:
    """A Job with sensible defaults; any other Job field can be given by keyword."""
    job_state = state if isinstance(state, JobState) else JobState.parse(state)
    fields.setdefault("raw_state", job_state.value)
    return Job(
        ref=JobRef(backend=backend, id=id),
        name=name if name is not None else f"job {id}",
        state=job_state,
        **fields,
    )


class FakeSettings(BackendSettings):
    kind: Literal["fake"] = "fake"


class _PushEnded:
    """Sentinel put on the push queue to end the ``changes()`` stream."""


class FakeAdapter(Adapter):
    """An in-memory backend whose answers, failures and push events are scripted.

    - Jobs: ``set_jobs``, ``upsert_job``, ``remove_job``, ``jobs``.
    - Failures: ``fail_next(n, error, method=...)``, ``fail_always(error | None, method=...)``;
      ``method`` is any adapter method name ("list_jobs" by default, also "open",
      "read_log", "timeline", "list_runs", "archive", "changes" …). The error can be
      any exception, so tests can also simulate adapter bugs.
    - Logs: ``set_log``, ``append_log``, ``complete_log`` (offsets are UTF-8 byte offsets).
    - Timelines and runs: ``set_timeline``, ``set_runs``.
    - Slow polls: ``hold_polls()`` makes ``list_jobs`` wait until ``release_polls()``.
    - Push (only when PUSH is among the capabilities): ``push()`` makes
      ``changes()`` yield once; ``end_push()`` ends the stream;
      ``fail_next(1, err, method="changes")`` makes the next ``changes()`` call fail.
    - Actions succeed and change the job: archive sets ``archived=True``,
      restore clears it, cancel sets CANCELED, retry sets RUNNING.
    """

    kind = "fake"
    Settings = FakeSettings
    capabilities = DEFAULT_CAPABILITIES

    def __init__(
        self,
        settings: BackendSettings,
        *,
        clock: Clock | None = None,
        jobs: Iterable[Job] = (),
        capabilities: Iterable[Capability] | None = None,
    ) -> None:
        super().__init__(settings, clock=clock)
        if capabilities is not None:
            # An instance attribute shadows the class-level default.
            self.capabilities = frozenset(capabilities)
        self.calls: list[tuple[str, ...]] = []
        self.open_count = 0
        self.close_count = 0
        self._jobs: dict[str, Job] = {}
        self._logs: dict[str, bytes] = {}
        self._complete_logs: set[str] = set()
        #: At most this many bytes per read_log (None: the rest of the log at once).
        self.log_read_limit: int | None = None
        self._timelines: dict[str, list[StatusEvent]] = {}
        self._runs: dict[str, list[Run]] = {}
        self._fail_counts: dict[str, tuple[int, BaseException]] = {}
        self._fail_always: dict[str, BaseException] = {}
        self._push_queue: asyncio.Queue[object] | None = None
        #: While set to an unset Event, ``list_jobs`` waits for it (see ``hold_polls``).
        self._poll_gate: asyncio.Event | None = None
        self.set_jobs(jobs)

    @classmethod
    def build(
        cls,
        name: str = "fake",
        *,
        jobs: Iterable[Job] = (),
        capabilities: Iterable[Capability] | None = None,
        interval: float = 2.0,
        clock: Clock | None = None,
    ) -> FakeAdapter:
        """A FakeAdapter named ``name``. Jobs are re-referenced to this backend's name."""
        settings = FakeSettings(name=name, interval=interval)
        return cls(settings, clock=clock, jobs=jobs, capabilities=capabilities)

    # -- scripting ----------------------------------------------------------

    def set_jobs(self, jobs: Iterable[Job]) -> None:
        """Replace every job. A job made for another backend name is moved to this one."""
        self._jobs = {}
        for job in jobs:
            self.upsert_job(job)

    def upsert_job(self, job: Job) -> Job:
        if job.ref.backend != self.name:
            job = job.model_copy(update={"ref": JobRef(backend=self.name, id=job.id)})
        self._jobs[job.id] = job
        return job

    def update_job(self, job_id: str, **fields: Any) -> Job:
        """Change some fields of an existing job (e.g. ``state=JobState.FAILED``)."""
        return self.upsert_job(self._jobs[job_id].model_copy(update=fields))

    def remove_job(self, job_id: str) -> None:
        self._jobs.pop(job_id, None)

    @property
    def jobs(self) -> list[Job]:
        return list(self._jobs.values())

    def fail_next(self, n: int, error: BaseException, *, method: str = "list_jobs") -> None:
        """The next ``n`` calls of ``method`` raise ``error``."""
        self._fail_counts[method] = (n, error)

    def fail_always(self, error: BaseException | None, *, method: str = "list_jobs") -> None:
        """Every call of ``method`` raises ``error`` until called again with None."""
        if error is None:
            self._fail_always.pop(method, None)
            self._fail_counts.pop(method, None)
        else:
            self._fail_always[method] = error

    def set_log(self, job_id: str, text: str) -> None:
        self._logs[job_id] = text.encode()
        self._complete_logs.discard(job_id)

    def append_log(self, job_id: str, text: str) -> None:
        self._logs[job_id] = self._logs.get(job_id, b"") + text.encode()

    def complete_log(self, job_id: str) -> None:
        """Mark the log finished: ``read_log`` then reports ``complete=True``."""
        self._logs.setdefault(job_id, b"")
        self._complete_logs.add(job_id)

    def set_timeline(self, job_id: str, events: Iterable[StatusEvent]) -> None:
        self._timelines[job_id] = list(events)

    def set_runs(self, job_id: str, runs: Iterable[Run]) -> None:
        self._runs[job_id] = list(runs)

    def hold_polls(self) -> None:
        """Make ``list_jobs`` block (after recording the call) until ``release_polls()``."""
        self._poll_gate = asyncio.Event()

    def release_polls(self) -> None:
        if self._poll_gate is not None:
            self._poll_gate.set()
            self._poll_gate = None

    def push(self, change: object = None) -> None:
        """Make ``changes()`` yield ``change`` once (the backend pushed it: an Upsert,
        a Gone, a Poll, or None for a bare "something changed")."""
        self._queue().put_nowait(change)

    def end_push(self) -> None:
        """End the current ``changes()`` stream, as if the server closed it."""
        self._queue().put_nowait(_PushEnded())

    # -- inspection -----------------------------------------------------------

    @property
    def mutations(self) -> list[tuple[str, ...]]:
        """The recorded calls that would change the backend (archive/restore/retry/cancel)."""
        return [call for call in self.calls if call[0] in MUTATING_METHODS]

    def count(self, method: str) -> int:
        """How many times ``method`` was called."""
        return sum(1 for call in self.calls if call[0] == method)

    @property
    def is_open(self) -> bool:
        return self.open_count > self.close_count

    # -- the adapter contract -------------------------------------------------

    async def open(self) -> None:
        self._record("open")
        self.open_count += 1

    async def close(self) -> None:
        self.close_count += 1
        self._record("close")

    def describe(self) -> dict[str, str]:
        return {"kind": self.kind, "jobs": str(len(self._jobs))}

    async def list_jobs(self) -> list[Job]:
        self._record("list_jobs")
        if self._poll_gate is not None:
            await self._poll_gate.wait()
        return list(self._jobs.values())

    async def get_job(self, job_id: str) -> Job:
        self._record("get_job", job_id)
        return self._job(job_id)

    async def list_runs(self, job_id: str) -> list[Run]:
        self._record("list_runs", job_id)
        if job_id in self._runs:
            return list(self._runs[job_id])
        job = self._job(job_id)
        return [Run(job=job.ref, id=job.id, state=job.state, raw_state=job.raw_state)]

    async def timeline(self, job_id: str) -> list[StatusEvent]:
        self._record("timeline", job_id)
        self._require(Capability.TIMELINE)
        return list(self._timelines.get(job_id, []))

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        offset = self.log_offset(cursor)
        self._record("read_log", job_id, str(offset))
        self._require(Capability.LOG)
        if job_id not in self._logs and job_id not in self._jobs:
            raise NotFound(f"no log for job {job_id!r} on {self.name}")
        data = self._logs.get(job_id, b"")
        start = min(max(0, offset), len(data))
        end = len(data) if self.log_read_limit is None else min(len(data), start + self.log_read_limit)
        while start < end < len(data) and data[end] & 0xC0 == 0x80:
            end -= 1  # like a real backend: never cut a character in two
        return LogChunk(
            text=data[start:end].decode(errors="replace"),
            offset=end,
            complete=job_id in self._complete_logs and end == len(data),
        )

    async def log_tail_offset(self, job_id: str, lines: int, before: int | None = None) -> int:
        self._record("log_tail_offset", job_id, str(lines))
        data = self._logs.get(job_id, b"")
        end = len(data) if before is None else min(before, len(data))
        # The last byte ends the last line; count newlines before it.
        position = end - 1
        for _ in range(lines):
            position = data.rfind(b"\n", 0, position)
            if position == -1:
                return 0
        return position + 1

    async def changes(self) -> AsyncIterator[object]:
        self._record("changes")
        self._require(Capability.PUSH)
        queue = self._queue()
        while True:
            item = await queue.get()
            if isinstance(item, _PushEnded):
                return
            # A failure scripted while the stream is open breaks it at the next event.
            self._maybe_fail("changes")
            yield item

    async def archive(self, job_id: str, reason: str | None = None) -> ActionResult:
        self._record("archive", job_id, *([reason] if reason else []))
        self._require(Capability.ARCHIVE)
        self.update_job(job_id, archived=True, archived_by="backend")
        return ActionResult(ok=True, message=f"archived {job_id}")

    async def restore(self, job_id: str, reason: str | None = None) -> ActionResult:
        self._record("restore", job_id, *([reason] if reason else []))
        self._require(Capability.RESTORE)
        self.update_job(job_id, archived=False, archived_by=None)
        return ActionResult(ok=True, message=f"restored {job_id}")

    async def retry(self, job_id: str) -> ActionResult:
        self._record("retry", job_id)
        self._require(Capability.RETRY)
        self.update_job(
            job_id,
            state=JobState.RUNNING,
            raw_state=JobState.RUNNING.value,
            started=self._now(),
            ended=None,
            error=None,
        )
        return ActionResult(ok=True, message=f"retrying {job_id}")

    def watch_job(self, job_id: str) -> None:
        """Capability WATCH: the id becomes a listed job (in state unknown until scripted)."""
        self.calls.append(("watch_job", job_id))
        self._require(Capability.WATCH)
        if not job_id.isalnum():
            raise ValueError(f"{job_id!r} is not a job id")
        self.upsert_job(make_job(job_id, JobState.UNKNOWN, backend=self.name, name=f"watched {job_id}"))

    async def pause(self, job_id: str) -> ActionResult:
        self._record("pause", job_id)
        self._require(Capability.PAUSE)
        self.update_job(job_id, state=JobState.PAUSED, raw_state=JobState.PAUSED.value)
        return ActionResult(ok=True, message=f"paused {job_id}")

    async def resume(self, job_id: str) -> ActionResult:
        self._record("resume", job_id)
        self._require(Capability.RESUME)
        self.update_job(job_id, state=JobState.RUNNING, raw_state=JobState.RUNNING.value)
        return ActionResult(ok=True, message=f"resumed {job_id}")

    async def cancel(self, job_id: str) -> ActionResult:
        self._record("cancel", job_id)
        self._require(Capability.CANCEL)
        self.update_job(
            job_id,
            state=JobState.CANCELED,
            raw_state=JobState.CANCELED.value,
            ended=self._now(),
        )
        return ActionResult(ok=True, message=f"canceled {job_id}")

    def forget_cached(self) -> None:
        """Recorded only: a fake keeps no cache (never fails, as the base's does not)."""
        self.calls.append(("forget_cached",))

    # -- internals --------------------------------------------------------------

    def _record(self, method: str, *args: str) -> None:
        """Record the call, then raise a scripted failure for it if there is one."""
        self.calls.append((method, *args))
        self._maybe_fail(method)

    def _maybe_fail(self, method: str) -> None:
        if method in self._fail_always:
            raise self._fail_always[method]
        if method in self._fail_counts:
            remaining, error = self._fail_counts[method]
            if remaining <= 1:
                del self._fail_counts[method]
            else:
                self._fail_counts[method] = (remaining - 1, error)
            if remaining >= 1:
                raise error

    def _require(self, capability: Capability) -> None:
        if not self.supports(capability):
            raise Unsupported(self.why_unsupported(capability))

    def _job(self, job_id: str) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise NotFound(f"no job {job_id!r} on {self.name}") from None

    def _queue(self) -> asyncio.Queue[object]:
        if self._push_queue is None:
            self._push_queue = asyncio.Queue()
        return self._push_queue

    def _now(self) -> datetime:
        return self.clock.now()


registry.register("fake", FakeAdapter)


# -- async helpers ---------------------------------------------------------------


async def settle(ticks: int = 50) -> None:
    """Let every ready task run for a while (no real time passes)."""
    for _ in range(ticks):
        await asyncio.sleep(0)


async def wait_until(
    predicate: Callable[[], bool], *, timeout: float = 5.0, what: str = "condition"
) -> None:
    """Wait (real time, bounded) until ``predicate()`` is true; AssertionError on timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.001)


class InstantClock:
    """An emulator's simulated time for an adapter under test, where waits (retry
    backoff, Retry-After, poll fallback) return at once and are kept in ``slept``.

    ``on_sleep`` runs first with each wait, e.g. an emulator's ``advance`` so that
    waiting moves its world on instead of passing real time.
    """

    def __init__(self, sim: Clock, on_sleep: Callable[[float], object] | None = None) -> None:
        self.sim = sim
        self.on_sleep = on_sleep
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.sim.now()

    def monotonic(self) -> float:
        return self.sim.monotonic()

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if self.on_sleep is not None:
            self.on_sleep(seconds)
        await asyncio.sleep(0)


class EventRecorder:
    """A listener that keeps every event it receives, for assertions.

    ``monitor.add_listener(recorder)``, then ``recorder.of(JobsChanged)``.
    """

    def __init__(self) -> None:
        self.events: list[Any] = []

    def __call__(self, event: Any) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]

    def clear(self) -> None:
        self.events.clear()


# -- monitor construction ----------------------------------------------------------


class NoJitter(random.Random):
    """An rng whose ``random()`` is always 0: backoff waits are exact (no jitter)."""

    def random(self) -> float:
        return 0.0


def make_monitor(
    tmp_path: Path,
    adapters: Sequence[Adapter],
    *,
    clock: Clock,
    read_only: bool = False,
    rng: random.Random | None = None,
    push_delay: float = 0.0,
) -> Monitor:
    """A Monitor over ``adapters`` with its store (archive and action log) in ``tmp_path``.

    Backoff has no jitter unless an ``rng`` is given, so waits are predictable.
    """
    return Monitor(
        adapters,
        clock=clock,
        store=MemoryStore(tmp_path),
        read_only=read_only,
        rng=rng or NoJitter(),
        push_delay=push_delay,
    )


class RecordingClock:
    """A frozen clock (at 2026-01-01 12:00 UTC) whose sleep returns at once, moving
    time and noting how long it slept."""

    START = datetime(2026, 1, 1, 12, tzinfo=UTC)

    def __init__(self) -> None:
        self._now = self.START
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return (self._now - self.START).total_seconds()

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self._now += timedelta(seconds=seconds)
