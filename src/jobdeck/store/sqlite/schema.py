"""The history database's file: opened with the settings every connection needs, its
schema made or migrated, and set aside when it is corrupt or unreadable.

Times are whole milliseconds since the epoch (UTC): compact, and they sort.
A job is keyed by backend, id and creation time (0 when the backend gives none),
so a backend that reuses ids (Slurm after a restart, a rebuilt emulator) never
merges two jobs. Its transitions are made by triggers from the job's row: one
when a job is first stored, one each time its state changes; so two writers
(two decks on one data folder) that upsert the same job make one transition.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from jobdeck.store.sqlite.search_index import index_new_jobs

#: The history's file in the data folder.
FILE_NAME = "history.sqlite3"
#: Milliseconds a connection waits on another writer's lock before SQLITE_BUSY.
BUSY_TIMEOUT_MS = 5_000
#: KB of pages the writing connection keeps in memory.
WRITER_CACHE_KB = 16 * 1024

_V1 = """
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    backend TEXT NOT NULL,
    job_id TEXT NOT NULL,
    created INTEGER NOT NULL,
    name TEXT NOT NULL,
    group_key TEXT,
    group_name TEXT,
    state TEXT NOT NULL,
    raw_state TEXT,
    state_since INTEGER NOT NULL,
    started INTEGER,
    ended INTEGER,
    updated INTEGER,
    counts TEXT,
    progress REAL,
    error TEXT,
    labels TEXT,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    gone_since INTEGER
);
CREATE UNIQUE INDEX jobs_identity ON jobs (backend, job_id, created);
CREATE INDEX jobs_first_seen ON jobs (first_seen);
CREATE TABLE transitions (
    job INTEGER NOT NULL,
    at INTEGER NOT NULL,
    state TEXT NOT NULL,
    raw_state TEXT,
    PRIMARY KEY (job, at, state)
) WITHOUT ROWID;
CREATE TABLE backends (
    name TEXT PRIMARY KEY,
    listed_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER job_first_stored AFTER INSERT ON jobs BEGIN
    INSERT INTO transitions SELECT NEW.id, NEW.state_since, NEW.state, NEW.raw_state WHERE NOT EXISTS
        (SELECT 1 FROM transitions WHERE job = NEW.id AND at = NEW.state_since AND state = NEW.state);
    -- Another job with this id (the id reused): the older one is no longer listed.
    UPDATE jobs SET gone_since = NEW.first_seen
        WHERE backend = NEW.backend AND job_id = NEW.job_id AND created != NEW.created AND gone_since IS NULL;
END;
CREATE TRIGGER job_state_changed AFTER UPDATE OF state ON jobs WHEN OLD.state IS NOT NEW.state BEGIN
    -- (Not INSERT OR IGNORE: the upsert that fires a trigger imposes its own conflict policy.)
    INSERT INTO transitions SELECT NEW.id, NEW.state_since, NEW.state, NEW.raw_state WHERE NOT EXISTS
        (SELECT 1 FROM transitions WHERE job = NEW.id AND at = NEW.state_since AND state = NEW.state);
END;
"""

#: v2: the last part of a finished job's log, kept for when its backend forgets it (one
#: row a job: a job that finishes again, after a retry, keeps its newest tail).
_V2 = """
CREATE TABLE log_tails (
    job INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    text TEXT NOT NULL
);
"""

#: v3: a job's run history (the last runs of the same backend and name, or group) and the
#: failures of a time span (the kiosk's "failed today", its sparklines) without a scan.
_V3 = """
CREATE INDEX jobs_by_name ON jobs (backend, name, first_seen);
CREATE INDEX jobs_by_group ON jobs (backend, group_key, first_seen) WHERE group_key IS NOT NULL;
CREATE INDEX jobs_failed_ended ON jobs (ended) WHERE state = 'failed';
"""

#: v4: the history view's filter over a million jobs. A word is looked up in a trigram index of
#: each job's name, id and label values (``jobs_text``, FTS5; see ``search_index``): contentless,
#: so it keeps no copy of the text, and its triggers take out the very text it was given. A new
#: job waits in ``jobs_unindexed`` until the end of its write (``index_new_jobs``): one insert
#: into the index a batch costs a tenth of one a row. Jobs by state and raw state: a state seldom seen, and every raw state, found at once.
_V4 = """
CREATE VIRTUAL TABLE jobs_text USING fts5(text, tokenize = 'trigram', detail = 'none', content = '', columnsize = 0);
CREATE TABLE jobs_unindexed (id INTEGER PRIMARY KEY);
INSERT INTO jobs_unindexed SELECT id FROM jobs;
CREATE TRIGGER job_text_pending AFTER INSERT ON jobs BEGIN
    INSERT INTO jobs_unindexed VALUES (NEW.id);
END;
CREATE TRIGGER job_text_changed AFTER UPDATE OF name, labels ON jobs
    WHEN (OLD.name IS NOT NEW.name OR OLD.labels IS NOT NEW.labels)
        AND NOT EXISTS (SELECT 1 FROM jobs_unindexed WHERE id = OLD.id) BEGIN
    INSERT INTO jobs_text (jobs_text, rowid, text) VALUES ('delete', OLD.id, char(31) || OLD.name || char(31) || OLD.job_id
        || coalesce(char(31) || (SELECT group_concat(value, char(31)) FROM json_each(OLD.labels)), '') || char(31));
    INSERT INTO jobs_unindexed VALUES (OLD.id);
END;
CREATE TRIGGER job_text_deleted AFTER DELETE ON jobs BEGIN
    INSERT INTO jobs_text (jobs_text, rowid, text) SELECT 'delete', OLD.id, char(31) || OLD.name || char(31) || OLD.job_id
        || coalesce(char(31) || (SELECT group_concat(value, char(31)) FROM json_each(OLD.labels)), '') || char(31)
        WHERE NOT EXISTS (SELECT 1 FROM jobs_unindexed WHERE id = OLD.id);
    DELETE FROM jobs_unindexed WHERE id = OLD.id;
END;
CREATE INDEX jobs_by_state ON jobs (state, raw_state);
"""

#: v5: whether a job is archived (1; NULL when not), in its backend or in jobdeck's archive:
#: an archived failure was dealt with, so the kiosk's counts from history leave it out, as
#: its live counts do. (A row written before v5 counts until its job is written again.)
_V5 = """
ALTER TABLE jobs ADD COLUMN archived INTEGER;
"""

#: Each schema version's script, in order: version N is MIGRATIONS[N - 1]. Append, never edit.
MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5)


def is_damage(problem: sqlite3.DatabaseError) -> bool:
    """Whether ``problem`` says the file is no database or a damaged one (not a locked
    file, a full disk or a constraint)."""
    code = getattr(problem, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    return "malformed" in str(problem) or "not a database" in str(problem)


#: Tries to open the file before a passing failure counts (about 1.5 s in all).
OPEN_ATTEMPTS = 8


class HistoryUnavailable(Exception):
    """The history's file can be neither opened nor started anew (the message says why)."""


def connect(path: Path) -> sqlite3.Connection:
    """A connection to ``path`` with the schema at its newest version (made or migrated).
    sqlite3.DatabaseError when the file is not a database or is damaged."""
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if connection.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
            raise sqlite3.DatabaseError(f"{path} cannot be put in WAL mode")
        # NORMAL in WAL mode: a commit survives a crash of jobdeck; only a power cut may lose the last.
        connection.execute("PRAGMA synchronous = NORMAL")
        # The writer's pages held in memory (at most): the indexes a batch touches stay read
        # (the default 2 MB holds a few thousand jobs' worth; a tenth of the writing time).
        connection.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KB}")
        migrate(connection)
        with immediate_transaction(connection):
            # Jobs a writer left out of the word index (one stopped mid-way, or before v4's).
            index_new_jobs(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to ``path`` (a reader's own: it never blocks the writer, WAL,
    and never changes the file). sqlite3.Error when it cannot be opened."""
    return sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
    )


@contextmanager
def immediate_transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """One write transaction (taking the lock at once): committed when the block ends,
    rolled back when it raises."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def migrate(connection: sqlite3.Connection) -> int:
    """Bring the schema to the newest version, one migration per transaction; the version.
    Two processes migrating at once: the second finds the work done (its lock waits)."""
    with immediate_transaction(connection):
        connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = connection.execute("SELECT max(version) FROM schema_version").fetchone()
        version = row[0] or 0
        if version > len(MIGRATIONS):
            raise sqlite3.DatabaseError(f"schema version {version} is newer than this jobdeck knows ({len(MIGRATIONS)})")
        for number in range(version + 1, len(MIGRATIONS) + 1):
            for statement in _statements(MIGRATIONS[number - 1]):
                connection.execute(statement)
            connection.execute("INSERT INTO schema_version VALUES (?)", (number,))
    return len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    """The statements of ``script`` (executescript would commit the transaction)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--"):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    return statements


def open_or_set_aside(path: Path, now: Callable[[], datetime]) -> tuple[sqlite3.Connection, str | None]:
    """A connection to ``path``; when the file is corrupt or unreadable it is moved aside
    (``<name>.corrupt-<timestamp>``, its WAL files with it) and a new one started: the
    connection and a warning naming both files. HistoryUnavailable when no file will do."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as problem:
        raise HistoryUnavailable(f"history is off: {path.parent} cannot be made ({problem})") from problem
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return connect(path), None
        except sqlite3.DatabaseError as problem:
            reason = str(problem)
            if is_damage(problem):
                break
            # Not damage: another jobdeck creating the file or its WAL this very moment
            # ("disk I/O error"), a lock. Tried again; never a reason to set a file aside.
            if attempt == OPEN_ATTEMPTS - 1:
                raise HistoryUnavailable(f"history is off: {path} cannot be opened ({reason})") from problem
            time.sleep(0.05 * (attempt + 1))
    aside = path.with_name(f"{path.name}.corrupt-{now().strftime('%Y%m%dT%H%M%S%f')}")
    try:
        if path.exists():
            path.rename(aside)
        for suffix in ("-wal", "-shm"):
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                extra.rename(aside.with_name(aside.name + suffix))
        connection = connect(path)
    except (OSError, sqlite3.DatabaseError) as again:
        raise HistoryUnavailable(f"history is off: {path} cannot be used ({reason}; then: {again})") from again
    return connection, f"history: {path} could not be read ({reason}); it was moved to {aside} and a new one started"
