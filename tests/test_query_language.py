"""The filter language beyond plain terms: OR, parentheses, NOT, /patterns/, fields of
labels and detail, started:/ended:/duration:, sort:, and errors that say where."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fakes import make_job
from hypothesis import given, settings
from hypothesis import strategies as st

from jobdeck.model import Job, JobState
from jobdeck.query import QueryError, parse_query, sort_jobs

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _job(job_id: str, state: JobState, name: str, **fields: object) -> Job:
    return make_job(job_id, state, name=name, **fields)


JOBS = [
    _job("a", JobState.FAILED, "etl-nightly", started=NOW - timedelta(hours=2), ended=NOW - timedelta(hours=1),
         labels={"partition": "gpu"}, detail={"reason": {"type": "OOMKilled"}, "exit": 137}),
    _job("b", JobState.CANCELED, "train", started=NOW - timedelta(minutes=5), labels={"partition": "cpu"}),
    _job("c", JobState.RUNNING, "etl-x", started=NOW - timedelta(minutes=30), detail={"reason": None}),
    _job("d", JobState.SUCCEEDED, "zeta-etl", started=NOW - timedelta(days=2), ended=NOW - timedelta(days=1, hours=23)),
    _job("e", JobState.PENDING, "queued one"),
]


def ids(text: str, jobs: list[Job] = JOBS) -> list[str]:
    return [job.ref.id for job in parse_query(text, now=NOW, zone=UTC).filter(jobs)]


def test_or_keeps_the_jobs_either_side_matches() -> None:
    assert ids("state:failed OR state:canceled") == ["a", "b"]
    assert ids("state:failed,canceled") == ["a", "b"]
    assert ids("train OR zeta OR queued") == ["b", "d", "e"]
    # In lower case it is a word like any other.
    assert ids("train or zeta") == []


def test_terms_side_by_side_bind_tighter_than_or_and_parentheses_group() -> None:
    assert ids("etl state:running OR train") == ["b", "c"]
    assert ids("etl (state:running OR state:succeeded)") == ["c", "d"]
    assert ids("etl AND state:failed") == ["a"]


def test_not_and_a_dash_negate_a_term_or_a_group() -> None:
    assert ids("-etl") == ["b", "e"]
    assert ids("NOT etl") == ["b", "e"]
    assert ids("-(etl OR train)") == ["e"]
    assert ids("NOT NOT train") == ["b"]
    assert ids("etl -(state:failed OR state:running)") == ["d"]


def test_a_pattern_matches_a_field_from_its_start_and_ignores_case() -> None:
    assert ids("name:/^etl-/") == ["a", "c"]
    assert ids("name:/ETL$/") == ["d"]
    assert ids("/^zeta/") == ["d"]  # a free pattern: in any one field
    assert ids("partition:/^g/") == ["a"]
    assert ids("name:/queued one/") == ["e"]  # a pattern may hold spaces
    # A slash inside a word is no pattern.
    assert ids("/var/log") == []


def test_patterns_that_cannot_run_away_are_taken() -> None:
    for text in ("name:/^etl-\\d+-[a-z]+$/", "name:/(nightly|weekly)+/", "name:/x(?:y|z){2}/", "/a|b|c/"):
        parse_query(text, now=NOW)
    # Two repeats parted by a given letter, and a one-letter option, are taken too.
    for text in ("/.*e.*q/", "/https?:\\/\\/.*/", "name:/\\w+ \\w+/", "/colou?r/"):
        parse_query(text, now=NOW)


@pytest.mark.parametrize(("text", "message"), [
    # Each took from seconds to over a minute on 100,000 jobs of 50-letter names (or on one
    # 256-letter field), and passed the guard before.
    ("/.*.*x/", "two repeats side by side"),
    ("/\\w*\\w*q/", "two repeats side by side"),
    ("/(.*)(\\w+)q/", "two repeats side by side"),  # through groups
    ("/[a-z].*[a-z].*q/", "two repeats side by side"),  # a class between parts nothing
    ("/a*a*a*a*a*a*a*a*x/", "more than 2 repeats"),  # one-letter repeats count
    ("/a{0,100}a{0,100}a{0,100}x/", "more than 2 repeats"),
    ("/a?a?a?a?a?a?a?a?a?a?aaaaaaaaaa/", "more than 2 repeats"),
    ("/(.*)\\1x/", "back-reference"),
    ("/(.*)(.*)\\2\\1x/", "back-reference"),
    ("/(a)?(?(1)a|b)x/", "back-reference"),
])
def test_patterns_whose_cost_is_a_high_power_of_the_text_are_refused(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=re.escape(message)) as raised:
        parse_query(f"etl {text}", now=NOW)
    assert raised.value.position == len("etl /")  # where the pattern starts


def test_a_leading_any_text_repeat_is_not_searched_for_it_may_match_nothing() -> None:
    # The search finds what it would, without trying every end from every start.
    assert ids("name:/.*etl$/") == ids("name:/etl$/") == ["d"]
    assert ids("/.*?^zeta/") == ids("/^zeta/") == ["d"]
    assert ids("name:/.*/") == ids("/.*|x/") == ["a", "b", "c", "d", "e"]
    leaf = parse_query("name:/.*etl$/ /.*?x/ /.*/", now=NOW).leaves
    assert [item.regex.pattern for item in leaf if item.regex] == ["etl$", "x", ".*"]
    with pytest.raises(QueryError):
        parse_query("/.**x/", now=NOW)  # still a bad pattern


def test_labels_and_detail_fields_by_their_dotted_names() -> None:
    assert ids("labels.partition:gpu") == ["a"]
    assert ids("partition:gpu") == ["a"]
    assert ids("detail.reason.type:oom") == ["a"]
    assert ids("detail.exit:137") == ["a"]
    assert ids("detail.reason:") == ["a"]  # has the field (a missing or empty one is not had)
    assert ids("-detail.reason.type:oom") == ["b", "c", "d", "e"]


def test_duration_compares_how_long_a_job_ran_so_far() -> None:
    # a ran 1 h, b runs for 5 min so far, c for 30 min, d ran 1 h; e never started.
    assert ids("duration:>10m") == ["a", "c", "d"]
    assert ids("duration:<10m") == ["b"]
    assert ids("duration:>=1h") == ["a", "d"]
    assert ids("-duration:>10m") == ["b", "e"]


def test_started_and_ended_take_a_day_a_span_or_a_comparison() -> None:
    assert ids("ended:today") == ["a"]
    assert ids("ended:2026-12-05") == ["d"]
    assert ids("ended:3d") == ["a", "d"]
    assert ids("ended:<2h") == ["a"]
    assert ids("ended:>2026-12-06") == ["a"]
    assert ids("started:<1h") == ["b", "c"]
    assert ids("since:today") == ids("since:2026-12-07")


def test_sort_in_the_query_is_the_lists_order_and_filters_nothing() -> None:
    query = parse_query("sort:-duration", now=NOW)
    assert query.is_empty and query.sort == "-duration"
    assert parse_query("etl sort:name").sort == "name"
    assert parse_query("sort:dur").sort == "duration"
    assert ids("etl sort:name") == ["a", "c", "d"]
    # "-" reverses the order the deck's s gives that key: duration is longest first.
    assert [job.ref.id for job in sort_jobs(JOBS, "duration", NOW)][:4] == ["a", "d", "c", "b"]
    assert [job.ref.id for job in sort_jobs(JOBS, "-duration", NOW)][1:] == ["b", "c", "a", "d"]
    assert [job.ref.id for job in sort_jobs(JOBS, "-name", NOW)] == ["d", "b", "e", "c", "a"]


@pytest.mark.parametrize(("text", "message", "column"), [
    ("state:failed OR", "OR needs a term after it", 14),
    ("OR train", "OR needs a term before it", 1),
    ("(etl OR train", '"(" is not closed', 1),
    ("etl ()", "nothing between", 5),
    ("x AND", "AND needs a term", 3),
    ("NOT", "NOT needs a term", 1),
    ("name:/[a-/", "bad /pattern/", 7),
    ("name:/.*[a-/", "bad /pattern/", 9),  # (a leading .* is not searched: still counted)
    ("name:/a\\/b(/", "bad /pattern/", 11),  # (a \/ is two letters of the query)
    ("name:/(a+)+$/", "repeat inside a repeat", 7),
    ("x name:/(a|ab)*c/", "alternatives that may start alike", 9),
    ("name:/.*.*.*x/", "more than 2 repeats", 7),
    ("state:/x/", "takes no /pattern/", 1),
    ("duration:soon", "duration: needs a span", 1),
    ("ended:", "ended: needs a value", 1),
    ("sort:sideways", "sort: takes one of", 1),
    ("train OR sort:name", "applies to the whole filter", 10),
    ("detail..x:1", "a field of detail", 1),
])
def test_a_bad_query_says_why_and_at_which_column(text: str, message: str, column: int) -> None:
    with pytest.raises(QueryError, match=re.escape(message)) as raised:
        parse_query(text, now=NOW)
    assert raised.value.position is not None
    assert raised.value.position + 1 == column
    assert raised.value.described().endswith(f"(at column {column})")


def test_a_lone_parenthesis_or_one_inside_a_word_is_looked_for() -> None:
    jobs = [_job("p", JobState.FAILED, "f(x)", raw_state="failed (exit 2)")]
    assert ids("f(x)", jobs) == ["p"]
    assert ids('"(exit"', jobs) == ["p"]
    assert ids("2)", jobs) == ["p"]


# -- properties -------------------------------------------------------------------

_PIECES = st.sampled_from([
    "etl", "train", "state:failed", "state:r", "-etl", "name:/^etl/", "partition:gpu", "duration:>10m",
    "ended:today", "since:1d", "id:a,b", "detail.reason.type:oom", "NOT zeta", "-(train)", "label:partition",
])


def _terms() -> st.SearchStrategy[str]:
    return st.recursive(
        _PIECES,
        lambda inner: st.one_of(
            st.tuples(inner, inner).map(lambda pair: f"{pair[0]} {pair[1]}"),
            st.tuples(inner, inner).map(lambda pair: f"{pair[0]} OR {pair[1]}"),
            inner.map(lambda text: f"({text})"),
            inner.map(lambda text: f"-({text})"),
        ),
        max_leaves=6,
    )


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list('ab:()"/- \\|*+?[]{}^$.ORNTAD,=<>1mhdsx')), max_size=40))
def test_any_text_either_parses_or_says_why_with_a_position(text: str) -> None:
    try:
        query = parse_query(text, now=NOW, zone=UTC)
    except QueryError as problem:
        assert problem.position is not None and 0 <= problem.position <= len(text)
        assert str(problem)
    else:
        query.filter(JOBS)


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=30))
def test_any_unicode_text_raises_nothing_but_a_query_error(text: str) -> None:
    try:
        parse_query(text, now=NOW, zone=UTC).filter(JOBS)
    except QueryError:
        pass


@settings(max_examples=150, deadline=None)
@given(left=_terms(), right=_terms())
def test_or_matches_the_union_and_side_by_side_the_intersection(left: str, right: str) -> None:
    one, other = set(ids(left)), set(ids(right))
    assert set(ids(f"({left}) OR ({right})")) == one | other
    assert set(ids(f"({left}) ({right})")) == one & other
    assert set(ids(f"-({left})")) == {job.ref.id for job in JOBS} - one


@settings(max_examples=150, deadline=None)
@given(a=_terms(), b=_terms(), c=_terms())
def test_and_distributes_over_or_and_de_morgan_holds(a: str, b: str, c: str) -> None:
    assert ids(f"({a}) (({b}) OR ({c}))") == ids(f"(({a}) ({b})) OR (({a}) ({c}))")
    assert ids(f"-(({a}) OR ({b}))") == ids(f"-({a}) -({b})")
    assert ids(f"({a}) OR ({b}) ({c})") == ids(f"({a}) OR (({b}) ({c}))")
