"""The Istari Digital adapter (kind ``istari``)."""

from jobdeck.adapters.istari.adapter import IstariAdapter, IstariSettings

__all__ = ["IstariAdapter", "IstariSettings"]
