"""When a scheduled Intuned job runs next: intervals (``{"every": "1h"}``) and
calendars (``{"hour": 2, "minute": 0}``), the two forms of the contract.

Interval strings are ``<n><unit>`` with units s, m, h, d, w; a bare number is
seconds *(inference: the contract gives no unit)*. Calendar fields default
like Temporal's (second, minute and hour 0; the date fields every value) and
take numbers, ``{start, end?, step?}`` ranges, lists of those, ``"*"`` and
day or month names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from jobdeck.emulators.intuned.models import Schedule

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)
DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
MONTHS = ["JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST",
          "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER"]
#: How far ahead a calendar is searched before it is taken to never fire.
_HORIZON_DAYS = 800


def interval_seconds(every: int | str) -> float:
    """Seconds in one interval; ValueError for text that is not ``<n><unit>``."""
    if isinstance(every, int | float):
        seconds = float(every)
    else:
        match = _INTERVAL.match(every)
        if not match:
            raise ValueError(f"interval {every!r} is not a number with a unit (s, m, h, d, w)")
        seconds = float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]
    if seconds <= 0:
        raise ValueError(f"interval {every!r} must be longer than zero")
    return seconds


def validate_schedule(schedule: Schedule | None) -> None:
    """Raise ValueError when a schedule cannot be understood."""
    if schedule is None:
        return
    for interval in schedule.intervals or []:
        interval_seconds(interval.every)
    for calendar in schedule.calendars or []:
        _Calendar(calendar)


def next_run(schedule: Schedule | None, after: datetime, anchor: datetime) -> datetime | None:
    """The first time strictly after ``after`` that the schedule fires, or None.

    Intervals count from ``anchor`` (the job's creation), so they stay on a grid.
    """
    if schedule is None:
        return None
    candidates: list[datetime] = []
    for interval in schedule.intervals or []:
        step = interval_seconds(interval.every)
        elapsed = (after - anchor).total_seconds()
        periods = int(elapsed // step) + 1 if elapsed >= 0 else 0
        candidates.append(anchor + timedelta(seconds=periods * step))
    for calendar in schedule.calendars or []:
        found = _Calendar(calendar).next_after(after)
        if found is not None:
            candidates.append(found)
    return min(candidates) if candidates else None


class _Calendar:
    """One calendar spec, its fields expanded to sets of allowed values."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.seconds = _expand(spec.get("second", 0), range(0, 60), "second")
        self.minutes = _expand(spec.get("minute", 0), range(0, 60), "minute")
        self.hours = _expand(spec.get("hour", 0), range(0, 24), "hour")
        self.weekdays = _expand(spec.get("dayOfWeek", "*"), range(0, 7), "dayOfWeek", names=DAYS)
        self.days = _expand(spec.get("dayOfMonth", "*"), range(1, 32), "dayOfMonth")
        self.months = _expand(spec.get("month", "*"), range(1, 13), "month", names=MONTHS, first=1)
        year = spec.get("year", "*")
        self.years = None if year == "*" else _expand(year, range(1970, 2200), "year")

    def next_after(self, after: datetime) -> datetime | None:
        day = after.replace(hour=0, minute=0, second=0, microsecond=0)
        for _ in range(_HORIZON_DAYS):
            if self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        for second in sorted(self.seconds):
                            moment = day.replace(hour=hour, minute=minute, second=second)
                            if moment > after:
                                return moment
            day += timedelta(days=1)
        return None

    def _day_matches(self, day: datetime) -> bool:
        return (
            day.month in self.months
            and day.day in self.days
            and day.weekday() in self.weekdays
            and (self.years is None or day.year in self.years)
        )


def _expand(value: Any, domain: range, field: str, *, names: list[str] | None = None, first: int = 0) -> set[int]:
    if value == "*":
        return set(domain)
    if isinstance(value, list):
        return set().union(*(_expand(item, domain, field, names=names, first=first) for item in value))
    if isinstance(value, str) and names is not None and value.upper() in names:
        return {names.index(value.upper()) + first}
    if isinstance(value, bool):
        raise ValueError(f"calendar {field} {value!r} is not a number, range, list, name or '*'")
    if isinstance(value, int):
        return _checked({value}, domain, field)
    if isinstance(value, dict) and isinstance(value.get("start"), int):
        start = value["start"]
        end = value.get("end", start)
        step = value.get("step", 1)
        if not isinstance(end, int) or not isinstance(step, int) or step < 1:
            raise ValueError(f"calendar {field} range {value!r} is not valid")
        return _checked(set(range(start, end + 1, step)), domain, field)
    raise ValueError(f"calendar {field} {value!r} is not a number, range, list, name or '*'")


def _checked(values: Iterable[int], domain: range, field: str) -> set[int]:
    found = set(values)
    bad = sorted(v for v in found if v not in domain)
    if bad:
        raise ValueError(f"calendar {field} {bad[0]} is out of range")
    return found
