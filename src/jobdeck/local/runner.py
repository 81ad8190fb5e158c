"""``jobdeck run``: run a command as a local job and supervise it to the end.

The runner, not the deck, owns the job's process: it starts the command in a
process group of its own, copies its output (stdout and stderr merged, in
order, as raw bytes) to the run's log, records the run's events, forwards
SIGINT/SIGTERM to the command's group and records the outcome. Closing the
terminal (SIGHUP) does not stop the job.

Exit codes: the command's own; 128+N if signal N ended it; 127 if the command
does not exist; 126 if it cannot be started; 125 if jobdeck itself failed
(no command, unwritable spool, no such job to rerun).

This module finds or makes the run; ``supervisor`` runs it, writing through
``run_output`` and handling signals with ``signals``.

``python -m jobdeck.local.runner run [--name N] [--spool DIR] [--rerun JOB_ID] -- CMD ...``
mirrors ``jobdeck run`` without the CLI (tests and detached retries use it).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from jobdeck import paths
from jobdeck.clock import Clock, SystemClock
from jobdeck.local.records import RAW_RETRY_REQUESTED
from jobdeck.local.spool import JobNotFound, SpecProblem, Spool
from jobdeck.local.supervisor import EXIT_CANNOT_RUN, EXIT_NOT_FOUND, Supervisor
from jobdeck.model import JobState

__all__ = [
    "EXIT_CANNOT_RUN",
    "EXIT_NOT_FOUND",
    "EXIT_OWN_FAILURE",
    "main",
    "rerun_job",
    "run_job",
    "spawn_detached",
]

#: jobdeck itself failed (the command's own codes and 126/127 are the supervisor's).
EXIT_OWN_FAILURE = 125


def run_job(
    argv: list[str],
    *,
    name: str | None,
    spool: Path,
    cwd: Path | None = None,
    echo: bool = True,
    clock: Clock | None = None,
) -> int:
    """Run ``argv`` as a new job in ``spool`` and return its exit code.

    ``echo`` also copies the output to this process's stdout, so a terminal
    shows it.
    """
    clock = clock or SystemClock()
    if not argv:
        return _own_failure("no command given")
    store = Spool(Path(spool))
    try:
        folder = (Path(cwd) if cwd else Path.cwd()).absolute()
    except FileNotFoundError:
        return _own_failure("the current folder no longer exists")
    try:
        spec = store.create_job(argv=list(argv), name=name, cwd=str(folder), clock=clock)
        run_folder, log_fd = _new_run(store, store.live_folder(spec.id))
    except OSError as exc:
        return _own_failure(f"cannot write to the spool {spool}: {exc.strerror or exc}")
    return Supervisor(store, spec, run_folder, log_fd, echo=echo, clock=clock).run()


def rerun_job(job_id: str, *, spool: Path, echo: bool = False, clock: Clock | None = None) -> int:
    """A new run of an existing job: the same command in the same folder."""
    clock = clock or SystemClock()
    store = Spool(Path(spool))
    try:
        job_folder, archived = store.locate(job_id)
    except JobNotFound:
        return _own_failure(f"no such job: {job_id}")
    if archived:
        return _own_failure(f"job {job_id} is archived; restore it first")
    try:
        spec = store.read_spec(job_folder)
    except SpecProblem as exc:
        return _own_failure(f"cannot rerun {job_id}: {exc}")
    try:
        run_folder, log_fd = _requested_run(store, job_folder) or _new_run(store, job_folder)
    except OSError as exc:
        return _own_failure(f"cannot write to the spool {spool}: {exc.strerror or exc}")
    return Supervisor(store, spec, run_folder, log_fd, echo=echo, clock=clock).run()


def spawn_detached(args: list[str], *, module: str = "jobdeck") -> int:
    """Start ``python -m <module> <args>`` detached from the caller; return its pid.

    The process gets a session of its own and /dev/null for stdio, and it is
    not the caller's child (a short-lived shell starts it and exits), so
    nothing the caller does later (exit, lose its terminal) stops it.
    OSError if it cannot be started.
    """
    command = [sys.executable, "-m", module, *args]
    script = '"$@" </dev/null >/dev/null 2>&1 & echo $!'
    try:
        launcher = subprocess.run(
            ["/bin/sh", "-c", script, "sh", *command],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            start_new_session=True,
            timeout=10,
            check=False,
        )
        return int(launcher.stdout.strip())
    except (subprocess.SubprocessError, ValueError) as exc:
        raise OSError(f"could not start {' '.join(command)}: {exc}") from exc


# -- runs -----------------------------------------------------------------


def _new_run(store: Spool, job_folder: Path) -> tuple[Path, int]:
    """A fresh run folder of the job, claimed by this process."""
    while True:
        _, run_folder = store.create_run(job_folder)
        log_fd = store.claim_log(run_folder)
        if log_fd is not None:
            return run_folder, log_fd


def _requested_run(store: Spool, job_folder: Path) -> tuple[Path, int] | None:
    """The run a retry from the deck prepared for us, if it is still unclaimed."""
    numbers = store.run_numbers(job_folder)
    if not numbers:
        return None
    latest = store.read_run(job_folder, numbers[-1])
    prepared = any(event.raw_state == RAW_RETRY_REQUESTED for event in latest.events)
    if latest.state is not JobState.PENDING or not prepared:
        return None
    log_fd = store.claim_log(latest.folder)
    return (latest.folder, log_fd) if log_fd is not None else None


def _own_failure(message: str) -> int:
    print(f"jobdeck: {message}", file=sys.stderr)
    return EXIT_OWN_FAILURE


# -- module entry (mirrors `jobdeck run` without the CLI) -------------------


def main(argv: list[str] | None = None) -> int:
    import argparse  # here: the deck imports this module too, and never parses arguments

    parser = argparse.ArgumentParser(prog="python -m jobdeck.local.runner")
    verbs = parser.add_subparsers(dest="verb", required=True)
    run = verbs.add_parser("run", help="run a command as a job")
    run.add_argument("--name")
    run.add_argument("--spool", type=Path)
    run.add_argument("--cwd", type=Path)
    run.add_argument("--rerun", metavar="JOB_ID", help="a new run of this job instead")
    run.add_argument("--no-echo", action="store_true")
    run.add_argument("command", nargs=argparse.REMAINDER)
    rerun = verbs.add_parser("rerun", help="a new run of an existing job")
    rerun.add_argument("job_id")
    rerun.add_argument("--spool", type=Path)
    args = parser.parse_args(argv)

    spool = args.spool or paths.spool_dir()
    if args.verb == "rerun":
        return rerun_job(args.job_id, spool=spool)
    if args.rerun:
        return rerun_job(args.rerun, spool=spool, echo=not args.no_echo)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    return run_job(command, name=args.name, spool=spool, cwd=args.cwd, echo=not args.no_echo)


if __name__ == "__main__":
    sys.exit(main())
