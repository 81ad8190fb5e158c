"""The ``julep`` backend: watched jobs and task executions of a Julep agents-api."""

from jobdeck.adapters.julep.adapter import JulepAdapter
from jobdeck.adapters.julep.settings import JulepSettings

__all__ = ["JulepAdapter", "JulepSettings"]
