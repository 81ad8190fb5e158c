"""Following a big running Ray job's log (a real Ray head, scripts/engines/ray): what it costs.

Ray's HTTP APIs have no byte offset for a driver's log: the state API's file and stream send
it from its start. Opening the log at its end reads it once (to find where its last lines
begin) and following it streams it once more from its start (skipped up to the cursor); from
then on a followed log costs only its new lines, however long it is followed, and no line is
lost or repeated. Measured on the wire, through a relay that counts what the head sent."""

from __future__ import annotations

import asyncio
import re
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent / "ray_data"))
from jobs import submit, wait_for  # noqa: E402
from tcp_relay import Relay  # noqa: E402

from jobdeck.adapters.ray import RayAdapter, RaySettings  # noqa: E402

#: About 4 MB at once (numbered lines), then a numbered tick a second for a minute.
BIG_LINES = 40_000
TICKS = 60
BIG_THEN_TICKS = (
    "python -c \"import sys, time\n"
    f"sys.stdout.writelines(f'{{n:06d}} ' + 'x' * 92 + chr(10) for n in range({BIG_LINES}))\n"
    "sys.stdout.flush()\n"
    f"for n in range({TICKS}): print(f'tick {{n}}', flush=True); time.sleep(1)\""
)


@pytest.fixture
async def followed(ray_engine: Any) -> AsyncIterator[tuple[RayAdapter, Relay, str]]:
    url = ray_engine.env["RAY_DASHBOARD_URL"]
    with httpx.Client(base_url=url, timeout=30) as client:
        job_id = submit(client, {"entrypoint": BIG_THEN_TICKS, "submission_id": f"big-follow-{uuid.uuid4().hex[:6]}"})
        wait_for(client, job_id, {"RUNNING"})
        relay = Relay(urlsplit(url).port or 80)
        await relay.start()
        adapter = RayAdapter(RaySettings(url=relay.url, interval=0.5))
        await adapter.open()
        try:
            yield adapter, relay, job_id
        finally:
            await adapter.close()
            await relay.stop()
            client.post(f"/api/jobs/{job_id}/stop")


async def test_a_followed_big_log_is_read_once_to_open_and_then_costs_only_its_new_lines(followed):
    adapter, relay, job_id = followed
    size = 0
    while size < BIG_LINES * 100:  # the 4 MB written, the ticks begun
        await asyncio.sleep(0.5)
        size = await adapter.log_tail_offset(job_id, 1)
    before = relay.downstream
    start = await adapter.log_tail_offset(job_id, 100)
    text, opened_cost, ticks_at_open = "", None, None
    deadline = time.monotonic() + 60
    async for chunk in adapter.follow_log(job_id, start):
        text += chunk.text
        ticks = re.findall(r"^tick (\d+)$", text, re.MULTILINE)
        if opened_cost is None and ticks:
            opened_cost, ticks_at_open = relay.downstream - before, len(ticks)
        if ticks and len(ticks) >= ticks_at_open + 8 or time.monotonic() > deadline:
            break
    following_cost = relay.downstream - before - opened_cost
    # Opening: the read that finds the last lines, and the stream's one pass up to the cursor.
    assert size < opened_cost < 2 * size + 512 * 1024
    # Eight more seconds of ticks: their own bytes, and the status asked each second.
    assert following_cost < 64 * 1024
    lines = text.splitlines()
    assert all(re.fullmatch(r"\d{6} x{92}|tick \d+", line) for line in lines)  # whole lines, from a line's start
    numbered = [int(line[:6]) for line in lines if not line.startswith("tick")]
    assert numbered == list(range(BIG_LINES - len(numbered), BIG_LINES))
    ticks = [int(line[5:]) for line in lines if line.startswith("tick")]
    assert ticks == list(range(ticks[0], ticks[0] + len(ticks)))  # none lost, none repeated
