"""The Digital Rebar Provision backend (``kind = "drp"``)."""

from jobdeck.adapters.drp.adapter import DrpAdapter
from jobdeck.adapters.drp.settings import DrpSettings

__all__ = ["DrpAdapter", "DrpSettings"]
