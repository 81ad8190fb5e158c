"""The ``drp`` kind against the Digital Rebar Provision emulator (contract: shared/contracts/drp.md)."""

from __future__ import annotations

from typing import Any, ClassVar

from emulator_kit import EmulatorKit
from poisoned import rewrite_dicts

from jobdeck.adapters.drp import DrpAdapter, DrpSettings
from jobdeck.emulators.drp import DrpEmulator
from jobdeck.model import JobState

TOKEN_ENV = "JOBDECK_CONFORMANCE_DRP_TOKEN"
TOKEN = "drp-conformance-token-2b7e91c4"
#: Simulated seconds the emulator runs before the clock starts: its machines' recent jobs.
HISTORY = 120.0


class DrpKit(EmulatorKit):
    kind = "drp"
    raw_states: ClassVar[dict[str, JobState]] = {
        "created": JobState.PENDING,
        "running": JobState.RUNNING,
        "finished": JobState.SUCCEEDED,
        "failed": JobState.FAILED,
        # Interrupted (a reboot, say); the agent continues it.
        "incomplete": JobState.PAUSED,
    }
    quiet_raw_state = "failed"
    drifted_raw_states = frozenset({"queued"})
    credential_env = TOKEN_ENV
    unknown_job_id = "00000000-0000-4000-8000-000000000000"

    def new_emulator(self) -> DrpEmulator:
        emulator = DrpEmulator(seed=3, speed=0, history=HISTORY)
        emulator.auth.tokens[TOKEN] = "rocketskates"
        return emulator

    def set_up(self) -> None:
        super().set_up()
        self.use_secret(TOKEN_ENV, TOKEN)
        # The runners' own tokens (JWTs) are in every job the server sends.
        self.secrets += {job.Token for job in self.emulator.world.jobs.values() if job.Token}

    def new_adapter(self, **settings: Any) -> DrpAdapter:
        config = DrpSettings(name="drp", endpoint="http://drp.test", token_env=TOKEN_ENV, **settings)
        return DrpAdapter(config, clock=self.clock, transport=self.transport)

    def with_raw_state(self, body: Any, raw: str) -> Any:
        def job(item: dict[str, Any]) -> dict[str, Any]:
            return {**item, "State": raw} if "Uuid" in item and "State" in item else item

        return rewrite_dicts(body, job)

    def drift(self) -> None:
        # The drift renames "created": make sure a job is in it.
        while not any(job.State == "created" for job in self.emulator.world.jobs.values()):
            self.emulator.advance(1)
        super().drift()

    async def job_with_growing_log(self) -> str:
        while True:
            active = [job for job in self.emulator.world.jobs.values() if job.State == "running"]
            if active:
                return active[0].Uuid
            self.emulator.advance(1)
