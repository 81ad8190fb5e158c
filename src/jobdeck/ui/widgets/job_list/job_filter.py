"""The job list's filter on the data side, apart from drawing: which jobs of the
sorted view match the query, at a million jobs within a keystroke.

Free words and states read the view's texts as masks (``Query.mask``, kept per view in
``TextMasks``, patched through polls), matched at once atop the view while the index is
built; typing on in a word narrows the rows shown; remembered queries come back at once; a query that reads the jobs themselves (a /pattern/, ``name:``…) over a
long view is left to another thread (``background_work``, ``adopt_filtered``).

No Textual here, so it is tested without an app; the row store decides when a
diff is patched rather than re-sorted, and the list when the index is built
(between frames) and when a filter runs in a thread (``filter_worker``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from itertools import compress
from typing import Any

from jobdeck.model import Job
from jobdeck.query import EMPTY_QUERY, Query, index_jobs, job_text, job_texts
from jobdeck.query.masks import TextMasks
from jobdeck.ui.widgets.job_list.row_splicing import memoized, patched_keyed, spliced, locate

__all__ = ["JobFilter", "locate", "select_in_chunks"]

#: How many recent filters' rows are kept for going back to them (backspace).
_FILTERS_KEPT = 16
#: From this many jobs in the view, a query with a /pattern/ runs in another thread
#: (``background_work``): at 100,000 jobs one can take seconds, and keys must keep working.
PATTERN_IN_BACKGROUND_FROM = 10_000
#: From this many, any query that reads more than the jobs' texts (``name:``, a label, a
#: time term: about 0.1-0.3 us a job, where a free word's mask costs a few tens of ns).
FILTER_IN_BACKGROUND_FROM = 100_000
#: Jobs filtered between two looks at whether the result is still wanted.
_CHUNK = 2_000
#: While another thread builds the index, free words and states match at once among this
#: many jobs atop the view (texts read, or made here: ~20 ms); the rest once it comes.
HEAD_WHILE_INDEXING = 20_000


class _Masked:
    """The texts of ``base`` a mask keeps, taken only when asked for (``JobFilter._texts``):
    most filters' rows are never narrowed or patched, and a million texts cost a pass."""

    __slots__ = ("base", "mask")

    def __init__(self, base: list[str], mask: bytes) -> None:
        self.base = base
        self.mask = mask


#: A list of jobs' texts, in its order: known, to be taken from a mask, or not known.
Texts = list[str] | _Masked | None


class JobFilter:
    """A sorted view of jobs and its ``rows``: the jobs that match ``query``.

    Each job's indexed text is kept beside both lists, in the same order: a
    filter reads these packed strings, not the jobs (visiting 100,000 scattered
    objects costs more). The texts are None until the index is complete: built
    in slices by ``index_slice``, or in another thread and handed over by
    ``adopt_index`` (a filter meanwhile waits for it: ``waiting``), or at once by
    the first filter that needs it; from then on ``update_index`` keeps it complete.

    ``sorted`` and ``rows`` are read-only by convention; the lists are replaced,
    never changed in place, so a caller may compare them by identity.
    """

    def __init__(self, all_jobs: Callable[[], Iterable[Job]]) -> None:
        # Every job, in any view: what a complete index holds.
        self._all_jobs = all_jobs
        self.sorted: list[Job] = []
        self.rows: list[Job] = []
        self.query: Query = EMPTY_QUERY
        self._sorted_texts: list[str] | None = None
        self._rows_texts: Texts = None
        # Rows (and texts) of recent queries over the current sorted view, so backspacing
        # back to an earlier filter costs nothing. Emptied whenever the sorted view changes.
        self._filtered: dict[tuple[object, ...], tuple[list[Job], Texts]] = {}
        self._index_complete = False
        # The jobs being indexed in slices (a new reset starts over).
        self._indexing: list[Job] | None = None
        # Each sorted job's sort key, beside it, once a patch needed them (for the key
        # function ``_keys_for``): a patch then bisects a list of keys at C speed instead of
        # calling the key function on every job it meets (most of a 100,000-job poll's patch).
        self._sorted_keys: list[Any] | None = None
        self._keys_for: Callable[[Job], Any] | None = None
        # The jobs being indexed in another thread, and whether any changed meanwhile.
        self._building: list[Job] | None = None
        self._changed_while_building = False
        #: Whether the rows are the whole view because the query waits for the index, or for
        #: its rows filtered in another thread (``filtering``).
        self.waiting = False
        # The number of the filter run in another thread and wanted now (None: none is), the
        # view and texts it reads, and the patches made meanwhile (replayed on its rows as it lands).
        self._pending: int | None = None
        self._runs = 0
        # The masks of words and states made over the sorted view's texts (``Query.mask``).
        self._masks = TextMasks([])
        self._filtering_view: list[Job] = []
        self._filtering_query = EMPTY_QUERY
        self._pending_texts: list[str] = []
        self._patched_while_filtering: list[tuple[list[Job], list[Job], Callable[[Job], Any]]] = []

    @property
    def filtering(self) -> bool:
        """Whether the query's rows are being filtered in another thread (the rows are the
        whole view until they land: ``adopt_filtered``)."""
        return self._pending is not None

    def background_work(self) -> tuple[int, Query, list[Job], list[str]] | None:
        """What the filtering thread reads, or None when no filter waits for one: the run's
        number (for ``is_wanted`` and ``adopt_filtered``), the query, the sorted view and its
        texts. The lists are never changed in place, so the thread may read them meanwhile."""
        if self._pending is None:
            return None
        return self._pending, self._filtering_query, self._filtering_view, self._pending_texts

    def is_wanted(self, run: int) -> bool:
        """Whether the filter run ``run`` is still the one wanted (safe from any thread)."""
        return self._pending == run

    def adopt_filtered(self, run: int, positions: list[int]) -> bool:
        """Take the rows the filter run ``run`` found (``positions`` in the view it was given),
        with the patches made meanwhile; False, and nothing changes, when it is stale: the
        query, the view or the sort changed since (a newer run or result is wanted)."""
        if self._pending != run:
            return False
        view, texts = self._filtering_view, self._pending_texts
        patches, self._patched_while_filtering = self._patched_while_filtering, []
        self._pending, self.waiting = None, False
        rows: list[Job] = [view[i] for i in positions]
        # (Texts of jobs come and gone meanwhile are no longer indexed: the rows' texts are
        # then taken from the index when needed.)
        row_texts: list[str] | None = [texts[i] for i in positions] if not patches else None
        for gone, arriving, key in patches:
            matching = [arriving[i] for i in self.query.select(arriving, job_texts(arriving))]
            rows, row_texts = self._patched(rows, row_texts, gone, matching, key)
        self.rows, self._rows_texts = self._remember(self.query.key, (rows, row_texts))
        return True

    @property
    def ready(self) -> bool:
        """Whether a filter runs at once: every job's text is indexed."""
        return self._index_complete

    def reset(self, jobs: list[Job], *, in_slices: bool = False, in_background: bool = False) -> None:
        """Every job was replaced by ``jobs``: the index is incomplete again (texts of
        jobs still held stay). With ``in_slices``, ``index_slice`` builds it for ``jobs``.
        Call ``set_sorted`` next."""
        self._index_complete = False
        self._indexing = jobs if in_slices else None
        self._building = jobs if in_background else None
        self._changed_while_building = False

    def update_index(self, fresh: Iterable[Job]) -> None:
        """New jobs (or new versions) arrived: index them now if the index is complete
        (completing it will otherwise; the texts of jobs let go went with them)."""
        if self._index_complete:
            index_jobs(fresh)
        else:
            self._changed_while_building = True

    def adopt_index(self, jobs: list[Job], sorted_view: list[Job], sorted_texts: list[str]) -> bool:
        """Take the index another thread built for ``jobs`` (given to ``reset``), with the
        texts of ``sorted_view``; False when it is of no use (the jobs were replaced, or a
        filter completed the index meanwhile). A query waiting for it is applied."""
        if self._index_complete or self._building is not jobs:
            return False
        self._building = None
        self._indexing = None
        if self._changed_while_building:
            # Diffs arrived meanwhile: index the new versions.
            index_jobs(self._all_jobs())
        self._index_complete = True
        if self.sorted is sorted_view and not self._changed_while_building:
            self._sorted_texts = sorted_texts
        else:
            self._sorted_texts = job_texts(self.sorted)
        self._filtered.clear()
        self._refilter()
        return True

    def set_sorted(self, jobs: list[Job], keys: list[Any] | None = None, *, keys_for: Callable[[Job], Any] | None = None) -> None:
        """A new sorted view (of a new sort, view or set of jobs): filter it afresh. ``keys``:
        each job's key by ``keys_for``, where the sort kept them (a patch bisects them)."""
        self.sorted = jobs
        self._sorted_texts = job_texts(jobs) if self._index_complete else None
        self._sorted_keys, self._keys_for = (keys, keys_for) if keys is not None else (None, None)
        self._filtered.clear()
        self._refilter()

    def set_query(self, query: Query) -> None:
        """Filter by ``query``: from the remembered rows when it was used lately, from the
        rows shown when it only narrows them, else from the whole sorted view."""
        previous = self.query
        self.query = query
        if (
            query.key not in self._filtered and _narrows(previous, query) and self.rows is not self.sorted
            and not self.waiting and not self._most_of_the_view_masked()
        ):
            # Typing on in a free word only narrows: filter what is shown, not every job.
            self.rows, self._rows_texts = self._remember(query.key, self._filter(self.rows, _texts(self._rows_texts)))
            return
        if query.key not in self._filtered and _widens(previous, query) and self.rows is self.sorted and not self.waiting:
            # A negated word typed on lets through what it did and more: every job still.
            self._remember(query.key, (self.rows, self._rows_texts))
            return
        self._refilter()

    def patch(self, gone: list[Job], arriving: list[Job], key: Callable[[Job], Any]) -> None:
        """Take ``gone`` out of the sorted view and the rows, and put ``arriving`` (jobs of
        this view, in any order) in sorted place by ``key``, instead of re-sorting."""
        self._filtered.clear()
        if self._sorted_keys is None or self._keys_for is not key or len(self._sorted_keys) != len(self.sorted):
            self._sorted_keys, self._keys_for = [key(job) for job in self.sorted], key
        patched = patched_keyed(self.sorted, self._sorted_texts, self._sorted_keys, gone, arriving, key)
        if self._sorted_texts is not None and self._masks.texts is self._sorted_texts and patched.texts is not None:
            # The view's masks patched alike: a state: term after a poll makes no column again.
            self._masks = self._masks.patched(patched.texts, patched.dropped, patched.inserted_texts)
        self.sorted, self._sorted_texts, self._sorted_keys = patched.jobs, patched.texts, patched.keys
        if self.query.is_empty or self.waiting:
            self.rows, self._rows_texts = self.sorted, self._sorted_texts
            if self._pending is not None:
                self._patched_while_filtering.append((gone, arriving, key))
            elif self.waiting:
                self.rows, self._rows_texts = self._head_matches(), None
        else:
            matching = self._filter(arriving, None)[0]  # completes the index if need be
            self.rows, self._rows_texts = self._patched(self.rows, _texts(self._rows_texts), gone, matching, key)

    def index_slice(self, jobs: list[Job], start: int, size: int) -> int | None:
        """Index ``size`` jobs of ``jobs`` (given to ``reset``) from ``start``. Returns
        where the next slice starts, or None when nothing is left to do: this slice
        completed the index, a filter did meanwhile, or the jobs were replaced."""
        if self._index_complete or self._indexing is not jobs:
            return None
        end = start + size
        index_jobs(jobs[start:end])
        if end < len(jobs):
            return end
        # Jobs that changed meanwhile were indexed as they arrived, or are now.
        self._indexing = None
        self._complete_index()
        self._sorted_texts = job_texts(self.sorted)
        if self.rows is self.sorted:
            self._rows_texts = self._sorted_texts
            self._filtered[self.query.key] = (self.rows, self._rows_texts)
        return None

    def _refilter(self) -> None:
        found = self._filtered.get(self.query.key)
        if found is None and self._pending is not None and self._filtering_query.key == self.query.key:
            if self._filtering_view is self.sorted:
                return  # the run under way finds these rows (the same filter, written differently)
        self._pending = None
        if found is None:
            if self._sorted_texts is None and self._building is not None and not self.query.is_empty:
                # The index is on its way from another thread: the top of the view until it comes.
                self.waiting = True
                self.rows, self._rows_texts = self._head_matches(), None
                return
            if self._slow(self.query):
                self._filter_in_background()
                return
            found = self._remember(self.query.key, self._filter(self.sorted, self._sorted_texts))
        self.waiting = False
        self.rows, self._rows_texts = found

    def _head_matches(self) -> list[Job]:
        """While the index is on its way: the jobs a query of free words and states matches among
        the view's top ``HEAD_WHILE_INDEXING`` (what a user looks at first); else the whole view."""
        head = self.sorted[:HEAD_WHILE_INDEXING]
        mask = self.query.mask(job_texts(head)) if self.query.text_only else None
        return self.sorted if mask is None else list(compress(head, mask))

    def _slow(self, query: Query) -> bool:
        """Whether ``query`` over the sorted view is left to another thread."""
        if query.text_only:
            return False
        return len(self.sorted) >= (PATTERN_IN_BACKGROUND_FROM if query.has_pattern else FILTER_IN_BACKGROUND_FROM)

    def _filter_in_background(self) -> None:
        """The whole view until another thread has filtered it (``background_work``)."""
        if self._sorted_texts is None:
            self._complete_index()
            self._sorted_texts = job_texts(self.sorted)
        self._runs += 1
        self._pending = self._runs
        self._filtering_view, self._pending_texts, self._filtering_query = self.sorted, self._sorted_texts, self.query
        self._patched_while_filtering = []
        self.waiting = True
        self.rows, self._rows_texts = self.sorted, self._sorted_texts

    def _most_of_the_view_masked(self) -> bool:
        """Whether the rows are most of the view, taken from it by a mask: filtering the
        view's texts by masks (kept for the next query: -st after st) then costs no more
        than taking the rows' texts to filter them."""
        texts = self._rows_texts
        return isinstance(texts, _Masked) and texts.base is self._sorted_texts and len(self.rows) * 4 > len(self.sorted)

    def _remember(self, key: tuple[object, ...], found: tuple[list[Job], Texts]) -> tuple[list[Job], Texts]:
        if len(self._filtered) >= _FILTERS_KEPT:
            del self._filtered[next(iter(self._filtered))]
        self._filtered[key] = found
        return found

    def _filter(self, jobs: list[Job], texts: list[str] | None) -> tuple[list[Job], Texts]:
        """The jobs of ``jobs`` (with their ``texts``) that match the query."""
        query = self.query
        if query.is_empty:
            return jobs, texts
        if texts is None:
            self._complete_index()
            texts = job_texts(jobs)
            if jobs is self.sorted:
                self._sorted_texts = texts
        if texts is self._sorted_texts and self._masks.texts is not texts:
            self._masks = TextMasks(texts)
        mask = query.mask(texts, self._masks)
        if mask is not None:
            # Free words and states: the texts are read and the rows taken at C speed.
            found = mask.count(1)
            if found == len(jobs):
                return jobs, texts
            return (list(compress(jobs, mask)), _Masked(texts, mask)) if found else ([], [])
        positions = query.select(jobs, texts)
        if len(positions) == len(jobs):
            return jobs, texts  # all of them: the first letters of a word often match everything
        return [jobs[i] for i in positions], [texts[i] for i in positions]

    def _complete_index(self) -> None:
        if not self._index_complete:
            index_jobs(self._all_jobs())
            self._index_complete = True

    def _patched(
        self, jobs: list[Job], texts: list[str] | None, gone: list[Job], arriving: list[Job], key: Any
    ) -> tuple[list[Job], list[str] | None]:
        """New ``jobs`` without ``gone`` and with ``arriving`` in sorted place, and new
        ``texts`` beside them (None stays None: not known).

        Each place is found by bisecting ``jobs``; the new lists are then copied in one
        pass, slice by slice: deleting and inserting one by one would move the whole
        tail of the list each time (a hundred changes in 10,000 jobs moved 16 MB)."""
        key = memoized(key)  # the bisections of one patch meet the same middle jobs
        dropped = sorted(position for position in (locate(jobs, job, key) for job in gone) if position is not None)
        # Sequential inserts put a job after those with an equal key, earlier arrivals
        # included: sorting by (place, key, arrival) gives that order at once.
        keyed = [(key(job), order, job) for order, job in enumerate(arriving)]
        placed = sorted((bisect_right(jobs, job_key, key=key), job_key, order, job) for job_key, order, job in keyed)
        places = [(place, job) for place, _, _, job in placed]
        new_jobs = spliced(jobs, dropped, places)
        if texts is None:
            return new_jobs, None
        return new_jobs, spliced(texts, dropped, [(place, job_text(job)) for place, job in places])


def select_in_chunks(query: Query, jobs: list[Job], texts: list[str], wanted: Callable[[], bool]) -> list[int] | None:
    """``query.select`` a chunk at a time, for another thread: None as soon as ``wanted``
    says the result is no longer (a key typed meanwhile), so stale work stops early."""
    found: list[int] = []
    for start in range(0, len(jobs), _CHUNK):
        if not wanted():
            return None
        end = start + _CHUNK
        found.extend(start + position for position in query.select(jobs[start:end], texts[start:end]))
    return found if wanted() else None


def _texts(texts: Texts) -> list[str] | None:
    """The texts themselves (taken from their mask the first time they are needed)."""
    return list(compress(texts.base, texts.mask)) if isinstance(texts, _Masked) else texts


def _widens(old: Query, new: Query) -> bool:
    """Whether every job ``old`` matches is sure to match ``new``: both are plain free
    words side by side, the same but for the last, negated in both, which ``new`` lengthens
    (-st, then -sta: a job without "st" has no "sta")."""
    if old.is_empty or len(new.terms) != len(old.terms) or not (old.is_conjunction and new.is_conjunction):
        return False
    if any(term.key is not None or term.pattern for term in (*old.terms, *new.terms)):
        return False
    *kept, last = old.terms
    newest = new.terms[-1]
    if list(new.terms[:-1]) != kept or not (last.negated and newest.negated):
        return False
    return last.value.lower() in newest.value.lower()


def _narrows(old: Query, new: Query) -> bool:
    """Whether every job ``new`` matches is sure to match ``old``: both are plain
    free words side by side (no keys, no negation, no OR) and ``new`` only lengthens or adds words."""
    if old.is_empty or len(new.terms) < len(old.terms) or not (old.is_conjunction and new.is_conjunction):
        return False
    if any(term.key is not None or term.negated or term.pattern for term in (*old.terms, *new.terms)):
        return False
    *kept, last = old.terms
    if list(new.terms[: len(kept)]) != kept:
        return False
    return last.value.lower() in new.terms[len(kept)].value.lower()
