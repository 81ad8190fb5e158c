"""The conformance suite's fixtures: ``backend``, one per adapter kind (``kits.KITS``).

A test that takes ``backend`` runs once for each kind, with the kind as its id
(``test_…[istari]``); one that also takes ``failure`` runs once for each way
each kind's backend can fail (``test_…[drp-401]``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from kit import Kit
from kit_local import run_real_jobs
from kits import KITS

BY_KIND = {kit.kind: kit for kit in KITS}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "failure" in metafunc.fixturenames:
        cases = [(kit.kind, failure) for kit in KITS for failure in kit.failures]
        metafunc.parametrize(("kind", "failure"), cases, ids=[f"{kind}-{failure}" for kind, failure in cases])
    elif "kind" in metafunc.fixturenames:
        metafunc.parametrize("kind", list(BY_KIND))


@pytest.fixture
async def backend(kind: str, request: pytest.FixtureRequest) -> AsyncIterator[Kit]:
    """The kind's backend and its adapter, opened; closed after the test."""
    async with BY_KIND[kind](request) as kit:
        yield kit


@pytest.fixture(scope="session")
def real_spool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A spool of real jobs, run to their end once a session (each local backend copies it)."""
    spool = tmp_path_factory.mktemp("conformance") / "spool"
    run_real_jobs(spool)
    return spool
