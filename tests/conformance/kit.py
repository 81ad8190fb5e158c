"""What the conformance suite needs of one adapter kind: its adapter, a backend to
drive it with, and what that backend can say.

A kind's ``Kit`` builds its backend (an emulator in-process, or a spool of real
jobs), the adapter on it (opened), and knows its contract: the raw states it
can produce and what each must map to, how it fails, which secrets it holds.
Every test in ``tests/conformance`` takes a kit through the ``backend``
fixture, so a new adapter that adds its kit to ``kits.KITS`` gets them all.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, ClassVar

import pytest

from jobdeck.adapters.base import Adapter
from jobdeck.errors import AdapterError
from jobdeck.model import JobState

#: What a raw state must map to: one state, or any of a few where the backend's own
#: figures decide (an Intuned run that is PENDING is RUNNING once a payload is done).
Expected = JobState | tuple[JobState, ...]

#: A raw state no backend's contract knows.
UNKNOWN_RAW_STATE = "hibernating-for-the-conformance-suite"


def expected_states(expected: Expected) -> tuple[JobState, ...]:
    return expected if isinstance(expected, tuple) else (expected,)


class Kit(ABC):
    """One adapter kind's backend, driven by a test. Use as ``async with``."""

    #: The config ``kind`` (and the id of every test run on it).
    kind: ClassVar[str]
    #: Every raw state the backend can produce (its contract), with the state it maps to.
    raw_states: ClassVar[Mapping[str, Expected]]
    #: A terminal raw state any job can be put in without the backend saying so
    #: (no new modification time): what only a complete poll can see.
    quiet_raw_state: ClassVar[str]
    #: Raw states the backend's own schema drift produces (values its contract does not know).
    drifted_raw_states: ClassVar[frozenset[str]]
    #: How the backend can fail, each with the AdapterError kind the adapter must raise.
    failures: ClassVar[Mapping[str, type[AdapterError]]]
    #: An id of the backend's own shape that names no job.
    unknown_job_id: ClassVar[str]
    #: Whether the backend moves in real time (real jobs) rather than only when told.
    real_time: ClassVar[bool] = False

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self.request = request
        self.tmp_path: Path = request.getfixturevalue("tmp_path")
        self.monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
        self._opened = AsyncExitStack()
        #: Values that must never appear in a job, run, event, log, error or description.
        self.secrets: list[str] = []
        self.set_up()
        self.adapter: Adapter = self.new_adapter()

    async def __aenter__(self) -> Kit:
        await self.open(self.adapter)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._opened.aclose()

    async def open(self, adapter: Adapter) -> Adapter:
        """``adapter`` opened, to be closed when the kit is."""
        await adapter.open()
        self._opened.push_async_callback(adapter.close)
        return adapter

    def use_secret(self, env_name: str, value: str) -> str:
        """Put ``value`` in environment variable ``env_name``, as a secret that must never show."""
        self.monkeypatch.setenv(env_name, value)
        self.secrets.append(value)
        return value

    # -- what each kind provides -----------------------------------------------------

    @abstractmethod
    def set_up(self) -> None:
        """Build the backend and put its credentials in place (``use_secret``)."""

    @abstractmethod
    def new_adapter(self, **settings: Any) -> Adapter:
        """A new adapter on this backend (not opened), ``settings`` over the kit's own."""

    @abstractmethod
    def poison_states(self, raw: str) -> None:
        """From now on the backend says every job it shows is in raw state ``raw``
        (where a backend has jobs of two sorts, those whose contract lists ``raw``)."""

    @abstractmethod
    def drift(self) -> None:
        """Switch the backend's schema drift on (unknown enum values, fields gone)."""

    @abstractmethod
    async def fail(self, failure: str) -> Adapter:
        """Make the backend fail as ``failure`` (a key of ``failures``); the adapter to call."""

    @abstractmethod
    async def let_time_pass(self) -> None:
        """Move the backend on a little: jobs advance, logs grow."""

    @abstractmethod
    async def job_with_growing_log(self) -> str:
        """The id of a job whose log is still being written."""
