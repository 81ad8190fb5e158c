"""The ``ray`` kind against a real Ray head (``scripts/engines/ray``), started once for the
conformance suite, as the engine tests start theirs.

Real jobs are submitted once through Ray's Jobs REST API (one with a token in its
runtime_env). Their states are put in place as Ray's own job manager puts them: the kit
rewrites each job's record (JobInfo) in the GCS's key-value store, where the dashboard
reads it (``tests/engines/ray_data/put_status.py``, run with the Ray venv's Python). Ray's
JobStatus is an enum the dashboard parses: a status it does not know cannot come out of
the Jobs API at all (no drift, no unknown state), and the three tests that need one skip,
saying so. The adapter reaches the head through a TCP relay, so the head can be taken away
(the failure ``head-down``) without stopping Ray.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from kit import UNKNOWN_RAW_STATE, Kit

from jobdeck.adapters.ray import RayAdapter, RaySettings
from jobdeck.errors import AdapterError, Unreachable
from jobdeck.model import JobState

ENGINES = Path(__file__).resolve().parents[1] / "engines"
sys.path.insert(0, str(ENGINES))
sys.path.insert(0, str(ENGINES / "ray_data"))
from engine_session import Engine  # noqa: E402
from kit_engines import engine_for  # noqa: E402
from jobs import Relay, submit, wait_for  # noqa: E402
from ports import free_port  # noqa: E402

PUT_STATUS = ENGINES / "ray_data" / "put_status.py"
HEADERS_ENV = "JOBDECK_CONFORMANCE_RAY_HEADERS"
HEADER_TOKEN = "ray-conformance-header-4c9e1d"
ENV_TOKEN = "ray-conformance-env-token-7a2f80"
NO_UNKNOWN_STATUS = (
    "Ray's JobStatus is an enum the dashboard parses before it answers: a status Ray does not "
    f"know ({UNKNOWN_RAW_STATE!r}, or any drift) cannot come out of its Jobs API"
)

_jobs: list[str] = []


def ray_engine(request: pytest.FixtureRequest) -> Engine:
    """The conformance suite's Ray head and its jobs, made on first use; stopped at the session's end."""
    return engine_for(request, "ray", _submit_jobs)


def _submit_jobs(engine: Engine) -> None:
    with httpx.Client(base_url=engine.env["RAY_DASHBOARD_URL"], timeout=30) as client:
        tag = f"conf{int(time.time())}"
        _jobs.extend([
            submit(client, {"entrypoint": "echo conformance ok", "submission_id": f"{tag}-ok",
                            "metadata": {"name": "conformance ok", "team": "conformance"},
                            "runtime_env": {"env_vars": {"SERVICE_TOKEN": ENV_TOKEN}}}),
            submit(client, {"entrypoint": "echo about to fail; exit 3", "submission_id": f"{tag}-fail"}),
        ])
        for job_id in _jobs:
            wait_for(client, job_id, {"SUCCEEDED", "FAILED"})


class RayKit(Kit):
    kind = "ray"
    raw_states: ClassVar[dict[str, JobState]] = {
        "PENDING": JobState.PENDING,
        "RUNNING": JobState.RUNNING,
        "SUCCEEDED": JobState.SUCCEEDED,
        "FAILED": JobState.FAILED,
        "STOPPED": JobState.CANCELED,
    }
    quiet_raw_state = "STOPPED"
    drifted_raw_states = frozenset({"DRAINING"})
    failures: ClassVar[dict[str, type[AdapterError]]] = {"head-down": Unreachable}
    unknown_job_id = "jobdeck-conformance-no-such-job"
    real_time = True

    def set_up(self) -> None:
        self.engine = ray_engine(self.request)
        self.url = self.engine.env["RAY_DASHBOARD_URL"]
        self.use_secret(HEADERS_ENV, json.dumps({"X-Proxy-Token": HEADER_TOKEN}))
        self.secrets += [HEADER_TOKEN, ENV_TOKEN]
        self.relay = Relay(int(self.url.rsplit(":", 1)[1]))
        self.relay.port = free_port()

    def new_adapter(self, **settings: Any) -> RayAdapter:
        options = {"name": "ray", "url": self.relay.url, "headers_env": HEADERS_ENV, "timeout": 2, "deadline": 5,
                   **settings}
        return RayAdapter(RaySettings(**options))

    async def __aenter__(self) -> RayKit:
        await self.relay.start()
        await super().__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            await super().__aexit__(*exc_info)
        finally:
            await self.relay.stop()

    # -- the states, as Ray's job manager writes them --------------------------------------------

    def _listed(self) -> list[str]:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            return [str(job["submission_id"]) for job in client.get("/api/jobs/").json() if job.get("submission_id")]

    def poison_states(self, raw: str) -> None:
        if raw not in self.raw_states:
            pytest.skip(NO_UNKNOWN_STATUS)
        python = Path(self.engine.env["RAY_VENV"]) / "bin" / "python"
        done = subprocess.run([str(python), str(PUT_STATUS), self.engine.env["RAY_GCS_ADDRESS"], raw, *self._listed()],
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-2000:]

    def drift(self) -> None:
        pytest.skip(NO_UNKNOWN_STATUS)

    async def fail(self, failure: str) -> RayAdapter:
        if failure != "head-down":
            raise ValueError(f"ray cannot fail as {failure!r}")
        await self.relay.stop()
        return self.adapter  # type: ignore[return-value]

    async def let_time_pass(self) -> None:
        await asyncio.sleep(0.3)

    async def job_with_growing_log(self) -> str:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            job_id = submit(client, {"entrypoint": "for i in $(seq 1 12); do echo line $i; sleep 0.3; done",
                                     "submission_id": f"conf-growing-{time.time_ns()}"})
            wait_for(client, job_id, {"RUNNING", "SUCCEEDED"})
        return job_id
