"""The shared atomic file write (spool specs and progress, jobdeck's archive), the lock
several decks take to change one file, and opening without following a link."""

from __future__ import annotations

import fcntl
import os
import stat
from pathlib import Path

import pytest

import jobdeck.files
from jobdeck.files import (
    LockBusy,
    NotARegularFile,
    OutsideFolder,
    Refused,
    locked,
    open_inside,
    open_no_follow,
    remove_temporaries,
    write_all,
    write_atomic,
)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.parametrize("mode", [0o600, 0o644])
def test_the_file_gets_the_content_and_the_mode_and_no_temporary_is_left(tmp_path: Path, umask_022, mode: int) -> None:
    target = tmp_path / "state.json"
    write_atomic(target, b"first\n", mode=mode)
    write_atomic(target, b"second\n", mode=mode)

    assert target.read_bytes() == b"second\n"
    assert mode_of(target) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_the_default_mode_is_readable_by_all(tmp_path: Path, umask_022) -> None:
    write_atomic(tmp_path / "spec.json", b"{}")
    assert mode_of(tmp_path / "spec.json") == 0o644


def test_a_failed_rename_leaves_the_old_content_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()  # a folder cannot be replaced by a file
    (target / "inside").write_bytes(b"old")

    with pytest.raises(OSError):
        write_atomic(target, b"new")

    assert (target / "inside").read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]


def test_write_all_writes_everything_even_in_short_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:3])))
    fd = os.open(tmp_path / "log", os.O_WRONLY | os.O_CREAT)
    try:
        write_all(fd, b"0123456789")
    finally:
        os.close(fd)
    assert (tmp_path / "log").read_bytes() == b"0123456789"


def test_a_lock_held_elsewhere_is_waited_for_then_refused_in_words(tmp_path: Path) -> None:
    lock = tmp_path / "state.lock"
    holder = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(LockBusy) as refused, locked(lock, timeout=0.01):
            pass
    finally:
        os.close(holder)
    assert str(refused.value) == "state.lock is in use by another jobdeck; try again"
    with locked(lock, timeout=0.01):  # free again
        pass


def test_a_link_is_refused_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_bytes(b"untouched")
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(Refused, match="is a symbolic link; jobdeck does not follow it"):
        open_no_follow(link, os.O_WRONLY | os.O_APPEND)
    assert target.read_bytes() == b"untouched"


def test_leftover_temporaries_of_a_file_are_removed_and_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    for name in (".state.json.123.ab12cd34.tmp", ".other.json.123.ab12cd34.tmp", "state.json", ".state.json.keep"):
        (tmp_path / name).write_bytes(b"")
    remove_temporaries(target)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [".other.json.123.ab12cd34.tmp", ".state.json.keep", "state.json"]


# -- reading only inside a folder -------------------------------------------------------


@pytest.fixture
def folder_and_outside(tmp_path: Path) -> tuple[Path, Path]:
    inside, outside = tmp_path / "spool", tmp_path / "outside"
    (inside / "job").mkdir(parents=True)
    outside.mkdir()
    (inside / "job" / "log").write_bytes(b"mine\n")
    (outside / "log").write_bytes(b"secret\n")
    return inside, outside


def test_a_file_inside_is_opened_and_one_linked_outside_is_refused(folder_and_outside: tuple[Path, Path]) -> None:
    inside, outside = folder_and_outside
    with open_inside(inside / "job" / "log", inside) as handle:
        assert handle.read() == b"mine\n"
    (inside / "job" / "elsewhere").symlink_to(outside / "log")
    with pytest.raises(OutsideFolder):
        open_inside(inside / "job" / "elsewhere", inside)
    with pytest.raises(FileNotFoundError):
        open_inside(inside / "job" / "nothing", inside)
    with pytest.raises(NotARegularFile):
        open_inside(inside / "job", inside)


@pytest.mark.parametrize("proc", [True, False], ids=["with-proc", "without-proc"])
def test_a_folder_swapped_for_a_link_after_the_check_is_caught_on_the_open_file(
    folder_and_outside: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, proc: bool
) -> None:
    inside, outside = folder_and_outside
    if not proc:
        monkeypatch.setattr(jobdeck.files, "opened_path", lambda fd: None)
    real_open = os.open

    def swap_then_open(path, flags, *args):
        # Between the check and the open, the job folder becomes a link out.
        if not (inside / "job").is_symlink():
            (inside / "job").rename(inside / "was-job")
            (inside / "job").symlink_to(outside)
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", swap_then_open)
    with pytest.raises(OutsideFolder):
        open_inside(inside / "job" / "log", inside)
