"""The history (issue 17): every job and transition jobdeck has seen, in SQLite.

- ``schema``: the file (WAL, busy timeout), its versioned schema, setting a bad file aside;
- ``rows``: jobs as rows and back, and the statements that write them;
- ``writer``: the one thread that writes, in batches, from a bounded queue;
- ``store``: ``HistoryStore``, the ``Store`` that records (``MemoryStore`` for the rest);
- ``reader``: ``HistoryReader``, what the history view and the CLI read.
"""

from jobdeck.store.sqlite.reader import HistoryEntry, HistoryReader
from jobdeck.store.sqlite.schema import FILE_NAME, HistoryUnavailable
from jobdeck.store.sqlite.store import HistoryStore

__all__ = ["FILE_NAME", "HistoryEntry", "HistoryReader", "HistoryStore", "HistoryUnavailable"]
