"""Record, once, what a real Slurm answers about a small cluster's jobs, for the deck's
deterministic screenshot of an array job (tests/test_engine_snapshots_slurm.py).

Run against a Slurm started by ``scripts/engines/slurm up BASE`` (as root), with its
``KEY=VALUE`` lines in a file:

    scripts/engines/slurm up /tmp/s > /tmp/s.env
    .venv/bin/python tests/engines/slurm_data/record_screenshot.py /tmp/s.env

It submits, with Slurm's own sbatch and as the engine's test user, a few plain jobs
and an array of 24 tasks (four at a time, two of which fail), waits until the array
is half done, then records at once what jobdeck's cli mode asks: ``squeue --json``,
text ``sacct`` (as the adapter asks it), ``scontrol show job`` of every job and task,
``squeue --version``, and the jobs' output files. The engine's temporary folder is
written as ``/scratch/ana/renders`` (REPLAYED_FOLDER) so the recording names no
machine's path; the replay (slurm_replay.py) puts the output files where its
``scontrol`` says they are. The clock of the recording is kept in ``meta.json``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "src"))
from slurm_jobs import sbatch  # noqa: E402

from jobdeck.adapters.slurm.cli_source import DELIMITER, SACCT_FIELDS  # noqa: E402

RECORDED = Path(__file__).with_name("recorded")
#: The engine's job folder is written as this in the recording.
REPLAYED_FOLDER = "/scratch/ana/renders"

ARRAY_TASKS = 24
FAILING_TASKS = (5, 11)
RENDER = (
    'echo "frame $SLURM_ARRAY_TASK_ID of shot-042: loading scene.blend"; sleep 1; '
    'echo "frame $SLURM_ARRAY_TASK_ID: 1,920x1,080, 256 samples"; '
    f'case "$SLURM_ARRAY_TASK_ID" in {"|".join(map(str, FAILING_TASKS))}) '
    'echo "frame $SLURM_ARRAY_TASK_ID: CUDA out of memory (texture cache 7.8 GiB)" >&2; exit 3;; esac; '
    'sleep $((2 + SLURM_ARRAY_TASK_ID % 4)); echo "frame $SLURM_ARRAY_TASK_ID written to out/$SLURM_ARRAY_TASK_ID.exr"'
)
TRAIN = "for e in $(seq 1 40); do echo \"epoch $e/200 loss=0.$((90 - e))\"; sleep 0.2; done; sleep 900"


def read_env(path: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in Path(path).read_text().splitlines() if "=" in line)
    return {key: value for key, value in pairs}


def run(env: dict[str, str], *argv: str) -> str:
    return subprocess.run(list(argv), env=env, capture_output=True, text=True, timeout=60, check=True).stdout


def main(env_file: str) -> None:
    engine = read_env(env_file)
    env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "SLURM_CONF": engine["SLURM_CONF"], "SLURM_TIME_FORMAT": "%s"}
    user, folder = engine["SLURM_USER"], engine["SLURM_JOBS_DIR"]
    ids = {
        "prep": sbatch(env, folder, "-J", "prep-dataset", "-o", "prep-%j.out", user=user,
                       script="echo 'fetching 1,204 shots'; sleep 1; echo done"),
        "etl": sbatch(env, folder, "-J", "etl-orders", "-o", "etl-%j.out", user=user,
                      script="echo 'reading orders.csv'; echo 'bad row 17: price is empty' >&2; exit 3"),
        "train": sbatch(env, folder, "-J", "train-model", "-o", "train-%j.out", "-t", "120", user=user, script=TRAIN),
        "render": sbatch(env, folder, "-J", "render-frames", "-a", f"0-{ARRAY_TASKS - 1}%4",
                         "-o", "render-%A_%a.out", user=user, script=RENDER),
        "report": sbatch(env, folder, "-J", "nightly-report", "--hold", user=user, script="echo report"),
        "cleanup": sbatch(env, folder, "-J", "weekly-cleanup", "--begin=now+7200", user=user, script="echo clean"),
    }
    array = ids["render"]
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        done = run(env, "sacct", "-n", "-X", "-P", "-j", array, "-o", "State")
        finished = sum(1 for state in done.split() if state in ("COMPLETED", "FAILED"))
        if finished >= ARRAY_TASKS // 2 - 1:
            break
        time.sleep(0.3)
    else:
        raise SystemExit("the array did not get half done within 3 minutes")
    now = time.time()
    queue = run(env, "squeue", "--json")
    sacct = run(env, "sacct", "-X", "-n", "-P", f"--delimiter={DELIMITER}", "-o", ",".join(SACCT_FIELDS),
                "-S", time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(now - 3600)), "-E", "now", f"--user={user}")
    shown = {}
    for record in json.loads(queue)["jobs"]:
        for name in {str(record["job_id"]), f"{record['array_job_id']}_{record['array_task_id']}"}:
            if not name.endswith("_") and "_None" not in name:
                shown[name] = subprocess.run(["scontrol", "show", "job", name], env=env, capture_output=True,
                                             text=True, timeout=60).stdout
    for line in sacct.splitlines():
        job_id = line.split(DELIMITER, 1)[0]
        if job_id not in shown:
            shown[job_id] = subprocess.run(["scontrol", "show", "job", job_id], env=env, capture_output=True,
                                           text=True, timeout=60).stdout
    version = run(env, "squeue", "--version")

    if RECORDED.exists():
        shutil.rmtree(RECORDED)
    (RECORDED / "scontrol").mkdir(parents=True)
    (RECORDED / "logs").mkdir()

    def scrub(text: str) -> str:  # squeue's JSON writes a slash as \/
        return text.replace(folder, REPLAYED_FOLDER).replace(folder.replace("/", "\\/"),
                                                             REPLAYED_FOLDER.replace("/", "\\/"))

    (RECORDED / "squeue.json").write_text(scrub(queue))
    (RECORDED / "sacct.txt").write_text(scrub(sacct))
    (RECORDED / "version.txt").write_text(version)
    for name, text in shown.items():
        if text.strip():
            (RECORDED / "scontrol" / f"{name}.txt").write_text(scrub(text))
    for output in sorted(Path(folder).glob("*.out")):
        (RECORDED / "logs" / output.name).write_text(output.read_text(errors="replace"))
    meta = {"recorded_at": now, "user": user, "ids": ids, "folder": REPLAYED_FOLDER}
    (RECORDED / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    subprocess.run(["scancel", "-u", user], env=env, check=False)
    print(f"recorded {len(shown)} scontrol answers into {RECORDED}")


if __name__ == "__main__":
    main(sys.argv[1])
