"""A faithful local Istari Digital registry (jobs API ``/api/v2``)."""

from jobdeck.emulators.istari.emulator import DEFAULT_TOKEN, IstariEmulator

__all__ = ["DEFAULT_TOKEN", "IstariEmulator"]
