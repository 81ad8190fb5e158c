"""Record, once, what a real Ray head answers the deck about a few jobs, for the deck's
deterministic screenshot of Ray (tests/test_engine_snapshots_ray.py).

Run against a head started by ``scripts/engines/ray up BASE``, with its ``KEY=VALUE`` lines
in a file:

    scripts/engines/ray up /tmp/r > /tmp/r.env
    .venv/bin/python tests/engines/ray_data/record_screenshot.py /tmp/r.env

It submits through the Jobs REST API a sweep (a Python driver whose 40 Ray tasks include
three that fail), a shell job that fails, one that succeeds and one still running, waits
until the sweep's task counts are final, then opens the real deck on the head with the
sweep selected, through a recording transport (tests/http_recording.py): every answer the deck
got is kept in ``recorded/answers.json``, the clock of the recording in ``meta.json``.
The folder the sweep's driver was copied to is written as ``/home/ana/sweeps``.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))
from http_recording import Recorder  # noqa: E402
from jobs import submit, wait_for  # noqa: E402

RECORDED = HERE / "recorded"
SWEEPS = "/home/ana/sweeps"
#: Fake secrets: the screenshot shows them hidden by the adapter.
WANDB_KEY = "wandb-3f9c2e71d0a84b5f"
HF_TOKEN = "hf_QxTyZ8vLmN2pR4sW"
API_TOKEN = "sk-live-51HbT2kL9"


def requests(folder: str, tag: str) -> dict[str, dict]:
    return {
        "sweep": {
            "entrypoint": f"python {folder}/sweep.py --trials 40 --api-token={API_TOKEN}",
            "submission_id": f"raysubmit_sweep_{tag}",
            "metadata": {"name": "lr-sweep", "team": "vision", "owner": "ana"},
            "runtime_env": {
                "env_vars": {"WANDB_API_KEY": WANDB_KEY, "HF_TOKEN": HF_TOKEN, "DATASET": "s3://ml-data/imagenet-mini",
                             "OMP_NUM_THREADS": "1"},
            },
        },
        "etl": {"entrypoint": "echo 'loading 2026-12-06 partitions'; echo 'no partition for 2026-12-06' >&2; exit 3",
                "submission_id": f"raysubmit_etl_{tag}", "metadata": {"name": "etl-nightly", "team": "data"}},
        "ok": {"entrypoint": "echo 'compacting checkpoints'; echo 'freed 12.4 GiB'",
               "submission_id": f"raysubmit_compact_{tag}", "metadata": {"name": "compact-checkpoints", "team": "vision"}},
        "serve": {"entrypoint": "echo 'batch inference: 1,200 images/min'; sleep 900",
                  "submission_id": f"raysubmit_infer_{tag}", "metadata": {"name": "batch-inference", "team": "vision"}},
    }


async def record(url: str, sweep_id: str, folder: str) -> float:
    from deck_helpers import build_app, deck_settled, wait_for_jobs
    from fakes import wait_until

    from jobdeck.adapters.ray import RayAdapter, RaySettings
    from jobdeck.clock import FrozenClock
    from jobdeck.model import JobRef
    from jobdeck.ui.widgets.log_view import LogView

    now = int(time.time())
    clock = FrozenClock(datetime.fromtimestamp(now, UTC))
    transport = Recorder(scrub={folder: SWEEPS})
    adapter = RayAdapter(RaySettings(kind="ray", name="ray", url=url, interval=3600), clock=clock, transport=transport)
    app = build_app(Path(tempfile.mkdtemp()), [adapter], clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await wait_for_jobs(app, 4)
        assert jobs.select_ref(JobRef(backend="ray", id=sweep_id))
        await deck_settled(app, pilot)
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: any("best loss" in line for line in log_view.lines_text()), what="the log", timeout=30)
        await pilot.pause(1.0)
    transport.save(RECORDED / "answers.json")
    return now


def main(env_file: str) -> None:
    engine = dict(line.split("=", 1) for line in Path(env_file).read_text().splitlines() if "=" in line)
    url = engine["RAY_DASHBOARD_URL"]
    folder = tempfile.mkdtemp(prefix="jd-sweeps-")
    shutil.copy(HERE / "sweep.py", folder)
    tag = f"{int(time.time()) % 100000:05d}"
    wanted = requests(folder, tag)
    with httpx.Client(base_url=url, timeout=30) as client:
        ids = {role: submit(client, request) for role, request in wanted.items()}
        for role in ("sweep", "etl", "ok"):
            wait_for(client, ids[role], {"SUCCEEDED", "FAILED"}, timeout=180)
        wait_for(client, ids["serve"], {"RUNNING"})
        time.sleep(11)  # the sweep's task counts are final 10 s after its end
        if RECORDED.exists():
            shutil.rmtree(RECORDED)
        RECORDED.mkdir()
        recorded_at = asyncio.run(record(url, ids["sweep"], folder))
        client.post(f"/api/jobs/{ids['serve']}/stop")
    (RECORDED / "meta.json").write_text(json.dumps({"recorded_at": recorded_at, "ids": ids}, indent=2) + "\n")
    print(f"recorded into {RECORDED}")


if __name__ == "__main__":
    main(sys.argv[1])
