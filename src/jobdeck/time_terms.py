"""The filter's time terms (``since:2d``, ``until:2026-12-01``, ``age:<1h``) and the times
people type in them and in options: a span back from now (``30m``, ``12h``, ``7d``,
``2w``) or a date or time (``2026-12-01``, ``2026-12-01T08:00``).

A job's times, as the job list shows them:

- when it was last active: updated, else started, else created (the list's age column);
- when it began: created, else started, else updated.

``since:T``: last active at or after T. ``until:T``: began at or before T. Together they
keep the jobs that were around at some time between the two. ``age:<1h``: last active
less than an hour ago (``<``, ``<=``, ``>``, ``>=``). A job with no time at all matches
none of them. Pure functions of the text, ``now`` and the zone a date is read in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Literal

from jobdeck.clock import assume_utc
from jobdeck.model import Job

TIME_KEYS = frozenset({"since", "until", "age"})

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_SPAN = re.compile(r"(\d{1,9})([smhdw])")
_AGE = re.compile(r"(<=|>=|<|>)(.*)")

SPAN_EXAMPLES = "30m, 12h, 7d, 2w"
DATE_EXAMPLES = "2026-12-01, 2026-12-01T08:00"


class TimeTermError(ValueError):
    """A time or a time term that cannot be understood; the message says why, for the user."""


def parse_span(text: str) -> timedelta | None:
    """``30m`` and the like as a span of time; None when ``text`` is not one."""
    found = _SPAN.fullmatch(text.strip().lower())
    if found is None:
        return None
    try:
        return timedelta(**{_UNITS[found[2]]: int(found[1])})
    except OverflowError:
        raise TimeTermError(f"{text!r} is further back than a date can be") from None


def parse_moment(text: str, now: datetime, zone: tzinfo | None = None) -> datetime:
    """A span before ``now``, or a date or time read in ``zone`` (the machine's own when None)
    unless it says its own zone. TimeTermError with a message for the user otherwise."""
    span = parse_span(text)
    if span is not None:
        return _before(now, span, text)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TimeTermError(f"{text!r} is neither a span ({SPAN_EXAMPLES}) nor a date ({DATE_EXAMPLES})") from None
    if moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()


def _before(now: datetime, span: timedelta, text: str) -> datetime:
    try:
        return now - span
    except OverflowError:
        raise TimeTermError(f"{text!r} is further back than a date can be") from None


def last_active(job: Job) -> datetime | None:
    """When ``job`` last did something: updated, else started, else created."""
    return job.updated or job.started or job.created


def began(job: Job) -> datetime | None:
    """When ``job`` began: created, else started, else updated."""
    return job.created or job.started or job.updated


@dataclass(frozen=True)
class TimeTest:
    """One time term, resolved: the job's ``which`` time compared (``op``) with ``moment``."""

    which: Literal["last_active", "began"]
    op: Literal["<", "<=", ">", ">="]
    moment: datetime

    @property
    def seconds(self) -> float:
        """``moment`` as seconds since the epoch."""
        return assume_utc(self.moment).timestamp()

    def holds(self, job: Job) -> bool:
        when = last_active(job) if self.which == "last_active" else began(job)
        if when is None:
            return False
        at, moment = assume_utc(when).timestamp(), self.seconds
        op = self.op
        return at < moment if op == "<" else at <= moment if op == "<=" else at > moment if op == ">" else at >= moment


#: An age compared with its span is the opposite comparison of the time it was last active.
_AGE_OPS: dict[str, Literal["<", "<=", ">", ">="]] = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def time_test(key: str, value: str, now: datetime, zone: tzinfo | None = None) -> TimeTest:
    """The test of the time term ``key:value`` (``key`` one of TIME_KEYS, lower-cased)."""
    if not value:
        example = "age:<1h" if key == "age" else f"{key}:2d or {key}:2026-12-01"
        raise TimeTermError(f"{key}: needs a value, e.g. {example}")
    if key == "since":
        return TimeTest("last_active", ">=", parse_moment(value, now, zone))
    if key == "until":
        return TimeTest("began", "<=", parse_moment(value, now, zone))
    found = _AGE.fullmatch(value)
    if found is None:
        raise TimeTermError(f"age: needs < or > and a span ({SPAN_EXAMPLES}), e.g. age:<1h or age:>7d")
    if not found[2]:
        raise TimeTermError(f"age:{found[1]} needs a span ({SPAN_EXAMPLES}), e.g. age:{found[1]}1h")
    span = parse_span(found[2])
    if span is None:
        raise TimeTermError(f"age: {found[2]!r} is not a span ({SPAN_EXAMPLES})")
    return TimeTest("last_active", _AGE_OPS[found[1]], _before(now, span, value))
