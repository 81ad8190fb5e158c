"""Broker mode: jobdeck receives the workers' task events from the broker itself, with
Celery's own event receiver, on a thread of its own (the optional extra ``jobdeck[celery]``).

The thread keeps a ``celery.events.state.State`` (the same bookkeeping Flower does) and
every event of each task (so each retry has its time and reason), and reconnects after
losing the broker. Revoking and sending a task again publish to the broker through a
Celery app of jobdeck's own. Only tasks whose events arrive while jobdeck runs are seen;
the history keeps them after that.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from jobdeck.adapters.celery.wire import CeleryTask, RawTask, Reprs, TaskEvent, WorkerInfo
from jobdeck.errors import NotFound, Unsupported

log = logging.getLogger(__name__)

#: Events kept per task (a task retried more often keeps its latest ones).
EVENTS_PER_TASK = 64
#: Seconds between two attempts to reach a broker that is down.
RECONNECT_S = 1.0
NOT_INSTALLED = (
    "reading Celery's events from the broker needs Celery in jobdeck's environment: "
    "pip install 'jobdeck[celery]' (or give flower_url to read through Flower instead)"
)
#: The fields of a Celery task state kept (Flower's API gives the same ones).
FIELDS = (
    "name", "state", "sent", "received", "started", "succeeded", "failed", "retried", "revoked", "rejected",
    "timestamp", "runtime", "args", "kwargs", "result", "exception", "traceback", "retries", "eta", "expires",
    "routing_key", "root_id", "parent_id",
)


def celery_app(broker_url: str) -> Any:
    """A Celery app of jobdeck's own on the broker (no result backend); Unsupported without Celery."""
    try:
        from celery import Celery  # noqa: PLC0415 - the optional extra, loaded in broker mode only
    except ImportError:
        raise Unsupported(NOT_INSTALLED) from None
    app = Celery("jobdeck", broker=broker_url, set_as_current=False)
    app.conf.update(broker_connection_retry_on_startup=False, broker_connection_max_retries=1,
                    broker_connection_timeout=4)
    return app


class BrokerSource:
    """The receiving thread and what it has seen. Every method but ``start``/``stop`` is
    safe to call from any thread (they are called through ``run_blocking``). Made off the
    event loop: it imports Celery (most of a second)."""

    def __init__(
        self,
        broker_url: str,
        *,
        max_tasks: int,
        heartbeat_timeout: float,
        backend: str,
        scrub: Callable[[str], str] = str,
    ) -> None:
        self.backend = backend
        #: Hides the backend's secrets (the broker URL, its password) in an error's text.
        self.scrub = scrub
        self.app = celery_app(broker_url)
        self.max_tasks = max_tasks
        self.heartbeat_timeout = heartbeat_timeout
        self._lock = threading.Lock()
        self._state = self.app.events.State(max_tasks_in_memory=max_tasks)
        self._events: OrderedDict[str, list[TaskEvent]] = OrderedDict()
        self._stop = threading.Event()
        #: Set once the first attempt to connect has ended (connected or not).
        self.tried = threading.Event()
        self.connected = False
        self.error: str | None = None
        #: Counts every event received (the push channel compares it), and the tasks' events.
        self.received = 0
        self.task_events = 0
        #: CPU seconds the receiving thread had used at its latest task event.
        self.thread_cpu_s = 0.0
        self._receiver: Any = None
        self._thread: threading.Thread | None = None

    # -- the thread ----------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"jobdeck {self.backend} celery events", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        receiver = self._receiver
        if receiver is not None:
            receiver.should_stop = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self.app.connection_for_read() as connection:
                    receiver = self.app.events.Receiver(connection, handlers={"*": self._on_event})
                    receiver.connect_max_retries = 1  # a broker that is down: say so, try again later
                    receiver.should_stop = self._stop.is_set()
                    self._receiver = receiver
                    ready = receiver.on_consume_ready

                    def on_ready(*args: Any, ready: Any = ready, **kwargs: Any) -> Any:
                        self._now_connected()  # consuming: connected, whether events come or not
                        return ready(*args, **kwargs)

                    receiver.on_consume_ready = on_ready
                    for _ in receiver.consume(limit=None, timeout=None, wakeup=True):
                        pass
            except Exception as exc:  # noqa: BLE001 - any broker failure: note it, reconnect
                with self._lock:
                    self.connected = False
                    self.error = self.scrub(f"{type(exc).__name__}: {exc}")
                log.info("%s: lost the broker (%s); reconnecting", self.backend, self.error)
            finally:
                self._receiver = None
                self.tried.set()
            self._stop.wait(RECONNECT_S)

    def _now_connected(self) -> None:
        if not self.connected:
            with self._lock:
                self.connected, self.error = True, None
            self.tried.set()

    def _on_event(self, event: dict[str, Any]) -> None:
        with self._lock:
            self.connected, self.error = True, None
            self.received += 1
            self._state.event(event)
            kind = str(event.get("type", ""))
            uuid = event.get("uuid")
            if kind.startswith("task-") and isinstance(uuid, str):
                self.task_events += 1
                self.thread_cpu_s = time.thread_time()  # what receiving has cost so far (benchmarks)
                reason = event.get("exception") or event.get("reason")
                kept = self._events.setdefault(uuid, [])
                self._events.move_to_end(uuid)
                kept.append(TaskEvent(type=kind, at=float(event.get("timestamp") or time.time()),
                                      hostname=event.get("hostname"), reason=str(reason) if reason else None))
                del kept[:-EVENTS_PER_TASK]
                while len(self._events) > self.max_tasks:
                    self._events.popitem(last=False)
        self.tried.set()

    # -- what it has seen -------------------------------------------------------------------

    def tasks(self) -> list[tuple[str, RawTask]]:
        with self._lock:
            return [(uuid, self._fields(uuid, task)) for uuid, task in list(self._state.tasks.items())]

    def task(self, task_id: str) -> CeleryTask:
        with self._lock:
            task = self._state.tasks.get(task_id)
            if task is None:
                raise NotFound(f"{self.backend}: no events of task {task_id} have arrived since jobdeck started")
            return CeleryTask(**self._fields(task_id, task))

    def _fields(self, uuid: str, task: Any) -> RawTask:
        fields = {name: getattr(task, name, None) for name in FIELDS}
        worker = getattr(task, "worker", None)
        return {**fields, "uuid": uuid, "worker": getattr(worker, "hostname", None),
                "events": tuple(self._events.get(uuid, ()))}

    def workers(self) -> list[WorkerInfo]:
        now = time.time()
        found = []
        with self._lock:
            for name, worker in sorted(self._state.workers.items()):
                beats = list(worker.heartbeats or ())
                freq = float(worker.freq or 2.0)
                since = now - beats[-1] if beats else None
                online = bool(since is not None and since < self.heartbeat_timeout and worker.alive)
                missed = max(0, int(since / freq) - 1) if since is not None else None
                found.append(WorkerInfo(name=name, online=online, active=worker.active if online else 0,
                                        missed_heartbeats=missed, beat_at=beats[-1] if beats else None))
        return found

    # -- actions (blocking: through run_blocking) --------------------------------------------

    def revoke(self, task_id: str, *, terminate: bool) -> None:
        self.app.control.revoke(task_id, terminate=terminate, signal="SIGTERM")

    def send(self, name: str, args: list[Any], kwargs: dict[str, Any], reprs: Reprs,
             ids: dict[str, str] | None = None) -> str:
        """Sends task ``name``; ``ids``: its task_id, root_id and parent_id (a retry's, see actions.py)."""
        return str(self.app.send_task(name, args=args, kwargs=kwargs, argsrepr=reprs.args, kwargsrepr=reprs.kwargs,
                                      **(ids or {})).id)
