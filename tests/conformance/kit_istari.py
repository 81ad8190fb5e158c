"""The ``istari`` kind against the Istari registry emulator (contract: shared/contracts/istari.md)."""

from __future__ import annotations

from typing import Any, ClassVar

from emulator_kit import EmulatorKit
from poisoned import rewrite_dicts

from jobdeck.adapters.istari import IstariAdapter, IstariSettings
from jobdeck.emulators.istari import IstariEmulator
from jobdeck.emulators.istari.models import JobStatusName
from jobdeck.model import JobState

TOKEN_ENV = "JOBDECK_CONFORMANCE_ISTARI_PAT"
TOKEN = "istari-conformance-pat-91c5e0"
#: The PDM password in one of the emulator's parameters files.
DATA_SECRETS = ("hunter2",)
TERMINAL = ("Completed", "Failed", "Canceled")


class IstariKit(EmulatorKit):
    kind = "istari"
    raw_states: ClassVar[dict[str, JobState]] = {
        "Created": JobState.PENDING,
        "Pending": JobState.PENDING,
        "Claimed": JobState.RUNNING,
        "Validating": JobState.RUNNING,
        "Running": JobState.RUNNING,
        "Uploading": JobState.RUNNING,
        "Completed": JobState.SUCCEEDED,
        "Failed": JobState.FAILED,
        "Canceled": JobState.CANCELED,
        "Unknown": JobState.UNKNOWN,  # the registry's own word for it
    }
    quiet_raw_state = "Failed"
    drifted_raw_states = frozenset({"Queued", "Preflight"})
    credential_env = TOKEN_ENV
    unknown_job_id = "00000000-0000-4000-8000-000000000000"
    step_seconds = 5.0

    def new_emulator(self) -> IstariEmulator:
        return IstariEmulator(seed=7, speed=0, token=TOKEN)

    def set_up(self) -> None:
        super().set_up()
        self.use_secret(TOKEN_ENV, TOKEN)
        self.secrets += DATA_SECRETS

    def new_adapter(self, **settings: Any) -> IstariAdapter:
        config = IstariSettings(name="istari", registry_url="http://istari.test", token_env=TOKEN_ENV, **settings)
        return IstariAdapter(config, clock=self.clock, transport=self.transport)

    def with_raw_state(self, body: Any, raw: str) -> Any:
        def job(item: dict[str, Any]) -> dict[str, Any]:
            history = item.get("status_history")
            if isinstance(history, list) and history:  # a job's status is its latest entry
                return {**item, "status_history": [*history[:-1], {**history[-1], "name": raw}]}
            return item

        return rewrite_dicts(body, job)

    def drift(self) -> None:
        # The drift renames "Pending" (and "Validating"): make sure a job waits for an agent.
        world, now = self.emulator.world, self.emulator.clock.now()
        template = next(iter(world.jobs.values()))
        job = world.submit(template.model_id, template.function.name, template.file.revisions[-1], at=now)
        world.set_status(job.id, JobStatusName.PENDING, at=now, message="waiting for an agent")
        super().drift()

    async def job_with_growing_log(self) -> str:
        while True:
            active = [job for job in self.emulator.world.jobs.values() if job.status_name not in TERMINAL]
            if active:
                return active[0].id
            self.emulator.advance(self.step_seconds)
