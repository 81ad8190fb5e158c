"""``run_blocking``: a blocking client library called from an async adapter runs on a
thread, within a deadline, and a library that hangs costs a few threads, never a hang."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Iterator

import pytest

from jobdeck.adapters.kit.blocking import MAX_STRANDED, run_blocking, stranded
from jobdeck.errors import AuthFailed, NotFound, Unreachable

#: Real seconds a hanging call is given: short, as nothing here waits for it to pass but the test itself.
SHORT_DEADLINE = 0.05
#: Real seconds a call that answers at once is given: far more than it needs.
AMPLE_DEADLINE = 30.0

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="none")


class HangingLibrary:
    """A blocking client whose calls wait until ``release()``, which joins their threads.
    ``entered`` is released by each call as it starts."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.threads: list[threading.Thread] = []
        self.entered = threading.Semaphore(0)

    def call(self) -> str:
        self.threads.append(threading.current_thread())
        self.entered.release()
        self.gate.wait()
        return "late"

    async def wait_entered(self, calls: int = 1) -> None:
        for _ in range(calls):
            await asyncio.to_thread(self.entered.acquire)

    def release(self) -> None:
        self.gate.set()
        for thread in self.threads:
            thread.join()


@pytest.fixture
def hanging() -> Iterator[HangingLibrary]:
    library = HangingLibrary()
    yield library
    library.release()


async def test_the_result_of_a_blocking_call_is_returned() -> None:
    assert await run_blocking(sum, [1, 2, 3], deadline=AMPLE_DEADLINE, backend="sdk") == 6
    assert await run_blocking(dict, deadline=AMPLE_DEADLINE, backend="sdk", a=1) == {"a": 1}


async def test_the_call_runs_off_the_event_loop_which_keeps_running(hanging: HangingLibrary) -> None:
    call = asyncio.create_task(run_blocking(hanging.call, deadline=AMPLE_DEADLINE, backend="sdk-offloop"))
    await hanging.wait_entered()  # the library is inside its call, blocked
    assert threading.current_thread() not in hanging.threads
    assert not call.done()  # and this coroutine runs meanwhile
    hanging.gate.set()
    assert await call == "late"


async def test_the_call_sees_the_callers_context_variables() -> None:
    REQUEST_ID.set("poll-7")

    assert await run_blocking(REQUEST_ID.get, deadline=AMPLE_DEADLINE, backend="sdk") == "poll-7"


async def test_what_the_library_raises_reaches_the_adapter_unchanged() -> None:
    def refuses() -> None:
        raise PermissionError("token expired")

    with pytest.raises(PermissionError, match="token expired"):
        await run_blocking(refuses, deadline=AMPLE_DEADLINE, backend="sdk")


async def test_map_error_turns_the_librarys_exceptions_into_adapter_errors() -> None:
    def refuses() -> None:
        raise PermissionError("token expired")

    def mapped(exc: Exception) -> AuthFailed:
        return AuthFailed(f"sdk: {exc}")

    with pytest.raises(AuthFailed, match="sdk: token expired"):
        await run_blocking(refuses, deadline=AMPLE_DEADLINE, backend="sdk", map_error=mapped)


async def test_an_adapter_error_raised_in_the_call_is_not_mapped_again() -> None:
    def missing() -> None:
        raise NotFound("sdk: no job 7")

    with pytest.raises(NotFound, match="no job 7"):
        await run_blocking(missing, deadline=AMPLE_DEADLINE, backend="sdk", map_error=AuthFailed)


async def test_a_timeout_the_library_raises_itself_is_its_own_error_not_the_deadline() -> None:
    def times_out() -> None:
        raise TimeoutError("socket read timed out")

    with pytest.raises(TimeoutError, match="socket read timed out"):
        await run_blocking(times_out, deadline=AMPLE_DEADLINE, backend="sdk")
    assert stranded("sdk") == 0


async def test_a_call_past_its_deadline_is_unreachable_saying_how_long(hanging: HangingLibrary) -> None:
    with pytest.raises(Unreachable, match=r"^sdk-late: no answer from its client library within 0\.05 s$"):
        await run_blocking(hanging.call, deadline=SHORT_DEADLINE, backend="sdk-late")
    assert stranded("sdk-late") == 1
    await hanging.wait_entered()

    hanging.release()  # the library returns at last: its thread is no longer counted
    assert stranded("sdk-late") == 0


async def test_a_backend_whose_calls_never_return_gets_no_new_thread_until_one_does(hanging: HangingLibrary) -> None:
    for _ in range(MAX_STRANDED):
        with pytest.raises(Unreachable):
            await run_blocking(hanging.call, deadline=SHORT_DEADLINE, backend="sdk-hung")
    await hanging.wait_entered(MAX_STRANDED)

    with pytest.raises(Unreachable, match=f"sdk-hung: {MAX_STRANDED} earlier calls into its client library have not returned"):
        await run_blocking(hanging.call, deadline=AMPLE_DEADLINE, backend="sdk-hung")
    assert len(hanging.threads) == MAX_STRANDED  # the refused call started no thread
    # Another backend is not held back by this one.
    assert await run_blocking(len, "abc", deadline=AMPLE_DEADLINE, backend="sdk-other") == 3

    hanging.release()
    assert await run_blocking(len, "abc", deadline=AMPLE_DEADLINE, backend="sdk-hung") == 3


async def test_a_cancelled_caller_leaves_the_call_counted_until_it_returns(hanging: HangingLibrary) -> None:
    call = asyncio.create_task(run_blocking(hanging.call, deadline=AMPLE_DEADLINE, backend="sdk-cancelled"))
    await hanging.wait_entered()
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert stranded("sdk-cancelled") == 1

    hanging.release()
    assert stranded("sdk-cancelled") == 0


def test_the_threads_of_hanging_calls_never_hold_up_exit() -> None:
    library = HangingLibrary()

    async def give_up() -> None:
        with pytest.raises(Unreachable):
            await run_blocking(library.call, deadline=SHORT_DEADLINE, backend="sdk-exit")

    asyncio.run(give_up())  # returns although the call is still blocked: its loop closed without it
    library.entered.acquire()
    assert all(thread.daemon for thread in library.threads)
    library.release()  # the late result finds its loop closed, and is dropped quietly
