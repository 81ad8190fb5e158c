"""Airflow's log answers read as streams, keeping only their last lines (adapters/airflow/logs.py):
however the bytes arrive, the same last lines, the same count of those left out, the same token.
The real server's answers are read in tests/engines/test_airflow_logs.py."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from jobdeck.adapters.airflow.logs import BrokenLog, read_json_tail, read_ndjson_tail

SOURCES = [{"event": "::group::Log message source details"}, {"event": "/logs/dag_id=x/attempt=1.log"},
           {"event": "::endgroup::"}]
LINES = [{"timestamp": "2026-12-07T19:52:38.238Z", "level": "info", "event": f"line {n} · ünïcode ✓"} for n in range(40)]


async def in_pieces(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64, 10_000])
async def test_a_json_answer_in_any_pieces_gives_its_last_lines_and_its_token(size):
    body = json.dumps({"content": SOURCES + LINES, "continuation_token": "tok.en"}, ensure_ascii=False).encode()
    tail = await read_json_tail(in_pieces(body, size), keep=3)
    assert tail.text.splitlines() == [f"2026-12-07 19:52:38.238 INFO line {n} · ünïcode ✓" for n in (37, 38, 39)]
    assert tail.skipped == 37 and tail.token == "tok.en"
    assert tail.notice() == "the log's first 37 lines are not shown: it opens at its end (the last 3 lines)"


async def test_a_json_answer_with_its_token_first_or_none_at_all():
    first = json.dumps({"continuation_token": "early", "content": LINES[:2]}).encode()
    assert (await read_json_tail(in_pieces(first, 7), keep=10)).token == "early"
    ended = json.dumps({"content": LINES[:2], "continuation_token": None}).encode()
    tail = await read_json_tail(in_pieces(ended, 7), keep=10)
    assert tail.token is None and tail.skipped == 0 and tail.notice() is None and "line 1" in tail.text


@pytest.mark.parametrize("size", [1, 4, 100, 100_000])
async def test_an_ndjson_log_in_any_pieces_gives_its_last_lines_without_the_source_details(size):
    body = "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in SOURCES + LINES).encode()
    tail = await read_ndjson_tail(in_pieces(body, size), keep=2)
    assert [line.rsplit(" ", 3)[0][-7:] for line in tail.text.splitlines()] == ["line 38", "line 39"]
    assert tail.skipped == 38 and tail.token is None
    assert "::group::" not in tail.text and "attempt=1.log" not in tail.text


@pytest.mark.parametrize("body", [
    b'{"content": [{"event": "cut short"',
    b'{"content": "an old plain text log", "continuation_token": null}',
    b'<html>a proxy\'s error page</html>',
])
async def test_an_answer_that_is_not_airflow_s_log_is_a_broken_log(body):
    with pytest.raises(BrokenLog):
        await read_json_tail(in_pieces(body, 5))


async def test_an_ndjson_line_that_is_not_json_is_a_broken_log():
    with pytest.raises(BrokenLog, match="not JSON"):
        await read_ndjson_tail(in_pieces(b'{"event": "fine"}\nnot json\n', 3))
