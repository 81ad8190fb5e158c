"""The filter's time terms (``since:2d``, ``until:2026-12-01``, ``age:<1h``, ``ended:today``,
``started:<1h``, ``duration:>10m``) and the times people type in them and in options: a span
back from now (``30m``, ``12h``, ``7d``, ``2w``), ``today`` or ``yesterday`` (their midnight),
or a date or time (``2026-12-01``, ``2026-12-01T08:00``).

A job's times, as the job list shows them:

- when it was last active: updated, else started, else created (the list's age column);
- when it began: created, else started, else updated.

``since:T``: last active at or after T. ``until:T``: began at or before T. Together they
keep the jobs that were around at some time between the two. ``age:<1h``: last active
less than an hour ago (``<``, ``<=``, ``>``, ``>=``). ``started:``/``ended:`` read the job's
start or end: a span (``ended:2d``) is since then, a day (``ended:today``, ``ended:2026-12-01``)
is within it, a comparison is of how long ago with a span (``ended:<1h``) and of the moment
with a date (``ended:>2026-12-01T08:00``). ``duration:>10m`` compares how long the job ran
(a running job: so far, up to now). A job without the time a term reads matches none of them.
Pure functions of the text, ``now`` and the zone a date is read in.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from functools import cached_property
from typing import Literal

from jobdeck.clock import assume_utc
from jobdeck.model import Job

TIME_KEYS = frozenset({"since", "until", "age", "started", "ended"})
#: The days people name instead of a date.
_DAYS = {"today": 0, "yesterday": 1}

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_SPAN = re.compile(r"(\d{1,9})([smhdw])")
_AGE = re.compile(r"(<=|>=|<|>)(.*)", re.DOTALL)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

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
    if text.strip().lower() in _DAYS:
        return _day(text.strip().lower(), now, zone)[0]
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TimeTermError(f"{text!r} is neither a span ({SPAN_EXAMPLES}) nor a date ({DATE_EXAMPLES})") from None
    if moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()


def _day(text: str, now: datetime, zone: tzinfo | None) -> tuple[datetime, datetime]:
    """The day ``text`` names (today, yesterday or a date) in ``zone``: its start and the next day's."""
    if text in _DAYS:
        local = now.astimezone(zone) if zone is not None else now.astimezone()
        start = (local - timedelta(days=_DAYS[text])).replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        start = parse_moment(text, now, zone)
    # The next midnight, read as a wall-clock time (a day of 23 or 25 hours stays one day).
    following = (start.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=start.tzinfo)
    return start, following


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


#: A comparison as written in a term → the comparison.
COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
#: The job's time a TimeTest reads, by its ``which``.
JOB_TIME: dict[str, Callable[[Job], datetime | None]] = {
    "last_active": last_active, "began": began,
    "started": operator.attrgetter("started"), "ended": operator.attrgetter("ended"),
}


@dataclass(frozen=True)
class TimeTest:
    """One time term, resolved: the job's ``which`` time compared (``op``) with ``moment``."""

    which: Literal["last_active", "began", "started", "ended"]
    op: Literal["<", "<=", ">", ">="]
    moment: datetime

    @cached_property
    def seconds(self) -> float:
        """``moment`` as seconds since the epoch."""
        return assume_utc(self.moment).timestamp()

    def holds(self, job: Job) -> bool:
        when = JOB_TIME[self.which](job)
        return when is not None and COMPARE[self.op](assume_utc(when).timestamp(), self.seconds)


#: An age compared with its span is the opposite comparison of the time it was last active.
_AGE_OPS: dict[str, Literal["<", "<=", ">", ">="]] = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def time_tests(key: str, value: str, now: datetime, zone: tzinfo | None = None) -> tuple[TimeTest, ...]:
    """The tests of the time term ``key:value`` (``key`` one of TIME_KEYS, lower-cased), all
    of which hold for a job it matches (a day is two: from its start, before the next)."""
    if key in ("started", "ended"):
        return _moment_tests(key, value, now, zone)  # type: ignore[arg-type]
    if not value:
        example = "age:<1h" if key == "age" else f"{key}:2d or {key}:2026-12-01"
        raise TimeTermError(f"{key}: needs a value, e.g. {example}")
    if key == "age":
        return _age_tests(value, now)
    if key == "since":
        return (TimeTest("last_active", ">=", parse_moment(value, now, zone)),)
    return (TimeTest("began", "<=", parse_moment(value, now, zone)),)  # until


def _moment_tests(
    which: Literal["started", "ended"], value: str, now: datetime, zone: tzinfo | None
) -> tuple[TimeTest, ...]:
    if not value:
        raise TimeTermError(f"{which}: needs a value, e.g. {which}:today, {which}:2d or {which}:<1h")
    found = _AGE.fullmatch(value)
    if found is None:
        text = value.strip().lower()
        if text in _DAYS or _DAY.fullmatch(text):
            start, following = _day(text, now, zone)
            return TimeTest(which, ">=", start), TimeTest(which, "<", following)
        return (TimeTest(which, ">=", parse_moment(value, now, zone)),)
    op, rest = found[1], found[2]
    if not rest:
        raise TimeTermError(f"{which}:{op} needs a span or a date, e.g. {which}:{op}1h")
    span = parse_span(rest)
    if span is not None:
        # How long ago, as age: ended:<1h ended less than an hour ago.
        return (TimeTest(which, _AGE_OPS[op], _before(now, span, rest)),)
    return (TimeTest(which, op, parse_moment(rest, now, zone)),)  # type: ignore[arg-type]


def _age_tests(value: str, now: datetime) -> tuple[TimeTest, ...]:
    found = _AGE.fullmatch(value)
    if found is None:
        raise TimeTermError(f"age: needs < or > and a span ({SPAN_EXAMPLES}), e.g. age:<1h or age:>7d")
    if not found[2]:
        raise TimeTermError(f"age:{found[1]} needs a span ({SPAN_EXAMPLES}), e.g. age:{found[1]}1h")
    span = parse_span(found[2])
    if span is None:
        raise TimeTermError(f"age: {found[2]!r} is not a span ({SPAN_EXAMPLES})")
    return (TimeTest("last_active", _AGE_OPS[found[1]], _before(now, span, value)),)


@dataclass(frozen=True)
class DurationTest:
    """``duration:>10m``: how long a job ran (up to ``now`` while it runs) compared with ``seconds``."""

    op: Literal["<", "<=", ">", ">="]
    seconds: float
    now: datetime

    def holds(self, job: Job) -> bool:
        ran = job.duration(self.now)
        return ran is not None and COMPARE[self.op](ran, self.seconds)


def duration_test(value: str, now: datetime) -> DurationTest:
    """The test of ``duration:VALUE``: a comparison and a span (a bare span is "at least")."""
    found = _AGE.fullmatch(value)
    op, text = (found[1], found[2]) if found is not None else (">=", value)
    span = parse_span(text) if text else None
    if span is None:
        raise TimeTermError(f"duration: needs a span ({SPAN_EXAMPLES}) after < or >, e.g. duration:>10m")
    return DurationTest(op, span.total_seconds(), now)  # type: ignore[arg-type]
