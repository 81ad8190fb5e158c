"""The Slurm adapter in mode "rest" against the real slurmrestd of scripts/engines/slurm (22.05,
OpenAPI v0.0.38): the same jobs as the CLI sees, its token from the environment and never shown."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent / "slurm_data"))
from slurm_jobs import environment, poll_until, sbatch, slurm  # noqa: E402

from jobdeck.adapters.slurm import SlurmAdapter, SlurmSettings  # noqa: E402
from jobdeck.errors import AuthFailed, NotFound  # noqa: E402
from jobdeck.model import Job, JobState  # noqa: E402

TOKEN_ENV = "JD_TEST_SLURM_JWT"


class Cluster:
    def __init__(self, env: dict[str, str], folder: str, ids: dict[str, str]) -> None:
        self.env = env
        self.folder = folder
        self.ids = ids
        self.url = env["SLURM_REST_URL"]
        self.token = env["SLURM_JWT"]


@pytest.fixture(scope="module")
def cluster(slurm_engine: Any) -> Iterator[Cluster]:
    env = {key: value for key, value in slurm_engine.environ().items() if key != "SLURM_JWT"}
    folder = slurm_engine.env["SLURM_JOBS_DIR"]
    ids = {
        # As the token's user: slurmrestd acts as that user, who may hold and cancel only its own jobs.
        "ok": sbatch(env, folder, "-J", "rest ok", script="echo ok over rest", user="slurmtest"),
        "bad": sbatch(env, folder, "-J", "rest bad", script="exit 3", user="slurmtest"),
        "later": sbatch(env, folder, "-J", "rest later", "--begin=now+3600", script="echo later", user="slurmtest"),
    }
    yield Cluster({**env, "SLURM_JWT": slurm_engine.env["SLURM_JWT"]}, folder, ids)
    slurm(env, "scancel", ids["later"])


@pytest.fixture
async def adapter(cluster: Cluster) -> AsyncIterator[SlurmAdapter]:
    with environment({TOKEN_ENV: cluster.token}):
        rest = SlurmAdapter(SlurmSettings(kind="slurm", name="rest", mode="rest", url=cluster.url, user="slurmtest",
                                          token_env=TOKEN_ENV, users=["*"], accounting_interval=1))
        await rest.open()
        yield rest
        await rest.close()


async def _listing(adapter: SlurmAdapter) -> dict[str, Job]:
    return {job.id: job for job in await adapter.list_jobs()}


async def test_rest_lists_the_jobs_with_states_and_exit_codes_from_the_discovered_version(cluster, adapter):
    listed = await poll_until(lambda: _listing(adapter), lambda listed: all(
        listed.get(cluster.ids[role]) and listed[cluster.ids[role]].state.is_terminal for role in ("ok", "bad")))
    assert adapter.source.version == "v0.0.38"
    ok, bad, later = (listed[cluster.ids[role]] for role in ("ok", "bad", "later"))
    assert (ok.state, ok.raw_state, ok.name) == (JobState.SUCCEEDED, "COMPLETED", "rest ok")
    assert (bad.state, bad.error) == (JobState.FAILED, "exit 3")
    assert (later.state, later.raw_state) == (JobState.PENDING, "PENDING (BeginTime)")
    assert (await adapter.read_log(ok.id)).text == "ok over rest\n"


async def test_an_unchanged_queue_is_answered_304_and_the_last_listing_stands(cluster, adapter):
    # Jobs of this session (other modules' too) may still change state between two polls: a
    # change is a 200 and a new listing. Until two polls meet a quiet queue, ask again.
    for _ in range(10):
        first = await _listing(adapter)
        asked = adapter.source._asked_at
        again = await _listing(adapter)
        if adapter.source._asked_at == asked:
            break
    assert again == first and adapter.source._asked_at == asked  # a 304: the last answer stands


async def test_rest_holds_releases_and_cancels_and_says_it_cannot_requeue(cluster, adapter):
    job_id = cluster.ids["later"]
    await adapter.list_jobs()
    assert (await adapter.pause(job_id)).ok
    held = (await _listing(adapter))[job_id]
    assert (held.state, held.raw_state) == (JobState.PAUSED, "PENDING (JobHeldUser)")
    assert (await adapter.resume(job_id)).ok
    assert (await _listing(adapter))[job_id].state is JobState.PENDING
    bad = (await _listing(adapter))[cluster.ids["bad"]]
    assert adapter.why_not(__import__("jobdeck.model").model.Capability.RETRY, bad) == (
        'slurmrestd has no requeue (mode "cli" can: scontrol requeue)')
    with pytest.raises(NotFound):
        await adapter.cancel("999999")


async def test_an_expired_token_is_an_auth_error_naming_its_variable(cluster):
    expired = slurm({k: v for k, v in cluster.env.items() if k != "SLURM_JWT"},
                    "scontrol", "token", "username=slurmtest", "lifespan=1").strip().split("=", 1)[1]
    time.sleep(1.5)
    with environment({TOKEN_ENV: expired}):
        rest = SlurmAdapter(SlurmSettings(kind="slurm", name="rest", mode="rest", url=cluster.url, token_env=TOKEN_ENV))
        await rest.open()
        try:
            with pytest.raises(AuthFailed, match=rf"the Slurm token in \${TOKEN_ENV} expired"):
                await rest.list_jobs()
        finally:
            await rest.close()


async def test_a_wrong_token_says_so_naming_its_variable_and_is_never_shown(cluster):
    wrong = cluster.token[:-6] + "AAAAAA"
    with environment({TOKEN_ENV: wrong}):
        rest = SlurmAdapter(SlurmSettings(kind="slurm", name="rest", mode="rest", url=cluster.url, token_env=TOKEN_ENV))
        await rest.open()
        try:
            with pytest.raises(AuthFailed) as raised:
                await rest.list_jobs()
        finally:
            await rest.close()
    assert f"slurmrestd refused the token in ${TOKEN_ENV}" in raised.value.message
    assert wrong not in raised.value.message and wrong not in json.dumps(rest.describe())


async def test_without_its_token_the_backend_names_the_variable(cluster):
    with environment({TOKEN_ENV: ""}):
        rest = SlurmAdapter(SlurmSettings(kind="slurm", name="rest", mode="rest", url=cluster.url, token_env=TOKEN_ENV))
        with pytest.raises(AuthFailed, match=TOKEN_ENV):
            await rest.open()
