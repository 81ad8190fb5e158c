"""Injected time. Ages, durations, schedules and emulators all read one clock,
so tests and snapshots can freeze it."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Current wall time, timezone-aware (UTC)."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""


def assume_utc(moment: datetime) -> datetime:
    """``moment`` as it is if it has a zone; a naive one (no zone given) is taken to be UTC.

    So that times from files and backends that leave the zone out still compare.
    """
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive one is taken to be UTC already."""
    return assume_utc(moment).astimezone(UTC)


#: The ``time_zone`` setting that means the machine's own zone.
LOCAL_ZONE = "local"


def display_zone(name: str) -> tzinfo:
    """The zone times are shown in: ``UTC``, ``local`` (the machine's) or an IANA name
    such as ``Europe/Berlin``. ValueError names the choices when ``name`` is none of them."""
    if name.upper() == "UTC":
        return UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name.lower() == LOCAL_ZONE:
        return _machine_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: use UTC, local, or an IANA name such as Europe/Berlin"
        ) from None


def _machine_zone() -> tzinfo:
    """The machine's zone with its daylight-saving rules when they can be found (TZ, or
    the zone file /etc/localtime links to), else its present offset from UTC."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    key = os.environ.get("TZ", "").lstrip(":")
    if not key:
        target = os.path.realpath("/etc/localtime")
        key = target.partition("/zoneinfo/")[2]
    if key:
        try:
            return ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return datetime.now().astimezone().tzinfo or UTC


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FrozenClock:
    """A clock that only moves when told to. ``sleep`` waits until ``advance``
    has moved time past the deadline, so tests drive schedules step by step."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
        self._mono = 0.0
        self._changed = asyncio.Event() if _has_loop() else None
        self._sleepers = 0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    @property
    def sleepers(self) -> int:
        """How many tasks are waiting in ``sleep`` right now."""
        return self._sleepers

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds
        event = self._event()
        event.set()
        # A fresh event for the next wait; sleepers re-check their deadline.
        self._changed = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        deadline = self._mono + max(0.0, seconds)
        self._sleepers += 1
        try:
            await asyncio.sleep(0)
            while self._mono < deadline:
                await self._event().wait()
        finally:
            self._sleepers -= 1

    def _event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed


def _has_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
