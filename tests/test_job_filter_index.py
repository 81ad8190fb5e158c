"""The job list's filter index built in another thread (a big list): a query waits for it and
applies once it is handed over; whatever happens meanwhile, the rows are what the plain
matcher (``Query.filter``) gives over the sorted view."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fakes import make_job

from jobdeck.model import Job, JobState
from jobdeck.query import index_jobs, job_texts, parse_query, sort_jobs, sort_key
from jobdeck.ui.widgets.job_list.job_filter import JobFilter

from test_job_filter import NOW, RECENT, Deck, ids, numbered


class BuildingDeck(Deck):
    """A deck whose index another thread builds: ``build`` is that thread's work,
    ``hand_over`` the UI thread taking it."""

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = {job.id: job for job in jobs}
        self.given = jobs
        self.filter = JobFilter(lambda: self.jobs.values())
        self.filter.reset(jobs, in_background=True)
        self.filter.set_sorted(sort_jobs(jobs, "recent"))

    def build(self) -> tuple[list[Job], list[str]]:
        index_jobs(self.given)
        sorted_view = self.filter.sorted
        return sorted_view, job_texts(sorted_view)

    def hand_over(self, work: tuple[list[Job], list[str]]) -> bool:
        return self.filter.adopt_index(self.given, *work)


def test_a_query_typed_before_the_index_is_built_waits_for_it_then_applies() -> None:
    deck = BuildingDeck(numbered(50))
    assert deck.query("job 4") == deck.expected("job 4")  # the top of the view: all 50, here
    assert deck.query("name:job") == ids(deck.filter.sorted)  # reads more than texts: every job, for now
    assert deck.filter.waiting and not deck.filter.ready
    assert deck.hand_over(deck.build())
    assert ids(deck.filter.rows) == deck.expected("name:job")
    assert not deck.filter.waiting and deck.filter.ready


def test_a_free_word_typed_before_the_index_is_built_shows_its_matches_at_the_top_of_the_view_at_once(
    monkeypatch,
) -> None:
    """A million jobs: the first free word does not wait seconds for the index's thread; the
    matches among the newest jobs show at once, the rest once the index has come."""
    monkeypatch.setattr("jobdeck.ui.widgets.job_list.job_filter.HEAD_WHILE_INDEXING", 20)
    deck = BuildingDeck(numbered(50))
    assert deck.query("job 1") == ["1", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19"]
    top = deck.filter.sorted[:20]
    assert deck.query("state:running -2") == ids(parse_query("state:running -2").filter(top)) != []
    assert deck.filter.waiting
    deck.change(make_job("31", name="job 31", updated=NOW))  # a poll meanwhile: its job is at the top now
    assert deck.query("job 3")[:2] == ["31", "3"]
    assert deck.hand_over(deck.build())
    assert ids(deck.filter.rows) == deck.expected("job 3")
    assert not deck.filter.waiting


def test_jobs_changed_while_the_index_was_built_are_matched_by_their_new_text() -> None:
    deck = BuildingDeck(numbered(30))
    work = deck.build()  # the thread is done with the old versions …
    renamed = make_job("7", name="renamed", updated=NOW)
    deck.change(renamed, make_job("new", name="renamed too", updated=NOW), gone_ids=("3",))
    assert deck.hand_over(work)  # … handed over after the diff
    assert deck.query("renamed") == deck.expected("renamed") == ["7", "new"]
    assert deck.query("job 3") == deck.expected("job 3")
    assert deck.query("job 7") == deck.expected("job 7")


def test_an_index_built_for_jobs_since_replaced_is_not_taken() -> None:
    deck = BuildingDeck(numbered(10))
    work = deck.build()
    deck.filter.reset(numbered(5), in_background=True)
    assert not deck.hand_over(work)


def test_an_index_completed_by_a_filter_meanwhile_is_not_taken() -> None:
    deck = Deck(numbered(10))
    deck.query("job 1")  # completes the index at once (no thread building it)
    assert not deck.filter.adopt_index(list(deck.jobs.values()), deck.filter.sorted, [])


# -- the index against the plain matcher, whatever happens ------------------------

_NAMES = ("train", "deploy", "backup", "m-07", "sync nightly")
_QUERIES = ("", "t", "tr", "train", "state:fail", "-state:succeeded", "m-07", "m-07 dep", "job", "nightly", "x")

jobs_strategy = st.lists(
    st.tuples(st.sampled_from(_NAMES), st.sampled_from(list(JobState)), st.integers(0, 500)),
    min_size=0,
    max_size=40,
)
steps_strategy = st.lists(
    st.one_of(
        st.tuples(st.just("query"), st.sampled_from(_QUERIES)),
        st.tuples(st.just("change"), st.integers(0, 60), st.sampled_from(_NAMES), st.sampled_from(list(JobState))),
        st.tuples(st.just("remove"), st.integers(0, 60)),
        st.just(("hand over",)),
    ),
    max_size=25,
)


def _job(number: int, name: str, state: JobState, age: int) -> Job:
    return make_job(str(number), name=f"{name} {number}", state=state, updated=NOW - timedelta(seconds=age))


@settings(max_examples=150, deadline=None)
@given(jobs_strategy, steps_strategy, st.booleans())
def test_rows_are_always_what_the_plain_matcher_gives(
    specs: list[tuple[str, JobState, int]], steps: list[tuple], in_background: bool
) -> None:
    jobs = [_job(number, name, state, age) for number, (name, state, age) in enumerate(specs)]
    deck = BuildingDeck(jobs) if in_background else Deck(jobs)
    work = deck.build() if isinstance(deck, BuildingDeck) else None
    text = ""
    clock = 0
    for step in steps:
        if step[0] == "query":
            text = step[1]
            deck.query(text)
        elif step[0] == "change":
            clock += 1
            _, number, name, state = step
            deck.change(make_job(str(number), name=f"{name} {number}", state=state, updated=NOW + timedelta(seconds=clock)))
        elif step[0] == "remove" and str(step[1]) in deck.jobs:
            deck.change(gone_ids=(str(step[1]),))
        elif step[0] == "hand over" and work is not None:
            assert isinstance(deck, BuildingDeck)
            deck.hand_over(work)
            work = None
        view = ids(sort_jobs(deck.jobs.values(), "recent"))
        assert sorted(ids(deck.filter.sorted)) == sorted(view)
        if deck.filter.waiting and not parse_query(text).text_only:
            assert ids(deck.filter.rows) == ids(deck.filter.sorted)
        elif deck.filter.waiting:  # free words and states: matched at once atop the view (all of it, here)
            assert ids(deck.filter.rows) == ids(parse_query(text).filter(deck.filter.sorted))
        else:
            assert sorted(ids(deck.filter.rows)) == sorted(ids(parse_query(text).filter(deck.filter.sorted)))
            assert ids(deck.filter.rows) == [job.id for job in deck.filter.sorted if job.id in set(ids(deck.filter.rows))]


def test_patches_keep_the_view_sorted_when_the_sort_changes_between_them() -> None:
    jobs = [make_job(str(n), name=f"{'zab'[n % 3]} {n}", updated=NOW - timedelta(seconds=n)) for n in range(40)]
    by_id = {job.id: job for job in jobs}
    job_filter = JobFilter(lambda: by_id.values())
    job_filter.reset(jobs)
    job_filter.set_sorted(sort_jobs(jobs, "recent"))
    for round_number, sort in enumerate(("recent", "name", "name", "recent", "state")):
        key = sort_key(sort)
        if round_number and sort != "name" or round_number == 1:
            job_filter.set_sorted(sort_jobs(by_id.values(), sort))
        gone = [by_id[str(n)] for n in (round_number, round_number + 7, 30)]
        fresh = [job.model_copy(update={"updated": NOW + timedelta(seconds=round_number + 1), "name": f"b {job.id}"}) for job in gone]
        by_id.update({job.id: job for job in fresh})
        job_filter.update_index(fresh)
        job_filter.patch(gone, fresh, key)
        assert [key(job) for job in job_filter.sorted] == sorted(key(job) for job in by_id.values())
        assert {job.id for job in job_filter.sorted} == set(by_id)
