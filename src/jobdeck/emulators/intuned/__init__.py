"""A faithful local Intuned (Jobs / JobRuns API), built from ``shared/contracts/intuned.md``."""

from jobdeck.emulators.intuned.app import IntunedEmulator
from jobdeck.emulators.intuned.scenario import DEFAULT_API_KEY, DEFAULT_PROJECT, DEFAULT_WORKSPACE_ID

__all__ = ["DEFAULT_API_KEY", "DEFAULT_PROJECT", "DEFAULT_WORKSPACE_ID", "IntunedEmulator"]
