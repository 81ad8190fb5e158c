"""The real engines the tests in this folder run against (see engine_session.py).

A fixture per engine, scoped to the session: the first test that takes it installs and
starts the engine, the session's end stops it. Tests here may wait on real daemons, so
they get a longer time limit than the suite's default.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_session import Engine, EngineSession, shared_session

#: Seconds a test here may take, starting an engine included (a cold Ray install is about a minute).
ENGINE_TEST_TIMEOUT_S = 900
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.timeout(ENGINE_TEST_TIMEOUT_S))


@pytest.fixture(scope="session")
def engines(request: pytest.FixtureRequest) -> EngineSession:
    """The session's engines, shared with the conformance kits (stopped when the session ends)."""
    return shared_session(request.config)


@pytest.fixture(scope="session")
def slurm_engine(engines: EngineSession) -> Engine:
    """A single-node Slurm (slurmctld, slurmd, slurmdbd with its own MariaDB, slurmrestd)."""
    return engines.get("slurm")


@pytest.fixture(scope="session")
def ray_engine(engines: EngineSession) -> Engine:
    """A Ray head on loopback, its dashboard's Jobs API."""
    return engines.get("ray")


@pytest.fixture(scope="session")
def celery_engine(engines: EngineSession) -> Engine:
    """Redis, two Celery workers on the project's test tasks, and Flower."""
    return engines.get("celery")


@pytest.fixture(scope="session")
def airflow_engine(engines: EngineSession) -> Engine:
    """Airflow 3 (airflow standalone: SQLite, LocalExecutor) with the project's DAGs, unpaused."""
    return engines.get("airflow")
