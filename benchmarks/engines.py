"""The real engines of the engine figures (Airflow, Celery, Ray): one of its own for each
figure, installed once, started in the figure's folder by ``scripts/engines/<kind> up`` and
taken down after, whatever the figure did."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts" / "engines"


@contextmanager
def engine(kind: str, workdir: Path, *, name: str, up_timeout: float = 300) -> Iterator[dict[str, str]]:
    """The engine ``kind`` up in ``workdir/kind``: the settings ``up`` printed (``KEY=value`` lines).
    RuntimeError with the end of its stderr when ``name`` did not start."""
    script = str(SCRIPTS / kind)
    subprocess.run(["bash", script, "install"], check=True, capture_output=True, timeout=900)
    base = workdir / kind
    base.mkdir()
    try:
        started = subprocess.run(["bash", script, "up", str(base)], capture_output=True, text=True, timeout=up_timeout)
        if started.returncode != 0:
            raise RuntimeError(f"{name} did not start: {started.stderr.strip()[-500:]}")
        yield dict(line.split("=", 1) for line in started.stdout.splitlines() if "=" in line)
    finally:
        subprocess.run(["bash", script, "down", str(base)], capture_output=True, timeout=120)
