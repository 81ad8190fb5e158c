"""No secret reaches the history database: the store only sees jobs after the adapter's
redaction, so the bytes of history.sqlite3 (and its WAL) hold none of the kind's secrets."""

from __future__ import annotations

from pathlib import Path

from kit import Kit

from jobdeck.clock import FrozenClock
from jobdeck.store.sqlite import FILE_NAME, HistoryStore


async def test_no_secret_reaches_the_history_database(backend: Kit, tmp_path: Path) -> None:
    folder = tmp_path / "history"
    store = HistoryStore(folder, clock=(clock := FrozenClock()))
    first = await backend.adapter.list_jobs()
    store.record_changes(backend.kind, clock.now(), added=first, changed=[], removed=[], transitions=[], complete=True)
    await backend.let_time_pass()
    clock.advance(10)
    again = await backend.adapter.list_jobs()
    store.record_changes(backend.kind, clock.now(), added=[], changed=again, removed=[], transitions=[], complete=True)
    assert store.flush()
    written = b"".join(path.read_bytes() for path in folder.glob(f"{FILE_NAME}*"))  # the WAL too, before close
    store.close()
    written += b"".join(path.read_bytes() for path in folder.glob(f"{FILE_NAME}*"))
    assert first and first[0].name.encode() in written  # the jobs are there
    assert backend.secrets
    leaked = [secret for secret in backend.secrets if secret.encode() in written]
    assert not leaked, f"{backend.kind} leaks {leaked} into the history"
