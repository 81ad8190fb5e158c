"""What the deck asks before an Airflow action: what Airflow will do to the run, without naming
the run a third time (the deck's question already names it and its id, and a run id such as
manual__2026-12-07T20:15:19.801449+00:00 fills a line of an 80-column dialog)."""

from __future__ import annotations

from jobdeck.adapters.actions import confirm_words
from jobdeck.adapters.airflow import AirflowAdapter, AirflowSettings
from jobdeck.adapters.airflow.adapter import CLEAR_ALL
from jobdeck.model import Capability, Job, JobRef, JobState

RUN_ID = "jd_retry_fail/manual__2026-12-07T20:15:19.801449+00:00"
JOB = Job(ref=JobRef(backend="airflow", id=RUN_ID), name="jd_retry_fail manual__2026-12-07T20:15:19.801449+00:00",
          state=JobState.FAILED, labels={"dag": "jd_retry_fail"})


def test_each_confirmation_says_what_airflow_does_to_the_run_without_its_id() -> None:
    adapter = AirflowAdapter(AirflowSettings(name="airflow"))

    texts = {
        "retry": adapter.confirm_text(Capability.RETRY, JOB),
        "cancel": adapter.confirm_text(Capability.CANCEL, JOB),
        "clear_all": confirm_words(CLEAR_ALL, JOB, "airflow"),
        "pause": adapter.confirm_text(Capability.PAUSE, JOB),
    }

    assert texts["retry"] is not None and texts["retry"].startswith("Airflow clears this run's failed task instances")
    assert texts["cancel"] == "Airflow marks this run failed: its running tasks are stopped and the rest do not run."
    assert texts["clear_all"] is not None and "every task instance of this run, the successful ones too" in texts["clear_all"]
    assert texts["pause"] == "Airflow pauses DAG jd_retry_fail: no new run of it starts (running tasks finish)."
    assert not any(RUN_ID in (text or "") for text in texts.values())
