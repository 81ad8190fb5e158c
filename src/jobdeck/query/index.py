"""Each job's lower-cased searchable text, computed once per job object (``JobIndex``)."""

from __future__ import annotations

from collections.abc import Iterable

from jobdeck.model import Job, JobState


class JobIndex:
    """Each job's lower-cased searchable text, computed once per job object and kept with
    the job (``Job.search_text``). Jobs are immutable, so a job's text never changes: a
    changed job is a new object, whose text is computed when first asked; one let go takes
    its text with it. Any index sees the texts any other computed (they are the same)."""

    def texts(self, jobs: Iterable[Job]) -> list[str]:
        """Each job's text, in order, for ``Query.select``."""
        return [job.search_text or _kept(job) for job in jobs]

    def haystack(self, job: Job) -> str:
        """Everything a free word may match, lower-cased and NUL-separated."""
        return job.search_text or _kept(job)

    def ensure(self, jobs: Iterable[Job]) -> None:
        """Index every job of ``jobs`` not yet indexed."""
        for job in jobs:
            if job.search_text is None:
                _kept(job)


#: Sets a job's kept text (a slot of its own: Job refuses every other change).
_KEEP_TEXT = Job.search_text.__set__  # type: ignore[attr-defined]


def _kept(job: Job) -> str:
    text = haystack(job)
    _KEEP_TEXT(job, text)
    return text


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


#: Used when a caller does not keep its own index.
DEFAULT_INDEX = JobIndex()
