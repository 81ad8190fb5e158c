"""Slurm figures (issue 18): what one poll of the Slurm adapter costs.

- ``slurm_poll_cost_ratio``: against a live Slurm (``scripts/engines/slurm``, started under the
  work folder and stopped after) holding 2,000 held jobs plus arrays: the wall time of the
  adapter's poll (``SlurmAdapter.list_jobs`` in mode "cli": ``squeue --json``, parsing, the
  merge with accounting, conversion) over the wall time of a bare ``squeue --json`` on the
  same queue, polls of both interleaved; medians.
- ``slurm_poll_10k_ms``: the adapter's poll of a 10,000-job ``squeue --json`` answer, laid out
  as Slurm 22.05 lays it out (jobs recorded from the test Slurm, their ids spread to 10,000),
  ten of whose jobs changed since the last poll: parse, merge, convert and the listing's diff,
  the command itself left out. Median over repeated polls.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from jobdeck.adapters.slurm import SlurmAdapter, SlurmSettings  # noqa: E402
from jobdeck.adapters.slurm.cli_source import CliSource  # noqa: E402
from jobdeck.adapters.slurm.wire import Parsed  # noqa: E402

Result = tuple[float, str]

TARGETS: dict[str, tuple[float, str]] = {
    "slurm_poll_cost_ratio": (1.3, "x"),
    "slurm_poll_10k_ms": (150, "ms"),
}

SCRIPT = ROOT / "scripts" / "engines" / "slurm"
RECORDED = ROOT / "tests" / "engines" / "slurm_data" / "versions" / "squeue-v0.0.38.json"
HELD_JOBS = 2000


# -- the recorded 10k queue -------------------------------------------------------------------------


def slurm_layout(document: dict) -> bytes:
    """JSON as Slurm 22.05 writes it: two-space indents, slashes escaped."""
    return json.dumps(document, indent=2).replace("/", "\\/").encode()


def queue_10k(changed: int = 0) -> bytes:
    recorded = json.loads(RECORDED.read_text())
    templates = recorded["jobs"]
    jobs = []
    for number in range(10_000):
        job = dict(templates[number % len(templates)])
        job.update(job_id=100_000 + number, array_job_id=0, array_task_id=None, array_task_string="",
                   name=f"job-{number}")
        if number < changed:
            job.update(job_state="RUNNING", state_reason="None")
        jobs.append(job)
    return slurm_layout({"meta": recorded["meta"], "errors": [], "jobs": jobs})


class RecordedSource(CliSource):
    """The CLI source with the command's answer already in hand: everything after it is real."""

    answers: list[bytes]

    async def queue(self) -> Parsed:
        data = self.answers.pop(0)
        self.answers.append(data)
        return self.queue_parser.parse(data)

    async def accounting(self, since: float) -> Parsed:
        return Parsed()


async def poll_10k(workdir: Path, quick: bool) -> Result:
    adapter = SlurmAdapter(SlurmSettings(kind="slurm", name="hpc", users=["*"], accounting_interval=3600))
    source = RecordedSource("hpc", adapter.settings)
    source.answers = [queue_10k(0), queue_10k(10)]
    adapter._source = source
    await adapter.list_jobs()  # the first poll decodes everything; the figure is the polls after it
    times = []
    for _ in range(10 if quick else 30):
        started = time.perf_counter()
        jobs = await adapter.list_jobs()
        times.append((time.perf_counter() - started) * 1000)
    size = len(source.answers[0]) / 1e6
    return statistics.median(times), f"{len(jobs)} jobs, {size:.0f} MB of JSON, 10 changed per poll; p90 {sorted(times)[len(times) * 9 // 10]:.0f} ms"


# -- the live 2,000-job queue -------------------------------------------------------------------------


def _engine_up(base: Path) -> dict[str, str]:
    subprocess.run(["bash", str(SCRIPT), "install"], check=True, capture_output=True, timeout=900)
    base.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["bash", str(SCRIPT), "up", str(base)], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        subprocess.run(["bash", str(SCRIPT), "down", str(base)], capture_output=True, timeout=120)
        raise RuntimeError(f"slurm up failed: {done.stderr[-500:]}")
    return dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)


def _fill(env: dict[str, str], folder: str) -> None:
    """2,000 held jobs and four 100-task held arrays, submitted by one shell."""
    script = (
        f'for i in $(seq {HELD_JOBS}); do sbatch --hold --parsable -J held-$i -o /dev/null --wrap "sleep 1" >/dev/null || exit 1; done\n'
        'for a in 1 2 3 4; do sbatch --hold --parsable -J sweep-$a -a 0-99 -o /dev/null --wrap "sleep 1" >/dev/null || exit 1; done\n'
    )
    subprocess.run(["bash", "-c", script], env=env, cwd=folder, check=True, timeout=900)


async def _bare_squeue() -> float:
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec("squeue", "--json", stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.DEVNULL)
    await process.communicate()
    return time.perf_counter() - started


async def poll_cost_ratio(workdir: Path, quick: bool) -> Result:
    base = workdir / "slurm"
    env = _engine_up(base)
    try:
        client_env = {**os.environ, "SLURM_CONF": env["SLURM_CONF"]}
        client_env.pop("SLURM_JWT", None)
        _fill(client_env, env["SLURM_JOBS_DIR"])
        os.environ["SLURM_CONF"] = env["SLURM_CONF"]
        os.environ.pop("SLURM_JWT", None)
        adapter = SlurmAdapter(SlurmSettings(kind="slurm", name="hpc", accounting_interval=3600))
        await adapter.open()
        listed = await adapter.list_jobs()  # the first poll reads accounting too; steady polls do not
        await _bare_squeue()
        ours, bare = [], []
        for _ in range(8 if quick else 20):
            bare.append(await _bare_squeue())
            started = time.perf_counter()
            listed = await adapter.list_jobs()
            ours.append(time.perf_counter() - started)
        await adapter.close()
        ratio = statistics.median(ours) / statistics.median(bare)
        return ratio, (f"{len(listed)} jobs listed; poll {statistics.median(ours) * 1000:.0f} ms, "
                       f"bare squeue --json {statistics.median(bare) * 1000:.0f} ms (medians)")
    finally:
        subprocess.run(["bash", str(SCRIPT), "down", str(base)], capture_output=True, timeout=300)


FIGURES = {
    "slurm_poll_cost_ratio": poll_cost_ratio,
    "slurm_poll_10k_ms": poll_10k,
}
