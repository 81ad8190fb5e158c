"""A backend's listing by job id, matched against the last poll by object identity."""

from __future__ import annotations

import pytest
from fakes import make_job
from hypothesis import given, settings
from hypothesis import strategies as st

from jobdeck.model import Job, JobState
from jobdeck.monitor import listing as listing_module
from jobdeck.monitor.listing import ListingIndex


def by_id(jobs: list[Job]) -> dict[str, Job]:
    return {job.ref.id: job for job in jobs}


def test_a_first_listing_is_every_job_by_id_in_listing_order() -> None:
    jobs = [make_job("b", backend="local"), make_job("a", backend="local")]
    listing = ListingIndex("local").index(jobs)
    assert list(listing.jobs) == ["b", "a"]
    assert listing.touched == jobs
    assert not listing.fast


def test_the_same_objects_again_are_a_fast_listing_with_nothing_touched() -> None:
    index = ListingIndex("local")
    jobs = [make_job(str(n), backend="local") for n in range(5)]
    index.index(jobs)
    listing = index.index(list(reversed(jobs)))
    assert listing.fast
    assert listing.touched == []
    assert listing.jobs == by_id(jobs)


def test_a_job_replaced_by_a_new_object_is_the_only_one_touched() -> None:
    index = ListingIndex("local")
    jobs = [make_job(str(n), backend="local") for n in range(5)]
    index.index(jobs)
    changed = jobs[2].model_copy(update={"state": JobState.FAILED})
    listing = index.index([*jobs[:2], changed, *jobs[3:]])
    assert listing.fast
    assert listing.touched == [changed]
    assert listing.jobs["2"] is changed
    # ... and the new object is known from then on.
    again = index.index([*jobs[:2], changed, *jobs[3:]])
    assert again.fast and again.touched == []


@pytest.mark.parametrize(
    "relist",
    [
        pytest.param(lambda jobs: jobs[:-1], id="one removed"),
        pytest.param(lambda jobs: [*jobs, make_job("new", backend="local")], id="one added"),
        pytest.param(lambda jobs: [*jobs[:-1], jobs[0]], id="one object twice, one gone"),
        pytest.param(lambda jobs: [*jobs[:-1], make_job("0", backend="local")], id="an old id twice, one gone"),
        pytest.param(lambda jobs: [*jobs[:-1], make_job("x", backend="local")], id="one swapped for a new id"),
    ],
)
def test_a_listing_with_other_ids_is_indexed_in_full(relist) -> None:
    index = ListingIndex("local")
    jobs = [make_job(str(n), backend="local") for n in range(4)]
    index.index(jobs)
    listed = relist(jobs)
    listing = index.index(listed)
    assert not listing.fast
    assert listing.jobs == by_id(listed)


def test_jobs_are_re_referenced_to_the_backends_name_and_the_copy_is_kept() -> None:
    index = ListingIndex("mine")
    jobs = [make_job("1", backend="theirs")]
    first = index.index(jobs)
    assert first.jobs["1"].ref.backend == "mine"
    again = index.index(jobs)
    assert again.fast and again.jobs["1"] is first.jobs["1"]


@pytest.mark.parametrize("listed", [None, {"a": 1}, [make_job("1", backend="local"), "not a job"]])
def test_anything_but_a_list_of_jobs_is_a_type_error_and_changes_nothing(listed) -> None:
    index = ListingIndex("local")
    jobs = [make_job("1", backend="local")]
    index.index(jobs)
    with pytest.raises(TypeError):
        index.index(listed)
    listing = index.index(jobs)
    assert listing.fast and listing.jobs == by_id(jobs)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 5), st.booleans()), max_size=8), min_size=1, max_size=6))
def test_any_sequence_of_listings_indexes_like_a_plain_dict(polls) -> None:
    """Whatever the adapter hands back, poll after poll, the jobs are the listing's jobs
    by id (the last of an id wins) and every job that differs from last time is touched
    (a new object equal to the last one need not be)."""
    index = ListingIndex("local")
    pool: dict[int, Job] = {}
    previous: dict[str, Job] = {}
    for poll in polls:
        listed = []
        for number, fresh_object in poll:
            if fresh_object or number not in pool:
                pool[number] = make_job(str(number), backend="local", name=f"job {number} v{len(listed)}")
            listed.append(pool[number])
        listing = index.index(listed)
        assert listing.jobs == by_id(listed)
        differing = [job for job_id, job in listing.jobs.items() if previous.get(job_id) != job]
        assert all(any(job is touched for touched in listing.touched) for job in differing)
        previous = listing.jobs


@pytest.fixture
def mapped_later(monkeypatch: pytest.MonkeyPatch) -> None:
    """First listings of two jobs or more count as big: mapped by id when first read."""
    monkeypatch.setattr(listing_module, "MAP_LATER_FROM", 2)


@pytest.mark.usefixtures("mapped_later")
def test_a_big_first_listing_maps_its_jobs_by_id_only_when_they_are_read() -> None:
    """The map of a first listing of a million jobs is no part of the way to the first frame (issue 22)."""
    jobs = [make_job(str(n), backend="local") for n in range(3)]
    listing = ListingIndex("local").index(jobs)
    assert not listing.mapped
    assert listing.touched == jobs
    assert listing.jobs == by_id(jobs)
    assert listing.mapped


@pytest.mark.usefixtures("mapped_later")
def test_a_big_first_listing_finds_a_job_by_id_without_mapping_them_the_last_listed_of_an_id() -> None:
    """The job under the cursor is looked up as soon as the first frame shows it (issue 22)."""
    first, again = make_job("1", backend="local"), make_job("1", backend="local", name="again")
    other = make_job("2", backend="local")
    listing = ListingIndex("local").index([first, other, again])
    assert listing.find("1") is again
    assert listing.find("2") is other
    assert listing.find("3") is None
    assert listing.find("1") is again  # (asked again: the answer kept)
    assert not listing.mapped
    assert listing.jobs == {"1": again, "2": other}
    assert listing.find("2") is other  # (from the map, once made)


def test_a_first_listing_that_lists_an_id_twice_touches_it_once_the_last_listed() -> None:
    """A page shifted under a paged listing: from the first poll, one job (the version listed last)."""
    first, again = make_job("1", backend="local"), make_job("1", backend="local", name="again")
    other = make_job("2", backend="local")
    listing = ListingIndex("local").index([first, other, again])
    assert listing.touched == [again, other]
    assert listing.jobs == {"1": again, "2": other}


def test_the_next_listing_after_an_unread_first_one_is_still_matched_by_identity() -> None:
    index = ListingIndex("local")
    jobs = [make_job(str(n), backend="local") for n in range(3)]
    index.index(jobs)
    changed = jobs[1].model_copy(update={"state": JobState.FAILED})
    listing = index.index([jobs[0], changed, jobs[2]])
    assert listing.fast and listing.touched == [changed]
    assert listing.jobs == by_id([jobs[0], changed, jobs[2]])


def test_a_job_replaced_by_an_equal_new_object_is_not_touched_but_is_the_one_kept() -> None:
    index = ListingIndex("local")
    jobs = [make_job(str(n), backend="local") for n in range(3)]
    index.index(jobs)
    same = jobs[1].model_copy()
    listing = index.index([jobs[0], same, jobs[2]])
    assert listing.fast and listing.touched == []
    assert listing.jobs["1"] is same
