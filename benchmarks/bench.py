"""jobdeck's performance figures (issue 8): ``make bench`` or ``python benchmarks/bench.py``.

Drives the real deck (JobdeckApp, DeckScreen, the real widgets and monitor):
headless for the in-process figures, on a pseudo-terminal through the real
command for start-up, idle CPU and the toolong comparison. Each figure runs
in a fresh process, so one cannot warm up or weigh down another. Prints a
table and writes ``bench-results.json`` at the repo root.

    python benchmarks/bench.py            # every figure, idle CPU over 60 s (about 4 minutes)
    python benchmarks/bench.py --quick    # idle CPU over 10 s, fewer repeats
    python benchmarks/bench.py --only startup_s --only idle_cpu_pct

A new module ``benchmarks/<topic>_figures.py`` adds its figures by defining ``TARGETS``
(as below), ``FIGURES`` (key: a function of the work folder and ``quick``, returning
``(value, details)``, or a coroutine function) and, if any, ``HIGHER_IS_BETTER``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results.json"

#: key: (target, unit); lower is better but for HIGHER_IS_BETTER
TARGETS: dict[str, tuple[float, str]] = {
    "list_100k_first_frame_s": (0.5, "s"),
    "filter_100k_p95_ms": (50, "ms"),
    "poll_diff_10k_ms": (20, "ms"),
    "log_follow_lag_ms": (100, "ms"),
    "log_open_1gb_s": (1.0, "s"),
    "idle_cpu_pct": (1.0, "%"),
    "startup_s": (0.6, "s"),
    "rss_100k_jobs_1m_lines_mb": (400, "MB"),
    "toolong_open_ratio": (1.0, "x"),
    "history_ingest_per_s": (50_000, "/s"),
    "history_bytes_per_job": (600, "B"),
}
#: Figures where more is better: the target is a floor.
HIGHER_IS_BETTER = frozenset({"history_ingest_per_s"})
BENCH = Path(__file__).resolve().parent


def _figure_modules() -> list:
    """The ``*_figures.py`` modules that declare their own TARGETS (see the docstring)."""
    sys.path.insert(0, str(BENCH))
    modules = [importlib.import_module(path.stem) for path in sorted(BENCH.glob("*_figures.py"))]
    return [module for module in modules if hasattr(module, "TARGETS")]


for _module in _figure_modules():
    TARGETS.update(_module.TARGETS)
    HIGHER_IS_BETTER = HIGHER_IS_BETTER | frozenset(getattr(_module, "HIGHER_IS_BETTER", ()))


def _run_one(name: str, quick: bool) -> dict[str, object]:
    """Run one figure in this process (the child side)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import command_figures
    import deck_figures
    import history_figures

    with tempfile.TemporaryDirectory(prefix=f"jobdeck-bench-{name}-") as folder:
        workdir = Path(folder)
        if name in deck_figures.FIGURES:
            value, details = asyncio.run(deck_figures.FIGURES[name](workdir))
        elif name in history_figures.FIGURES:
            value, details = history_figures.FIGURES[name](workdir)
        elif name == "idle_cpu_pct":
            value, details = command_figures.idle_cpu(workdir, seconds=10.0 if quick else 60.0)
        elif name == "startup_s":
            value, details = command_figures.startup(workdir, runs=3 if quick else 5)
        elif name == "toolong_open_ratio":
            value, details = command_figures.toolong_ratio(workdir, runs=1 if quick else 3)
        elif declared := [module for module in _figure_modules() if name in module.FIGURES]:
            figure = declared[0].FIGURES[name]
            outcome = figure(workdir, quick)
            value, details = asyncio.run(outcome) if inspect.iscoroutine(outcome) else outcome
        else:
            raise SystemExit(f"unknown figure {name!r}; figures: {', '.join(TARGETS)}")
    return {"value": value, "details": details}


def _spawn(name: str, quick: bool) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", name] + (["--quick"] if quick else [])
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"value": None, "details": "failed: " + " / ".join(tail)}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _format(value: object, unit: str) -> str:
    if not isinstance(value, (int, float)):
        return "—"
    if unit in ("ms", "MB", "/s", "B"):
        return f"{value:.0f} {unit}"
    if unit == "x":
        return f"{value:.3f}"
    return f"{value:.2f} {unit}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="idle CPU over 10 s instead of 60 s; fewer repeats")
    parser.add_argument("--only", action="append", choices=list(TARGETS), help="only this figure (repeatable)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_run_one(args.child, args.quick)))
        return 0

    names = args.only or list(TARGETS)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from datafiles import big_log, lines_log

    print("preparing the log files in .bench-cache/ (once) …", flush=True)
    big_log()
    lines_log(1_000_000)
    results: dict[str, object] = json.loads(RESULTS.read_text()) if args.only and RESULTS.exists() else {}
    rows = []
    print(f"{'figure':<28} {'target':>9} {'measured':>10}  {'':4} details")
    for name in names:
        target, unit = TARGETS[name]
        started = time.monotonic()
        outcome = _spawn(name, args.quick)
        value = outcome["value"]
        results[name] = value
        higher = name in HIGHER_IS_BETTER
        met = isinstance(value, (int, float)) and (value >= target if higher else value <= target)
        verdict = "ok" if met else "MISS"
        row = (
            f"{name:<28} {('≥ ' if higher else '≤ ') + _format(target, unit):>9} {_format(value, unit):>10}  {verdict:<4} "
            f"{outcome['details']} [{time.monotonic() - started:.0f} s]"
        )
        rows.append(row)
        print(row, flush=True)
    ordered = {key: results.get(key) for key in TARGETS}
    RESULTS.write_text(json.dumps(ordered, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}" + (" (quick run)" if args.quick else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
