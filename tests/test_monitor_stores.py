"""jobdeck's own archive file and the action log."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jobdeck.clock import FrozenClock
from jobdeck.model import JobRef
from jobdeck.store.action_log import ActionLog
from jobdeck.store.archive_file import JobdeckArchive

REF = JobRef(backend="julep", id="task-7")
OTHER = JobRef(backend="local", id="a/b")


# -- jobdeck's archive ----------------------------------------------------------


def test_a_missing_archive_file_is_an_empty_archive(tmp_path: Path) -> None:
    archive = JobdeckArchive(tmp_path / "nowhere" / "archive.json")
    assert archive.refs() == frozenset()
    assert archive.warning is None


def test_added_refs_persist_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "data" / "archive.json"
    archive = JobdeckArchive(path)
    assert archive.add(REF) is True
    assert archive.add(OTHER) is True
    assert archive.add(REF) is False  # already there

    reopened = JobdeckArchive(path)
    assert reopened.refs() == {REF, OTHER}
    assert reopened.contains(OTHER) and OTHER in reopened


def test_removed_refs_stay_removed(tmp_path: Path) -> None:
    path = tmp_path / "archive.json"
    archive = JobdeckArchive(path)
    archive.add(REF)
    assert archive.remove(REF) is True
    assert archive.remove(REF) is False
    assert JobdeckArchive(path).refs() == frozenset()


def test_the_file_is_written_atomically_with_no_temporary_left_behind(tmp_path: Path) -> None:
    archive = JobdeckArchive(tmp_path / "archive.json")
    archive.add(REF)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.json", "archive.json.lock"]
    assert json.loads((tmp_path / "archive.json").read_text()) == {"version": 1, "refs": ["julep/task-7"]}


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"refs": "julep/task-7"}', b'{"refs": [42]}', b'{"refs": ["no-slash"]}', b"\xff\xfe\x00"],
    ids=["not-json", "refs-not-a-list", "ref-not-text", "ref-without-backend", "not-text"],
)
def test_a_corrupt_archive_is_moved_aside_and_the_archive_starts_empty(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "archive.json"
    path.write_bytes(content)
    archive = JobdeckArchive(path, clock=FrozenClock(datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)))

    assert archive.refs() == frozenset()
    aside = tmp_path / "archive.json.corrupt-20260304T050607Z"
    assert aside.read_bytes() == content
    assert not path.exists()
    assert archive.warning is not None and str(aside) in archive.warning
    # And it is usable again.
    archive.add(REF)
    assert JobdeckArchive(path).refs() == {REF}


def test_a_failed_write_leaves_the_archive_as_it_was(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("")
    archive = JobdeckArchive(blocker / "archive.json")
    with pytest.raises(OSError):
        archive.add(REF)
    assert archive.refs() == frozenset()


# -- the action log ---------------------------------------------------------------

AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_each_action_appends_one_json_line(tmp_path: Path) -> None:
    action_log = ActionLog(tmp_path / "logs" / "actions.jsonl")
    action_log.append(at=AT, backend="julep", job="task-7", action="archive", result="ok", message="done")
    action_log.append(at=AT, backend="julep", job="task-8", action="retry", result="refused", message="read-only mode")

    lines = (tmp_path / "logs" / "actions.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"at": "2026-01-01T12:00:00+00:00", "backend": "julep", "job": "task-7",
         "action": "archive", "result": "ok", "message": "done"},
        {"at": "2026-01-01T12:00:00+00:00", "backend": "julep", "job": "task-8",
         "action": "retry", "result": "refused", "message": "read-only mode"},
    ]
    assert [entry["job"] for entry in action_log.entries()] == ["task-7", "task-8"]


def test_a_failed_write_is_logged_and_does_not_raise(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("")
    action_log = ActionLog(blocker / "actions.jsonl")
    with caplog.at_level(logging.WARNING):
        written = action_log.append(at=AT, backend="b", job="j", action="cancel", result="ok", message="m")
    assert written is False
    assert "could not write the action log" in caplog.text


def test_reading_skips_garbage_lines(tmp_path: Path) -> None:
    path = tmp_path / "actions.jsonl"
    path.write_text('garbage\n{"job": "1"}\n[1, 2]\n')
    assert ActionLog(path).entries() == [{"job": "1"}]


def test_an_action_log_that_is_a_link_is_refused_not_followed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("not a log\n")
    (tmp_path / "actions.jsonl").symlink_to(target)
    action_log = ActionLog(tmp_path / "actions.jsonl")

    with caplog.at_level(logging.WARNING):
        written = action_log.append(at=AT, backend="b", job="j", action="cancel", result="ok", message="m")

    assert written is False
    assert "is a symbolic link; jobdeck does not follow it" in caplog.text
    assert target.read_text() == "not a log\n"
    assert action_log.entries() == []


def test_an_entry_after_a_cut_last_line_starts_on_a_line_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "actions.jsonl"
    path.write_text('{"job": "1"}\n{"job": "cut sh')  # a crash in the middle of a write
    action_log = ActionLog(path)

    assert action_log.append(at=AT, backend="b", job="2", action="retry", result="ok", message="m")
    assert action_log.append(at=AT, backend="b", job="3", action="retry", result="ok", message="m")

    assert [entry["job"] for entry in action_log.entries()] == ["1", "2", "3"]
    assert path.read_text().splitlines()[1] == '{"job": "cut sh'


def test_an_action_log_that_is_not_a_file_is_refused_without_waiting(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    os.mkfifo(tmp_path / "actions.jsonl")  # opening it to write would wait for a reader
    with caplog.at_level(logging.WARNING):
        written = ActionLog(tmp_path / "actions.jsonl").append(
            at=AT, backend="b", job="j", action="cancel", result="ok", message="m"
        )
    assert written is False
    assert "not a regular file" in caplog.text


def test_a_message_with_unicode_line_separators_stays_one_entry(tmp_path: Path) -> None:
    action_log = ActionLog(tmp_path / "actions.jsonl")
    message = "backend said\u2028no\u0085really\x1c"
    action_log.append(at=AT, backend="b", job="j", action="cancel", result="failed", message=message)
    assert [entry["message"] for entry in action_log.entries()] == [message]
