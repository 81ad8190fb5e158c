"""The ``slurm`` backend: a Slurm cluster's queue and accounting (squeue/sacct or slurmrestd)."""

from jobdeck.adapters.slurm.adapter import SlurmAdapter
from jobdeck.adapters.slurm.settings import SlurmSettings

__all__ = ["SlurmAdapter", "SlurmSettings"]
