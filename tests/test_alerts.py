"""Alerts (README, Alerts): which failures are new, the desktop notification, the
on_failure command (arguments, made-safe placeholders, a timeout, failures said once)
and the [alerts] settings."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakes import make_job

from jobdeck.config import AlertSettings, settings_from_toml
from jobdeck.errors import ConfigError
from jobdeck.model import JobState
from jobdeck.monitor import BackendHealth, HealthStatus
from jobdeck.ui.runtime.alerts import (
    Alert,
    AlertOutlets,
    FailureWatch,
    command_arguments,
    desktop_sequence,
    job_alert,
    run_command,
)

PYTHON = sys.executable


def health(name: str, status: HealthStatus, error: str | None = None) -> BackendHealth:
    answered = datetime(2026, 1, 1, 12, tzinfo=UTC) if status is HealthStatus.OK else None
    return BackendHealth(name=name, kind="fake", status=status, last_error=error, last_ok=answered)


# -- which failures are new ---------------------------------------------------------


def test_a_job_seen_running_that_fails_is_a_new_failure_once() -> None:
    watch = FailureWatch()
    running = make_job("a", JobState.RUNNING, name="etl")
    watch.baseline([running], [])
    failed = running.model_copy(update={"state": JobState.FAILED, "error": "exit 3"})

    alerts = watch.jobs_changed("fake", [], [failed], [])

    assert [(a.name, a.ref, a.error) for a in alerts] == [("etl", failed.ref, "exit 3")]
    assert watch.jobs_changed("fake", [], [failed], []) == []  # still failed: not new again


def test_a_job_failed_when_first_seen_is_not_a_new_failure() -> None:
    watch = FailureWatch()
    failed = make_job("a", JobState.FAILED)

    assert watch.jobs_changed("fake", [failed], [], []) == []  # the backend's first listing
    watch.baseline([], [])
    assert watch.jobs_changed("fake", [], [failed], []) == []


def test_after_a_first_listing_only_its_jobs_that_were_not_failed_alert_when_they_fail() -> None:
    watch = FailureWatch()
    failed, running = make_job("a", JobState.FAILED), make_job("b", JobState.RUNNING)
    assert watch.jobs_changed("fake", [failed, running], [], []) == []  # the backend's first listing

    still = failed.model_copy(update={"error": "exit 1"})
    now_failed = running.model_copy(update={"state": JobState.FAILED})
    alerts = watch.jobs_changed("fake", [], [still, now_failed], [])

    assert [alert.ref for alert in alerts] == [running.ref]


def test_a_job_that_appears_failed_on_a_backend_already_listed_is_a_new_failure() -> None:
    # It started and failed between two polls: the deck was watching.
    watch = FailureWatch()
    watch.baseline([make_job("a", JobState.SUCCEEDED)], [health("fake", HealthStatus.OK)])

    alerts = watch.jobs_changed("fake", [make_job("b", JobState.FAILED, name="quick")], [], [])

    assert [a.name for a in alerts] == ["quick"]


def test_a_job_retried_that_fails_again_is_new_again() -> None:
    watch = FailureWatch()
    job = make_job("a", JobState.FAILED)
    watch.baseline([job], [])

    assert watch.jobs_changed("fake", [], [job.model_copy(update={"state": JobState.RUNNING})], []) == []
    assert len(watch.jobs_changed("fake", [], [job], [])) == 1


def test_a_backend_seen_answering_that_goes_down_alerts_once_until_it_answers_again() -> None:
    watch = FailureWatch()
    assert watch.health_changed(health("cluster", HealthStatus.DOWN)) == []  # never worked: not new
    watch.health_changed(health("cluster", HealthStatus.OK))

    first = watch.health_changed(health("cluster", HealthStatus.DOWN, "connection refused"))

    assert [(a.ref, a.text) for a in first] == [(None, "backend cluster is down: connection refused")]
    assert watch.health_changed(health("cluster", HealthStatus.DOWN)) == []
    watch.health_changed(health("cluster", HealthStatus.OK))
    assert len(watch.health_changed(health("cluster", HealthStatus.DOWN))) == 1


# -- the command ----------------------------------------------------------------------


def test_placeholders_are_filled_with_made_safe_text_and_never_read_as_options() -> None:
    job = make_job("7", JobState.FAILED, name="--exec=rm\x1b[2J -rf", error="bad\nrow {name}")
    template = ["notify-send", "{name}", "{name} failed on {backend}", "{error}", "{ref}", "{unknown}", "{name.__class__}"]

    arguments = command_arguments(template, job_alert(job))

    assert arguments == [
        "notify-send",
        " --exec=rm -rf",
        " --exec=rm -rf failed on fake",
        "bad row {name}",  # a value is not read again for placeholders
        "fake/7",
        "{unknown}",
        "{name.__class__}",  # no attribute lookups: only a bare name is a placeholder
    ]


def test_the_command_runs_with_its_arguments_and_no_shell(tmp_path: Path) -> None:
    out = tmp_path / "args"
    script = f"import sys, pathlib; pathlib.Path({str(out)!r}).write_text(repr(sys.argv[1:]))"
    alert = job_alert(make_job("7", JobState.FAILED, name="etl; touch /tmp/pwned"))

    assert run_command([PYTHON, "-c", script, "{name} failed"], alert, timeout=30) is None

    assert out.read_text() == repr(["etl; touch /tmp/pwned failed"])


def test_a_command_that_fails_times_out_or_is_missing_is_described() -> None:
    alert = job_alert(make_job("7", JobState.FAILED))

    failed = run_command([PYTHON, "-c", "import sys; sys.stderr.write('no display'); sys.exit(3)"], alert, timeout=30)
    slow = run_command([PYTHON, "-c", "import time; time.sleep(30)"], alert, timeout=0.5)
    missing = run_command(["/nonexistent/notify"], alert, timeout=30)

    assert failed is not None and "exited with 3: no display" in failed
    assert slow is not None and "did not finish within 0.5 s" in slow
    assert missing is not None and "could not start" in missing


def test_a_failing_command_is_reported_once_not_once_per_job() -> None:
    reports: list[str] = []
    lock = threading.Lock()

    def report(message: str) -> None:
        with lock:
            reports.append(message)

    settings = AlertSettings(on_failure=[PYTHON, "-c", "import sys; sys.exit(1)"])
    outlets = AlertOutlets(settings, write=None, report=report)
    outlets.tell([job_alert(make_job(str(i), JobState.FAILED)) for i in range(5)])
    outlets.close()  # the thread ends once it has run the five
    assert outlets._thread is not None
    outlets._thread.join(60)

    assert len(reports) == 1
    assert "exited with 1" in reports[0]


# -- the desktop ------------------------------------------------------------------------


def test_the_desktop_notification_is_one_sequence_without_control_characters() -> None:
    alerts = [job_alert(make_job(str(i), JobState.FAILED, name=f"job\x07{i}\x1b]")) for i in range(3)]

    osc9 = desktop_sequence("osc9", alerts)
    osc777 = desktop_sequence("osc777", alerts[:1])

    assert osc9 == "\x1b]9;jobdeck: job0 failed on fake (and 2 more)\x1b\\"
    assert osc777 == "\x1b]777;notify;jobdeck;job0 failed on fake\x1b\\"


def test_desktop_notifications_are_written_only_when_asked_and_never_in_a_served_deck() -> None:
    written: list[str] = []
    alert = [Alert(backend="cluster", name="cluster", state="down")]

    AlertOutlets(AlertSettings(), write=written.append, report=print).tell(alert)
    AlertOutlets(AlertSettings(desktop="osc9"), write=written.append, report=print, web=True).tell(alert)
    assert written == []

    AlertOutlets(AlertSettings(desktop="osc9"), write=written.append, report=print).tell(alert)
    assert written == ["\x1b]9;jobdeck: backend cluster is down\x1b\\"]


# -- the settings -----------------------------------------------------------------------


def test_alerts_are_on_by_default_with_no_desktop_and_no_command() -> None:
    assert settings_from_toml("").alerts == AlertSettings(enabled=True, desktop="off", on_failure=[])


def test_the_alerts_table_is_typed_and_its_problems_named() -> None:
    settings = settings_from_toml('[alerts]\nenabled = false\ndesktop = "osc777"\non_failure = ["notify-send", "{name}"]\n')
    assert (settings.alerts.enabled, settings.alerts.desktop, settings.alerts.on_failure) == (
        False, "osc777", ["notify-send", "{name}"]
    )
    with pytest.raises(ConfigError) as error:
        settings_from_toml('[alerts]\nbel = false\non_failure = "notify-send {name}"\n')
    assert "alerts.bel: unknown key" in str(error.value)
    assert "alerts.on_failure: Input should be a valid list" in str(error.value)
