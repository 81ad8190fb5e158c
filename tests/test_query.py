"""The filter language and job sorting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakes import make_job

from jobdeck.model import Job, JobState
from jobdeck.query import (
    SORT_KEYS,
    QueryError,
    index_jobs,
    job_text,
    job_texts,
    parse_query,
    sort_jobs,
    sort_key,
    sorted_with_keys,
)

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


JOBS = [
    make_job("101", JobState.FAILED, backend="local", name="Nightly Build", raw_state="exit 2",
             labels={"machine": "m1", "project": "deck"}),
    make_job("102", JobState.RUNNING, backend="drp", name="provision rack 4", raw_state="Running",
             labels={"machine": "m12", "Stage": "Discover"}),
    make_job("103", JobState.SUCCEEDED, backend="julep", name="nightly tests", raw_state="COMPLETED"),
    make_job("104", JobState.PENDING, backend="local", name="backup", raw_state="queued"),
    make_job("105", JobState.PAUSED, backend="intuned", name="scrape prices", raw_state="paused"),
]


def ids(query: str) -> list[str]:
    return [job.id for job in parse_query(query).filter(JOBS)]


def test_the_empty_query_matches_everything() -> None:
    assert parse_query("").is_empty
    assert parse_query("   ").is_empty
    assert ids("") == ["101", "102", "103", "104", "105"]


def test_a_free_word_matches_name_id_backend_raw_state_or_label_value_ignoring_case() -> None:
    assert ids("NIGHTLY") == ["101", "103"]  # name
    assert ids("104") == ["104"]  # id
    assert ids("julep") == ["103"]  # backend
    assert ids("completed") == ["103"]  # raw state
    assert ids("discover") == ["102"]  # label value
    assert ids("failed") == ["101"]  # normalized state


def test_a_word_does_not_match_across_two_fields() -> None:
    # "build" ends the name and "101" is the id: "build101" spans them.
    assert ids("build101") == []


def test_terms_are_anded() -> None:
    assert ids("nightly local") == ["101"]


def test_a_quoted_phrase_matches_as_one_term() -> None:
    assert ids('"nightly tests"') == ["103"]
    assert ids("nightly tests") == ["103"]
    assert ids('"rack 4"') == ["102"]


def test_an_unclosed_quote_runs_to_the_end_so_typing_never_errors() -> None:
    assert ids('"nightly te') == ["103"]


def test_state_matches_the_normalized_state_by_name_prefix_or_list() -> None:
    assert ids("state:failed") == ["101"]
    assert ids("state:fail") == ["101"]
    assert ids("state:failed,running") == ["101", "102"]
    assert ids("STATE:RUNNING") == ["102"]


def test_an_ambiguous_state_prefix_matches_every_state_it_starts() -> None:
    assert ids("state:p") == ["104", "105"]  # pending and paused


def test_state_aliases_cover_common_words() -> None:
    assert ids("state:active") == ["102", "104", "105"]
    assert ids("state:ok") == ["103"]
    assert ids("state:cancelled") == []


def test_an_unknown_state_is_an_error_that_lists_the_states() -> None:
    with pytest.raises(QueryError) as error:
        parse_query("state:bogus")
    message = str(error.value)
    assert "unknown state 'bogus'" in message
    assert "pending, running" in message


def test_a_term_without_a_value_says_what_it_needs() -> None:
    with pytest.raises(QueryError, match="state: needs a value"):
        parse_query("state:")
    with pytest.raises(QueryError, match="name: needs a value"):
        parse_query("name:")


def test_backend_name_and_id_terms_look_only_at_their_field() -> None:
    assert ids("backend:local") == ["101", "104"]
    assert ids("name:nightly") == ["101", "103"]
    assert ids("name:local") == []
    assert ids("id:103") == ["103"]
    assert ids("name:backup,scrape") == ["104", "105"]


def test_label_terms_match_a_key_and_a_value() -> None:
    assert ids("label:machine=m1") == ["101", "102"]  # contains, like every text term
    assert ids("machine:m12") == ["102"]
    assert ids("label:project") == ["101"]  # has the label
    assert ids("project:") == ["101"]
    assert ids("stage:discover") == ["102"]  # a key written "Stage" on the job
    assert ids("Stage:discover") == ["102"]
    assert ids("machine:m7") == []
    assert ids("nosuchlabel:x") == []


def test_label_without_a_key_is_an_error() -> None:
    with pytest.raises(QueryError, match="needs a key"):
        parse_query("label:=m1")


def test_a_leading_minus_negates_a_term() -> None:
    assert ids("-state:succeeded") == ["101", "102", "104", "105"]
    assert ids("nightly -state:failed") == ["103"]
    assert ids('-"nightly build"') == ["102", "103", "104", "105"]
    assert ids("-local") == ["102", "103", "105"]


def test_a_lone_minus_is_a_word() -> None:
    job = make_job("9", name="a - b")
    assert parse_query("-").filter([job, *JOBS]) == [job]


def test_query_text_never_becomes_code() -> None:
    # Quotes, brackets and dunder names are matched as text and do not break compiling.
    for text in ["'", '")]', "__import__('os')", "name:'x' or True", "a\\b", "{0}"]:
        assert parse_query(text).filter(JOBS) == []


def test_matches_one_job_and_filter_keeps_the_given_order() -> None:
    query = parse_query("nightly")
    assert query.matches(JOBS[0])
    assert not query.matches(JOBS[1])
    assert query.filter(list(reversed(JOBS))) == [JOBS[2], JOBS[0]]


def test_each_jobs_text_is_computed_once_and_kept_with_the_job() -> None:
    query = parse_query("nightly")
    assert query.filter(JOBS) == [JOBS[0], JOBS[2]]
    assert all(job.search_text for job in JOBS)
    kept = JOBS[0].search_text
    assert job_text(JOBS[0]) is kept
    assert job_texts(JOBS[:1]) == [kept]
    changed = JOBS[0].model_copy(update={"name": "weekly build"})
    assert changed.search_text is None  # a new version has a text of its own
    assert query.filter([changed, *JOBS[1:]]) == [JOBS[2]]
    assert changed.search_text is not None and changed.search_text != kept


def test_select_gives_the_positions_of_matches_over_the_callers_texts() -> None:
    index_jobs(JOBS)
    texts = job_texts(JOBS)
    assert parse_query("nightly").select(JOBS, texts) == [0, 2]
    assert parse_query("").select(JOBS, texts) == list(range(len(JOBS)))
    failed = [i for i, job in enumerate(JOBS) if job.state is JobState.FAILED]
    assert parse_query("state:failed").select(JOBS, texts) == failed


# -- sorting -------------------------------------------------------------------


def timed(id: str, state: JobState, updated: datetime | None, **fields: object) -> Job:
    return make_job(id, state, updated=updated, **fields)


def order(jobs: list[Job], key: str) -> list[str]:
    return [job.id for job in sort_jobs(jobs, key, NOW)]


def test_recent_puts_the_latest_activity_first_and_jobs_without_times_last() -> None:
    jobs = [
        make_job("old", created=ago(600)),
        make_job("none"),
        make_job("started", created=ago(900), started=ago(100)),
        make_job("updated", created=ago(900), started=ago(800), updated=ago(10)),
    ]
    assert order(jobs, "recent") == ["updated", "started", "old", "none"]


def test_state_puts_failures_first_then_running_pending_paused_unknown_canceled_succeeded() -> None:
    states = [JobState.SUCCEEDED, JobState.CANCELED, JobState.UNKNOWN, JobState.PAUSED,
              JobState.PENDING, JobState.RUNNING, JobState.FAILED]
    jobs = [timed(state.value, state, ago(10)) for state in states]
    assert order(jobs, "state") == [
        "failed", "running", "pending", "paused", "unknown", "canceled", "succeeded"
    ]


def test_state_orders_equal_states_by_recency() -> None:
    jobs = [timed("a", JobState.FAILED, ago(50)), timed("b", JobState.FAILED, ago(5))]
    assert order(jobs, "state") == ["b", "a"]


def test_name_and_backend_sort_alphabetically_ignoring_case() -> None:
    jobs = [
        make_job("1", name="beta", backend="zeta", updated=ago(1)),
        make_job("2", name="Alpha", backend="Alpha", updated=ago(2)),
        make_job("3", name="alpha", backend="mid", updated=ago(3)),
    ]
    assert order(jobs, "name") == ["2", "3", "1"]  # equal names: most recent first
    assert order(jobs, "backend") == ["2", "3", "1"]


def test_duration_puts_the_longest_first_counting_running_jobs_up_to_now() -> None:
    jobs = [
        make_job("short", JobState.SUCCEEDED, started=ago(100), ended=ago(90)),
        make_job("never started", JobState.PENDING),
        make_job("running", JobState.RUNNING, started=ago(50)),
        make_job("long", JobState.FAILED, started=ago(1000), ended=ago(100)),
    ]
    assert order(jobs, "duration") == ["long", "running", "short", "never started"]


def test_sorting_is_stable_for_equal_keys() -> None:
    jobs = [make_job(str(number), updated=ago(5)) for number in range(10)]
    for key in SORT_KEYS:
        assert order(jobs, key) == [str(number) for number in range(10)]


def test_an_unknown_sort_key_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown sort"):
        sort_jobs(JOBS, "size")


@pytest.mark.parametrize("key", SORT_KEYS)
def test_sort_key_orders_like_sort_jobs(key: str) -> None:
    jobs = [
        make_job(str(number), list(JobState)[number % 7], name=f"job {number % 4}",
                 backend=f"b{number % 3}", started=ago(number * 7 % 50), updated=ago(number * 13 % 40))
        for number in range(30)
    ]
    by_key = sorted(jobs, key=sort_key(key, NOW))
    keyed = sort_key(key, NOW)
    assert [keyed(job) for job in by_key] == [keyed(job) for job in sort_jobs(jobs, key, NOW)]


@pytest.mark.parametrize("key", [*SORT_KEYS, *(f"-{key}" for key in SORT_KEYS)])
def test_a_sort_that_keeps_its_keys_orders_exactly_like_sort_jobs_ties_included(key: str) -> None:
    jobs = [
        make_job(str(number), list(JobState)[number % 7], name=f"job {number % 4}",
                 backend=f"b{number % 3}", started=ago(number * 7 % 5), updated=ago(number * 13 % 4))
        for number in range(40)
    ]
    keyed = sort_key(key, NOW)
    ordered, keys = sorted_with_keys(jobs, keyed)
    assert [job.id for job in ordered] == [job.id for job in sort_jobs(jobs, key, NOW)]
    assert keys == [keyed(job) for job in ordered]


def test_queries_that_match_the_same_jobs_share_a_key_for_caching() -> None:
    assert parse_query("state:s").key == parse_query("state:succeeded").key
    assert parse_query("nightly  build").key == parse_query("nightly build").key
    assert parse_query("state:fail,run").key == parse_query("state:failed,running").key
    assert parse_query("-st").key != parse_query("-sta").key
    assert parse_query("state:failed").key != parse_query("-state:failed").key
    assert parse_query("name:x").key != parse_query("id:x").key
