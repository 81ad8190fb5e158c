"""The job list's filter, without an app: a sorted view in, the matching rows out."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from fakes import make_job

from jobdeck.model import Job, JobState
from jobdeck.query import Query, parse_query, sort_jobs, sort_key
from jobdeck.ui.widgets.job_list.job_filter import JobFilter, locate

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
RECENT = sort_key("recent")


def numbered(count: int) -> list[Job]:
    """Jobs "0".."count-1", named "job N"; job 0 is the most recent, so "recent" keeps this order."""
    return [make_job(str(n), name=f"job {n}", updated=NOW - timedelta(seconds=n + 1)) for n in range(count)]


class Deck:
    """What the job list gives a JobFilter: every job held, and the sorted view of them."""

    def __init__(self, jobs: list[Job], *, in_slices: bool = False) -> None:
        self.jobs = {job.id: job for job in jobs}
        self.filter = JobFilter(lambda: self.jobs.values())
        self.filter.reset(jobs, in_slices=in_slices)
        self.filter.set_sorted(sort_jobs(jobs, "recent"))

    def query(self, text: str) -> list[str]:
        self.filter.set_query(parse_query(text))
        return ids(self.filter.rows)

    def change(self, *fresh: Job, gone_ids: tuple[str, ...] = ()) -> None:
        """A small diff, applied as the list applies one: new versions replace old ones."""
        gone = [self.jobs.pop(job_id) for job_id in gone_ids]
        gone += [self.jobs[job.id] for job in fresh if job.id in self.jobs]
        self.jobs.update({job.id: job for job in fresh})
        self.filter.update_index(fresh)
        self.filter.patch(gone, list(fresh), RECENT)

    def expected(self, text: str) -> list[str]:
        """What filtering the jobs from scratch gives."""
        return ids(parse_query(text).filter(sort_jobs(self.jobs.values(), "recent")))


def ids(jobs: list[Job]) -> list[str]:
    return [job.id for job in jobs]


def counting_selects(query: Query) -> list[int]:
    """Records how many jobs each pass of ``query`` looks at (``select``, or ``mask`` for
    the queries it reads)."""
    seen: list[int] = []
    select, mask = query.select, query.mask

    def counted(jobs, texts):  # type: ignore[no-untyped-def]
        seen.append(len(jobs))
        return select(jobs, texts)

    def counted_mask(texts, masks=None):  # type: ignore[no-untyped-def]
        found = mask(texts, masks)
        if found is not None:
            seen.append(len(texts))
        return found

    query.select = counted  # type: ignore[method-assign]
    query.mask = counted_mask  # type: ignore[method-assign]
    return seen


# -- filtering -------------------------------------------------------------------


def test_the_empty_query_shows_the_sorted_view_itself() -> None:
    deck = Deck(numbered(5))
    assert deck.filter.rows is deck.filter.sorted
    assert ids(deck.filter.rows) == ["0", "1", "2", "3", "4"]


def test_a_query_keeps_the_matching_jobs_in_sorted_order() -> None:
    deck = Deck(numbered(30))
    assert deck.query('"job 1"') == ["1", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19"]
    assert deck.query("job 2") == ["2", "12", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29"]
    assert deck.query("state:fail") == []


def test_the_first_filter_completes_the_index() -> None:
    deck = Deck(numbered(10))
    assert not deck.filter.ready
    deck.query("job 3")
    assert deck.filter.ready


def test_a_query_matching_every_job_shows_the_sorted_view_itself() -> None:
    deck = Deck(numbered(10))
    deck.query("job")
    assert deck.filter.rows is deck.filter.sorted


def test_going_back_to_a_recent_query_reuses_its_rows() -> None:
    deck = Deck(numbered(30))
    deck.query("job 1")
    rows = deck.filter.rows
    deck.query("job 12")
    deck.query("job 1")
    assert deck.filter.rows is rows


def test_only_the_last_sixteen_queries_are_remembered() -> None:
    deck = Deck(numbered(30))
    deck.query("job 1")
    rows = deck.filter.rows
    for number in range(16):
        deck.query(f"state:running job {number}")
    assert deck.query("job 1") == ids(rows)
    assert deck.filter.rows is not rows


def test_a_new_sorted_view_forgets_the_remembered_rows() -> None:
    deck = Deck(numbered(30))
    deck.query('"job 1"')
    deck.filter.set_sorted(list(reversed(deck.filter.sorted)))
    assert ids(deck.filter.rows) == ["19", "18", "17", "16", "15", "14", "13", "12", "11", "10", "1"]


def test_typing_on_in_a_free_word_filters_only_the_rows_shown() -> None:
    deck = Deck(numbered(300))
    deck.query("job 12")
    shown = len(deck.filter.rows)
    longer = parse_query("job 123")
    seen = counting_selects(longer)
    deck.filter.set_query(longer)
    assert seen == [shown]
    assert ids(deck.filter.rows) == deck.expected("job 123")


def test_typing_on_while_most_of_the_view_is_shown_filters_the_view_by_its_kept_masks() -> None:
    deck = Deck(numbered(300))
    deck.query("job 1")  # 111 of 300 jobs
    longer = parse_query("job 12")
    seen = counting_selects(longer)
    deck.filter.set_query(longer)
    assert seen == [300]
    assert ids(deck.filter.rows) == deck.expected("job 12")


def test_a_query_that_may_widen_the_rows_filters_the_whole_view() -> None:
    deck = Deck(numbered(300))
    deck.query("job 12")
    for text in ("job 2", "-job 12", "job 12 state:running"):
        query = parse_query(text)
        seen = counting_selects(query)
        deck.filter.set_query(query)
        assert seen == [300], text
        assert ids(deck.filter.rows) == deck.expected(text), text


def test_a_negated_word_typed_on_while_it_lets_every_job_through_filters_nothing() -> None:
    deck = Deck(numbered(300))
    assert deck.query("-xy") == deck.expected("")
    for text in ("-xyz", "-xyzz"):
        query = parse_query(text)
        seen = counting_selects(query)
        deck.filter.set_query(query)
        assert seen == [], text  # nothing without "xy" has "xyz"
        assert deck.filter.rows is deck.filter.sorted
    assert deck.query("-job 1") == deck.expected("-job 1")
    query = parse_query("-job 12")  # it lets more through than "-job 1", not every job: a pass
    seen = counting_selects(query)
    deck.filter.set_query(query)
    assert seen == [300] and ids(deck.filter.rows) == deck.expected("-job 12")


# -- patching a small diff -------------------------------------------------------


def test_a_patch_puts_new_jobs_in_sorted_place_and_drops_gone_ones() -> None:
    deck = Deck(numbered(5))
    newest = make_job("9", name="job 9", updated=NOW)
    middle = make_job("3", name="job 3", updated=NOW - timedelta(seconds=2.5))
    deck.change(newest, middle, gone_ids=("1",))
    assert ids(deck.filter.sorted) == ["9", "0", "3", "2", "4"]
    assert deck.filter.rows is deck.filter.sorted


def test_many_changes_at_once_keep_the_view_sorted_and_each_text_beside_its_job() -> None:
    rng = random.Random(7)
    # Few distinct times: many ties, as a busy backend's second-resolution clock gives.
    deck = Deck([make_job(str(n), name=f"job {n}", updated=NOW - timedelta(seconds=rng.randrange(30))) for n in range(300)])
    deck.query("job")  # completes the index: from now on the texts are patched with the jobs
    for round_number in range(25):
        deck.query(rng.choice(["", "job", "r1"]))
        fresh = [
            make_job(job_id, name=f"job {job_id} r{round_number}", updated=NOW - timedelta(seconds=rng.randrange(40)))
            for job_id in rng.sample(sorted(deck.jobs), 40)
        ]
        deck.change(*fresh, gone_ids=tuple(rng.sample(sorted(set(deck.jobs) - {job.id for job in fresh}), 3)))
        shown = deck.filter.sorted
        assert [RECENT(job) for job in shown] == sorted(RECENT(job) for job in shown)
        assert all(deck.jobs[job.id] is job for job in shown) and len(shown) == len(deck.jobs)
        for text in ("", f"r{round_number}", "r1"):
            assert sorted(deck.query(text)) == sorted(deck.expected(text))


def test_a_patch_under_a_query_adds_only_the_new_jobs_that_match() -> None:
    deck = Deck(numbered(20))
    deck.query("job 1")
    deck.change(
        make_job("41", name="job 41", updated=NOW),
        make_job("22", name="job 22", updated=NOW),
        make_job("31", name="other 31", updated=NOW),
    )
    assert ids(deck.filter.rows) == deck.expected("job 1")
    assert ids(deck.filter.rows)[0] == "41"
    assert "22" not in ids(deck.filter.rows)
    assert "31" not in ids(deck.filter.rows)
    assert ids(deck.filter.sorted)[:3] == ["41", "22", "31"]


def test_a_changed_job_is_matched_by_its_new_text_not_its_old_one() -> None:
    deck = Deck(numbered(20))
    deck.query("job 1")
    deck.change(make_job("12", JobState.FAILED, name="renamed", updated=NOW - timedelta(seconds=13)))
    assert "12" not in ids(deck.filter.rows)
    # Narrowing reads the texts kept beside the rows: they must have moved with them.
    assert deck.query("job 1 ") == deck.expected("job 1 ")
    assert deck.query("renamed") == ["12"]
    assert deck.query("state:failed") == ["12"]


def test_jobs_leaving_the_view_stay_indexed_for_when_the_view_switches() -> None:
    deck = Deck(numbered(10))
    deck.query("job")
    old = deck.jobs["4"]
    deck.jobs["4"] = archived = old.model_copy(update={"archived": True})
    deck.filter.update_index([archived])
    deck.filter.patch([old], [], RECENT)  # it arrives in the archived view, not this one
    assert "4" not in ids(deck.filter.rows)
    deck.filter.set_sorted([archived])
    assert deck.query("job 4") == ["4"]


def test_a_patch_before_the_index_is_complete_still_filters_right_later() -> None:
    deck = Deck(numbered(20))
    deck.change(make_job("5", name="job 55", updated=NOW))
    assert not deck.filter.ready
    assert deck.query("job 55") == ["5"]


# -- the index built in slices ---------------------------------------------------


def test_the_index_is_built_one_slice_at_a_time_until_complete() -> None:
    jobs = numbered(10)
    deck = Deck(jobs, in_slices=True)
    starts = [0]
    while (end := deck.filter.index_slice(jobs, starts[-1], 4)) is not None:
        assert not deck.filter.ready
        starts.append(end)
    assert starts == [0, 4, 8]
    assert deck.filter.ready
    assert deck.query("job 7") == ["7"]


def test_slices_stop_once_a_filter_has_completed_the_index() -> None:
    jobs = numbered(10)
    deck = Deck(jobs, in_slices=True)
    deck.query("job 7")
    assert deck.filter.index_slice(jobs, 0, 4) is None


def test_slices_of_jobs_since_replaced_do_nothing() -> None:
    old = numbered(10)
    deck = Deck(old, in_slices=True)
    deck.filter.reset(numbered(3), in_slices=True)
    assert deck.filter.index_slice(old, 0, 100) is None
    assert not deck.filter.ready


def test_without_slices_asked_for_the_first_filter_builds_the_index() -> None:
    jobs = numbered(10)
    deck = Deck(jobs)
    assert deck.filter.index_slice(jobs, 0, 100) is None
    assert not deck.filter.ready


def test_a_job_changed_while_the_index_is_built_is_matched_by_its_new_text() -> None:
    jobs = numbered(10)
    deck = Deck(jobs, in_slices=True)
    deck.filter.index_slice(jobs, 0, 5)
    deck.change(make_job("2", name="renamed", updated=NOW), make_job("8", name="other", updated=NOW))
    assert deck.filter.index_slice(jobs, 5, 5) is None
    assert deck.filter.ready
    assert deck.query("renamed") == ["2"]
    assert deck.query("other") == ["8"]
    assert deck.query("job") == deck.expected("job")


def test_a_completed_index_gives_the_rows_shown_their_texts() -> None:
    jobs = numbered(12)
    deck = Deck(jobs, in_slices=True)
    deck.filter.index_slice(jobs, 0, 100)
    # The empty query's rows are the sorted view: narrowing from them must read the right texts.
    assert deck.query("job 1") == ["1", "10", "11"]
    assert deck.query("job 11") == ["11"]


# -- locate ----------------------------------------------------------------------


def test_locate_finds_the_very_object_not_an_equal_one() -> None:
    rows = numbered(5)
    assert locate(rows, rows[3], RECENT) == 3
    twin = rows[3].model_copy()
    assert locate(rows, twin, RECENT) is None


def test_locate_finds_a_job_among_many_with_the_same_sort_key() -> None:
    same_time = [make_job(str(n), updated=NOW) for n in range(600)]
    assert locate(same_time, same_time[500], RECENT) == 500
    assert locate(same_time, make_job("x", updated=NOW), RECENT) is None
