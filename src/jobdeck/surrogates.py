"""Lone surrogates: text that cannot be encoded, made encodable.

A lone surrogate (JSON ``"\\ud800"``, a spool file's or an argument's bad bytes)
cannot be written as UTF-8: the terminal, the clipboard, a file and SQLite all
fail on it. Wherever such text may arrive it becomes U+FFFD, in one way
(backend answers, safe text, the history store).
"""

from __future__ import annotations

import re

#: The surrogate code points, as the body of a regular-expression character class.
SURROGATE_RANGE = "\ud800-\udfff"
#: What a lone surrogate becomes.
REPLACEMENT = "\ufffd"
#: One lone surrogate.
LONE_SURROGATE = re.compile(f"[{SURROGATE_RANGE}]")


def replace_lone_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (``text`` itself when it has none)."""
    return LONE_SURROGATE.sub(REPLACEMENT, text) if LONE_SURROGATE.search(text) else text
