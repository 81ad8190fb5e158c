"""A refresh the user asks for (``forget_cached``) makes the next poll complete:
it sees every change the backend made, even one an incremental or cached poll
would miss (a state changed without a new modification time)."""

from __future__ import annotations

from kit import Kit


async def test_after_forget_cached_the_next_poll_sees_every_change(backend: Kit) -> None:
    adapter = backend.adapter
    before = await adapter.list_jobs()
    await adapter.list_jobs()  # what adapters keep between polls is in place
    backend.poison_states(backend.quiet_raw_state)
    adapter.forget_cached()
    after = await adapter.list_jobs()
    assert {job.id for job in after} == {job.id for job in before}
    assert {job.raw_state for job in after} == {backend.quiet_raw_state}


async def test_after_forget_cached_the_poll_is_what_a_new_adapter_sees(backend: Kit) -> None:
    await backend.adapter.list_jobs()
    await backend.let_time_pass()
    backend.poison_states(backend.quiet_raw_state)
    backend.adapter.forget_cached()
    polled = await backend.adapter.list_jobs()
    fresh = await (await backend.open(backend.new_adapter())).list_jobs()
    assert [job.model_dump() for job in polled] == [job.model_dump() for job in fresh]
