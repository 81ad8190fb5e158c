"""The filter's time terms: since:, until:, age:, in the live list's filter (and the
errors of any term say where the term is)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from fakes import make_job
from hypothesis import given
from hypothesis import strategies as st

from jobdeck.model import JobState
from jobdeck.query import QueryError, parse_query
from jobdeck.time_terms import parse_moment

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def ago(**span: float) -> datetime:
    return NOW - timedelta(**span)


JOBS = [
    # Last active 10 minutes ago; began 3 hours ago.
    make_job("fresh", JobState.RUNNING, created=ago(hours=3), started=ago(hours=2), updated=ago(minutes=10)),
    # Ended two days ago; began three days ago.
    make_job("old", JobState.SUCCEEDED, created=ago(days=3), started=ago(days=3), ended=ago(days=2),
             updated=ago(days=2)),
    # Only a creation time: 40 minutes ago.
    make_job("queued", JobState.PENDING, created=ago(minutes=40)),
    # No time at all.
    make_job("timeless", JobState.UNKNOWN),
]


def ids(text: str) -> list[str]:
    return [job.ref.id for job in parse_query(text, now=NOW, zone=UTC).filter(JOBS)]


def test_since_keeps_jobs_last_active_since_then() -> None:
    assert ids("since:1h") == ["fresh", "queued"]
    assert ids("since:30m") == ["fresh"]
    assert ids("since:3d") == ["fresh", "old", "queued"]
    assert ids("since:2026-12-06") == ["fresh", "queued"]
    assert ids("since:2026-12-05T11:00") == ["fresh", "old", "queued"]


def test_until_keeps_jobs_that_began_by_then() -> None:
    assert ids("until:1d") == ["old"]
    assert ids("until:2h") == ["fresh", "old"]
    assert ids("until:2026-12-07T11:30") == ["fresh", "old", "queued"]


def test_since_and_until_keep_the_jobs_around_between_them() -> None:
    assert ids("since:2026-12-05 until:2026-12-06") == ["old"]


def test_age_compares_the_time_since_the_job_was_last_active() -> None:
    assert ids("age:<1h") == ["fresh", "queued"]
    assert ids("age:<=10m") == ["fresh"]
    assert ids("age:>1d") == ["old"]
    assert ids("age:>=40m") == ["old", "queued"]
    assert ids("age:>20m age:<1h") == ["queued"]


def test_a_job_with_no_time_matches_no_time_term_and_every_negated_one() -> None:
    assert "timeless" not in ids("since:100w") + ids("until:1s") + ids("age:<100w") + ids("age:>1s")
    assert "timeless" in ids("-since:1h")
    assert ids("-age:<1h") == ["old", "timeless"]


def test_a_date_is_read_in_the_zone_given() -> None:
    plus_two = timezone(timedelta(hours=2))
    # Midnight on the 7th at UTC+2 is 22:00 on the 6th in UTC.
    assert parse_moment("2026-12-07", NOW, plus_two) == datetime(2026, 12, 6, 22, 0, tzinfo=UTC)
    assert parse_moment("2026-12-07T08:00+00:00", NOW, plus_two) == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert parse_moment("90m", NOW) == ago(minutes=90)


@pytest.mark.parametrize(("text", "message", "term"), [
    ("since:", "since: needs a value", "since:"),
    ("train since:soon", "neither a span", "since:soon"),
    ("state:failed until:2026-13-01", "neither a span", "until:2026-13-01"),
    ("age:1h", "age: needs < or >", "age:1h"),
    ("x  age:<soon", "not a span", "age:<soon"),
    ("-age:>", "age:> needs a span", "-age:>"),
    ("since:999999999w", "further back", "since:999999999w"),
    ("a state:bogus b", "unknown state 'bogus'", "state:bogus"),
])
def test_a_bad_term_says_why_and_where(text: str, message: str, term: str) -> None:
    with pytest.raises(QueryError, match=message) as raised:
        parse_query(text, now=NOW)
    error = raised.value
    assert (error.position, error.end) == (text.index(term), text.index(term) + len(term))


_CHARACTERS = st.sampled_from(list('abc:-"<>=., 0123456789dhmswTZ+') + ["since:", "until:", "age:", "state:"])


@given(text=st.lists(_CHARACTERS, max_size=12).map("".join))
def test_any_text_parses_or_fails_with_a_reason_inside_the_text(text: str) -> None:
    try:
        query = parse_query(text, now=NOW, zone=UTC)
    except QueryError as error:
        assert str(error)
        assert error.position is not None and error.end is not None
        assert 0 <= error.position < error.end <= len(text)
        return
    query.filter(JOBS)  # and matching never fails


@given(
    hours=st.integers(min_value=0, max_value=24 * 14),
    op=st.sampled_from(["<", "<=", ">", ">="]),
)
def test_an_age_term_and_its_opposite_split_the_jobs_with_a_time(hours: int, op: str) -> None:
    opposite = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}[op]
    kept = set(ids(f"age:{op}{hours}h"))
    others = set(ids(f"age:{opposite}{hours}h"))
    assert kept.isdisjoint(others)
    assert kept | others == {"fresh", "old", "queued"}
    assert set(ids(f"-age:{op}{hours}h")) == others | {"timeless"}


@given(days=st.integers(min_value=0, max_value=10))
def test_since_a_span_is_an_age_below_it(days: int) -> None:
    assert ids(f"since:{days}d") == ids(f"age:<={days}d")
