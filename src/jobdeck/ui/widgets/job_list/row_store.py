"""The job list's rows on the data side, apart from drawing: every job, the view sorted, the rows shown.

No Textual here. The data flows in three stages, each kept until something it
depends on changes::

    all jobs (by ref) ──view + sort──▶ sorted view ──query──▶ rows (what is drawn)

A query change only re-filters; a sort or view change re-sorts; a small diff
patches both lists in place with ``bisect``. The filtering (its index,
remembered queries, patches) is ``JobFilter``'s.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any

from jobdeck.model import Job, JobRef
from jobdeck.query import Query, sort_key, sorted_with_keys
from jobdeck.ui.widgets.job_list.job_filter import JobFilter, locate

#: Changes beyond this share of the view are applied by re-sorting everything.
_PATCH_LIMIT = 0.1
#: Jobs mapped by ref in one step in another thread (``map_in_thread``): the UI's thread
#: has the interpreter between steps (one call over a million jobs would hold it ~0.25 s).
_MAP_STEP = 20_000

_REF = attrgetter("ref")


class RowStore:
    """Every job, the jobs of the current view sorted, and ``rows``: those the query lets through.

    ``rows`` and ``sorted`` are replaced, never changed in place (see ``JobFilter``).
    """

    def __init__(self) -> None:
        # Every job. Kept as the given list until something needs the jobs by
        # ref (a diff, a job chosen by ref): building that map costs more than a first paint.
        self._given: list[Job] = []
        self._by_ref_map: dict[JobRef, Job] | None = {}
        self._views_have_duplicates = False
        # Held while that map is built (by ``map_in_thread``, or by the UI's thread on need).
        self._mapping = threading.Lock()
        # The sorted view and the rows drawn, with what filtering them needs.
        self._filter = JobFilter(self._all_jobs)
        # What the sorted view holds and how it is sorted (``resort``).
        self._archived = False
        self._sort = "recent"
        self._sort_now: datetime | None = None
        self._key: Callable[[Job], Any] = sort_key(self._sort)

    @property
    def rows(self) -> list[Job]:
        """The jobs shown: the sorted view as filtered."""
        return self._filter.rows

    @property
    def sorted(self) -> list[Job]:
        """The jobs of the current view, sorted, before filtering."""
        return self._filter.sorted

    @property
    def archived(self) -> bool:
        """Whether the view holds the archived jobs (else the others)."""
        return self._archived

    @property
    def query(self) -> Query:
        """The query the rows match (the last good one)."""
        return self._filter.query

    @property
    def job_count(self) -> int:
        """Every job known, in any view."""
        return len(self._given) if self._by_ref_map is None else len(self._by_ref_map)

    @property
    def filter_ready(self) -> bool:
        """Whether a filter runs at once: every job's text is indexed."""
        return self._filter.ready

    def every_job(self) -> Collection[Job]:
        """Every job known, in any view, each at its latest version (not a copy: read it
        before the next change). Builds no map by ref, so reading it costs no first frame."""
        return self._all_jobs()

    def set_jobs(self, jobs: list[Job], *, in_slices: bool = False, in_background: bool = False) -> None:
        """Replace every job by ``jobs`` (kept, not copied). With ``in_slices``, the filter
        index is built by ``index_slice`` calls; ``in_background``, by another thread that
        hands it to ``adopt_index`` (a query waits for it). Call ``resort`` next."""
        self._given = jobs  # (a thread mapping the jobs given before stops at its next step)
        with self._mapping:
            self._by_ref_map = None
        self._filter.reset(jobs, in_slices=in_slices, in_background=in_background)

    def map_in_thread(self, jobs: list[Job]) -> bool:
        """Map ``jobs`` (given to ``set_jobs``) by ref, in the calling thread (not the UI's),
        so the first diff after a first frame of a million jobs finds the map made (~0.25 s
        of work; the UI's thread would otherwise make it then, or wait here for the rest of
        it). Nothing when they were replaced or mapped meanwhile. Returns whether a ref is
        in them twice: the views still hold both until ``resort`` is called."""
        with self._mapping:
            if self._given is not jobs or self._by_ref_map is not None:
                return False
            by_ref: dict[JobRef, Job] = {}
            for start in range(0, len(jobs), _MAP_STEP):
                if self._given is not jobs:
                    return False
                part = jobs[start : start + _MAP_STEP]
                by_ref.update(zip(map(_REF, part), part))
            twice = len(by_ref) != len(jobs)
            self._by_ref_map = by_ref
            # (After the map: a resort meanwhile on the UI's thread read the jobs given, and
            # then says afresh that the views hold no duplicate, or it read the map.)
            self._views_have_duplicates = twice
            return twice

    @property
    def job_filter(self) -> JobFilter:
        """The filter of the rows (what it runs in another thread: ``filter_worker``)."""
        return self._filter

    @property
    def filter_waiting(self) -> bool:
        """Whether the rows are the whole view, the query waiting for the filter index."""
        return self._filter.waiting

    def adopt_index(self, jobs: list[Job], sorted_view: list[Job], sorted_texts: list[str]) -> bool:
        """Take the filter index built in another thread for ``jobs`` (see ``JobFilter``)."""
        return self._filter.adopt_index(jobs, sorted_view, sorted_texts)

    def resort(self, *, archived: bool, sort: str, now: datetime | None) -> None:
        """Sort the view afresh: the archived jobs or the others, by ``sort`` (one of
        ``SORT_KEYS``) measured at ``now``; then filter it."""
        self._views_have_duplicates = False
        in_view = [job for job in self._all_jobs() if job.archived is archived]
        self._archived, self._sort, self._sort_now = archived, sort, now
        # Sorted by the key a later poll's patch bisects with, each job's key kept for it.
        self._key = sort_key(sort, now)
        self._filter.set_sorted(*sorted_with_keys(in_view, self._key), keys_for=self._key)

    def apply_changes(
        self, added: Sequence[Job], changed: Sequence[Job], removed: Sequence[JobRef], *, now: datetime | None
    ) -> list[Job] | None:
        """Apply a diff: patched in place when it is small, else the view is re-sorted
        (as of ``now``). Returns the jobs that arrived (new, or new versions), or None
        when nothing changed."""
        by_ref = self._by_ref
        replaced: list[Job] = []
        fresh: list[Job] = []
        for job in (*added, *changed):
            old = by_ref.get(job.ref)
            if old is job:
                continue
            if old is not None:
                replaced.append(old)
            by_ref[job.ref] = job
            fresh.append(job)
        for ref in removed:
            old = by_ref.pop(ref, None)
            if old is not None:
                replaced.append(old)
        if not replaced and not fresh:
            return None
        self._filter.update_index(fresh)
        if self._views_have_duplicates or len(replaced) + len(fresh) > max(64, _PATCH_LIMIT * len(self.sorted)):
            self.resort(archived=self._archived, sort=self._sort, now=now)
        else:
            archived = self._archived
            # Only the version kept arrives: a job the diff holds twice (a first listing may list
            # an id twice) or removes again would otherwise stay as a row of its own.
            arriving = [job for job in fresh if job.archived is archived and by_ref.get(job.ref) is job]
            self._filter.patch(replaced, arriving, self._key)
        return fresh

    def set_query(self, query: Query) -> None:
        """Filter the sorted view by ``query``."""
        self._filter.set_query(query)

    def index_slice(self, jobs: list[Job], start: int, size: int) -> int | None:
        """Index ``size`` of ``jobs`` (given to ``set_jobs``) from ``start`` for filtering;
        where the next slice starts, or None when nothing is left to do."""
        return self._filter.index_slice(jobs, start, size)

    def position_of_ref(self, ref: JobRef, held: Job | None = None) -> int | None:
        """Where the job with ``ref`` is in the rows, or None (unknown, or filtered out).
        ``held``: a version of that job the caller holds, tried first."""
        if self._by_ref_map is None and held is not None and held.ref == ref:
            return self.position_of(held)  # no diff since: the object is still the current version
        job = self._by_ref.get(ref)
        return None if job is None else self.position_of(job)

    def position_of(self, job: Job) -> int | None:
        """Where ``job`` (this very object) is in the rows."""
        return locate(self.rows, job, self._key)

    @property
    def _by_ref(self) -> dict[JobRef, Job]:
        """Every job by ref, built on first need. With duplicate refs the last wins. (On the
        UI's thread, as ``set_jobs``: the jobs given are let go once mapped, else a diff's
        callers would keep every job's first version alive with them.)"""
        by_ref = self._by_ref_map
        if by_ref is None:
            with self._mapping:  # (a thread mapping them now is waited for: its work is not lost)
                by_ref = self._by_ref_map
                if by_ref is None:
                    by_ref = self._by_ref_map = {job.ref: job for job in self._given}
                    # Duplicate refs in set_jobs: the views still hold them until re-sorted.
                    self._views_have_duplicates = len(by_ref) != len(self._given)
        # (A map is made by now: no thread maps these jobs any more, and one given them
        # later finds them mapped.)
        self._given = []
        return by_ref

    def _all_jobs(self) -> Collection[Job]:
        by_ref = self._by_ref_map
        return self._given if by_ref is None else by_ref.values()
