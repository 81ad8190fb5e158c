"""The history view's search: the filter language over the history file finds exactly the
jobs the live list's filter finds, newest first (or in a sort: term's order, as the live
list sorts), a page at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakes import make_job
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobdeck.clock import FrozenClock
from jobdeck.model import Job, JobGroup, JobState
from jobdeck.query import parse_query, sort_jobs
from jobdeck.store.sqlite import HistoryReader, HistoryStore

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
WORDS = ("nightly", "etl", "Backup", "train", "render", "deploy", "Größe", "a_b%c")


def _jobs() -> list[Job]:
    jobs = []
    for number in range(120):
        state = list(JobState)[number % len(JobState)]
        created = NOW - timedelta(hours=number * 3)
        jobs.append(make_job(
            f"j{number:04d}", state, backend=("slurm-a", "ray", "celery")[number % 3],
            name=f"{WORDS[number % len(WORDS)]}-{number}",
            raw_state=state.value.upper() if number % 2 else f"{state.value} (exit {number % 4})",
            created=created if number % 11 else None,
            started=created + timedelta(minutes=1) if number % 5 else None,
            updated=created + timedelta(minutes=30) if number % 7 else None,
            labels={"machine": f"m-{number % 16:02d}", "Stage": WORDS[(number // 3) % len(WORDS)]} if number % 4 else {},
            group=JobGroup(key=f"arr-{number // 10}", name=f"array {number // 10}") if number % 6 == 0 else None,
        ))
    return jobs


JOBS = _jobs()


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> HistoryReader:
    folder: Path = tmp_path_factory.mktemp("history")
    store = HistoryStore(folder, clock=FrozenClock(NOW))
    # One poll a job, oldest first: the newest job is the last stored.
    for job in reversed(JOBS):
        store.record_changes(job.ref.backend, NOW, added=[job], changed=[], removed=[], transitions=[], complete=False)
    store.close()
    opened = HistoryReader(folder / "history.sqlite3")
    yield opened
    opened.close()


def _found(reader: HistoryReader, text: str, *, page: int = 7, newest_first: bool = True) -> list[str]:
    search = reader.search(parse_query(text, now=NOW, zone=UTC), newest_first=newest_first, now=NOW)
    ids: list[str] = []
    after = None
    while True:
        found = search.page(after, page)
        ids.extend(entry.job.ref.id for entry in found.entries)
        if found.done:
            return ids
        assert found.entries, "a page that is not the last has jobs"
        after = found.entries[-1].key


def _expected(text: str) -> list[str]:
    return [job.ref.id for job in parse_query(text, now=NOW, zone=UTC).filter(JOBS)]


@pytest.mark.parametrize("text", [
    "", "train", "TRAIN", "tr", "m-07", "m-0", "state:fail", "state:active", "-state:succeeded", "backend:ray",
    "backend:a", "-backend:slurm", "name:deploy", "id:j001", "id:j0010,j0020", "group:arr", "group:array 1",
    "-group:arr-1", "label:machine=m-07", "machine:m-1", "stage:backup", "label:stage", "-label:machine",
    "exit", "(exit 2)", '"exit 2"', "a_b%c", "a_b", "%", "größe", "GRÖSSE", "failed", "FAILED", "cel", "since:2d",
    "until:3d", "age:<12h", "age:>=1d", "-since:1d", "since:2026-12-05 until:2026-12-06", "train -m-01 since:10d",
    "nightly state:pend", "zz",
])
def test_a_filter_finds_in_the_history_what_it_finds_in_the_live_list(reader: HistoryReader, text: str) -> None:
    assert _found(reader, text) == _expected(text)


def test_the_history_lists_newest_first_and_oldest_first_when_asked(reader: HistoryReader) -> None:
    newest = _found(reader, "")
    assert newest[:3] == ["j0000", "j0001", "j0002"]
    assert _found(reader, "", newest_first=False) == list(reversed(newest))
    assert _found(reader, "state:failed", newest_first=False) == list(reversed(_expected("state:failed")))


@pytest.mark.parametrize("sort", ["recent", "state", "name", "backend", "duration", "-recent", "-state", "-name",
                                  "-backend", "-duration"])
def test_a_sort_term_orders_the_history_as_it_orders_the_live_list_and_s_reverses_it(
    reader: HistoryReader, sort: str
) -> None:
    for terms in ("", "train", "state:failed,running,unknown", "-m-0"):
        text = f"{terms} sort:{sort}".strip()
        expected = [job.ref.id for job in sort_jobs(parse_query(text, now=NOW, zone=UTC).filter(JOBS), sort, NOW)]
        for page in (1, 7, 500):  # each page starts where the one before ended
            assert _found(reader, text, page=page) == expected, (text, page)
        assert _found(reader, text, newest_first=False) == list(reversed(expected))


def test_a_count_says_how_many_match(reader: HistoryReader) -> None:
    for text in ("", "train", "state:failed", "-label:machine", "since:2d"):
        search = reader.search(parse_query(text, now=NOW, zone=UTC))
        assert search.exact
        assert search.count() == len(_expected(text))


def test_a_search_that_is_asked_to_stop_stops(reader: HistoryReader) -> None:
    from jobdeck.store.sqlite.history_pages import SearchStopped

    search = reader.search(parse_query("z", now=NOW))  # (one letter: every job is read)
    with pytest.raises(SearchStopped):
        search.page(None, 10, should_stop=lambda: True)
    # The reader still works afterwards.
    assert reader.search(parse_query("train", now=NOW)).page(None, 3).entries


_TERMS = st.sampled_from([
    "train", "tr", "m-0", "m-07", "ray", "exit", "group:arr", "-state:succeeded", "state:f", "state:run,pend",
    "backend:ray", "name:e", "id:j00", "stage:a", "-machine:m-1", "since:1d", "until:2d", "age:<10h", "-age:>2d",
    "größe", "a_b", "label:Stage=backup", "x", "-backup",
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(terms=st.lists(_TERMS, max_size=3), page=st.integers(min_value=1, max_value=25))
def test_any_mix_of_terms_finds_in_the_history_what_the_live_list_finds(
    reader: HistoryReader, terms: list[str], page: int
) -> None:
    text = " ".join(terms)
    assert _found(reader, text, page=page) == _expected(text)


def test_the_word_index_follows_a_renamed_job_and_a_deleted_one(tmp_path: Path) -> None:
    from jobdeck.store.sqlite.schema import connect, immediate_transaction

    clock = FrozenClock(NOW)
    first = make_job("r1", JobState.RUNNING, backend="b", name="alpha-build", created=NOW, labels={"team": "red"})
    other = make_job("r2", JobState.RUNNING, backend="b", name="gamma-build", created=NOW)
    store = HistoryStore(tmp_path, clock=clock)
    store.record_changes("b", NOW, added=[first, other], changed=[], removed=[], transitions=[], complete=False)
    renamed = first.model_copy(update={"name": "beta-build", "labels": {"team": "blue"}})
    later = NOW + timedelta(minutes=1)
    store.record_changes("b", later, added=[], changed=[renamed], removed=[], transitions=[], complete=False)
    store.close()
    path = tmp_path / "history.sqlite3"

    def found(text: str) -> list[str]:
        opened = HistoryReader(path)
        try:
            return [entry.job.ref.id for entry in opened.search(parse_query(text, now=NOW)).page(None, 10).entries]
        finally:
            opened.close()

    assert found("alpha") == [] and found("red") == []
    assert found("beta") == ["r1"] and found("blue") == ["r1"] and found("build") == ["r2", "r1"]
    writer = connect(path)
    with immediate_transaction(writer):
        writer.execute("DELETE FROM jobs WHERE job_id = 'r2'")
    writer.execute("INSERT INTO jobs_text (jobs_text, rank) VALUES ('integrity-check', 0)")
    writer.close()
    assert found("gamma") == [] and found("build") == ["r1"]
