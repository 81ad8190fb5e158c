"""The queue and accounting merged into one view of the jobs, so a finished job never vanishes.

The queue (slurmctld) is the authority on every job it holds. Accounting
(slurmdbd) adds the finished jobs the controller has forgotten; a job seen in
the queue and then forgotten by both (no slurmdbd) is kept as last seen. Jobs
that ended more than ``history_hours`` ago are dropped.

A requeued job keeps its id; accounting (``sacct -D``) has a record per run. The
newest is the job; the earlier ones (state REQUEUED, or older than another record
of the same id) are kept apart as its earlier runs (``earlier_runs``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from jobdeck.adapters.slurm.convert import record_state
from jobdeck.adapters.slurm.wire import Exit, SlurmRecord


class Merged:
    def __init__(self) -> None:
        #: Finished jobs not (or no longer) in the queue, by Slurm id.
        self.finished: dict[str, SlurmRecord] = {}
        #: The last queue, by Slurm id.
        self.queue: dict[str, SlurmRecord] = {}
        #: Exit codes the queue told (accounting's JSON summary may be wrong), by Slurm id and submit time.
        self._exits: dict[tuple[str, int | None], Exit] = {}
        #: The earlier runs of requeued jobs, by Slurm id, then by the run's submit time.
        self._earlier: dict[str, dict[int, SlurmRecord]] = {}

    def take_queue(self, records: Iterable[SlurmRecord]) -> set[str]:
        """The new queue; returns the ids that left it since the last one."""
        queue = {record.task_key: record for record in records}
        last = self.queue
        left = last.keys() - queue.keys()
        for key in left:
            if last[key].array_pending is None:  # a pending tasks' record left as its tasks started
                self.finished.setdefault(key, last[key])  # kept as last seen, until accounting says more
        for key, record in queue.items():
            if last.get(key) is not record and record.exit is not None and record_state(record).is_terminal:
                self._exits[(key, record.submit)] = record.exit
        self.queue = queue
        return left

    def take_accounting(self, records: Iterable[SlurmRecord]) -> None:
        """Accounting's finished jobs (its active ones are the queue's to tell), and the earlier
        runs of requeued ones."""
        records = list(records)
        newest: dict[str, int] = {}
        for record in records:
            newest[record.task_key] = max(newest.get(record.task_key, 0), record.submit or 0)
        current = []
        for record in records:
            key = record.task_key
            if record.array_pending is None and (record.state == "REQUEUED" or (record.submit or 0) < newest[key]):
                self._earlier.setdefault(key, {})[record.submit or 0] = record
            else:
                current.append(record)
        for record in current:
            if not record_state(record).is_terminal:
                continue
            key = record.task_key
            earlier = self._earlier.get(key)
            if earlier and record.restarts is None:  # text sacct does not say; its runs do
                record = replace(record, restarts=sum(1 for submit in earlier if submit < (record.submit or 0)))
            if record.exit is None:
                known = self._exits.get((key, record.submit))
                if known is not None:
                    record = replace(record, exit=known)
            self.finished[key] = record

    def prune(self, oldest: float) -> None:
        for key in [key for key, record in self.finished.items() if (record.end or record.submit or 0) < oldest]:
            del self.finished[key]
        for key in [key for key in self._exits if key[0] not in self.queue and key[0] not in self.finished]:
            del self._exits[key]
        for key in [key for key in self._earlier if key not in self.queue and key not in self.finished]:
            del self._earlier[key]

    def earlier_runs(self, record: SlurmRecord) -> tuple[SlurmRecord, ...]:
        """The runs of ``record``'s job before ``record`` (requeued ones), oldest first."""
        earlier = self._earlier.get(record.task_key)
        if not earlier:
            return ()
        current = record.submit or 0
        return tuple(earlier[submit] for submit in sorted(earlier) if submit < current or not current)

    def records(self) -> list[SlurmRecord]:
        """The queue's jobs, then the finished ones it no longer holds."""
        queue = self.queue
        out = list(queue.values())
        out.extend(record for key, record in self.finished.items() if key not in queue)
        return out

