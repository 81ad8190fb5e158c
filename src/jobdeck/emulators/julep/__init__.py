"""A faithful local Julep agents-api (jobs, task executions, transitions)."""

from jobdeck.emulators.julep.app import DEFAULT_API_KEY, JulepEmulator

__all__ = ["DEFAULT_API_KEY", "JulepEmulator"]
