"""The kit of an adapter that speaks HTTP to one of jobdeck's emulators, in-process.

The emulator's clock is frozen (only ``advance`` moves it); the adapter waits
through ``InstantClock`` (retry backoff and Retry-After return at once), and
reaches the emulator through ``Poisoned`` (answers rewritten on demand) around
``emulator.transport()``. Failures come from the emulator's fault switch.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

from fakes import InstantClock
from kit import Kit
from poisoned import Poisoned

from jobdeck.adapters.base import Adapter
from jobdeck.emulators.core import Emulator
from jobdeck.emulators.faults import Faults
from jobdeck.errors import AdapterError, AuthFailed, Unreachable

#: The whole-request deadline of the adapter asked during the "timeout" failure (real seconds):
#: the emulator's latency fault holds every answer far longer.
TIMEOUT_DEADLINE = 0.2
TIMEOUT_LATENCY = 60.0

HTTP_FAILURES: dict[str, type[AdapterError]] = {
    "401": AuthFailed,  # the fault switch's
    "wrong-credential": AuthFailed,  # the emulator's own refusal (401 or 403, as its backend answers)
    "5xx": Unreachable,
    "timeout": Unreachable,
}


class EmulatorKit(Kit):
    failures: ClassVar[dict[str, type[AdapterError]]] = HTTP_FAILURES
    #: Simulated seconds ``let_time_pass`` moves the emulator on.
    step_seconds: ClassVar[float] = 1.0
    #: The environment variable the settings name for the credential.
    credential_env: ClassVar[str]

    def set_up(self) -> None:
        self.emulator = self.new_emulator()
        self.transport = Poisoned(self.emulator.transport())
        self.clock = InstantClock(self.emulator.clock)

    @abstractmethod
    def new_emulator(self) -> Emulator: ...

    @abstractmethod
    def with_raw_state(self, body: Any, raw: str) -> Any:
        """The emulator's answer ``body`` with every job in it in raw state ``raw``."""

    def poison_states(self, raw: str) -> None:
        self.transport.rewrite = lambda body: self.with_raw_state(body, raw)

    def drift(self) -> None:
        self.emulator.faults = Faults(drift=True)

    async def fail(self, failure: str) -> Adapter:
        if failure == "401":
            self.emulator.faults = Faults(unauthorized=True)
        elif failure == "5xx":
            self.emulator.faults = Faults(error_rate=1.0)
        elif failure == "wrong-credential":
            self.use_secret(self.credential_env, f"wrong-{self.kind}-credential-0f4e2a")
            return await self.open(self.new_adapter())
        elif failure == "timeout":
            self.emulator.faults = Faults(latency=TIMEOUT_LATENCY)
            return await self.open(self.new_adapter(deadline=TIMEOUT_DEADLINE))
        else:
            raise ValueError(f"{self.kind} cannot fail as {failure!r}")
        return self.adapter

    async def let_time_pass(self) -> None:
        self.emulator.advance(self.step_seconds)
