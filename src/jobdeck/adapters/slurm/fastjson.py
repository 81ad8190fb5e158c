"""Reading ``squeue --json`` again and again, cheaply: only the jobs whose text changed.

Slurm prints its JSON indented, one job after another at the same depth. JSON
escapes every newline inside a string, so a newline followed by that depth's
indentation and ``},`` can only be the boundary between two jobs: the answer is
cut there, and a job whose text is byte for byte the last poll's gets the last
poll's record without being parsed again. A 10,000-job queue where a few jobs
changed costs the cut and a few parses, not the decoding of 30 MB.

Anything laid out otherwise (compact JSON, another version's layout) is decoded
whole, as before; the result is the same either way.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jobdeck.adapters.slurm.wire import Parsed, SlurmRecord, parse_answer, record_from_queue

_JOBS = re.compile(rb'"jobs"\s*:\s*\[\n([ \t]+)\{\n')


class QueueParser:
    """Parses answers of one queue, keeping each job's record and text for the next answer.

    An answer equal to the last one is the last result. Otherwise each job's text is
    compared with the text at the same place in the last answer, then with the last text
    of the same job id; only a job whose text changed is parsed again.
    """

    def __init__(self) -> None:
        self._data: bytes | None = None
        self._parsed: Parsed | None = None
        self._chunks: list[bytes] = []
        self._records: list[SlurmRecord | str] = []

    def parse(self, data: bytes) -> Parsed:
        """Every job of ``data`` (ValueError when it is not JSON)."""
        if self._parsed is not None and data == self._data:
            return self._parsed
        cut = _cut(data)
        if cut is None:
            self._chunks, self._records = [], []
            parsed = parse_answer(json.loads(data), accounting=False)
        else:
            outer, chunks = cut
            parsed = parse_answer(json.loads(outer), accounting=False)
            records = self._match(chunks)
            for record in records:
                if isinstance(record, str):
                    parsed.skipped += 1
                    parsed.why_skipped = parsed.why_skipped or record
                else:
                    parsed.records.append(record)
            self._chunks, self._records = chunks, records
        self._data, self._parsed = data, parsed
        return parsed

    def _match(self, chunks: list[bytes]) -> list[SlurmRecord | str]:
        last_chunks, last_records = self._chunks, self._records
        kept = len(last_chunks)
        by_id: dict[int, tuple[bytes, SlurmRecord]] | None = None
        records: list[SlurmRecord | str] = []
        append = records.append
        for index, chunk in enumerate(chunks):
            if index < kept:
                if chunk == last_chunks[index]:
                    append(last_records[index])
                    continue
                earlier = last_records[index]
                match = _JOB_ID.search(chunk)
                job_id = int(match.group(1)) if match else None
                if not isinstance(earlier, str) and earlier.job_id == job_id:
                    append(_record(chunk))  # the same job, changed
                    continue
            else:
                match = _JOB_ID.search(chunk)
                job_id = int(match.group(1)) if match else None
            if by_id is None:  # jobs came or went: look the job up by its id
                by_id = {
                    record.job_id: (text, record)
                    for text, record in zip(last_chunks, last_records, strict=True)
                    if not isinstance(record, str)
                }
            same = by_id.get(job_id) if job_id is not None else None
            append(same[1] if same is not None and same[0] == chunk else _record(chunk))
        return records


_JOB_ID = re.compile(rb'"job_id"\s*:\s*(\d+)')


def _record(chunk: bytes) -> SlurmRecord | str:
    try:
        job: Any = json.loads(b"{" + chunk + b"}")
        return record_from_queue(job)
    except (ValueError, TypeError, AttributeError) as exc:
        return str(exc)[:200]


def _cut(data: bytes) -> tuple[bytes, list[bytes]] | None:
    """The answer without its jobs (``"jobs": []``), and each job's text inside its braces;
    None unless the jobs are the answer's last member, laid out as Slurm 22.05 lays them out."""
    match = _JOBS.search(data)
    if match is None:
        return None
    indent = match.group(1)
    outer_indent = indent[:-2]
    if not indent.endswith(b"  ") or b"\n" in indent:
        return None
    separator = b"\n" + indent + b"},\n" + indent + b"{\n"
    head = data[: match.start()]
    if separator in head:
        return None
    ending = b"\n" + indent + b"}\n" + outer_indent + b"]\n}"
    trimmed = len(data.rstrip())
    if data[trimmed - len(ending) : trimmed] != ending:
        return None
    chunks = data.split(separator)  # the first and last hold the head and the end: cut off below
    chunks[0] = chunks[0][match.end() :]
    cut = trimmed - len(ending) - (len(data) - len(chunks[-1]))
    chunks[-1] = chunks[-1][:cut]
    return head + b'"jobs": []\n}', chunks
