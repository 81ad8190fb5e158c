"""Poll and push scheduling: one loop per backend, its health and its backoff.

Each backend's loop opens its adapter, polls it (the listing goes to the job
table), and waits its interval, or longer after failures (``Backoff``, a
backend's Retry-After honoured), or less when a poll is asked for (``refresh``,
a change pushed by the backend). A backend that can push gets a push channel
beside its loop, reconnected with backoff while the polls go on; a change it
pushes with the job itself (``Upsert``, ``Gone``) goes to the job table without
a poll, a bare "something changed" (``Poll``) makes one. Every attempt
updates the backend's health by the rules in ``jobdeck.monitor.health``; a
change worth telling is announced (``HealthChanged``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, replace

from jobdeck.adapters.base import Adapter
from jobdeck.adapters.changes import Gone, Poll, Upsert
from jobdeck.clock import Clock
from jobdeck.errors import AdapterError
from jobdeck.heap import held_still
from jobdeck.model import Capability
from jobdeck.monitor import health as health_rules
from jobdeck.monitor.backoff import Backoff
from jobdeck.monitor.events import BackendHealth, HealthChanged, MonitorEvent
from jobdeck.monitor.health import adapter_failure, describe_error
from jobdeck.monitor.job_table import JobTable
from jobdeck.monitor.listing import Listing
from jobdeck.monitor.streams import closing

log = logging.getLogger(__name__)

#: From this many jobs, a listing is indexed (matched against the last one) in another
#: thread: ~12 ms of a 100,000-job poll the deck's keys and frames need not wait for.
INDEX_IN_THREAD_FROM = 50_000
#: The one thread big listings are indexed in: never queued behind adapters' blocking work in
#: the loop's default executor, and one index at a time (a poll cancelled mid-index cannot
#: have the next one of its backend indexed beside it).
_INDEXER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobdeck-index")


@dataclass(eq=False)
class PolledBackend:
    """Everything the scheduler keeps about one configured backend."""

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
    #: Changes pushed while an attempt was under way, applied after it: the listing it
    #: gets may be older than they are, and must not undo them.
    held_changes: list[Upsert | Gone] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.adapter.name

    @property
    def kind(self) -> str:
        return self.adapter.kind


class Scheduler:
    """Runs every backend's poll loop and push channel, and keeps their health."""

    def __init__(
        self,
        adapters: Iterable[Adapter],
        *,
        table: JobTable,
        clock: Clock,
        rng: random.Random,
        push_delay: float,
        emit: Callable[[MonitorEvent], None],
        before_close: Callable[[], Awaitable[None]],
    ) -> None:
        self._table = table
        self._clock = clock
        self._rng = rng
        #: Seconds between a backend's first poll (once it is open) and opening its push
        #: channel. The deck waits a little: a channel costs ~50 ms of CPU to open (the local
        #: one imports watchfiles and anyio), which the first frame need not wait for; the
        #: polls meanwhile catch any change.
        self._push_delay = push_delay
        self._emit = emit
        self._before_close = before_close  # awaited as run() ends, before the adapters close
        self._backends = {
            adapter.name: PolledBackend(
                adapter=adapter,
                health=BackendHealth(name=adapter.name, kind=adapter.kind, warnings=_asked(adapter, "warnings", ())),
                backoff=Backoff(base=adapter.settings.interval),
            )
            for adapter in adapters
        }
        self._running = False
        self._stop_requested: asyncio.Event | None = None
        self._stopped: asyncio.Event | None = None
        # stop() called before run() got going: the run() that follows returns at once.
        self._stop_before_run = False

    def health(self) -> dict[str, BackendHealth]:
        """Each backend's health, by name, in config order."""
        return {name: backend.health for name, backend in self._backends.items()}

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
            await self._before_close()
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
        targets = [self._backends[backend]] if backend is not None else list(self._backends.values())
        for target in targets:
            target.adapter.forget_cached()  # "now" means from the backend, not from a cache
        await asyncio.gather(*(self._poll_now(target) for target in targets))

    async def first_polls(self) -> None:
        """Return once every backend has finished its first attempt (listed, or failed to)."""
        for backend in self._backends.values():
            async with backend.attempted:
                await backend.attempted.wait_for(lambda backend=backend: backend.attempts_finished >= 1)

    async def _poll_now(self, backend: PolledBackend) -> None:
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

    async def _backend_loop(self, backend: PolledBackend) -> None:
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

    async def _wait(self, backend: PolledBackend, delay: float) -> None:
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

    async def _attempt(self, backend: PolledBackend) -> float:
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
                self._apply_held_changes(backend)
                backend.attempts_finished += 1
                async with backend.attempted:
                    backend.attempted.notify_all()

    async def _open(self, backend: PolledBackend) -> bool:
        try:
            await backend.adapter.open()
        except Exception as exc:
            error = adapter_failure(backend.adapter, exc, doing="open")
            self._record_failure(backend, error, down=True)
            return False
        backend.opened = True
        return True

    async def _not_answering_after(self, backend: PolledBackend, seconds: float) -> None:
        """Say the backend is not answering once the attempt has waited ``seconds``
        (cancelled when it ends first); the attempt goes on waiting."""
        await self._clock.sleep(seconds)
        self._set_health(backend, health_rules.not_answering(backend.health, seconds))

    async def _poll(self, backend: PolledBackend) -> float:
        started = self._clock.monotonic()
        with ExitStack() as hold:
            try:
                listed = await backend.adapter.list_jobs()
                # A million jobs: no garbage collection walks them while they are indexed and
                # applied (one hold, one freeze a poll).
                hold.enter_context(held_still(len(listed) if isinstance(listed, list) else 0))
                listing = await self._index(backend.name, listed)
            except Exception as exc:  # the backend's answer, or the adapter's, is at fault
                return self._record_failure(backend, adapter_failure(backend.adapter, exc, doing="list_jobs"))
            backend.last_good_poll = self._clock.monotonic() - started
            self._table.apply(backend.name, listing)
        return self._record_success(backend)

    async def _index(self, name: str, listed: object) -> Listing:
        """``listed`` indexed by the job table: a big one in the index's own thread (``_INDEXER``).
        (Only the poll indexes a backend's listings, one at a time: the thread has the index
        to itself.)"""
        if not isinstance(listed, list) or len(listed) < INDEX_IN_THREAD_FROM:
            return self._table.index(name, listed)
        indexing = asyncio.get_running_loop().run_in_executor(_INDEXER, self._table.index, name, listed)
        try:
            return await asyncio.shield(indexing)
        except asyncio.CancelledError:
            # The index took in a listing the table will not apply: once the thread is
            # done, it forgets it (the next listing is indexed in full).
            indexing.add_done_callback(lambda _: self._table.forget_listing(name))
            raise

    async def _push_loop(self, backend: PolledBackend) -> None:
        """Take each change the backend pushes (``_take_change``); reconnect with backoff."""
        if self._push_delay > 0:
            await self._clock.sleep(self._push_delay)
        failures = 0
        while True:
            reason = health_rules.PUSH_CLOSED
            try:
                stream = backend.adapter.changes()
                async with closing(stream):
                    async for change in stream:
                        failures = 0
                        if not backend.health.pushing:
                            self._set_health(backend, health_rules.push_connected(backend.health))
                        self._take_change(backend, change)
                log.info("the push channel of %r ended", backend.name)
            except Exception as exc:
                error = adapter_failure(backend.adapter, exc, doing="changes")
                reason = describe_error(error)
                log.info("the push channel of %r failed: %s", backend.name, error)
            # Polls go on; the health says live updates are off until the channel is back.
            self._set_health(backend, health_rules.push_lost(backend.health, reason))
            failures += 1
            await self._clock.sleep(backend.backoff.delay(failures, rng=self._rng))

    def _take_change(self, backend: PolledBackend, change: object) -> None:
        """Apply a pushed job (or its going) to the job table now, or after the attempt
        under way; poll at once for anything else (None, ``Poll()``)."""
        if isinstance(change, Upsert | Gone):
            if backend.lock.locked():
                backend.held_changes.append(change)
            else:
                self._apply_change(backend, change)
            return
        if change is not None and not isinstance(change, Poll):
            log.warning(
                "the %s adapter pushed a %s, not a change; polling instead", backend.kind, type(change).__name__
            )
        backend.wake.set()

    def _apply_held_changes(self, backend: PolledBackend) -> None:
        held, backend.held_changes = backend.held_changes, []
        for change in held:
            self._apply_change(backend, change)

    def _apply_change(self, backend: PolledBackend, change: Upsert | Gone) -> None:
        try:
            if isinstance(change, Upsert):
                self._table.upsert(backend.name, change.job)
            else:
                self._table.gone(backend.name, change.job_id)
        except (TypeError, ValueError) as exc:  # an adapter's bug: say so, and ask the backend instead
            log.warning("the %s adapter pushed a change that is not one (%s); polling instead", backend.kind, exc)
            backend.wake.set()

    # -- health -----------------------------------------------------------------

    # (what each state means, and when it changes: jobdeck.monitor.health)

    def _record_success(self, backend: PolledBackend) -> float:
        interval = backend.adapter.settings.interval
        health = health_rules.after_success(backend.health, now=self._clock.now(), interval=interval)
        self._set_health(backend, _told(backend.adapter, health))
        return interval

    def _record_failure(self, backend: PolledBackend, error: AdapterError, *, down: bool = False) -> float:
        failures = backend.health.consecutive_failures + 1
        delay = backend.backoff.delay(failures, rng=self._rng, retry_after=error.retry_after)
        health = health_rules.after_failure(backend.health, error, delay=delay, down=down)
        self._set_health(backend, _told(backend.adapter, health))
        return delay

    def _set_health(self, backend: PolledBackend, health: BackendHealth) -> None:
        previous = backend.health
        backend.health = health
        if health_rules.is_news(previous, health):
            self._emit(HealthChanged(health))


def _told(adapter: Adapter, health: BackendHealth) -> BackendHealth:
    """``health`` with the adapter's warnings and notes read again, after every attempt: they
    change as the backend answers (a Ray node dies, a Celery worker goes offline) or stops
    answering (Celery's workers while Flower is down). News only when they changed."""
    warnings = _asked(adapter, "warnings", health.warnings)
    notes = _asked(adapter, "notes", health.notes)
    if warnings == health.warnings and notes == health.notes:
        return health
    return replace(health, warnings=warnings, notes=notes)


def _asked(adapter: Adapter, what: str, otherwise: tuple[str, ...]) -> tuple[str, ...]:
    """The adapter's ``warnings()`` or ``notes()``; ``otherwise`` if it fails (no end to polls)."""
    try:
        return tuple(getattr(adapter, what)())
    except Exception:
        log.exception("the %s adapter's %s() failed", adapter.kind, what)
        return otherwise
