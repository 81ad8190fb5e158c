"""Figures taken from the real command on a pseudo-terminal: start-up, idle CPU, and
opening a 1 GB log against toolong. Each returns (value, details for the table)."""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from jobdeck.clock import Clock, SystemClock
from jobdeck.local.runner import run_job

from datafiles import CACHE, big_log, line_tag
from pty_run import PtyProcess, time_until_shown


PYTHON = sys.executable
#: ``python -m jobdeck`` plus the benchmark's file-backed backend kind (a plugin, registered first).
JOBDECK_WITH_BENCH_KIND = [PYTHON, str(Path(__file__).resolve().parent / "jobdeck_cli.py")]
TOOLONG = CACHE / "toolong-venv" / "bin" / "tl"


class _AnHourAgo(SystemClock):
    """Real time, an hour back: jobs recorded with it finished an hour ago."""

    def now(self) -> datetime:
        return super().now() - timedelta(hours=1)


def _spool_with_jobs(spool: Path, count: int, prefix: str, *, clock: Clock | None = None) -> None:
    for number in range(count):
        run_job(["true"], name=f"{prefix}-{number:02d}", spool=spool, echo=False, clock=clock)


def _environment(workdir: Path, config: str) -> dict[str, str]:
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    (workdir / "config" / "config.toml").write_text(config)
    return {
        "JOBDECK_CONFIG": str(workdir / "config" / "config.toml"),
        "JOBDECK_CONFIG_DIR": str(workdir / "config"),
        "JOBDECK_DATA_DIR": str(workdir / "data"),
        "JOBDECK_CACHE_DIR": str(workdir / "cache"),
    }


def startup(workdir: Path, runs: int = 5) -> tuple[float, str]:
    """``python -m jobdeck`` → the first frame showing jobs of a local spool; median of ``runs``.

    The deck keeps the CSS it parsed in its cache folder (jobdeck.ui.runtime.css_cache), so the
    first start after an install or upgrade is a little slower than the others: it is
    timed apart, and the figure is the starts after it, as a user meets them every day.
    """
    spool = workdir / "spool"
    _spool_with_jobs(spool, 20, "startup-job")
    env = _environment(workdir, f'[[backends]]\nkind = "local"\nname = "local"\nspool = "{spool}"\n')
    argv = [PYTHON, "-m", "jobdeck"]
    with PtyProcess(argv, env=env) as first:
        cold = first.wait_for("startup-job-", timeout=30)
        first.send("q")  # quitting writes the cache
        first.process.wait(timeout=10)
    times = [time_until_shown(argv, "startup-job-", env=env, timeout=30) for _ in range(runs)]
    runs_text = ", ".join(f"{t:.2f}" for t in times)
    return statistics.median(times), f"20 local jobs; runs {runs_text} s; first start (CSS not cached) {cold:.2f} s"


def idle_cpu(workdir: Path, seconds: float = 60.0) -> tuple[float, str]:
    """CPU of the deck over ``seconds`` with five local backends polled every 2 s, nothing
    changing: the jobs finished an hour ago, so no age on screen moves but once a minute.
    Also, over a shorter while, the same with jobs that finished seconds ago (their ages,
    and so the list and the detail, repaint every second)."""
    idle, rss = _idle_cpu(workdir / "old", seconds, clock=_AnHourAgo())
    fresh_seconds = min(seconds, 10.0)
    fresh, _ = _idle_cpu(workdir / "fresh", fresh_seconds, clock=None)
    return idle, (
        f"5 local backends x 4 jobs, an hour old; RSS {rss:.0f} MB; "
        f"with jobs seconds old (ages repainted each second) {fresh:.1f}% over {fresh_seconds:.0f} s"
    )


def _idle_cpu(workdir: Path, seconds: float, *, clock: Clock | None) -> tuple[float, float]:
    tables = []
    for number in range(5):
        spool = workdir / f"spool-{number}"
        _spool_with_jobs(spool, 4, f"idle-{number}", clock=clock)
        tables.append(f'[[backends]]\nkind = "local"\nname = "local{number}"\nspool = "{spool}"\ninterval = 2.0\n')
    env = _environment(workdir, "\n".join(tables))
    with PtyProcess([PYTHON, "-m", "jobdeck"], env=env) as deck:
        deck.wait_for("idle-4-", timeout=30)
        time.sleep(3.0)  # let start-up settle (first polls, watchers started)
        before, started = deck.cpu_seconds(), time.monotonic()
        time.sleep(seconds)
        used, elapsed = deck.cpu_seconds() - before, time.monotonic() - started
        rss = deck.rss_mb()
    return used / elapsed * 100, rss


def toolong_ratio(workdir: Path, runs: int = 3) -> tuple[float, str]:
    """Command → the 1 GB log's last line on screen: jobdeck (its log pane) over toolong (``tl FILE``)."""
    path, lines = big_log()
    last = line_tag(lines - 1)
    env = _environment(workdir, f'[[backends]]\nkind = "bench"\nname = "files"\nlogs = ["{path}"]\n')
    ours = [time_until_shown(JOBDECK_WITH_BENCH_KIND, last, env=env, timeout=60) for _ in range(runs)]
    if not TOOLONG.exists():
        raise RuntimeError(f"toolong is not installed at {TOOLONG} (make bench installs it)")
    theirs = [time_until_shown([str(TOOLONG), str(path)], last, timeout=180) for _ in range(max(1, runs // 2))]
    mine, other = statistics.median(ours), statistics.median(theirs)
    return mine / other, f"jobdeck {mine:.2f} s vs toolong {other:.2f} s (command to last line shown)"


FIGURES = {
    "idle_cpu_pct": idle_cpu,
    "startup_s": startup,
    "toolong_open_ratio": toolong_ratio,
}


