"""The Ray backend (``kind = "ray"``): the jobs of a Ray cluster, through its dashboard's Jobs API."""

from jobdeck.adapters.ray.adapter import RayAdapter
from jobdeck.adapters.ray.settings import RaySettings

__all__ = ["RayAdapter", "RaySettings"]
