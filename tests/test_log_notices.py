"""What the log pane says above a log, or instead of one, reads as a sentence (not an error
kind such as "unsupported: …") and fits its one row at 80 columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import make_monitor
from test_julep_adapter import KEY_ENV, emulator_time, new_emulator, settings_for

from jobdeck.adapters.intuned import LOG_NOTICE as INTUNED_NOTICE
from jobdeck.adapters.istari.adapter import LOG_NOTICE as ISTARI_NOTICE
from jobdeck.adapters.julep import JulepAdapter
from jobdeck.emulators.julep import DEFAULT_API_KEY
from jobdeck.model import JobRef

#: The notice row of the deck's log pane at 80 columns: 76 cells, the first one a space.
NOTICE_ROOM_AT_80_COLUMNS = 75


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, DEFAULT_API_KEY)


async def test_a_julep_job_says_in_a_sentence_that_its_executions_have_the_log(tmp_path: Path) -> None:
    emulator = new_emulator()
    adapter = JulepAdapter(settings_for(emulator), clock=emulator_time(emulator), transport=emulator.transport())
    monitor = make_monitor(tmp_path, [adapter], clock=adapter.clock)
    await monitor.poll_once()
    job = JobRef(backend="julep", id=emulator.job_ids()[0])
    chunks = [chunk async for chunk in monitor.follow_log(job)]
    await monitor.stop()
    [notice] = [chunk.notice for chunk in chunks]
    assert notice == "A Julep job has no log: the transitions of a task execution are its log"
    assert len(notice) <= NOTICE_ROOM_AT_80_COLUMNS


@pytest.mark.parametrize("notice", [ISTARI_NOTICE, INTUNED_NOTICE], ids=["istari", "intuned"])
def test_a_backend_without_a_log_api_says_what_is_shown_in_one_row_at_80_columns(notice: str) -> None:
    assert "no log API" in notice
    assert len(notice) <= NOTICE_ROOM_AT_80_COLUMNS
