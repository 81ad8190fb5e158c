"""The ``celery`` backend: Celery tasks through Flower's API, or the broker's event stream."""

from jobdeck.adapters.celery.adapter import CeleryAdapter
from jobdeck.adapters.celery.settings import CelerySettings

__all__ = ["CeleryAdapter", "CelerySettings"]
