"""Each job's lower-cased searchable text, computed once per job object and kept with the
job (``Job.search_text``): ``job_text``, ``job_texts``, ``index_jobs``.

Jobs are immutable, so a job's text never changes: a changed job is a new object, whose
text is computed when first asked; one let go takes its text with it."""

from __future__ import annotations

from collections.abc import Iterable

from jobdeck.model import Job, JobState

#: Sets a job's kept text (a slot of its own: Job refuses every other change).
_KEEP_TEXT = Job.search_text.__set__  # type: ignore[attr-defined]


def job_text(job: Job) -> str:
    """The job's kept text (``haystack``), computed and kept on first need."""
    text = job.search_text
    if text is None:
        text = haystack(job)
        _KEEP_TEXT(job, text)
    return text


def job_texts(jobs: Iterable[Job]) -> list[str]:
    """Each job's kept text, in order, for ``Query.select`` and ``Query.mask``."""
    return [job.search_text or job_text(job) for job in jobs]


def index_jobs(jobs: Iterable[Job]) -> None:
    """Compute and keep the text of every job of ``jobs`` that has none yet."""
    for job in jobs:
        if job.search_text is None:
            _KEEP_TEXT(job, haystack(job))


#: The character each indexed text starts with: its job's state, one control character a
#: state (\x01 to \x07), which no typed word contains. A state term tests it (no job object
#: touched), and a list of texts' states are read at C speed (``masks.TextMasks.states``).
STATE_MARKS: dict[JobState, str] = {state: chr(1 + number) for number, state in enumerate(JobState)}
# Each state's mark and name (an enum's ``.value`` is a slow property, read once per job here).
_STATE_STARTS = {state: STATE_MARKS[state] + state.value for state in JobState}


def haystack(job: Job) -> str:
    """The job's searchable text: its state's mark (``STATE_MARKS``) then its state, name,
    id, backend, raw state and label values, lower-cased, NUL-separated."""
    ref = job.ref
    # The separator keeps a word from matching across two fields. (Built in one call: a
    # million of them make the filter index, in a thread that shares the UI's interpreter.)
    try:
        return "\x00".join(
            (_STATE_STARTS[job.state], job.name, ref.id, ref.backend, job.raw_state or "", *job.labels.values())
        ).lower()
    except TypeError:  # a label's value that is not text
        parts = [_STATE_STARTS[job.state], job.name, ref.id, ref.backend, job.raw_state or ""]
        parts.extend(str(value) for value in job.labels.values())
        return "\x00".join(parts).lower()
