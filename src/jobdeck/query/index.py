"""Each job's lower-cased searchable text, computed once per job object (``JobIndex``)."""

from __future__ import annotations

from collections.abc import Iterable

from jobdeck.model import Job, JobState


class JobIndex:
    """Each job's lower-cased searchable text, computed once per job object.

    Keyed by the object's id; the job itself is kept alongside, so its id cannot
    be reused by another object while the entry lives. Jobs are immutable, so a
    job's text never changes: a changed job is a new object with a new entry,
    and ``discard`` (or ``retain``) drops the old one.
    """

    def __init__(self, limit: int | None = None) -> None:
        self._haystacks: dict[int, str] = {}
        self._jobs: dict[int, Job] = {}
        self._limit = limit

    def __len__(self) -> int:
        return len(self._haystacks)

    def texts(self, jobs: Iterable[Job]) -> list[str]:
        """Each job's text, in order, for ``Query.select``; every job must be indexed."""
        haystacks = self._haystacks
        return [haystacks[id(job)] for job in jobs]

    def haystack(self, job: Job) -> str:
        """Everything a free word may match, lower-cased and NUL-separated."""
        key = id(job)
        text = self._haystacks.get(key)
        if text is None:
            self.ensure((job,))
            text = self._haystacks[key]
        return text

    def ensure(self, jobs: Iterable[Job]) -> None:
        """Index every job of ``jobs`` not yet indexed."""
        haystacks = self._haystacks
        missing = [job for job in jobs if id(job) not in haystacks]
        if self._limit is not None and len(haystacks) + len(missing) > self._limit:
            # Simpler than an LRU and good enough: the caller re-indexes what it needs.
            self.clear()
            missing = list({id(job): job for job in jobs}.values())
        for job in missing:
            haystacks[id(job)] = haystack(job)
            self._jobs[id(job)] = job

    def discard(self, jobs: Iterable[Job]) -> None:
        for job in jobs:
            self._haystacks.pop(id(job), None)
            self._jobs.pop(id(job), None)

    def retain(self, jobs: Iterable[Job]) -> None:
        """Forget every job not in ``jobs``."""
        keep = {id(job) for job in jobs}
        for key in [key for key in self._haystacks if key not in keep]:
            del self._haystacks[key]
            del self._jobs[key]

    def clear(self) -> None:
        self._haystacks.clear()
        self._jobs.clear()


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
DEFAULT_INDEX = JobIndex(limit=400_000)
