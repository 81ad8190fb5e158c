"""The monitor: one polling loop per backend, health, diffs, observed history,
and the action gate. Pure asyncio; the UI and the CLI are its listeners.

PUBLIC API (the UI and CLI rely on exactly this; keep it stable):

    Monitor(adapters, *, clock, archive, action_log, read_only=False, rng=None)
    monitor.read_only -> bool
    monitor.add_listener(fn: Callable[[MonitorEvent], None]) -> Callable[[], None]  # returns unsubscribe
    await monitor.run()            # runs every backend's loop until stop() or cancellation
    await monitor.stop()
    await monitor.refresh(backend: str | None = None)   # poll now, nothing from caches (all backends when None)
    await monitor.poll_once()      # one poll of every backend, no loop (CLI `ls`, tests)
    monitor.jobs() -> list[Job]    # every known job, jobdeck-archive overlay applied
    monitor.job(ref) -> Job | None
    monitor.health() -> dict[str, BackendHealth]   # by backend name, in config order
    monitor.backends() -> list[str]                # names, in config order
    monitor.describe(backend) -> dict[str, str]    # adapter.describe()
    await monitor.runs(ref) -> list[Run]
    await monitor.timeline(ref) -> list[StatusEvent]   # backend history merged with observed, oldest first
    await monitor.read_log(ref, offset=0) -> LogChunk
    monitor.follow_log(ref, offset=0) -> AsyncIterator[LogChunk]
    monitor.why_not(ref, action) -> str | None     # None = allowed; else the reason (read-only included)
    monitor.confirm_text(ref, action) -> str       # what will happen, naming the job and its backend
    await monitor.perform(ref, action) -> ActionResult   # the gate; raises ReadOnlyRefused in read-only

Also available (additions, not relied on by the contract above):

    monitor.warnings() -> list[str]   # e.g. jobdeck's archive was corrupt and set aside
    monitor.takes_reason(ref, action) -> bool   # the backend records an optional reason for it
    monitor.watchable_backends() -> list[str]   # backends that can add a job by id (WATCH)
    await monitor.watch_job(backend, job_id) -> ActionResult   # list that job from now on
    await monitor.perform(ref, action, reason="...")   # the reason reaches such backends
    await monitor.log_tail_offset(ref, lines, before=None) -> int
        # where the last `lines` lines begin (0 = from the start); never raises
    await monitor.read_log_between(ref, start, end) -> str   # an earlier window of a log
    await monitor.runs_page(ref, page=0) -> RunPage
        # page `page` (from 0) of the job's runs, newest first; AdapterError on failure

Behaviour worth knowing:

- ``refresh`` and ``poll_once`` return once a poll that *started after the
  call* has finished (while ``run()`` is active they wake the backend's loop;
  otherwise they poll directly). They never raise because a backend fails.
- ``HealthChanged`` is emitted when the health differs from the last one
  reported, ignoring ``last_ok`` alone (it moves on every successful poll;
  read ``health()`` for it), so an idle deck emits nothing.
- ``TimelineChanged`` is emitted for a state change of a job already known; a
  job's first sighting is recorded too but announced by ``JobsChanged.added``.
- A push channel counts as connected (``pushing=True``) from its first yield,
  so push adapters should yield once when the channel has connected (not
  before). While a broken channel is reconnected, ``push_error`` says why.
- What each health state means, and when it changes: ``jobdeck.monitor.health``.
  A poll that has not answered within ``answer_deadline`` makes its backend
  "not answering" (down if it never worked, else degraded) while it goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field

from jobdeck.adapters.base import Adapter
from jobdeck.clock import Clock
from jobdeck.errors import AdapterError
from jobdeck.model import Action, ActionResult, Capability, Job, JobRef, LogChunk, Run, RunPage, StatusEvent
from jobdeck.monitor import health as health_rules
from jobdeck.monitor.action_log import ActionLog
from jobdeck.monitor.archive_store import JobdeckArchive
from jobdeck.monitor.backoff import Backoff
from jobdeck.monitor.events import BackendHealth, HealthChanged, MonitorEvent
from jobdeck.monitor.health import describe_error as _describe_error
from jobdeck.monitor.gate import ActionGate
from jobdeck.monitor.job_table import JobTable
from jobdeck.monitor.reads import Reads
from jobdeck.monitor.streams import closing

log = logging.getLogger(__name__)

Listener = Callable[[MonitorEvent], None]



@dataclass(eq=False)
class _Backend:
    """Everything the monitor keeps about one configured backend."""

    adapter: Adapter
    health: BackendHealth
    backoff: Backoff
    opened: bool = False
    #: Set to make the loop poll at once; cleared when a poll starts (so bursts coalesce).
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    #: One attempt (open + list) at a time.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: Signalled after every attempt; waiters compare the counters below.
    attempted: asyncio.Condition = field(default_factory=asyncio.Condition)
    attempts_started: int = 0
    attempts_finished: int = 0
    #: Seconds the last successful poll took (None before one): a slow backend's polls
    #: are given longer before it counts as not answering.
    last_good_poll: float | None = None
    loop_task: asyncio.Task[None] | None = None
    push_task: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return self.adapter.name

    @property
    def kind(self) -> str:
        return self.adapter.kind


class Monitor:
    """Polls every backend, keeps what it learnt, and gates every action."""

    def __init__(
        self,
        adapters: Sequence[Adapter],
        *,
        clock: Clock,
        archive: JobdeckArchive,
        action_log: ActionLog,
        read_only: bool = False,
        rng: random.Random | None = None,
        push_delay: float = 0.0,
    ) -> None:
        self._clock = clock
        #: Seconds between a backend's first poll (once it is open) and opening its push
        #: channel. The deck waits a little: a channel costs ~50 ms of CPU to open (the local
        #: one imports watchfiles and anyio), which the first frame need not wait for; the
        #: polls meanwhile catch any change.
        self._push_delay = push_delay
        self._archive = archive
        self._rng = rng or random.Random()
        self._listeners: list[Listener] = []
        self._backends: dict[str, _Backend] = {}
        for adapter in adapters:
            if adapter.name in self._backends:
                raise ValueError(f"two backends are named {adapter.name!r}")
            self._backends[adapter.name] = _Backend(
                adapter=adapter,
                health=BackendHealth(name=adapter.name, kind=adapter.kind, warnings=adapter.warnings()),
                backoff=Backoff(base=adapter.settings.interval),
            )
        self._table = JobTable(self._backends, archive=archive, clock=clock, emit=self._emit)
        adapters = {name: backend.adapter for name, backend in self._backends.items()}
        self._reads = Reads(adapters, table=self._table, clock=clock, rng=self._rng)
        self._gate = ActionGate(
            adapters,
            table=self._table,
            archive=archive,
            action_log=action_log,
            clock=clock,
            read_only=read_only,
            emit=self._emit,
            refresh=self.refresh,
        )
        self._running = False
        self._stop_requested: asyncio.Event | None = None
        self._stopped: asyncio.Event | None = None
        # stop() called before run() got going: the run() that follows returns at once.
        self._stop_before_run = False

    # -- state the UI reads ---------------------------------------------------

    @property
    def read_only(self) -> bool:
        """Whether the gate refuses every action (the one owner of read-only mode)."""
        return self._gate.read_only

    def backends(self) -> list[str]:
        return list(self._backends)

    def health(self) -> dict[str, BackendHealth]:
        return {name: backend.health for name, backend in self._backends.items()}

    def describe(self, backend: str) -> dict[str, str]:
        adapter = self._backend(backend).adapter
        try:
            return adapter.describe()
        except Exception as exc:  # a describe bug must not break `jobdeck info`
            log.exception("describe() failed in the %s adapter", adapter.kind)
            return {"kind": adapter.kind, "error": f"internal error in {adapter.kind} adapter: {exc}"}

    def jobs(self) -> list[Job]:
        return self._table.jobs()

    def job(self, ref: JobRef) -> Job | None:
        return self._table.job(ref)

    def warnings(self) -> list[str]:
        return [self._archive.warning] if self._archive.warning else []

    # -- listeners ----------------------------------------------------------------

    def add_listener(self, fn: Listener) -> Callable[[], None]:
        self._listeners.append(fn)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(fn)

        return unsubscribe

    def _emit(self, event: MonitorEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("a monitor listener failed on %s", type(event).__name__)

    # -- life cycle -----------------------------------------------------------------

    async def run(self) -> None:
        """Run every backend's loop until ``stop()`` or cancellation, then close the adapters."""
        if self._running:
            raise RuntimeError("the monitor is already running")
        self._running = True
        self._stop_requested = asyncio.Event()
        self._stopped = asyncio.Event()
        if self._stop_before_run:
            self._stop_before_run = False
            self._stop_requested.set()
        try:
            for backend in self._backends.values():
                backend.loop_task = asyncio.create_task(
                    self._backend_loop(backend), name=f"jobdeck-poll-{backend.name}"
                )
            await self._stop_requested.wait()
        finally:
            self._running = False
            await self._cancel_tasks()
            await self._close_adapters()
            await self._notify_all_waiters()
            self._stopped.set()

    async def stop(self) -> None:
        """Stop ``run()`` and wait until it has closed the adapters (or just close them)."""
        if self._running and self._stop_requested is not None and self._stopped is not None:
            self._stop_requested.set()
            await self._stopped.wait()
        else:
            self._stop_before_run = True
            await self._close_adapters()

    async def refresh(self, backend: str | None = None) -> None:
        """Poll now; return when a poll started after this call has finished."""
        targets = [self._backend(backend)] if backend is not None else list(self._backends.values())
        for target in targets:
            target.adapter.forget_cached()  # "now" means from the backend, not from a cache
        await asyncio.gather(*(self._poll_now(target) for target in targets))

    async def first_polls(self) -> None:
        """Return once every backend has finished its first attempt (listed, or failed to)."""
        for backend in self._backends.values():
            async with backend.attempted:
                await backend.attempted.wait_for(lambda backend=backend: backend.attempts_finished >= 1)

    async def poll_once(self) -> None:
        """One poll of every backend, concurrently, opening adapters as needed."""
        await self.refresh(None)

    async def _poll_now(self, backend: _Backend) -> None:
        if not (self._running and backend.loop_task and not backend.loop_task.done()):
            await self._attempt(backend)
            return
        # The loop does the polling: wake it and wait for an attempt that starts from now on.
        target = backend.attempts_started + 1
        backend.wake.set()
        async with backend.attempted:
            await backend.attempted.wait_for(lambda: backend.attempts_finished >= target or not self._running)

    async def _cancel_tasks(self) -> None:
        tasks = [
            task
            for backend in self._backends.values()
            for task in (backend.loop_task, backend.push_task)
            if task is not None
        ]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for backend in self._backends.values():
            backend.loop_task = backend.push_task = None
            if backend.health.pushing:
                self._set_health(backend, health_rules.push_off(backend.health))

    async def _close_adapters(self) -> None:
        for backend in self._backends.values():
            if not backend.opened:
                continue
            backend.opened = False
            try:
                await backend.adapter.close()
            except Exception:
                log.exception("closing the %s backend %r failed", backend.kind, backend.name)

    async def _notify_all_waiters(self) -> None:
        for backend in self._backends.values():
            async with backend.attempted:
                backend.attempted.notify_all()

    # -- the loops ----------------------------------------------------------------

    async def _backend_loop(self, backend: _Backend) -> None:
        while True:
            try:
                delay = await self._attempt(backend)
            except Exception:
                # A bug of ours must not end this backend's polling, nor the others'.
                log.exception("the monitor failed while polling %r", backend.name)
                delay = backend.backoff.cap
            if backend.opened and backend.push_task is None and backend.adapter.supports(Capability.PUSH):
                backend.push_task = asyncio.create_task(
                    self._push_loop(backend), name=f"jobdeck-push-{backend.name}"
                )
            await self._wait(backend, delay)

    async def _wait(self, backend: _Backend, delay: float) -> None:
        """Sleep ``delay`` on the clock, or less if someone asks for a poll."""
        if backend.wake.is_set():
            return
        sleeper = asyncio.ensure_future(self._clock.sleep(delay))
        waker = asyncio.ensure_future(backend.wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)

    async def _attempt(self, backend: _Backend) -> float:
        """Open the adapter if needed, then poll it. Returns the wait until the next attempt."""
        async with backend.lock:
            backend.attempts_started += 1
            backend.wake.clear()
            deadline = health_rules.poll_deadline(backend.adapter.settings, backend.last_good_poll)
            watchdog = asyncio.ensure_future(self._not_answering_after(backend, deadline))
            try:
                if not backend.opened and not await self._open(backend):
                    return backend.health.next_poll_in or backend.backoff.cap
                return await self._poll(backend)
            finally:
                watchdog.cancel()
                backend.attempts_finished += 1
                async with backend.attempted:
                    backend.attempted.notify_all()

    async def _open(self, backend: _Backend) -> bool:
        try:
            await backend.adapter.open()
        except Exception as exc:
            error = self._as_adapter_error(backend, exc, doing="open")
            self._record_failure(backend, error, down=True)
            return False
        backend.opened = True
        return True

    async def _not_answering_after(self, backend: _Backend, seconds: float) -> None:
        """Say the backend is not answering once the attempt has waited ``seconds``
        (cancelled when it ends first); the attempt goes on waiting."""
        await self._clock.sleep(seconds)
        self._set_health(backend, health_rules.not_answering(backend.health, seconds))

    async def _poll(self, backend: _Backend) -> float:
        started = self._clock.monotonic()
        try:
            listed = await backend.adapter.list_jobs()
            listing = self._table.index(backend.name, listed)
        except Exception as exc:
            error = self._as_adapter_error(backend, exc, doing="list_jobs")
            return self._record_failure(backend, error)
        backend.last_good_poll = self._clock.monotonic() - started
        self._table.apply(backend.name, listing)
        return self._record_success(backend)

    async def _push_loop(self, backend: _Backend) -> None:
        """Poll at once whenever the backend pushes a change; reconnect with backoff."""
        if self._push_delay > 0:
            await self._clock.sleep(self._push_delay)
        failures = 0
        while True:
            reason = health_rules.PUSH_CLOSED
            try:
                stream = backend.adapter.changes()
                async with closing(stream):
                    async for _ in stream:
                        failures = 0
                        if not backend.health.pushing:
                            self._set_health(backend, health_rules.push_connected(backend.health))
                        backend.wake.set()
                log.info("the push channel of %r ended", backend.name)
            except Exception as exc:
                error = self._as_adapter_error(backend, exc, doing="changes")
                reason = _describe_error(error)
                log.info("the push channel of %r failed: %s", backend.name, error)
            # Polls go on; the health says live updates are off until the channel is back.
            self._set_health(backend, health_rules.push_lost(backend.health, reason))
            failures += 1
            await self._clock.sleep(backend.backoff.delay(failures, rng=self._rng))

    # -- health -----------------------------------------------------------------

    # (what each state means, and when it changes: jobdeck.monitor.health)

    def _record_success(self, backend: _Backend) -> float:
        interval = backend.adapter.settings.interval
        self._set_health(backend, health_rules.after_success(backend.health, now=self._clock.now(), interval=interval))
        return interval

    def _record_failure(self, backend: _Backend, error: AdapterError, *, down: bool = False) -> float:
        failures = backend.health.consecutive_failures + 1
        delay = backend.backoff.delay(failures, rng=self._rng, retry_after=error.retry_after)
        self._set_health(backend, health_rules.after_failure(backend.health, error, delay=delay, down=down))
        return delay

    def _set_health(self, backend: _Backend, health: BackendHealth) -> None:
        previous = backend.health
        backend.health = health
        if health_rules.is_news(previous, health):
            self._emit(HealthChanged(health))

    def _as_adapter_error(self, backend: _Backend, exc: Exception, *, doing: str) -> AdapterError:
        return health_rules.as_adapter_error(exc, kind=backend.kind, name=backend.name, doing=doing)

    # -- reading through the monitor ------------------------------------------------

    async def runs(self, ref: JobRef) -> list[Run]:
        return await self._reads.runs(ref)

    async def runs_page(self, ref: JobRef, page: int = 0) -> RunPage:
        """Page ``page`` (from 0) of the job's runs, newest first; errors are AdapterErrors."""
        return await self._reads.runs_page(ref, page)

    async def read_log(self, ref: JobRef, offset: int = 0) -> LogChunk:
        return await self._reads.read_log(ref, offset)

    async def read_log_between(self, ref: JobRef, start: int, end: int) -> str:
        """The log's text from byte ``start`` to byte ``end`` (an earlier window of a long log)."""
        return await self._reads.read_log_between(ref, start, end)

    async def log_tail_offset(self, ref: JobRef, lines: int, before: int | None = None) -> int:
        """Where the last ``lines`` lines of the log (before byte ``before``) begin; 0 when unknown."""
        return await self._reads.log_tail_offset(ref, lines, before)

    async def timeline(self, ref: JobRef) -> list[StatusEvent]:
        """The backend's history merged with what the monitor observed, oldest first."""
        return await self._reads.timeline(ref)

    def follow_log(self, ref: JobRef, offset: int = 0) -> AsyncIterator[LogChunk]:
        """The log as it grows, resumed after transient errors; ends with a notice chunk
        when the log cannot be followed any more."""
        return self._reads.follow_log(ref, offset)

    # -- the action gate ------------------------------------------------------------

    def why_not(self, ref: JobRef, action: Action) -> str | None:
        """None when ``action`` on ``ref`` is allowed; else the reason (read-only included)."""
        return self._gate.why_not(ref, action)

    def confirm_text(self, ref: JobRef, action: Action) -> str:
        """What will happen, naming the job and its backend."""
        return self._gate.confirm_text(ref, action)

    def takes_reason(self, ref: JobRef, action: Action) -> bool:
        """Whether the backend records an optional reason for ``action`` on ``ref``."""
        return self._gate.takes_reason(ref, action)

    async def perform(self, ref: JobRef, action: Action, *, reason: str | None = None) -> ActionResult:
        """Do ``action`` on ``ref`` if the gate allows it; every outcome is logged.
        Raises ReadOnlyRefused in read-only mode."""
        return await self._gate.perform(ref, action, reason=reason)

    # -- watching a job by id ---------------------------------------------------------

    def watchable_backends(self) -> list[str]:
        return [name for name, b in self._backends.items() if b.adapter.supports(Capability.WATCH)]

    async def watch_job(self, backend: str, job_id: str) -> ActionResult:
        """Add a job known only by id to what ``backend`` lists, then poll it.

        Not an action on the backend (nothing there changes), so read-only
        mode allows it; it is not persisted.
        """
        entry = self._backends.get(backend)
        if entry is None:
            return ActionResult(ok=False, message=f"no backend named {backend!r}")
        adapter = entry.adapter
        if not adapter.supports(Capability.WATCH):
            return ActionResult(ok=False, message=adapter.why_unsupported(Capability.WATCH))
        job_id = job_id.strip()
        try:
            adapter.watch_job(job_id)
        except ValueError as exc:
            return ActionResult(ok=False, message=f"not a job id for {backend}: {exc}")
        except AdapterError as exc:
            return ActionResult(ok=False, message=_describe_error(exc))
        await self.refresh(backend)
        return ActionResult(ok=True, message=f"watching job {job_id} on {backend}")

    # -- lookups ----------------------------------------------------------------------

    def _backend(self, name: str) -> _Backend:
        try:
            return self._backends[name]
        except KeyError:
            raise KeyError(f"no backend named {name!r}; backends: {', '.join(self._backends)}") from None
