"""``Query.mask``: free words and state terms side by side (each maybe negated) read the jobs'
texts at C speed, one byte per job; it must say what ``select`` says, job for job."""

from __future__ import annotations

from fakes import make_job
from hypothesis import given, settings
from hypothesis import strategies as st

from jobdeck.model import Job, JobState
from jobdeck.query import job_texts, parse_query
from jobdeck.query.masks import TextMasks

JOBS: list[Job] = [
    make_job(str(number), list(JobState)[number % 7], name=f"{word}-{number}", labels={"machine": f"m-{number % 5}"})
    for number, word in enumerate(["train", "deploy", "report", "index", "Backup", "sync", "état"] * 6)
]
TEXTS = job_texts(JOBS)


def selected(text: str) -> list[int]:
    return parse_query(text).select(JOBS, TEXTS)


KEPT = TextMasks(TEXTS)  # shared by every test: what it keeps must stay right


def masked(text: str, masks: TextMasks | None = None) -> list[int] | None:
    mask = parse_query(text).mask(TEXTS, masks)
    return None if mask is None else [position for position, byte in enumerate(mask) if byte]


def test_a_free_word_and_a_state_term_give_a_byte_per_job() -> None:
    mask = parse_query("train state:p").mask(TEXTS)
    assert mask is not None and len(mask) == len(JOBS) and set(mask) <= {0, 1}
    assert masked("train state:p") == selected("train state:p") != []


def test_negated_words_and_states_and_several_terms_agree_with_select() -> None:
    for text in ("-train", "-state:succeeded", "m-3 -state:fail", '"deploy-1"', "ÉTAT", "-m- x", "state:active -sync"):
        assert masked(text) == selected(text), text


def test_terms_that_read_more_than_the_texts_have_no_mask() -> None:
    for text in ("name:train", "train OR sync", "/tr.in/", "machine:m-1", "-(train sync)", "since:1h"):
        query = parse_query(text)
        assert query.mask(TEXTS) is None and not query.text_only, text
    assert parse_query("").text_only and parse_query("train -state:f").text_only


WORDS = st.sampled_from(["train", "t", "-", "m-1", "0", "ync", "state:f", "state:run,pend", "state:done", "é", "x"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), WORDS), min_size=1, max_size=4))
def test_any_words_and_states_side_by_side_mask_what_select_selects(terms: list[tuple[bool, str]]) -> None:
    text = " ".join(("-" if negated else "") + word for negated, word in terms)
    assert masked(text) == selected(text)
    assert masked(text, KEPT) == selected(text)  # from the masks kept for these texts


def test_masks_kept_for_other_texts_are_not_used() -> None:
    other = TextMasks(TEXTS[:3])
    assert masked("state:pend", other) == selected("state:pend")


def test_a_text_starts_with_its_states_mark_which_no_word_or_pattern_sees() -> None:
    assert selected("/^pending$/") == selected("state:pending") != []
    assert selected("/^.$/") == selected("id:/^.$/")  # one-letter ids; the mark is no field of its own
    assert selected("/^\\x01/") == []
    assert parse_query("state:pend").mask(TEXTS, TextMasks(TEXTS)) == parse_query("state:pend").mask(TEXTS)
