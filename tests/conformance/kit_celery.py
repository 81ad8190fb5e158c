"""The ``celery`` kind against real Celery: Redis, two workers and a Flower with basic auth,
started once for the conformance suite (``scripts/engines/celery``, as the engine tests do).

Each kit sends a few real tasks (one with a password in its kwargs). Celery's states come
from its task events, merged by Celery's own bookkeeping in Flower: the kit puts every task
Flower shows in a raw state by sending that state's task event to the broker itself, with
Celery's event dispatcher, as a worker would (a ``task-retried`` first: a task in RETRY
takes any state the next event gives). An event type Celery does not know becomes a state
of that name, upper-cased: that is Celery's schema drift (``task-hibernating`` →
HIBERNATING). A lower-case unknown state cannot come out of Celery at all: the two tests
that need one skip, saying so.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from kit import UNKNOWN_RAW_STATE, Kit
from waiting import poll_until

from jobdeck.adapters.celery import CeleryAdapter, CelerySettings
from jobdeck.errors import AdapterError, AuthFailed, Unreachable
from jobdeck.model import JobState

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engines"))
from celery_data.celery_helpers import script as _script  # noqa: E402
from engine_session import Engine  # noqa: E402
from kit_engines import engine_for  # noqa: E402

AUTH_ENV = "JOBDECK_CONFORMANCE_FLOWER_AUTH"
FLOWER_PASSWORD = "celery-conformance-flower-3b7e"
TASK_PASSWORD = "celery-conformance-kwarg-8d41"
#: Each raw state, and the task event that gives it.
EVENTS = {
    "PENDING": "task-sent",
    "RECEIVED": "task-received",
    "STARTED": "task-started",
    "RETRY": "task-retried",
    "SUCCESS": "task-succeeded",
    "FAILURE": "task-failed",
    "REVOKED": "task-revoked",
    "REJECTED": "task-rejected",
}
DRIFT_EVENT = "task-hibernating"
PATIENCE = 30.0
NO_LOWER_CASE_STATE = (
    "Celery derives a task's state from its events and upper-cases one it does not know: "
    f"{UNKNOWN_RAW_STATE!r} cannot come out of it (schema drift covers an unknown state)"
)

def celery_engine(request: pytest.FixtureRequest) -> Engine:
    """The conformance suite's Celery, started on first use and stopped at the session's end."""
    return engine_for(request, "celery", _start_flower)


def _start_flower(engine: Engine) -> None:
    engine.env["FLOWER_KIT_URL"] = _script(engine, "flower-start", "flower-kit", f"--basic-auth=jd:{FLOWER_PASSWORD}")


class CeleryKit(Kit):
    kind = "celery"
    raw_states: ClassVar[dict[str, JobState]] = {
        "PENDING": JobState.PENDING,
        "RECEIVED": JobState.PENDING,
        "STARTED": JobState.RUNNING,
        "RETRY": JobState.PENDING,
        "SUCCESS": JobState.SUCCEEDED,
        "FAILURE": JobState.FAILED,
        "REVOKED": JobState.CANCELED,
        "REJECTED": JobState.FAILED,
    }
    quiet_raw_state = "REVOKED"
    drifted_raw_states = frozenset({"HIBERNATING"})
    failures: ClassVar[dict[str, type[AdapterError]]] = {"flower-down": Unreachable, "401": AuthFailed}
    unknown_job_id = "00000000-0000-0000-0000-000000000000"
    real_time = True

    def set_up(self) -> None:
        pytest.importorskip("celery", reason="the kit sends Celery's task events (celery is in the dev extra)")
        self.engine = celery_engine(self.request)
        self.url = self.engine.env["FLOWER_KIT_URL"]
        self.use_secret(AUTH_ENV, f"jd:{FLOWER_PASSWORD}")
        self.secrets.append(FLOWER_PASSWORD)
        self.secrets.append(TASK_PASSWORD)
        self.stopped = False
        #: The tasks of job_with_growing_log: waited for at the end, so no later test sees them end.
        self.growing: list[str] = []
        self.ids = [self._send("ok", 4), self._send("fail", "on purpose"),
                    self._send("login", "carol", password=TASK_PASSWORD)]
        self._wait({task_id: {"SUCCESS", "FAILURE"} for task_id in self.ids})

    def new_adapter(self, **settings: Any) -> CeleryAdapter:
        options = {"name": "celery", "flower_url": self.url, "auth_env": AUTH_ENV, "timeout": 1, "deadline": 2,
                   **settings}
        return CeleryAdapter(CelerySettings(**options))

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            await super().__aexit__(*exc_info)
        finally:
            if self.stopped:
                _script(self.engine, "flower-start", "flower-kit", f"--basic-auth=jd:{FLOWER_PASSWORD}")
            elif self.growing:
                # A task still sleeping would end (and change) under the next test's feet.
                self._wait_ended(self.growing)

    # -- Flower, as a client of it ------------------------------------------------------------

    def _http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=("jd", FLOWER_PASSWORD), timeout=10)

    def _send(self, task: str, *args: Any, **kwargs: Any) -> str:
        with self._http() as http:
            answer = http.post(f"/api/task/async-apply/tasks.{task}", json={"args": list(args), "kwargs": kwargs})
            answer.raise_for_status()
            return str(answer.json()["task-id"])

    def _states(self) -> dict[str, str | None]:
        with self._http() as http:
            return {uuid: task.get("state") for uuid, task in http.get("/api/tasks").json().items()}

    def _wait(self, wanted: dict[str, set[str]]) -> None:
        poll_until(self._states, lambda states: all(states.get(task_id) in allowed for task_id, allowed in wanted.items()),
                   timeout=PATIENCE, every=0.05,
                   failure=lambda states: f"Flower did not show {wanted} within {PATIENCE} s: {states}")

    # -- the states, as the workers' events give them -----------------------------------------

    def _send_events(self, event_type: str) -> set[str]:
        from celery import Celery

        app = Celery("jobdeck-conformance", broker=self.engine.env["CELERY_BROKER_URL"], set_as_current=False)
        ids = set(self._states())
        with app.connection_for_write() as connection:
            dispatcher = app.events.Dispatcher(connection, hostname="conformance@localhost", enabled=True)
            for task_id in ids:
                dispatcher.send("task-retried", uuid=task_id, exception="ConnectionError('conformance')")
                if event_type != "task-retried":
                    dispatcher.send(event_type, uuid=task_id, exception="ValueError('conformance')",
                                    result="'conformance'", reason="conformance")
            dispatcher.flush()
        return ids

    def poison_states(self, raw: str) -> None:
        if raw == UNKNOWN_RAW_STATE:
            pytest.skip(NO_LOWER_CASE_STATE)
        ids = self._send_events(EVENTS.get(raw, f"task-{raw.lower()}"))
        self._wait({task_id: {raw} for task_id in ids})

    def drift(self) -> None:
        ids = self._send_events(DRIFT_EVENT)
        self._wait({task_id: {"HIBERNATING"} for task_id in ids})

    async def fail(self, failure: str) -> CeleryAdapter:
        if failure == "flower-down":
            _script(self.engine, "flower-stop", "flower-kit")
            self.stopped = True
            return self.adapter  # type: ignore[return-value]
        if failure == "401":
            self.monkeypatch.setenv(AUTH_ENV, "jd:not-the-password")
            return await self.open(self.new_adapter())  # type: ignore[return-value]
        raise ValueError(f"celery cannot fail as {failure!r}")

    async def let_time_pass(self) -> None:
        await asyncio.sleep(0.1)

    def _wait_ended(self, ids: list[str]) -> None:
        deadline = time.monotonic() + PATIENCE
        with self._http() as http:
            while time.monotonic() < deadline:
                tasks = http.get("/api/tasks").json()
                if all(tasks.get(task_id, {}).get("succeeded") for task_id in ids):
                    return
                time.sleep(0.05)

    async def job_with_growing_log(self) -> str:
        task_id = self._send("sleep", 1.5)
        self.growing.append(task_id)
        self._wait({task_id: {"RECEIVED", "STARTED", "SUCCESS"}})
        return task_id
