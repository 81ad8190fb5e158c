"""Celery sends a task's arguments and result as reprs, cut at about 1 KiB: the secrets in them
are hidden whether the repr parses or not, and only a repr that is whole and plain is ever
sent again by a retry. (No engine needed: these are the texts Celery's saferepr writes.)"""

from __future__ import annotations

import pytest

from jobdeck.adapters.celery.reprs import cut, redact_repr, sendable
from jobdeck.redact import REDACTED


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("{'password': 'hunter2', 'user': 'ann'}", f"{{'password': '{REDACTED}', 'user': 'ann'}}"),
        ("['ann', {'db': {'api_token': [1, 2]}}]", f"['ann', {{'db': {{'api_token': '{REDACTED}'}}}}]"),
        # Cut short by Celery: not a literal any more, hidden as text up to where the value ends.
        ("{'blob': 'xxxx', 'secret_key': 'abcdef", f"{{'blob': 'xxxx', 'secret_key': '{REDACTED}'"),
        ("Creds(user='a', password='zz', n=3)", f"Creds(user='a', password='{REDACTED}', n=3)"),
        # The usual names of secret arguments beyond the deck-wide ones.
        ("{'passwd': 'p1', 'credentials': {'u': 1}, 'ssh_private_key': 'k', 'cookie': 'c'}",
         f"{{'passwd': '{REDACTED}', 'credentials': '{REDACTED}', 'ssh_private_key': '{REDACTED}', 'cookie': '{REDACTED}'}}"),
        ("Db(passwd='p1', host='h'", f"Db(passwd='{REDACTED}', host='h'"),
        ("(6,)", "(6,)"),
        ("", ""),
    ],
)
def test_secrets_in_a_repr_are_hidden_whether_it_parses_or_not(sent: str, shown: str) -> None:
    assert redact_repr(sent) == shown


def test_only_whole_plain_arguments_are_sent_again() -> None:
    assert sendable("[6, {'a': (1, 2)}]", "()") == [6, {"a": (1, 2)}]
    assert sendable(None, "{}") == {}
    for refused in ("{'blob': 'xxxx...'}", "[1, 2, ...]", "{1, 2}", "Creds(user='a')", "[b'raw']"):
        with pytest.raises(ValueError):
            sendable(refused, "()")


def test_a_long_text_is_cut_on_one_line() -> None:
    assert cut("a\n  b " + "c" * 100, 10) == "a b ccccc…"
    assert cut(None, 10) == ""
