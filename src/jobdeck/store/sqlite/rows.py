"""Jobs as rows of the history database and back, and the statements that write them.

Pure functions and SQL text: no connection is held here. Counts are kept as a JSON
list ``[total, succeeded, failed]`` and labels as a JSON object (NULL when none), to
keep a row small.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from collections.abc import Sequence
from typing import Any

from jobdeck.clock import assume_utc
from jobdeck.model import Counts, Job, JobGroup, JobRef, JobState, StatusEvent
from jobdeck.store.observed import state_time
from jobdeck.surrogates import replace_lone_surrogates

#: A job's row, inserted or updated in place (the identity: backend, id, creation time).
#: A state kept keeps the time it was entered; a write older than the row's last sighting
#: (a second deck's late batch) changes nothing; a job written is listed, so not gone.
UPSERT_JOB = """
INSERT INTO jobs (backend, job_id, created, name, group_key, group_name, state, raw_state, state_since,
                  started, ended, updated, counts, progress, error, labels, first_seen, last_seen, gone_since,
                  archived)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, NULL, ?19)
ON CONFLICT (backend, job_id, created) DO UPDATE SET
    name = excluded.name, group_key = excluded.group_key, group_name = excluded.group_name,
    state_since = CASE WHEN jobs.state IS excluded.state THEN jobs.state_since ELSE excluded.state_since END,
    state = excluded.state, raw_state = excluded.raw_state,
    started = excluded.started, ended = excluded.ended, updated = excluded.updated,
    counts = excluded.counts, progress = excluded.progress, error = excluded.error, labels = excluded.labels,
    first_seen = min(jobs.first_seen, excluded.first_seen), last_seen = excluded.last_seen, gone_since = NULL,
    archived = excluded.archived
WHERE excluded.last_seen >= jobs.last_seen
"""

#: A job already stored that changed, with the same parameters as UPSERT_JOB: what a poll
#: changes (state, times, counts …), in the row whose name, group and first sighting are
#: already these, and whose last sighting is not later. A column set rewrites every index
#: it is in, even to the same value: leaving those three out makes the write half the
#: cost. A row not so (not stored, renamed, regrouped, a later sighting) is left alone: the
#: writer then writes the batch's changed jobs with UPSERT_JOB (see ``writer``).
UPDATE_CHANGED_JOB = """
UPDATE jobs SET group_name = ?6,
    state_since = CASE WHEN state IS ?7 THEN state_since ELSE ?9 END,
    state = ?7, raw_state = ?8, started = ?10, ended = ?11, updated = ?12,
    counts = ?13, progress = ?14, error = ?15, labels = ?16, last_seen = ?18, gone_since = NULL, archived = ?19
WHERE backend = ?1 AND job_id = ?2 AND created = ?3 AND last_seen <= ?18
    AND name IS ?4 AND group_key IS ?5 AND first_seen <= ?17
"""

#: A job its backend no longer lists: gone since then, last seen at its backend's last listing.
MARK_GONE = """
UPDATE jobs SET gone_since = ?1,
    last_seen = max(last_seen, coalesce((SELECT listed_at FROM backends WHERE name = ?2), 0))
WHERE backend = ?2 AND job_id = ?3 AND gone_since IS NULL
"""

#: The first complete listing of a backend this store sees: a job it does not list (and no
#: other listing saw since) went while no deck was watching.
MARK_UNLISTED_GONE = """
UPDATE jobs SET gone_since = ?1,
    last_seen = max(last_seen, coalesce((SELECT listed_at FROM backends WHERE name = ?2), 0))
WHERE backend = ?2 AND gone_since IS NULL AND last_seen < ?1
"""

#: A job archived (1) or restored (NULL) in jobdeck's own archive, whatever its row holds.
MARK_ARCHIVED = "UPDATE jobs SET archived = ?1 WHERE backend = ?2 AND job_id = ?3 AND archived IS NOT ?1"

#: The log tail of a finished job (backend, id, creation): kept with its row, the newest replacing
#: the last; nothing when the row is not there (pruned meanwhile).
KEEP_LOG_TAIL = """
INSERT INTO log_tails (job, at, text)
SELECT id, ?1, ?2 FROM jobs WHERE backend = ?3 AND job_id = ?4 AND created = ?5
ON CONFLICT (job) DO UPDATE SET at = excluded.at, text = excluded.text
"""

#: A complete listing of a backend: every job of it not gone was seen then.
LISTED = """
INSERT INTO backends (name, listed_at) VALUES (?, ?)
ON CONFLICT (name) DO UPDATE SET listed_at = max(listed_at, excluded.listed_at)
"""

#: When a job was last seen: its own record, or for a job still listed its backend's last listing.
LAST_SEEN = (
    "CASE WHEN jobs.gone_since IS NULL THEN max(jobs.last_seen, coalesce(backends.listed_at, 0))"
    " ELSE jobs.last_seen END"
)

#: The columns ``job_from_row`` reads, in its order (with ``FROM jobs LEFT JOIN backends``).
JOB_COLUMNS = (
    "jobs.backend, jobs.job_id, jobs.created, jobs.name, jobs.group_key, jobs.group_name, jobs.state, "
    "jobs.raw_state, jobs.started, jobs.ended, jobs.updated, jobs.counts, jobs.progress, jobs.error, "
    f"jobs.labels, jobs.gone_since, jobs.archived, jobs.first_seen, {LAST_SEEN}"
)


def ms(moment: datetime | None) -> int | None:
    """``moment`` as whole milliseconds since the epoch (a naive time is UTC)."""
    return None if moment is None else int(assume_utc(moment).timestamp() * 1000)


def from_ms(value: object) -> datetime | None:
    """A stored time (ms since the epoch), or None: none, or a value that is no time (the
    file is not ours alone: text, a blob, a number out of range in a damaged or hand-edited
    row is read as unknown, never as an error that stops the reader)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def job_params(
    job: Job, seen: int, entered: int | None, in_archive: frozenset[str] = frozenset()
) -> tuple[Any, ...]:
    """``job``'s row for UPSERT_JOB (and UPDATE_CHANGED_JOB), seen at ``seen`` (ms); ``entered``: when
    it entered its state (ms), if known, else the job's own time for it; ``in_archive``: the ids of
    its backend's jobs in jobdeck's archive (archived there, or in the backend: ``job.archived``)."""
    group = job.group
    counts = job.counts
    labels = job.labels
    return (
        job.ref.backend,
        job.ref.id,
        ms(job.created) or 0,
        job.name,
        group.key if group else None,
        group.name if group and group.name != group.key else None,
        job.state.value,
        job.raw_state,
        entered if entered is not None else state_entered(job, seen),
        ms(job.started),
        ms(job.ended),
        ms(job.updated),
        _counts_text(counts) if counts is not None else None,
        job.progress,
        job.error,
        _labels_text(labels) if labels else None,
        seen,
        seen,
        1 if job.archived or job.ref.id in in_archive else None,
    )


#: The text of label sets already written (they repeat from job to job), bounded.
_LABELS_TEXT: dict[tuple[tuple[str, str], ...], str] = {}
_LABELS_TEXT_MOST = 4096


def _labels_text(labels: dict[str, str]) -> str:
    """``labels`` as compact JSON (the same text each time for the same labels in the same order)."""
    key = tuple(labels.items())
    text = _LABELS_TEXT.get(key)
    if text is None:
        text = json.dumps(labels, separators=(",", ":"), ensure_ascii=False)
        if len(_LABELS_TEXT) >= _LABELS_TEXT_MOST:
            _LABELS_TEXT.clear()
        _LABELS_TEXT[key] = text
    return text


def _counts_text(counts: Counts) -> str:
    """``counts`` as the JSON list ``[total, succeeded, failed]`` (a total unknown is null)."""
    total = counts.total
    return f"[{'null' if total is None else total},{counts.succeeded},{counts.failed}]"


def state_entered(job: Job, seen: int) -> int:
    """Best guess of when ``job`` entered its state (ms): its own time for that state
    (ended, started, created), else ``seen``; never later than ``seen``."""
    when = ms(state_time(job, job.updated))
    return when if when is not None and when <= seen else seen


def job_from_row(row: sqlite3.Row | tuple[Any, ...]) -> tuple[Job, datetime, datetime]:
    """A row of JOB_COLUMNS: the job (``gone_since`` set when gone, ``archived`` when archived in its
    backend or in jobdeck's archive as last written), first and last seen."""
    (backend, job_id, created, name, group_key, group_name, state, raw_state, started, ended, updated,
     counts, progress, error, labels, gone_since, archived, first_seen, last_seen) = row  # fmt: skip
    tally = json.loads(counts) if counts else None
    job = Job(
        ref=JobRef(backend=backend, id=job_id),
        name=name,
        state=JobState.parse(state),
        raw_state=raw_state,
        created=from_ms(created) if created else None,
        started=from_ms(started),
        ended=from_ms(ended),
        updated=from_ms(updated),
        progress=progress,
        counts=Counts(total=tally[0], succeeded=tally[1], failed=tally[2]) if tally else None,
        gone_since=from_ms(gone_since),
        archived=bool(archived),
        labels=json.loads(labels) if labels else {},
        error=error,
        group=JobGroup(key=group_key, name=group_name or group_key) if group_key is not None else None,
    )
    return job, from_ms(first_seen) or datetime.min, from_ms(last_seen) or datetime.min


def event_from_row(at: int, state: str, raw_state: str | None) -> StatusEvent:
    """A stored transition: jobdeck recorded it (``observed``), at the backend's time where it gave one."""
    return StatusEvent(at=from_ms(at) or datetime.min, state=JobState.parse(state), raw_state=raw_state, observed=True)


def storable(params: Sequence[Any]) -> tuple[Any, ...]:
    """``params`` with every lone surrogate in their text replaced by U+FFFD.

    A lone surrogate (a spool file's "\ud800", a user's argument with bad bytes) cannot be
    encoded for SQLite: the whole batch would fail. It is stored as U+FFFD, as it is shown.
    """
    return tuple(replace_lone_surrogates(value) if isinstance(value, str) else value for value in params)
