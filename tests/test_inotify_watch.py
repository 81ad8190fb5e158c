"""Watching folders with inotify on the event loop (jobdeck.inotify_watch): the changes
come in batches as watchfiles gives them, folders made or moved while watching are
followed, and a watch costs no thread."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from jobdeck import inotify_watch

pytestmark = pytest.mark.skipif(not inotify_watch.available(), reason="inotify is Linux's")


async def next_batch(batches, timeout: float = 10) -> set[str]:
    return await asyncio.wait_for(anext(batches), timeout)


@asynccontextmanager
async def batches_of(roots, *, recursive: bool, keep=None, step: float = 0.05, debounce: float = 0.5, timeout=None):
    """The batches of a watch of ``roots`` (a folder, or a list of them), closed after."""
    watch = inotify_watch.Watch(roots if isinstance(roots, list) else str(roots), recursive=recursive, keep=keep)
    await watch.open()
    batches = watch.batches(step=step, debounce=debounce, timeout=timeout)
    try:
        yield batches
    finally:
        await batches.aclose()
        watch.close()


async def test_a_file_written_in_the_folder_comes_in_a_batch(tmp_path) -> None:
    async with batches_of(tmp_path, recursive=False) as batches:
        (tmp_path / "events.jsonl").write_text("{}\n")
        assert str(tmp_path / "events.jsonl") in await next_batch(batches)


async def test_with_a_timeout_an_empty_batch_says_nothing_changed(tmp_path) -> None:
    async with batches_of(tmp_path, recursive=False, timeout=0.05) as batches:
        assert await next_batch(batches) == set()


async def test_writes_that_keep_coming_are_gathered_into_one_batch(tmp_path) -> None:
    async with batches_of(tmp_path, recursive=False, step=0.2, debounce=5) as batches:
        for number in range(5):
            (tmp_path / f"file-{number}").write_text("x")
            await asyncio.sleep(0.01)
        batch = await next_batch(batches)
        assert {str(tmp_path / f"file-{number}") for number in range(5)} <= batch


async def test_a_folder_made_while_watching_is_watched_inside_too(tmp_path) -> None:
    async with batches_of(tmp_path, recursive=True) as batches:
        run = tmp_path / "job-1" / "runs" / "1"
        run.mkdir(parents=True)  # faster than the watch can follow: reported by its top
        assert str(tmp_path / "job-1") in await next_batch(batches)
        await asyncio.sleep(0.1)
        (run / "events.jsonl").write_text("{}\n")
        seen: set[str] = set()
        while str(run / "events.jsonl") not in seen:
            seen |= await next_batch(batches)


async def test_a_folder_moved_within_the_tree_is_reported_where_it_went(tmp_path) -> None:
    (tmp_path / ".archive").mkdir()
    (tmp_path / "job-1" / "runs").mkdir(parents=True)
    async with batches_of(tmp_path, recursive=True) as batches:
        os.rename(tmp_path / "job-1", tmp_path / ".archive" / "job-1")
        await next_batch(batches)
        (tmp_path / ".archive" / "job-1" / "runs" / "spec.json").write_text("{}")
        seen: set[str] = set()
        while str(tmp_path / ".archive" / "job-1" / "runs" / "spec.json") not in seen:
            seen |= await next_batch(batches)
        assert not any(path.startswith(str(tmp_path / "job-1")) for path in seen)


async def test_only_the_paths_kept_count(tmp_path) -> None:
    keep = lambda path: not path.endswith("log")  # noqa: E731
    async with batches_of(tmp_path, recursive=False, keep=keep, timeout=0.3) as batches:
        (tmp_path / "log").write_text("a line\n")
        assert await next_batch(batches) == set()
        (tmp_path / "events.jsonl").write_text("{}\n")
        assert await next_batch(batches) == {str(tmp_path / "events.jsonl")}


async def test_the_watched_folder_going_ends_the_watch_with_an_error(tmp_path) -> None:
    root = tmp_path / "spool"
    root.mkdir()
    async with batches_of(root, recursive=True) as batches:
        shutil.rmtree(root)
        with pytest.raises(FileNotFoundError):
            while True:
                await next_batch(batches)


async def test_a_folder_that_cannot_be_watched_is_an_os_error(tmp_path) -> None:
    with pytest.raises(OSError):
        async with batches_of(tmp_path / "missing", recursive=False):
            pass


async def test_a_watch_runs_no_thread(tmp_path) -> None:
    before = threading.active_count()
    async with batches_of(tmp_path, recursive=False) as batches:
        (tmp_path / "file").write_text("x")
        await next_batch(batches)
        assert threading.active_count() <= before  # (the folders of a tree are added on one, then it ends)


async def test_several_folders_are_watched_by_one_watch(tmp_path) -> None:
    shipped, own = tmp_path / "shipped", tmp_path / "own"
    shipped.mkdir()
    own.mkdir()
    async with batches_of([str(shipped), str(own)], recursive=False) as batches:
        (own / "dusk.toml").write_text("")
        (shipped / "dawn.toml").write_text("")
        seen: set[str] = set()
        while len(seen) < 2:
            seen |= await next_batch(batches)
        assert seen == {str(own / "dusk.toml"), str(shipped / "dawn.toml")}


def _overflow_the_kernels_queue(folder: Path) -> None:
    """More events than the kernel queues for a watch (fs.inotify.max_queued_events, 16,384
    by default: three a file here), made in the watched ``folder`` while the event loop
    reads none of them."""
    queued = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    for number in range(queued // 3 + 1_000):
        (folder / f"file-{number}").write_text("x")


async def test_an_overflow_of_the_kernels_queue_names_the_watched_folders_whatever_keep_says(tmp_path) -> None:
    root = tmp_path / ".spool"  # a name ``keep`` does not keep
    root.mkdir()
    keep = lambda path: not os.path.basename(path).startswith(".")  # noqa: E731
    async with batches_of(root, recursive=True, keep=keep) as batches:
        _overflow_the_kernels_queue(root)
        seen: set[str] = set()
        while str(root) not in seen:
            seen |= await next_batch(batches)


async def test_a_folder_made_while_the_kernels_queue_overflowed_is_watched_inside(tmp_path) -> None:
    async with batches_of(tmp_path, recursive=True) as batches:
        _overflow_the_kernels_queue(tmp_path)
        (tmp_path / "job-1").mkdir()  # its coming is lost with the queue full
        seen: set[str] = set()
        while str(tmp_path) not in seen:
            seen |= await next_batch(batches)
        (tmp_path / "job-1" / "events.jsonl").write_text("{}\n")
        seen = set()
        while str(tmp_path / "job-1" / "events.jsonl") not in seen:
            seen |= await next_batch(batches, timeout=5)


def test_a_watch_the_kernel_refuses_for_want_of_descriptors_is_an_os_error(tmp_path) -> None:
    # In a process of its own: every descriptor it may open is taken before the watch opens.
    script = """
import asyncio, errno, os, resource, sys
from jobdeck import inotify_watch

async def main():
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    held = []
    try:
        while True:
            held.append(os.open(os.devnull, os.O_RDONLY))
    except OSError:
        pass
    try:
        await inotify_watch.Watch(sys.argv[1], recursive=False).open()
    except OSError as exc:
        print(errno.errorcode[exc.errno])
    for fd in held:
        os.close(fd)

asyncio.run(main())
"""
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert (done.stdout.strip(), done.stderr) == ("EMFILE", "")
