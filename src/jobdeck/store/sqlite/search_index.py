"""The history's word index (schema v4's ``jobs_text``): each job's name, id and label
values in an FTS5 trigram index, so a word typed in the history view is found among a
million jobs without reading them.

The index is contentless (it keeps no copy of the text: 50 bytes a job). A new job waits
in ``jobs_unindexed`` until ``index_new_jobs`` indexes the batch in one statement, which
the writer runs at the end of each transaction: one insert into the index a batch costs
a tenth of one a row (FTS5 flushes its pending terms at every statement a trigger opens).
A job whose name or labels change goes back in the queue; one deleted leaves the index
(the triggers in ``schema``).

Matching here is a narrowing, never the last word: the trigram index answers "has every
three-letter piece of the word", a superset of "contains the word"; the caller checks
what it gets (see ``history_query``).
"""

from __future__ import annotations

import sqlite3
import string

#: What the index holds of a row of ``jobs`` (the same text as the triggers in ``schema``).
ROW_TEXT = (
    "char(31) || jobs.name || char(31) || jobs.job_id"
    " || coalesce(char(31) || (SELECT group_concat(value, char(31)) FROM json_each(jobs.labels)), '') || char(31)"
)

_INDEX_PENDING = f"""
INSERT INTO jobs_text (rowid, text)
SELECT jobs.id, {ROW_TEXT} FROM jobs_unindexed JOIN jobs ON jobs.id = jobs_unindexed.id
"""

#: The shortest word the index can look up: a trigram index knows three-letter pieces, and a
#: word of two is looked up as every piece it may be in (with a character either side; each
#: field has the separator on both sides, so one is always there).
SHORTEST = 2
#: What may stand beside a two-letter word in a piece: ASCII (folded) and the separator. (A
#: two-letter word between two other letters on both sides is not found through the index.)
_NEIGHBOURS = "".join(sorted(set(string.ascii_lowercase + string.digits + string.punctuation + " ") )) + "\x1f"


def index_new_jobs(connection: sqlite3.Connection) -> None:
    """Index the jobs waiting to be (inside the caller's write transaction)."""
    connection.execute(_INDEX_PENDING)
    connection.execute("DELETE FROM jobs_unindexed")


def has_unindexed(connection: sqlite3.Connection) -> bool:
    """Whether some jobs are not in the index yet (a writer between two statements, or one
    that never indexes): a search through the index would miss them."""
    return connection.execute("SELECT 1 FROM jobs_unindexed LIMIT 1").fetchone() is not None


def _quoted(piece: str) -> str:
    return '"' + piece.replace('"', '""') + '"'


def match_expression(words: list[str]) -> str | None:
    """An FTS5 query for rows that hold every three-letter piece of every word (each word
    lower-cased, at least SHORTEST long); None when there is none to look up."""
    pieces: list[str] = []
    pairs = [word for word in words if len(word) == 2]
    for word in words:
        for start in range(len(word) - 2):
            piece = word[start : start + 3]
            if piece not in pieces:
                pieces.append(piece)
    parts = [_quoted(piece) for piece in pieces]
    for pair in pairs:
        around = [pair + c for c in _NEIGHBOURS] + [c + pair for c in _NEIGHBOURS]
        parts.append("(" + " OR ".join(_quoted(piece) for piece in around) + ")")
    return " AND ".join(parts) if parts else None
