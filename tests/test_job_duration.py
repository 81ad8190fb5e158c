"""How long a job has run: to its end; a running one to now; but one its backend forgot, or
whose state is unknown, stops counting where the last word about it was (never for ever)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fakes import make_job

from jobdeck.model import JobState

START = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
NOW = START + timedelta(hours=5)


def test_a_running_job_runs_to_now_and_an_ended_one_to_its_end():
    assert make_job("1", JobState.RUNNING, started=START).duration(NOW) == 5 * 3600
    assert make_job("2", JobState.FAILED, started=START, ended=START + timedelta(minutes=3)).duration(NOW) == 180


def test_a_job_gone_from_its_backend_while_running_stops_counting_when_it_went():
    gone = make_job("3", JobState.RUNNING, started=START, gone_since=START + timedelta(minutes=7))
    assert gone.duration(NOW) == 7 * 60


def test_a_job_whose_state_is_unknown_counts_to_its_last_update():
    lost = make_job("4", JobState.UNKNOWN, started=START, updated=START + timedelta(seconds=40))
    assert lost.duration(NOW) == 40
