"""The ``intuned`` kind against the Intuned emulator (contract: shared/contracts/intuned.md).

A job row is the job and the run that speaks for it: a PAUSED job is paused,
an ACTIVE one is in its run's status, or pending before its first run.
"""

from __future__ import annotations

from typing import Any, ClassVar

from emulator_kit import EmulatorKit
from kit import Expected
from poisoned import rewrite_dicts

from jobdeck.adapters.intuned import IntunedAdapter, IntunedSettings
from jobdeck.emulators.core import SimClock
from jobdeck.emulators.intuned import DEFAULT_PROJECT, DEFAULT_WORKSPACE_ID, IntunedEmulator
from jobdeck.model import JobState

KEY_ENV = "JOBDECK_CONFORMANCE_INTUNED_KEY"
KEY = "intuned-conformance-key-6a0d3f"
#: Secrets the emulator's demo jobs carry (S3 keys, a webhook's header, auth session ids).
DATA_SECRETS = ("AKIAEMULATOR7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLE", "whsec_demo_5e1f0a",
                "shop-login-7f3a", "ops-session-91c2")
#: The job's own states; the others are its runs'.
JOB_STATES = ("ACTIVE", "PAUSED")


class IntunedKit(EmulatorKit):
    kind = "intuned"
    raw_states: ClassVar[dict[str, Expected]] = {
        "ACTIVE": JobState.PENDING,  # an active job before its first run
        # Intuned has no RUNNING: a PENDING run with a payload done is running.
        "PENDING": (JobState.PENDING, JobState.RUNNING),
        "PAUSING": JobState.PAUSED,
        "PAUSED": JobState.PAUSED,
        "RESUMING": JobState.RUNNING,
        "SUCCESS": JobState.SUCCEEDED,
        "COMPLETED": JobState.SUCCEEDED,
        "FAILURE": JobState.FAILED,
        "TERMINATED": JobState.CANCELED,
        "CANCELED": JobState.CANCELED,
    }
    quiet_raw_state = "FAILURE"
    drifted_raw_states = frozenset({"RUNNING", "ARCHIVED"})
    credential_env = KEY_ENV
    unknown_job_id = "no-such-job"
    step_seconds = 3.0

    def new_emulator(self) -> IntunedEmulator:
        return IntunedEmulator(seed=11, clock=SimClock(speed=0), api_key=KEY)

    def set_up(self) -> None:
        super().set_up()
        self.use_secret(KEY_ENV, KEY)
        self.secrets += DATA_SECRETS

    def new_adapter(self, **settings: Any) -> IntunedAdapter:
        config = IntunedSettings(
            name="intuned", workspace_id=DEFAULT_WORKSPACE_ID, project=DEFAULT_PROJECT, api_key_env=KEY_ENV,
            base_url="http://intuned.test/api/v1/workspace", **settings,
        )
        return IntunedAdapter(config, clock=self.clock, transport=self.transport)

    def with_raw_state(self, body: Any, raw: str) -> Any:
        job_state = raw if raw in JOB_STATES else "ACTIVE"

        def change(item: dict[str, Any]) -> dict[str, Any]:
            if "configuration" in item and "state" in item:  # a job
                return {**item, "state": job_state}
            if "successful_runs" in item and raw != "ACTIVE":  # a run
                return {**item, "status": raw}
            if "jobRuns" in item and raw == "ACTIVE":  # an active job shows its run: here it has none
                return {**item, "jobRuns": [], "totalCount": 0}
            return item

        return rewrite_dicts(body, change)

    async def job_with_growing_log(self) -> str:
        return "catalog-sync"  # due at the start, every three minutes
