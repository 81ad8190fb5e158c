"""What jobdeck keeps of its own, below the monitor: the interface (``store.base.Store``)
and today's implementation (``store.memory.MemoryStore``). No Textual, no backend."""

from jobdeck.store.base import ActionOutcome, Store
from jobdeck.store.memory import MemoryStore

__all__ = ["ActionOutcome", "MemoryStore", "Store"]
