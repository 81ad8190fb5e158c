"""The ``intuned`` backend: Intuned's Jobs / JobRuns API (``shared/contracts/intuned.md``)."""

from jobdeck.adapters.intuned.adapter import LOG_NOTICE, IntunedAdapter, IntunedSettings
from jobdeck.model import RunPage

__all__ = ["LOG_NOTICE", "IntunedAdapter", "IntunedSettings", "RunPage"]
