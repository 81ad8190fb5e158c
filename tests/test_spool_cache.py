"""A spool's finished jobs kept from one start of the deck to the next (jobdeck.local.spool_cache):
a deck started again shows them from the cache (each checked by its runs folder and latest
events, and by all of its files at the next poll), and ignores a cache that is corrupt, of
other code or of another spool."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import pytest

import jobdeck
from jobdeck.adapters.local import LocalAdapter, LocalSettings
from jobdeck.adapters.local.convert import job_from_facts, job_from_record
from jobdeck.clock import FrozenClock
from jobdeck.local import job_facts, spool_cache
from jobdeck.local.job_facts import facts_of
from jobdeck.local.progress import ProgressReport
from jobdeck.local.reading import job_key
from jobdeck.local.records import RunEvent
from jobdeck.local.spool import Spool
from jobdeck.local.spool_index import SAVE_EVERY, SpoolIndex
from jobdeck.model import JobState

from test_local_adapter import exited, hand_made_job, running_under_this_process


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cache folder the adapters use (their spool caches go in ``spools/`` in it)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("JOBDECK_CACHE_DIR", str(folder))
    return folder / "spools"


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    folder = tmp_path / "spool"
    folder.mkdir()
    return folder


def deck(spool: Path) -> LocalAdapter:
    """The local adapter of a deck just started on ``spool``."""
    return LocalAdapter(LocalSettings(spool=spool), clock=FrozenClock())


async def states(adapter: LocalAdapter) -> dict[str, JobState]:
    """One poll: each job's state."""
    return {job.id: job.state for job in await adapter.list_jobs()}


async def cached(spool: Path) -> None:
    """A deck that ran on ``spool`` and kept its jobs (its first poll read them all)."""
    await deck(spool).list_jobs()


def rewrite_in_place(spool: Path, job_id: str, event: RunEvent) -> None:
    """Change a finished job's events in place (a hand edit)."""
    with open(spool / job_id / "runs" / "1" / "events.jsonl", "r+b") as handle:
        handle.truncate(0)
        handle.write(event.to_line() + b"\n")


def rewrite_unseen(spool: Path, job_id: str, old: int, new: int) -> None:
    """Change a finished job's exit code in place with nothing a ``stat`` sees: the same size
    and modification time (no reader that goes by versions sees it, with or without a cache)."""
    events = spool / job_id / "runs" / "1" / "events.jsonl"
    before = os.stat(events)
    text = events.read_bytes()
    changed = text.replace(f'"exit_code":{old}'.encode(), f'"exit_code":{new}'.encode())
    changed = changed.replace(f"exit code {old}".encode(), f"exit code {new}".encode())
    assert changed != text and len(changed) == len(text)
    with open(events, "r+b") as handle:
        handle.write(changed)
    os.utime(events, ns=(before.st_atime_ns, before.st_mtime_ns))


async def test_a_deck_started_again_takes_the_finished_jobs_from_the_cache(
    tmp_path: Path, spool: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = hand_made_job(spool, exited(2))
    await cached(spool)
    assert len(list(cache.glob("*.json"))) == 1
    rewrite_unseen(spool, job, 2, 9)
    listed = {item.id: item for item in await deck(spool).list_jobs()}
    assert listed[job].labels["exit_code"] == "2"  # as kept: its files were not read again
    monkeypatch.setenv("JOBDECK_CACHE_DIR", str(tmp_path / "another cache"))
    assert {item.id: item for item in await deck(spool).list_jobs()}[job].labels["exit_code"] == "9"


@pytest.mark.parametrize("how", ["written in place", "replaced by a new file"])
async def test_a_job_changed_behind_the_cache_shows_its_true_state_at_the_first_poll(
    spool: Path, cache: Path, how: str
) -> None:
    ok, bad = hand_made_job(spool, exited(0)), hand_made_job(spool, exited(2))
    await cached(spool)
    if how == "written in place":
        rewrite_in_place(spool, ok, exited(9))
    else:
        events = spool / ok / "runs" / "1" / "events.jsonl"
        (events.parent / "new").write_bytes(exited(9).to_line())
        os.replace(events.parent / "new", events)
    assert await states(deck(spool)) == {ok: JobState.FAILED, bad: JobState.FAILED}


async def test_a_kept_job_shows_as_it_was_in_every_field(spool: Path, cache: Path) -> None:
    hand_made_job(spool, exited(0))
    hand_made_job(spool, exited(4))
    first = deck(spool)
    await first.list_jobs()
    read = await first.list_jobs()
    kept = await deck(spool).list_jobs()
    assert kept == read


def test_jobs_that_finish_while_the_deck_runs_are_kept_for_the_next_start(spool: Path, cache: Path) -> None:
    now = [100.0]
    index = SpoolIndex(Spool(spool), clock=lambda: now[0], cache_folder=cache)
    hand_made_job(spool, exited(0))
    index.scan()  # the whole spool read: kept at once
    later = hand_made_job(spool, exited(2))
    index.scan()
    now[0] += SAVE_EVERY  # the cache is written again at most this often
    index.scan()
    rewrite_unseen(spool, later, 2, 9)
    again = SpoolIndex(Spool(spool), cache_folder=cache).scan()
    assert {facts.id: facts.exit_code for facts in again}[later] == 2  # kept, not read again


async def test_a_spec_edited_by_hand_behind_the_cache_shows_by_the_second_poll(spool: Path, cache: Path) -> None:
    """A spec is written once, when its job is made: the first poll does not look at it (one
    ``stat`` fewer a job), the second checks every kept job by all of its files."""
    job = hand_made_job(spool, exited(0))
    await cached(spool)
    spec = spool / job / "spec.json"
    with open(spec, "r+b") as handle:
        text = handle.read().replace(b'"by hand"', b'"renamed by hand"')
        handle.seek(0)
        handle.write(text)
    again = deck(spool)
    assert [item.name for item in await again.list_jobs()] == ["by hand"]
    assert [item.name for item in await again.list_jobs()] == ["renamed by hand"]


async def test_a_new_run_behind_the_cache_shows_at_the_first_poll(spool: Path, cache: Path) -> None:
    job = hand_made_job(spool, exited(0))
    await cached(spool)
    store = Spool(spool)
    _, run = store.create_run(store.live_folder(job))  # a rerun, as another deck starts it
    store.append_event(run, exited(7))
    listed = {item.id: item for item in await deck(spool).list_jobs()}
    assert listed[job].state is JobState.FAILED
    assert listed[job].detail["runs"] == 2


async def test_jobs_come_and_gone_behind_the_cache_show_at_the_first_poll(spool: Path, cache: Path) -> None:
    kept, archived, removed = (hand_made_job(spool, exited(0)) for _ in range(3))
    await cached(spool)
    Spool(spool).archive(archived)
    shutil.rmtree(spool / removed)
    new = hand_made_job(spool, exited(1))
    listed = {(job.id, job.archived): job.state for job in await deck(spool).list_jobs()}
    assert listed == {(kept, False): JobState.SUCCEEDED, (new, False): JobState.FAILED, (archived, True): JobState.SUCCEEDED}


async def test_an_active_job_is_never_kept(spool: Path, cache: Path) -> None:
    job = hand_made_job(spool, running_under_this_process())
    await cached(spool)
    with open(spool / job / "runs" / "1" / "events.jsonl", "ab") as events:
        events.write(exited(0).to_line())
    assert await states(deck(spool)) == {job: JobState.SUCCEEDED}


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"not json at all",
        b'{"format": 1}',
        b"[1, 2, 3]",
        "a row of another shape",
        "a name that is a number",
        "a time without a zone",
        "a state nobody knows",
        "a job still running",
        "an id that leaves the spool",
        "a progress too big for a float",
        "a link to a cache file elsewhere",
        "a FIFO where the file would be (a read of it would never end)",
    ],
)
async def test_a_corrupt_cache_is_ignored_with_at_most_a_debug_note(
    spool: Path, cache: Path, damage: bytes | str, caplog: pytest.LogCaptureFixture
) -> None:
    job = hand_made_job(spool, exited(2))
    await cached(spool)
    (path,) = cache.glob("*.json")
    if isinstance(damage, bytes):
        path.write_bytes(damage)
    else:
        document = json.loads(path.read_bytes())
        row = document["jobs"][0]
        if damage == "a row of another shape":
            row.append("more")
        elif damage == "a name that is a number":
            row[13] = 42
        elif damage == "a time without a zone":
            row[22] = "2026-11-22T12:00:00"
        elif damage == "a state nobody knows":
            row[12] = "exploded"
        elif damage == "a job still running":
            row[12] = "running"
        elif damage == "a progress too big for a float":
            row[25] = 10**400
        elif damage == "a link to a cache file elsewhere":
            elsewhere = path.with_name("elsewhere")
            path.rename(elsewhere)
            path.symlink_to(elsewhere)
        elif damage.startswith("a FIFO"):
            path.unlink()
            os.mkfifo(path)
        else:
            row[0] = "../elsewhere"
        if path.is_file() and not path.is_symlink():
            path.write_text(json.dumps(document))
    rewrite_unseen(spool, job, 2, 5)  # what the cache would hide
    caplog.set_level(logging.DEBUG)
    assert (await deck(spool).list_jobs())[0].labels["exit_code"] == "5"
    assert all(record.levelno <= logging.DEBUG for record in caplog.records if record.name.startswith("jobdeck.local"))


async def test_two_spools_keep_their_own_jobs(tmp_path: Path, cache: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    first, second = hand_made_job(one, exited(0)), hand_made_job(two, exited(3))
    await cached(one)
    await cached(two)
    assert len(list(cache.glob("*.json"))) == 2
    assert await states(deck(one)) == {first: JobState.SUCCEEDED}
    assert await states(deck(two)) == {second: JobState.FAILED}


@pytest.mark.parametrize("other", ["spool", "identity"])
async def test_a_cache_of_another_spool_is_not_used(spool: Path, cache: Path, other: str) -> None:
    """The file says which spool it keeps: its path, and its folder's device and inode (a
    spool made again at the same path is another one)."""
    hand_made_job(spool, exited(0))
    await cached(spool)
    root, archive = str(spool), str(spool / ".archive")
    assert spool_cache.load(cache, root, archive)
    (path,) = cache.glob("*.json")
    document = json.loads(path.read_bytes())
    document[other] = "/somewhere/else" if other == "spool" else [0, 0]
    path.write_text(json.dumps(document))
    assert spool_cache.load(cache, root, archive) is None


async def test_a_cache_made_by_other_code_is_ignored(
    spool: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = hand_made_job(spool, exited(2))
    await cached(spool)
    rewrite_unseen(spool, job, 2, 8)  # what the cache would hide
    monkeypatch.setattr(spool_cache, "FORMAT", spool_cache.FORMAT + 1)
    assert (await deck(spool).list_jobs())[0].labels["exit_code"] == "8"


async def test_a_zipped_install_takes_a_cache_made_by_its_own_version_only(
    spool: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Modules inside a zip file cannot be stat'ed: the fingerprint is then jobdeck's version.
    def installed(version: str) -> None:
        monkeypatch.setattr(spool_cache, "_MODULES_AT", spool.parent / f"jobdeck-{version}.pyz" / "jobdeck" / "local")
        monkeypatch.setattr(jobdeck, "__version__", version, raising=False)

    job = hand_made_job(spool, exited(2))
    installed("1.0")
    await cached(spool)
    rewrite_unseen(spool, job, 2, 8)  # what the cache would hide
    assert (await deck(spool).list_jobs())[0].labels["exit_code"] == "2"  # the same version: kept
    installed("1.1")
    assert (await deck(spool).list_jobs())[0].labels["exit_code"] == "8"  # another: read afresh


async def test_a_cache_folder_that_cannot_be_written_only_costs_the_next_start_its_time(
    tmp_path: Path, spool: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("JOBDECK_CACHE_DIR", str(blocked))
    job = hand_made_job(spool, exited(0))
    adapter = deck(spool)
    for _ in range(3):
        assert await states(adapter) == {job: JobState.SUCCEEDED}


async def test_the_cache_file_is_the_users_alone(spool: Path, cache: Path) -> None:
    hand_made_job(spool, exited(0))
    await cached(spool)
    (path,) = cache.glob("*.json")
    assert path.stat().st_mode & 0o077 == 0


# -- facts as rows ---------------------------------------------------------------------------


def test_facts_read_back_from_a_row_are_the_facts_written(spool: Path) -> None:
    store = Spool(spool)
    plain = hand_made_job(spool, exited(0))
    counted = hand_made_job(spool, exited(1))
    run = store.run_folder(store.live_folder(counted), 1)
    report = ProgressReport(at=FrozenClock().now(), progress=42.5, succeeded=3, failed=1, total=10)
    (run / "progress.json").write_text(report.model_dump_json())
    no_spec = hand_made_job(spool, exited(0))
    os.remove(spool / no_spec / "spec.json")
    for job_id in (plain, counted, no_spec):
        base = str(spool / job_id)
        key, record = store.read_job_keyed(Path(base), archived=False)
        assert key == job_key(base, False)
        facts = facts_of(record, key)
        row = json.loads(json.dumps(job_facts.to_row(facts)))
        assert job_facts.from_row(row, base) == facts
        assert job_from_facts("local", facts) == job_from_record("local", record)
