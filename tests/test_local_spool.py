"""The local spool's file layout: ids, atomic writes, tolerant reading, logs as text."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from jobdeck.adapters.kit.logtext import decode_complete, read_from
from jobdeck.clock import FrozenClock
from jobdeck.local import procs
from jobdeck.local.layout import job_folder_names
from jobdeck.local.records import RunEvent
from jobdeck.local.spool import JobNotFound, JobRecord, SpecProblem, Spool
from jobdeck.model import JobState


@pytest.fixture
def store(tmp_path: Path) -> Spool:
    return Spool(tmp_path / "spool")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


def make_job(store: Spool, clock: FrozenClock, argv: list[str] | None = None) -> Path:
    spec = store.create_job(argv=argv or ["true"], name=None, cwd="/", clock=clock)
    return store.live_folder(spec.id)


def records_of(store: Spool) -> list[JobRecord]:
    """Every job folder's record, live then archived."""
    folders = [(store.root / name, False) for name in job_folder_names(store.root)]
    if store.archive_root.exists():
        folders += [(store.archive_root / name, True) for name in job_folder_names(store.archive_root)]
    return [store.read_job(folder, archived=archived) for folder, archived in folders]


def event(clock: FrozenClock, state: JobState, raw: str | None = None, **fields: Any) -> RunEvent:
    return RunEvent(at=clock.now(), state=state, raw_state=raw or state.value, **fields)


def suffixes(*values: str) -> Iterator[str]:
    yield from values


# -- job ids --------------------------------------------------------------


def test_job_ids_sort_by_creation_time(store: Spool, clock: FrozenClock) -> None:
    ids = []
    for _ in range(3):
        ids.append(store.create_job(argv=["true"], name=None, cwd="/", clock=clock).id)
        clock.advance(61)
    assert ids == sorted(ids)
    assert all(re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{4}", job_id) for job_id in ids)
    assert ids[0].startswith("20260101-120000-")


def test_a_taken_job_id_is_skipped_for_a_fresh_suffix(store: Spool, clock: FrozenClock) -> None:
    store.suffix = suffixes("aaaa", "aaaa", "bbbb").__next__
    first = store.create_job(argv=["true"], name=None, cwd="/", clock=clock)
    second = store.create_job(argv=["true"], name=None, cwd="/", clock=clock)
    assert (first.id, second.id) == ("20260101-120000-aaaa", "20260101-120000-bbbb")


def test_an_id_held_by_an_archived_job_is_not_reused(store: Spool, clock: FrozenClock) -> None:
    store.suffix = suffixes("aaaa", "aaaa", "cccc").__next__
    first = store.create_job(argv=["true"], name=None, cwd="/", clock=clock)
    store.archive(first.id)
    second = store.create_job(argv=["true"], name=None, cwd="/", clock=clock)
    assert second.id.endswith("-cccc")
    assert not (store.root / first.id).exists()


def test_the_spec_is_written_whole_with_no_temporary_file_left(store: Spool, clock: FrozenClock) -> None:
    spec = store.create_job(argv=["echo", "hi"], name="greet", cwd="/srv", clock=clock, host="box")
    folder = store.live_folder(spec.id)
    assert os.listdir(folder) == ["spec.json"]
    on_disk = json.loads((folder / "spec.json").read_text())
    assert on_disk["argv"] == ["echo", "hi"]
    assert (on_disk["name"], on_disk["cwd"], on_disk["host"]) == ("greet", "/srv", "box")
    assert store.read_spec(folder) == spec


# -- runs and events ------------------------------------------------------


def test_run_numbers_count_up_from_one(store: Spool, clock: FrozenClock) -> None:
    folder = make_job(store, clock)
    assert [store.create_run(folder)[0] for _ in range(3)] == [1, 2, 3]
    assert store.run_numbers(folder) == [1, 2, 3]


def test_only_one_runner_can_claim_a_run(store: Spool, clock: FrozenClock) -> None:
    _, run_folder = store.create_run(make_job(store, clock))
    first = store.claim_log(run_folder)
    assert first is not None
    os.close(first)
    assert store.claim_log(run_folder) is None


def test_a_run_without_events_yet_is_pending(store: Spool, clock: FrozenClock) -> None:
    folder = make_job(store, clock)
    store.create_run(folder)
    record = store.read_job(folder, archived=False)
    assert record.state is JobState.PENDING
    assert record.error is None


def test_a_runs_state_is_its_most_advanced_event_whatever_the_order(store: Spool, clock: FrozenClock) -> None:
    folder = make_job(store, clock)
    _, run_folder = store.create_run(folder)
    store.append_event(run_folder, event(clock, JobState.RUNNING, pid=10, pgid=10))
    clock.advance(1)
    store.append_event(run_folder, event(clock, JobState.PENDING, "retry-requested"))
    run = store.read_run(folder, 1)
    assert run.state is JobState.RUNNING
    store.append_event(
        run_folder, event(clock, JobState.FAILED, "exited", exit_code=3, message="exit code 3")
    )
    run = store.read_run(folder, 1)
    assert (run.state, run.exit_code, run.ended) == (JobState.FAILED, 3, clock.now())
    assert run.started == clock.now() - timedelta(seconds=1)


def test_a_garbage_events_line_is_named_and_the_other_lines_still_count(
    store: Spool, clock: FrozenClock
) -> None:
    folder = make_job(store, clock)
    _, run_folder = store.create_run(folder)
    store.append_event(run_folder, event(clock, JobState.RUNNING))
    with open(run_folder / "events.jsonl", "ab") as handle:
        handle.write(b"\x00\xffnot json at all\n")
        handle.write(b'{"at": "2026-01-01T12:00:00Z", "state": "exploded", "raw_state": "x"}\n')
    record = store.read_job(folder, archived=False)
    assert record.state is JobState.RUNNING
    assert record.error is not None
    assert "events.jsonl line 2 is not valid JSON" in record.error
    assert "events.jsonl line 3 is not a valid event (state:" in record.error


def test_a_run_with_only_garbage_events_is_unknown(store: Spool, clock: FrozenClock) -> None:
    folder = make_job(store, clock)
    _, run_folder = store.create_run(folder)
    (run_folder / "events.jsonl").write_bytes(b"garbage\n")
    record = store.read_job(folder, archived=False)
    assert record.state is JobState.UNKNOWN
    assert record.error == "events.jsonl line 1 is not valid JSON"


def test_a_failed_runs_reason_is_the_jobs_error(store: Spool, clock: FrozenClock) -> None:
    folder = make_job(store, clock)
    _, run_folder = store.create_run(folder)
    store.append_event(
        run_folder, event(clock, JobState.FAILED, "exited", exit_code=3, message="exit code 3")
    )
    assert store.read_job(folder, archived=False).error == "exit code 3"


# -- corrupt specs --------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{not json", "spec.json is not valid JSON"),
        (
            b'{"id": "x", "argv": [], "cwd": "/", "created": "2026-01-01T00:00:00Z", "host": "h"}',
            "spec.json is not a valid job spec "
            "(argv: list should have at least 1 item after validation, not 0)",
        ),
        (b"[1, 2]", "spec.json is not a valid job spec (value: input should be a valid dictionary"),
    ],
)
def test_a_corrupt_spec_is_a_sentence_not_a_traceback(
    store: Spool, clock: FrozenClock, content: bytes, problem: str
) -> None:
    folder = make_job(store, clock)
    (folder / "spec.json").write_bytes(content)
    with pytest.raises(SpecProblem) as raised:
        store.read_spec(folder)
    assert str(raised.value).startswith(problem)
    record = store.read_job(folder, archived=False)
    assert record.spec is None
    assert record.state is JobState.UNKNOWN
    assert record.error is not None and record.error.startswith(problem)


def test_a_missing_spec_is_reported(store: Spool, clock: FrozenClock) -> None:
    folder = make_job(store, clock)
    (folder / "spec.json").unlink()
    assert store.read_job(folder, archived=False).error == "spec.json is missing"


def test_one_bad_folder_never_hides_the_others(store: Spool, clock: FrozenClock) -> None:
    good = make_job(store, clock)
    bad = make_job(store, clock)
    (bad / "spec.json").write_bytes(b"\xff\xfe")
    (store.root / "stray-file.txt").write_text("not a job")
    (store.root / ".hidden").mkdir()
    records = {record.id: record for record in records_of(store)}
    assert set(records) == {good.name, bad.name}
    assert records[good.name].error is None
    assert records[bad.name].error == "spec.json is not valid JSON"


def test_a_spec_changed_on_disk_is_read_again(store: Spool, clock: FrozenClock) -> None:
    folder = make_job(store, clock)
    assert store.read_spec(folder).name is None
    data = json.loads((folder / "spec.json").read_text())
    data["name"] = "renamed by hand"
    (folder / "spec.json").write_text(json.dumps(data))
    assert store.read_spec(folder).name == "renamed by hand"


# -- archive --------------------------------------------------------------


def test_archive_and_restore_move_the_whole_folder(store: Spool, clock: FrozenClock) -> None:
    folder = make_job(store, clock)
    store.create_run(folder)
    store.archive(folder.name)
    assert not folder.exists()
    assert store.locate(folder.name) == (store.archive_root / folder.name, True)
    assert [record.archived for record in records_of(store)] == [True]
    store.restore(folder.name)
    assert store.locate(folder.name) == (folder, False)
    assert store.run_numbers(folder) == [1]


def test_restore_refuses_to_replace_a_job_of_the_same_id(store: Spool, clock: FrozenClock) -> None:
    folder = make_job(store, clock)
    store.archive(folder.name)
    folder.mkdir()
    with pytest.raises(FileExistsError):
        store.restore(folder.name)


@pytest.mark.parametrize("job_id", ["", "..", ".archive", "a/b", "nope"])
def test_ids_that_name_no_job_folder_are_not_found(store: Spool, job_id: str) -> None:
    store.ensure()
    with pytest.raises(JobNotFound):
        store.locate(job_id)


# -- logs as text ---------------------------------------------------------


def test_an_incomplete_character_at_the_end_is_kept_for_the_next_read() -> None:
    data = "aé".encode()
    assert decode_complete(data[:-1], final=False) == ("a", 1)
    assert decode_complete(data, final=False) == ("aé", 3)


def test_invalid_bytes_become_replacement_characters() -> None:
    assert decode_complete(b"a\xffb", final=False) == ("a\ufffdb", 3)


def test_a_final_read_decodes_an_incomplete_tail_as_a_replacement_character() -> None:
    assert decode_complete(b"a\xe2\x82", final=True) == ("a\ufffd", 3)


def test_capped_reads_resume_exactly_without_splitting_a_character(tmp_path: Path) -> None:
    log = tmp_path / "log"
    text = "né—🙂 end\n" * 50
    log.write_bytes(text.encode())
    pieces, offset = [], 0
    while True:
        piece = read_from(log, offset, final=True, limit=7)
        pieces.append(piece.text)
        offset = piece.offset
        if piece.at_end:
            break
    assert "".join(pieces) == text
    assert offset == len(text.encode())


def test_a_missing_log_reads_as_empty(tmp_path: Path) -> None:
    piece = read_from(tmp_path / "nothing", 5, final=False)
    assert (piece.text, piece.offset, piece.at_end) == ("", 5, True)


# -- processes ------------------------------------------------------------


def test_this_process_is_alive_and_is_itself() -> None:
    pid = os.getpid()
    assert procs.is_alive(pid, procs.start_ticks(pid))


def test_a_process_with_another_start_time_is_not_the_one_recorded() -> None:
    pid = os.getpid()
    ticks = procs.start_ticks(pid)
    assert ticks is not None
    assert not procs.is_alive(pid, ticks + 1)


def test_an_exited_process_is_not_alive_reaped_or_not() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    # Not reaped yet: a zombie, which must count as dead.
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
    assert not procs.is_alive(child.pid)
    child.wait()
    assert not procs.is_alive(child.pid)


def test_a_hand_written_time_without_a_zone_is_taken_as_utc(store: Spool, clock: FrozenClock) -> None:
    folder = make_job(store, clock)
    _, run_folder = store.create_run(folder)
    store.append_event(run_folder, event(clock, JobState.PENDING))
    with open(run_folder / "events.jsonl", "ab") as handle:
        handle.write(b'{"at": "2026-01-01T12:00:05", "state": "running", "raw_state": "running"}\n')
    run = store.read_run(folder, 1)
    assert run.updated == clock.now() + timedelta(seconds=5)


def test_stray_entries_in_the_runs_folder_are_not_runs(store: Spool, clock: FrozenClock) -> None:
    folder = make_job(store, clock)
    store.create_run(folder)
    for stray in ("notes", "0", "²", "-1"):
        (folder / "runs" / stray).mkdir()
    assert store.run_numbers(folder) == [1]
