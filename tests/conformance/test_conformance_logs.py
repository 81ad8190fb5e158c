"""A log is read in pieces: each read returns the cursor to resume from, and the
pieces, read on from each cursor while the job writes, are the whole log with
nothing lost or repeated."""

from __future__ import annotations

from kit import Kit

from jobdeck.model import LogChunk

#: Reads at most while the job writes (each after the backend moved on a little).
MAX_READS = 400
#: Pieces enough to show a log resumes (where time moves only when told: an emulator's).
ENOUGH_PIECES = 5


async def test_a_log_read_on_from_each_cursor_loses_and_repeats_nothing(backend: Kit) -> None:
    adapter = backend.adapter
    job_id = await backend.job_with_growing_log()
    await adapter.list_jobs()  # as the monitor does before a job is shown
    pieces: list[str] = []
    chunk = LogChunk(text="", offset=0)
    for _ in range(MAX_READS):
        chunk = await adapter.read_log(job_id, chunk.cursor)
        if chunk.text:
            pieces.append(chunk.text)
        if chunk.complete or (len(pieces) >= ENOUGH_PIECES and not backend.real_time):
            break
        await backend.let_time_pass()
    assert len(pieces) >= 2, f"the log of {job_id} did not grow while it was read: {pieces}"
    # Time stands still now (a real job has ended): the log is what it is.
    whole = await adapter.read_log(job_id)
    read_on = await adapter.read_log(job_id, chunk.cursor)
    assert "".join(pieces) + read_on.text == whole.text
    assert whole.offset == read_on.offset
    assert whole.cursor == read_on.cursor


async def test_a_tail_cursor_starts_a_line_of_the_log(backend: Kit) -> None:
    adapter = backend.adapter
    job_id = await backend.job_with_growing_log()
    for _ in range(MAX_READS):
        whole = await adapter.read_log(job_id)
        if whole.text.count("\n") >= 3:
            break
        await backend.let_time_pass()
    cursor = await adapter.log_tail_offset(job_id, 2, before=whole.offset)
    tail = await adapter.read_log(job_id, cursor)
    written = whole.text.encode()
    assert 0 <= cursor <= len(written)
    assert cursor == 0 or written[cursor - 1 : cursor] == b"\n"
    assert tail.text.startswith(written[cursor:].decode())
