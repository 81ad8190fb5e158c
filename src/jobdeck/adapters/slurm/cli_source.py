"""The "cli" mode: Slurm read and driven through its commands, as on a login node."""

from __future__ import annotations

import getpass
import re
import time

from jobdeck.adapters.slurm.cli import Output, command_error, run, show_job_fields
from jobdeck.adapters.slurm.fastjson import QueueParser
from jobdeck.adapters.slurm.settings import SlurmSettings
from jobdeck.adapters.slurm.states import exit_from_text
from jobdeck.adapters.slurm.wire import Parsed, SlurmRecord, epoch, number
from jobdeck.errors import BadResponse, Unreachable

#: The fields read from text sacct (the job name last: it may hold anything but the delimiter).
SACCT_FIELDS = ("JobID", "JobIDRaw", "State", "ExitCode", "Reason", "Submit", "Eligible", "Start", "End",
                "User", "Partition", "NodeList", "WorkDir", "JobName")
DELIMITER = "\x1f"
ACCOUNTING_OFF = re.compile(r"accounting storage is disabled|not running a supported accounting_storage", re.I)
_ARRAY_ID = re.compile(r"^(\d+)_(\d+|\[(.+)\])$")
_HET_ID = re.compile(r"^(\d+)\+(\d+)$")


class AccountingOff(Exception):
    """Slurm keeps no accounting here (no slurmdbd): finished jobs come from what was seen."""


class CliSource:
    def __init__(self, backend: str, settings: SlurmSettings) -> None:
        self.backend = backend
        self.settings = settings
        self.queue_parser = QueueParser()

    async def _run(self, *argv: str, check: bool = True) -> Output:
        return await run(self.backend, *argv, timeout=self.settings.command_timeout, check=check)

    def users(self) -> list[str]:
        return self.settings.users or [getpass.getuser()]

    async def version(self) -> str:
        out = await self._run("squeue", "--version")
        return out.stdout.decode(errors="replace").strip()

    async def queue(self) -> Parsed:
        """Every job slurmctld holds (``squeue --json`` ignores its filters: filtered by the caller)."""
        out = await self._run("squeue", "--json")
        try:
            parsed = self.queue_parser.parse(out.stdout)
        except ValueError as exc:
            raise BadResponse(f"{self.backend}: squeue --json gave no JSON ({str(exc)[:100]})") from None
        if parsed.errors and not parsed.records:
            # squeue --json exits 0 with only "Failed while looking for jobs" when Slurm cannot be
            # reached. Slurm's own words, when it has any, are on its stderr (munge down, a bad
            # config); none when slurmctld did not answer (it tried for its MessageTimeout, ~10 s:
            # asking the plain squeue for its "Unable to contact slurm controller" would wait as long).
            if out.said:
                raise command_error(self.backend, "squeue --json", out)
            raise Unreachable(f"{self.backend}: Slurm cannot be reached: slurmctld did not answer "
                              f"(squeue --json: {'; '.join(parsed.errors)[:300]})")
        return parsed

    async def accounting(self, since: float) -> Parsed:
        """Jobs slurmdbd has from ``since`` (epoch seconds) on: text sacct, whose exit codes are right."""
        start = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(since))
        # -D: a requeued job's every run (its earlier ones in state REQUEUED), not only its last.
        argv = ["sacct", "-X", "-D", "-n", "-P", f"--delimiter={DELIMITER}", "-o", ",".join(SACCT_FIELDS), "-S", start, "-E", "now"]
        if self.settings.everyone:
            argv.append("--allusers")
        else:
            argv.append("--user=" + ",".join(self.users()))
        if self.settings.partitions:
            argv.append("--partition=" + ",".join(self.settings.partitions))
        out = await self._run(*argv, check=False)
        if out.code != 0:
            if ACCOUNTING_OFF.search(out.stderr):
                raise AccountingOff(out.said)
            raise command_error(self.backend, "sacct", out)
        parsed = Parsed(plugin=None)
        for line in out.stdout.decode(errors="replace").splitlines():
            record = sacct_line(line)
            if record is None:
                if line.strip():
                    parsed.skipped += 1
                    parsed.why_skipped = parsed.why_skipped or f"a sacct line not understood: {line[:60]!r}"
                continue
            parsed.records.append(record)
        return parsed

    async def batch_steps(self, slurm_id: str) -> dict[tuple[str, int], SlurmRecord]:
        """How each run of a job (or of each task of an array) ended, by Slurm id and the run's
        submit time: its batch step's state, exit and end (a requeued run's own record says
        only REQUEUED, at the requeue)."""
        argv = ["sacct", "-D", "-n", "-P", f"--delimiter={DELIMITER}", "-o", "JobID,State,ExitCode,Submit,Start,End",
                "-j", slurm_id]
        out = await self._run(*argv, check=False)
        steps: dict[tuple[str, int], SlurmRecord] = {}
        run: tuple[str, int] | None = None
        for line in out.stdout.decode(errors="replace").splitlines():
            parts = line.split(DELIMITER)
            if len(parts) != 6:
                continue
            step_id, state, exit_code, submitted, started, ended = parts
            if "." not in step_id:
                submit = epoch(submitted)
                run = (step_id, submit) if submit else None
            elif step_id.endswith(".batch") and run is not None:
                steps[run] = SlurmRecord(job_id=0, state=state.split(" ", 1)[0] or None, exit=exit_from_text(exit_code),
                                         start=epoch(started), end=epoch(ended), source="accounting")
        return steps

    async def show_job(self, slurm_id: str) -> dict[str, str]:
        out = await self._run("scontrol", "show", "job", slurm_id)
        return show_job_fields(out.stdout.decode(errors="replace"))

    async def cancel(self, slurm_id: str) -> None:
        await self._run("scancel", slurm_id)

    async def requeue(self, slurm_ids: list[str]) -> None:
        await self._run("scontrol", "requeue", ",".join(slurm_ids))

    async def start_now(self, slurm_ids: list[str]) -> None:
        for slurm_id in slurm_ids:
            await self._run("scontrol", "update", f"JobId={slurm_id}", "StartTime=now", check=False)

    async def hold(self, slurm_id: str) -> None:
        # uhold: a user's hold (JobHeldUser), which its user may release; hold by root is an admin's.
        await self._run("scontrol", "uhold", slurm_id)

    async def release(self, slurm_id: str) -> None:
        await self._run("scontrol", "release", slurm_id)

    async def resume(self, slurm_id: str) -> None:
        await self._run("scontrol", "resume", slurm_id)

    async def close(self) -> None:
        return None


def sacct_line(line: str) -> SlurmRecord | None:
    """One line of text sacct (``SACCT_FIELDS``), or None when it is not one."""
    parts = line.split(DELIMITER, len(SACCT_FIELDS) - 1)
    if len(parts) != len(SACCT_FIELDS):
        return None
    f = dict(zip(SACCT_FIELDS, parts, strict=True))
    raw_id = number(f["JobIDRaw"])
    if raw_id is None:
        return None
    array_job = array_task = het_job = het_offset = None
    pending = None
    if match := _ARRAY_ID.match(f["JobID"]):
        array_job = int(match.group(1))
        if match.group(3) is not None:
            pending = match.group(3)
        else:
            array_task = int(match.group(2))
    elif match := _HET_ID.match(f["JobID"]):
        het_job, het_offset = int(match.group(1)), int(match.group(2))
    state = f["State"].split(" ", 1)[0] or None
    nodes = f["NodeList"] if f["NodeList"] not in ("", "None assigned", "(null)") else None
    return SlurmRecord(
        job_id=raw_id,
        name=f["JobName"],
        state=state,
        flags=(state,) if state else (),
        reason=f["Reason"] or None,
        exit=exit_from_text(f["ExitCode"]) if state not in ("PENDING", "RUNNING", None) else None,
        array_job_id=array_job,
        array_task_id=array_task,
        array_pending=pending,
        het_job_id=het_job,
        het_offset=het_offset,
        submit=epoch(f["Submit"]),
        eligible=epoch(f["Eligible"]),
        start=epoch(f["Start"]),
        end=epoch(f["End"]),
        user=f["User"] or None,
        partition=f["Partition"] or None,
        nodes=nodes,
        workdir=f["WorkDir"] or None,
        source="accounting",
    )


