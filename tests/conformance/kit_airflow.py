"""The ``airflow`` kind against a real Airflow 3 (``scripts/engines/airflow``), started once for
the conformance suite, as the engine tests start theirs.

Two runs of the project's DAG ``jd_conformance`` are triggered once (one with a token in its conf) and
run to their end; then ``jd_conformance`` is paused, so Airflow's scheduler leaves its runs alone, and
the kit's adapters list only that DAG (``dags = ["jd_conformance"]``). States are put in place where
Airflow keeps them, the ``dag_run`` table of its database, without a new ``updated_at`` (what
only a complete poll sees). Airflow's DagRunState is an enum its API validates before it
answers: a state it does not know cannot come out of it (no drift, no unknown state), and the
three tests that need one skip, saying so. The adapter reaches Airflow through a TCP relay, so
Airflow can be taken away (``airflow-down``) without stopping it; a wrong password is ``401``.
The growing log is a run of ``jd_long`` (a line a second for 8 s).
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any, ClassVar

import pytest
from kit import UNKNOWN_RAW_STATE, Kit

from jobdeck.adapters.airflow import AirflowAdapter, AirflowSettings
from jobdeck.errors import AdapterError, AuthFailed, Unreachable
from jobdeck.model import JobState

ENGINES = Path(__file__).resolve().parents[1] / "engines"
sys.path.insert(0, str(ENGINES))
sys.path.insert(0, str(ENGINES / "airflow_data"))
from engine_session import Engine  # noqa: E402
from kit_engines import engine_for  # noqa: E402
from runs import Relay, client, task_of, trigger, wait_for_runs, wait_until  # noqa: E402
from ports import free_port  # noqa: E402

PASSWORD_ENV = "JOBDECK_CONFORMANCE_AIRFLOW_PASSWORD"
CONF_TOKEN = "airflow-conformance-conf-token-3e8b21"
NO_UNKNOWN_STATE = (
    "Airflow's DagRunState is an enum its API validates before it answers: a state Airflow does not "
    f"know ({UNKNOWN_RAW_STATE!r}, or any drift) cannot come out of its REST API"
)

def airflow_engine(request: pytest.FixtureRequest) -> Engine:
    """The conformance suite's Airflow and its runs, made on first use; stopped at the session's end."""
    return engine_for(request, "airflow", _trigger_runs)


def _trigger_runs(engine: Engine) -> None:
    with client(engine.env) as rest:
        tag = f"conf{int(time.time())}"
        runs = [trigger(rest, "jd_conformance", f"{tag}-a", {"api_token": CONF_TOKEN}), trigger(rest, "jd_conformance", f"{tag}-b")]
        wait_for_runs(rest, runs)
        rest.patch("/api/v2/dags/jd_conformance", json={"is_paused": True}).raise_for_status()


class AirflowKit(Kit):
    kind = "airflow"
    raw_states: ClassVar[dict[str, JobState]] = {
        "queued": JobState.PENDING,
        "running": JobState.RUNNING,
        "success": JobState.SUCCEEDED,
        "failed": JobState.FAILED,
    }
    quiet_raw_state = "failed"
    drifted_raw_states = frozenset({"archived"})
    failures: ClassVar[dict[str, type[AdapterError]]] = {"airflow-down": Unreachable, "401": AuthFailed}
    unknown_job_id = "jd_conformance/jobdeck-conformance-no-such-run"
    real_time = True

    def set_up(self) -> None:
        self.engine = airflow_engine(self.request)
        self.url = self.engine.env["AIRFLOW_URL"]
        self.use_secret(PASSWORD_ENV, self.engine.env["AIRFLOW_PASSWORD"])
        self.secrets.append(CONF_TOKEN)
        self.relay = Relay(int(self.url.rsplit(":", 1)[1]))
        self.relay.port = free_port()

    def new_adapter(self, **settings: Any) -> AirflowAdapter:
        options = {"name": "airflow", "url": self.relay.url, "user": self.engine.env["AIRFLOW_USER"],
                   "password_env": PASSWORD_ENV, "dags": ["jd_conformance"], "timeout": 5, "deadline": 15, **settings}
        return AirflowAdapter(AirflowSettings(**options))

    async def __aenter__(self) -> AirflowKit:
        await self.relay.start()
        await super().__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            await super().__aexit__(*exc_info)
        finally:
            await self.relay.stop()

    # -- the states, where Airflow keeps them --------------------------------------------------------

    def poison_states(self, raw: str) -> None:
        if raw not in self.raw_states:
            pytest.skip(NO_UNKNOWN_STATE)
        database = Path(self.engine.env["AIRFLOW_HOME"]) / "airflow.db"
        with closing(sqlite3.connect(database, timeout=30)) as db, db:
            db.execute("UPDATE dag_run SET state = ? WHERE dag_id = 'jd_conformance'", (raw,))

    def drift(self) -> None:
        pytest.skip(NO_UNKNOWN_STATE)

    async def fail(self, failure: str) -> AirflowAdapter:
        if failure == "airflow-down":
            await self.relay.stop()
            return self.adapter  # type: ignore[return-value]
        if failure == "401":
            self.monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
            return await self.open(self.new_adapter())  # type: ignore[return-value]
        raise ValueError(f"airflow cannot fail as {failure!r}")

    async def let_time_pass(self) -> None:
        await asyncio.sleep(0.3)

    async def job_with_growing_log(self) -> str:
        with client(self.engine.env) as rest:
            job_id = trigger(rest, "jd_long", f"conf-growing-{time.time_ns()}", {"seconds": 8})
            await asyncio.to_thread(wait_until, lambda: task_of(rest, job_id, "tick")["state"] in ("running", "success"),
                                    f"{job_id} running")
        return job_id
