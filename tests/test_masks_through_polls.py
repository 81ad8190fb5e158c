"""The masks a filter made over the view's texts (free words, the state column) live through
a poll: the patched view takes them patched alike, so a ``state:`` term after a poll reads
no text again (issue 22: the state column of a million jobs costs ~30 ms to make)."""

from __future__ import annotations

import random

import pytest
from fakes import make_job
from hypothesis import given, settings
from hypothesis import strategies as st
from test_job_filter import Deck, numbered

from jobdeck.model import JobState
from jobdeck.query import job_texts, parse_query
from jobdeck.query.masks import TextMasks

STATES = list(JobState)


@pytest.fixture
def state_columns_made(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of each list of texts a state column was made for."""
    made: list[int] = []
    states = TextMasks.states

    def noted(self: TextMasks, wanted):  # type: ignore[no-untyped-def]
        if self._states is None:
            made.append(len(self.texts))
        return states(self, wanted)

    monkeypatch.setattr(TextMasks, "states", noted)
    return made


def texts_of(states: list[int], words: list[int]) -> list[str]:
    jobs = [
        make_job(str(n), STATES[state], name=("train" if word else "deploy") + f"-{n}")
        for n, (state, word) in enumerate(zip(states, words, strict=True))
    ]
    return job_texts(jobs)


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(0, 30),
    data=st.data(),
)
def test_patched_masks_are_the_masks_of_the_patched_texts(size: int, data: st.DataObject) -> None:
    kinds = st.lists(st.integers(0, len(STATES) - 1), min_size=size, max_size=size)
    texts = texts_of(data.draw(kinds), data.draw(st.lists(st.integers(0, 1), min_size=size, max_size=size)))
    kept = TextMasks(texts)
    kept.states([JobState.FAILED])
    kept.word("train")
    kept.word("-1")
    dropped = sorted(data.draw(st.sets(st.integers(0, size - 1), max_size=size)) if size else [])
    count = data.draw(st.integers(0, 5))
    new_texts = texts_of(
        data.draw(st.lists(st.integers(0, len(STATES) - 1), min_size=count, max_size=count)),
        data.draw(st.lists(st.integers(0, 1), min_size=count, max_size=count)),
    )
    places = sorted(data.draw(st.lists(st.integers(0, size), min_size=count, max_size=count)))
    inserted = list(zip(places, new_texts, strict=True))
    # The patched list, spelled out: inserts before the old position, drops taken out.
    patched: list[str] = []
    for position in range(size + 1):
        patched += [text for place, text in inserted if place == position]
        if position < size and position not in dropped:
            patched.append(texts[position])
    carried = kept.patched(patched, dropped, inserted)
    fresh = TextMasks(patched)
    for states in ([JobState.FAILED], [JobState.RUNNING, JobState.PENDING], STATES):
        assert carried.states(states) == fresh.states(states)
    for word in ("train", "-1", "deploy"):
        assert carried.word(word) == fresh.word(word)


def test_a_state_term_after_a_poll_reads_no_text_and_lets_through_what_a_fresh_filter_would(
    state_columns_made: list[int],
) -> None:
    deck = Deck(numbered(300))
    deck.filter.set_query(parse_query("job"))  # (the index completed: every text known)
    assert deck.query("state:running") == deck.expected("state:running")
    assert state_columns_made == [300]  # made once, for the view
    rng = random.Random(22)
    for _ in range(5):
        changed = [
            deck.jobs[str(n)].model_copy(update={"state": rng.choice(STATES), "updated": deck.jobs[str(n)].updated})
            for n in rng.sample(range(300), 10)
            if str(n) in deck.jobs
        ]
        gone = tuple(str(n) for n in rng.sample(range(300), 3) if str(n) in deck.jobs and str(n) not in {j.id for j in changed})
        deck.change(*changed, gone_ids=gone)
        for text in ("state:failed", "state:running -state:failed", "-state:succeeded job", ""):
            assert deck.query(text) == deck.expected(text), text
    # Only the few jobs each poll brought had their states read (to filter them as they arrive).
    assert state_columns_made[0] == 300 and max(state_columns_made[1:]) <= 10
