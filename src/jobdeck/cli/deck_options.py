"""Where the deck's options given before a command (``jobdeck --read-only demo``) apply.

They are the deck's options, so they apply where a deck opens: the deck itself
(no command), ``demo`` and ``serve`` (passed on to each browser tab's deck).
``--read-only`` is also taken by the commands that only read (``ls``, ``logs``,
``history``, ``stats``, ``info``): it is what they do anyway. Everywhere else an option is refused with
exit 2 and the reason, because an option silently ignored is worse than none,
above all a safety one: ``jobdeck --read-only run -- CMD`` would start a job.
"""

from __future__ import annotations

from collections.abc import Mapping

READ_ONLY = "--read-only"
KIOSK = "--kiosk"
THEME = "--theme"
ASCII = "--ascii"
NO_ASCII = "--no-ascii"
VIEW = "--view"

_EVERY_DECK_OPTION = frozenset({READ_ONLY, KIOSK, THEME, ASCII, NO_ASCII, VIEW})
_NO_DECK = "it opens no deck"

#: The deck's options each command takes.
TAKEN_BY: Mapping[str, frozenset[str]] = {
    "demo": _EVERY_DECK_OPTION,
    "serve": _EVERY_DECK_OPTION,
    "ls": frozenset({READ_ONLY}),
    "logs": frozenset({READ_ONLY}),
    "history": frozenset({READ_ONLY}),
    "stats": frozenset({READ_ONLY}),
    "info": frozenset({READ_ONLY}),
}

#: Why a command refuses one of them (by command, then option; "*" for every option).
_WHY_NOT: Mapping[str, Mapping[str, str]] = {
    "run": {READ_ONLY: "it starts a job, which read-only forbids", "*": _NO_DECK},
    "emulate": {"*": "it serves a stand-in backend, not the deck"},
}


def given_options(*, read_only: bool, kiosk: bool, theme: str | None, ascii: bool | None, view: str | None) -> list[str]:
    """The deck's options given (``--ascii``/``--no-ascii`` from ``ascii`` True/False), in one order."""
    given = ((READ_ONLY, read_only), (KIOSK, kiosk), (THEME, theme is not None), (ASCII, ascii is True),
             (NO_ASCII, ascii is False), (VIEW, view is not None))
    return [name for name, on in given if on]


def refusal(command: str, given: list[str]) -> str | None:
    """Why ``command`` cannot take the first option of ``given`` it does not take; None if it takes them all."""
    taken = TAKEN_BY.get(command, frozenset())
    for option in given:
        if option in taken:
            continue
        reasons = _WHY_NOT.get(command, {})
        why = reasons.get(option) or reasons.get("*") or _NO_DECK
        where = ", ".join(["the deck", *sorted(name for name, options in TAKEN_BY.items() if option in options)])
        return f"{option} does not apply to `jobdeck {command}`: {why} ({option} applies to {where})"
    return None
