"""The job filter language and job sorting. Pure Python, below the deck: the job
list reads a query and sorts with it, and so do the CLI (``jobdeck ls``, ``history``)
and the history store (``store.sqlite.history_query`` says it in SQL).

Query syntax (terms side by side must all match; matching is case-insensitive)::

    build                 a free word: in the name, id, backend, state, raw state or a label value
    "nightly build"       a quoted phrase, matched like a free word
    state:failed          the normalized state; a prefix works (state:fail), several with commas
    state:failed,running  either of them; also state:active (pending, running, paused), state:done
    backend:local         the backend name contains "local"
    name:foo  id:42       the name / id contains the text
    name:/^etl-/          a pattern (Python's re, case-insensitive): also id:, backend:, group:,
                          a label's value and a free /pattern/ (in any one field)
    label:machine=m1      label ``machine`` contains "m1"; ``label:machine`` = has that label
    labels.machine:m1     the same; any other ``key:value`` (machine:m1) is a label term too
    detail.reason.type:x  a field of the backend's own detail (the live list only)
    group:translate       the job's group (a Julep task, a Slurm array …): its name or key contains the text
    since:2d  until:2026-12-01  age:<1h  started:today  ended:<1h  duration:>10m
                          time terms (``jobdeck.time_terms``)
    a OR b                either (OR in capitals; ``or`` is a word); AND may be written too
    (a OR b) c            parentheses group
    -state:succeeded      a leading "-" negates a term or a group -(…); NOT too; -"a phrase"
    sort:name  sort:-duration
                          the list's order for the whole filter; "-" reverses it

``parse_query`` compiles the text once; filtering is then cheap because each
job's lower-cased text is computed once per job object (``index.job_text``).
"""

from __future__ import annotations

from jobdeck.query.errors import QueryError
from jobdeck.query.evaluation import EMPTY_QUERY, Query, parse_query
from jobdeck.query.index import index_jobs, job_text, job_texts
from jobdeck.query.parser import All, Either, Node, Not
from jobdeck.query.sort import SORT_KEYS, STATE_RANK, is_sort, last_activity, parse_sort, sort_jobs, sort_key, sorted_with_keys
from jobdeck.query.terms import Leaf, Term, label_of, parse_states

__all__ = [
    "EMPTY_QUERY",
    "SORT_KEYS",
    "STATE_RANK",
    "All",
    "Either",
    "Leaf",
    "Node",
    "Not",
    "Query",
    "QueryError",
    "Term",
    "index_jobs",
    "is_sort",
    "job_text",
    "job_texts",
    "label_of",
    "last_activity",
    "parse_query",
    "parse_sort",
    "parse_states",
    "sort_jobs",
    "sort_key",
    "sorted_with_keys",
]
