"""The ``julep`` kind against the Julep emulator (contract: shared/contracts/julep.md).

Two sorts of rows: watched jobs (a JobStatus each, fetched by id) and the
executions of the configured tasks. Each has its own states.
"""

from __future__ import annotations

from typing import Any, ClassVar

from emulator_kit import EmulatorKit
from poisoned import rewrite_dicts

from jobdeck.adapters.julep import JulepAdapter, JulepSettings
from jobdeck.emulators.core import SimClock
from jobdeck.emulators.julep import JulepEmulator
from jobdeck.model import JobState

KEY_ENV = "JOBDECK_CONFORMANCE_JULEP_KEY"
KEY = "julep-conformance-key-3e8a51"
#: An API key in the input of the emulator's executions.
DATA_SECRETS = ("sk-demo-secret",)

JOB_STATES: dict[str, JobState] = {
    "pending": JobState.PENDING,
    "in_progress": JobState.RUNNING,
    "retrying": JobState.RUNNING,
    "succeeded": JobState.SUCCEEDED,
    "aborted": JobState.CANCELED,
    "failed": JobState.FAILED,
    "unknown": JobState.UNKNOWN,  # Temporal's status was none the server knows
}
EXECUTION_STATES: dict[str, JobState] = {
    "queued": JobState.PENDING,
    "starting": JobState.PENDING,
    "running": JobState.RUNNING,
    "awaiting_input": JobState.PAUSED,
    "succeeded": JobState.SUCCEEDED,
    "failed": JobState.FAILED,
    "cancelled": JobState.CANCELED,
}


class JulepKit(EmulatorKit):
    kind = "julep"
    raw_states: ClassVar[dict[str, JobState]] = {**JOB_STATES, **EXECUTION_STATES}
    quiet_raw_state = "failed"  # a state of both sorts
    drifted_raw_states = frozenset({"suspended", "throttled"})
    credential_env = KEY_ENV
    unknown_job_id = "00000000-0000-7000-8000-000000000000"

    def new_emulator(self) -> JulepEmulator:
        return JulepEmulator(seed=5, clock=SimClock(speed=0), api_key=KEY, spawn_every=None, stream_poll=0.01)

    def set_up(self) -> None:
        super().set_up()
        self.use_secret(KEY_ENV, KEY)
        self.secrets += DATA_SECRETS

    def new_adapter(self, **settings: Any) -> JulepAdapter:
        emulator = self.emulator
        assert isinstance(emulator, JulepEmulator)
        config = JulepSettings(
            name="julep", url="http://julep.test", api_key_env=KEY_ENV,
            jobs=[emulator.job_ids()[0], emulator.job_ids()[-1]], tasks=emulator.task_ids(), **settings,
        )
        return JulepAdapter(config, clock=self.clock, transport=self.transport)

    def with_raw_state(self, body: Any, raw: str) -> Any:
        # A state of one sort only is given to the rows of that sort; any other to both.
        to_jobs = raw in JOB_STATES or raw not in EXECUTION_STATES
        to_executions = raw in EXECUTION_STATES or raw not in JOB_STATES

        def change(item: dict[str, Any]) -> dict[str, Any]:
            if to_jobs and "has_progress" in item and "state" in item:  # a JobStatus
                return {**item, "state": raw}
            if to_executions and "task_id" in item and "status" in item:  # an Execution
                return {**item, "status": raw}
            return item

        return rewrite_dicts(body, change)

    async def job_with_growing_log(self) -> str:
        emulator = self.emulator
        assert isinstance(emulator, JulepEmulator)
        while True:
            running = [e.id for e in emulator.world.executions.values() if e.status in ("queued", "starting", "running")]
            if running:
                return running[0]
            emulator.advance(1)
