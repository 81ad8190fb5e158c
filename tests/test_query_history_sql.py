"""The richer filter language over the history file (OR, parentheses, NOT, /patterns/,
started:/ended:/duration:, labels. and detail. fields) finds exactly what the live list's
filter finds: the comparison of ``test_history_view_search`` with the new forms."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import make_job
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_history_view_search import NOW, _expected, _found, reader  # noqa: F401 (reader: the fixture)

from jobdeck.clock import FrozenClock
from jobdeck.model import JobState
from jobdeck.query import parse_query
from jobdeck.store.sqlite import HistoryReader, HistoryStore


@pytest.mark.parametrize("text", [
    "train OR deploy", "state:failed OR state:canceled", "(train OR etl) state:run", "-(train OR etl)",
    "NOT backend:ray", "train OR -m-01", "(m-07 OR m-1) -(state:succeeded OR backend:ray)",
    "name:/^train-/", "name:/-1[0-9]$/ OR state:paused", "-name:/^e/", "/^ray$/", "stage:/^b/",
    "labels.machine:m-07", "labels.stage:backup OR labels.machine:m-1", "detail.x:1", "-detail.x:1",
    "duration:>29m", "duration:<=1m", "-duration:>30m", "started:<12h", "started:2026-12-06",
    "ended:today", "ended:>2026-12-05", "ended:3d OR state:running", "größe OR train", "-(größe)",
])  # (with sort: terms: test_history_view_search)
def test_a_richer_filter_finds_in_the_history_what_it_finds_in_the_live_list(reader: HistoryReader, text: str) -> None:
    assert _found(reader, text) == _expected(text)


def test_or_and_not_of_exact_terms_are_counted_exactly(reader: HistoryReader) -> None:
    for text in ("train OR deploy", "-(state:failed OR backend:ray)", "(m-07 OR nightly) since:3d", "duration:>10m"):
        search = reader.search(parse_query(text, now=NOW))
        assert search.exact, text
        assert search.count() == len(_expected(text))
    # A pattern is left to the final check: the count is at most.
    assert not reader.search(parse_query("name:/^train/ OR deploy", now=NOW)).exact


_PIECES = st.sampled_from([
    "train", "m-0", "ray", "exit", "group:arr", "state:f", "state:run,pend", "backend:ray", "name:e", "id:j00",
    "stage:a", "since:1d", "until:2d", "age:<10h", "größe", "a_b", "label:Stage=backup", "x", "name:/^[a-d]/",
    "duration:>20m", "ended:2d", "started:today", "labels.machine:m-1", "detail.k:v",
])


def _queries() -> st.SearchStrategy[str]:
    return st.recursive(
        _PIECES,
        lambda inner: st.one_of(
            st.tuples(inner, inner).map(lambda pair: f"{pair[0]} {pair[1]}"),
            st.tuples(inner, inner).map(lambda pair: f"({pair[0]} OR {pair[1]})"),
            inner.map(lambda text: f"-({text})"),
            inner.map(lambda text: f"NOT {text}"),
        ),
        max_leaves=5,
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_queries(), page=st.integers(min_value=1, max_value=25))
def test_any_tree_of_terms_finds_in_the_history_what_the_live_list_finds(
    reader: HistoryReader, text: str, page: int
) -> None:
    assert _found(reader, text, page=page) == _expected(text)


def test_a_label_is_read_in_the_history_as_the_live_list_reads_it(tmp_path: Path) -> None:
    # An empty value is no label; the key as typed comes first, else the first in any case.
    jobs = [
        make_job("empty", JobState.RUNNING, name="one", created=NOW, labels={"stage": ""}),
        make_job("both", JobState.RUNNING, name="two", created=NOW, labels={"stage": "cpu", "STAGE": "gpu"}),
        make_job("plain", JobState.RUNNING, name="three", created=NOW, labels={"stage": "gpu"}),
    ]
    store = HistoryStore(tmp_path, clock=FrozenClock(NOW))
    store.record_changes("b", NOW, added=jobs, changed=[], removed=[], transitions=[], complete=False)
    store.close()
    opened = HistoryReader(tmp_path / "history.sqlite3")
    try:
        for text in ("stage:", "-stage:", "stage:gpu", "-stage:gpu", "-STAGE:gpu", "Stage:cpu", "-(stage: OR x)"):
            query = parse_query(text, now=NOW)
            found = sorted(entry.job.ref.id for entry in opened.search(query).page(None, 10).entries)
            assert found == sorted(job.ref.id for job in query.filter(jobs)), text
    finally:
        opened.close()
