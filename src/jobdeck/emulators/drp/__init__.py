"""Digital Rebar Provision emulator (contract: ``../shared/contracts/drp.md``)."""

from jobdeck.emulators.drp.app import DEMO_TOKEN, DrpEmulator

__all__ = ["DEMO_TOKEN", "DrpEmulator"]
