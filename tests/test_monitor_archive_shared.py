"""jobdeck's own archive shared by several decks on one data folder, and kept whole
through a crash, a full disk, a corrupt file or a link."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fakes import EventRecorder, FakeAdapter, make_job, make_monitor
from processes import Processes

import jobdeck.files
from jobdeck.clock import FrozenClock
from jobdeck.model import Action, Capability, JobRef, JobState
from jobdeck.monitor import Monitor
from jobdeck.store.archive_file import JobdeckArchive
from jobdeck.monitor.events import JobsChanged

REF = JobRef(backend="julep", id="task-7")
OTHER = JobRef(backend="local", id="a/b")
THIRD = JobRef(backend="drp", id="job-3")


def on_disk(path: Path) -> set[str]:
    return set(json.loads(path.read_text())["refs"])


def deck_on(data_folder: Path, clock: FrozenClock) -> Monitor:
    """A deck's monitor on ``data_folder`` over backend alpha (a failed job and a done one), which
    has no archive of its own: archiving there is jobdeck's."""
    no_archive = frozenset({Capability.LIST, Capability.RETRY, Capability.CANCEL})
    jobs = [make_job("fail", JobState.FAILED), make_job("done", JobState.SUCCEEDED)]
    return make_monitor(data_folder, [FakeAdapter.build("alpha", clock=clock, capabilities=no_archive, jobs=jobs)],
                        clock=clock)


# -- two decks, one file --------------------------------------------------------------


def test_two_decks_archiving_on_one_folder_keep_both_archives(tmp_path: Path) -> None:
    path = tmp_path / "archive.json"
    first, second = JobdeckArchive(path), JobdeckArchive(path)  # both read an empty archive

    assert first.add(REF) is True
    assert second.add(OTHER) is True  # from its stale copy, this used to drop REF

    assert on_disk(path) == {str(REF), str(OTHER)}
    assert second.refs() == {REF, OTHER}


def test_a_restore_takes_out_only_its_own_job_from_what_is_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "archive.json"
    first, second = JobdeckArchive(path), JobdeckArchive(path)
    first.add(REF)
    first.add(OTHER)

    assert second.remove(OTHER) is True  # archived by the other deck: restorable here
    assert on_disk(path) == {str(REF)}
    assert first.refs() == {REF}


def test_archiving_what_the_other_deck_archived_already_says_so(tmp_path: Path) -> None:
    path = tmp_path / "archive.json"
    first, second = JobdeckArchive(path), JobdeckArchive(path)
    first.add(REF)
    assert second.add(REF) is False
    assert on_disk(path) == {str(REF)}


def test_a_deck_sees_what_another_deck_archived_and_restored(tmp_path: Path) -> None:
    path = tmp_path / "archive.json"
    first, second = JobdeckArchive(path), JobdeckArchive(path)

    first.add(REF)
    assert REF in second and second.refs() == {REF}
    first.add(OTHER)
    first.remove(REF)
    assert second.refs() == {OTHER}


def test_an_unchanged_archive_is_not_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "archive.json"
    other_deck = JobdeckArchive(path)
    other_deck.add(REF)
    archive = JobdeckArchive(path)
    reads: list[frozenset[JobRef]] = []
    real_read = archive._read
    monkeypatch.setattr(archive, "_read", lambda: reads.append(real_read()) or reads[-1])

    for _ in range(100):  # the poll path looks on every poll
        assert archive.refs() == {REF}
    assert reads == []
    other_deck.add(OTHER)
    assert archive.refs() == {REF, OTHER}
    assert archive.refs() == {REF, OTHER}
    assert reads == [{REF, OTHER}]


def test_a_deck_waiting_too_long_for_the_lock_fails_the_write_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "archive.json"
    JobdeckArchive(path).add(REF)
    archive = JobdeckArchive(path, lock_timeout=0.05)
    holder = os.open(tmp_path / "archive.json.lock", os.O_RDWR)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(OSError, match="in use by another jobdeck"):
            archive.add(OTHER)
    finally:
        os.close(holder)
    assert on_disk(path) == {str(REF)}
    assert archive.refs() == {REF}
    assert archive.add(OTHER) is True  # once the lock is free


def test_a_lock_file_that_is_a_link_is_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("keep me")
    (tmp_path / "archive.json.lock").symlink_to(elsewhere)
    archive = JobdeckArchive(tmp_path / "archive.json")
    with pytest.raises(OSError):
        archive.add(REF)
    assert elsewhere.read_text() == "keep me"
    assert not (tmp_path / "archive.json").exists()


async def test_two_monitors_on_one_data_folder_share_jobdecks_archive(tmp_path: Path) -> None:
    clock = FrozenClock()
    first, second = deck_on(tmp_path, clock), deck_on(tmp_path, clock)
    await first.poll_once()
    await second.poll_once()
    failed, done = JobRef(backend="alpha", id="fail"), JobRef(backend="alpha", id="done")

    assert (await first.perform(failed, Action.ARCHIVE)).ok
    assert (await second.perform(done, Action.ARCHIVE)).ok

    assert second.job(failed).archived_by == "jobdeck"
    assert first.job(done).archived_by == "jobdeck"
    assert second.why_not(failed, Action.ARCHIVE) == "the job is already archived"
    assert on_disk(tmp_path / "archive.json") == {"alpha/fail", "alpha/done"}


async def test_a_deck_redraws_a_job_another_deck_archived_at_its_next_poll(tmp_path: Path) -> None:
    clock = FrozenClock()
    first, second = deck_on(tmp_path, clock), deck_on(tmp_path, clock)
    await first.poll_once()
    await second.poll_once()
    events = EventRecorder()
    first.add_listener(events)
    failed = JobRef(backend="alpha", id="fail")

    assert (await second.perform(failed, Action.ARCHIVE)).ok
    await first.poll_once()  # the job itself did not change on the backend
    assert [[job.ref for job in event.changed] for event in events.of(JobsChanged)] == [[failed]]
    assert events.of(JobsChanged)[0].changed[0].archived

    await first.poll_once()  # nothing moved since: nothing to draw
    assert len(events.of(JobsChanged)) == 1


# -- what must keep holding ---------------------------------------------------------


def test_a_corrupt_file_found_when_writing_is_set_aside_and_the_change_kept(tmp_path: Path) -> None:
    path = tmp_path / "archive.json"
    archive = JobdeckArchive(path)
    path.write_text("{half a docu")  # by hand, after this deck read it

    assert archive.add(REF) is True
    assert on_disk(path) == {str(REF)}
    [aside] = tmp_path.glob("archive.json.corrupt-*")
    assert aside.read_text() == "{half a docu"
    assert archive.warning is not None and str(aside) in archive.warning


def test_a_corrupt_file_seen_while_polling_is_set_aside_once(tmp_path: Path) -> None:
    path = tmp_path / "archive.json"
    archive = JobdeckArchive(path)
    archive.add(REF)
    path.write_text("[1, 2")

    assert archive.refs() == frozenset()
    assert archive.refs() == frozenset()
    assert [p.read_text() for p in tmp_path.glob("archive.json.corrupt-*")] == ["[1, 2"]
    assert archive.warning is not None


def test_an_archive_that_is_a_link_is_read_through_and_replaced_by_a_file_on_write(tmp_path: Path) -> None:
    target = tmp_path / "kept-elsewhere.json"
    target.write_text(json.dumps({"version": 1, "refs": [str(REF)]}))
    path = tmp_path / "archive.json"
    path.symlink_to(target)

    archive = JobdeckArchive(path)
    assert archive.refs() == {REF}
    archive.add(OTHER)

    assert not path.is_symlink()
    assert on_disk(path) == {str(REF), str(OTHER)}
    assert on_disk(target) == {str(REF)}  # what the link pointed to is never written


def test_a_link_to_something_unreadable_is_set_aside_not_written_through(tmp_path: Path) -> None:
    path = tmp_path / "archive.json"
    path.symlink_to("/dev/null")
    archive = JobdeckArchive(path)
    assert archive.warning is not None
    archive.add(REF)
    assert not path.is_symlink() and on_disk(path) == {str(REF)}


def test_a_full_disk_fails_the_write_and_leaves_the_archive_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "archive.json"
    archive = JobdeckArchive(path)
    archive.add(REF)

    def no_space(fd: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(jobdeck.files, "write_all", no_space)
    with pytest.raises(OSError, match="No space"):
        archive.add(OTHER)

    assert archive.refs() == {REF}
    assert on_disk(path) == {str(REF)}
    assert not list(tmp_path.glob(".archive.json.*"))  # no temporary left behind


_ARCHIVING_FOREVER = """
import sys
from pathlib import Path
from jobdeck.model import JobRef
from jobdeck.store.archive_file import JobdeckArchive

archive = JobdeckArchive(Path(sys.argv[1]))
n = 0
while True:
    n += 1
    archive.add(JobRef(backend="julep", id=f"task-{n}"))
    if n == 5:
        print("archiving", flush=True)
"""


def test_sigkill_while_archiving_leaves_a_readable_archive_and_no_lock_held(tmp_path: Path) -> None:
    path = tmp_path / "archive.json"
    with Processes(grace=5) as processes:
        writer = processes.start(
            [sys.executable, "-c", _ARCHIVING_FOREVER, str(path)], stdout=subprocess.PIPE
        )
        assert writer.stdout is not None and writer.stdout.readline() == b"archiving\n"
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()

    survivors = JobdeckArchive(path, lock_timeout=1.0)
    assert survivors.warning is None
    assert len(survivors.refs()) >= 5
    assert survivors.add(REF) is True  # the lock died with the writer
    # The next write clears what the killed writer left half-written.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.json", "archive.json.lock"]
