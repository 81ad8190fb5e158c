"""``jobdeck history`` / ``stats`` QUERY arguments: an argument with spaces (its quotes taken
by the shell) is a phrase, after its first term's ``-`` and ``key:``, unless the deck's filter
parser reads it as a query of its own: OR, AND, NOT or a group, or a keyed term after the first."""

from __future__ import annotations

import pytest

from jobdeck.cli.history_source import filter_text


@pytest.mark.parametrize(("argument", "read_as"), [
    ("nightly build", '"nightly build"'),
    ("name:nightly build", 'name:"nightly build"'),
    ("-name:nightly build", '-name:"nightly build"'),
    ("exit -1", '"exit -1"'),  # a negated word after the first is part of the phrase
    ("f(x) y", '"f(x) y"'),  # a parenthesis inside a word opens no group
    ("a )", '"a )"'),
    ("  lead space", '"lead space"'),
])
def test_an_argument_of_plain_words_is_a_phrase(argument: str, read_as: str) -> None:
    assert filter_text([argument]) == read_as


@pytest.mark.parametrize("argument", [
    "state:failed OR state:canceled", "a AND b", "NOT a b", "a NOT b", "(a b)", "-(a b) c", "a (b c)",
    "a name:b", "a -name:b", 'say "hi" there',
    "a (b", "x y OR",  # not a query the parser can read: left as typed, for it to say where
])
def test_an_argument_the_parser_reads_as_a_query_is_left_as_it_is(argument: str) -> None:
    assert filter_text([argument]) == argument


def test_arguments_are_joined_each_read_on_its_own() -> None:
    assert filter_text(["name:nightly build", "-state:failed", "a OR b"]) == 'name:"nightly build" -state:failed a OR b'
