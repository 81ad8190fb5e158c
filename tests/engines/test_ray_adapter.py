"""The Ray adapter against a real Ray head (scripts/engines/ray): real shell and Python jobs,
submitted once for the module through Ray's own Jobs REST API, read back through jobdeck."""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent / "ray_data"))
from jobs import BIG_LOG_LINES, SECRET_AWS, SECRET_PASSWORD, SECRET_TOKEN, Relay, jobs, status, submit, wait_for  # noqa: E402

from jobdeck.adapters.ray import RayAdapter, RaySettings  # noqa: E402
from jobdeck.adapters.ray.adapter import RETRY_OF  # noqa: E402
from jobdeck.errors import NotFound, Unreachable  # noqa: E402
from jobdeck.model import Job, JobRef, JobState  # noqa: E402
from jobdeck.monitor import Monitor  # noqa: E402
from jobdeck.monitor.events import HealthStatus  # noqa: E402
from jobdeck.redact import REDACTED  # noqa: E402
from jobdeck.store.memory import MemoryStore  # noqa: E402

SECRETS = (SECRET_TOKEN, SECRET_PASSWORD, SECRET_AWS)
HEADER_SECRET = "hdr-sekrit-5e6f7a"


class Submitted:
    """The module's jobs on the head: their submission ids by role, and a REST client."""

    def __init__(self, url: str, client: httpx.Client, ids: dict[str, str]) -> None:
        self.url = url
        self.client = client
        self.ids = ids


@pytest.fixture(scope="module")
def ray(ray_engine: Any) -> Iterator[Submitted]:
    url = ray_engine.env["RAY_DASHBOARD_URL"]
    tag = f"jd{uuid.uuid4().hex[:6]}"
    with httpx.Client(base_url=url, timeout=30) as client:
        ids = {role: submit(client, request) for role, request in jobs(tag).items()}
        for role in ("ok", "fail", "python", "doomed", "big"):
            wait_for(client, ids[role], {"SUCCEEDED", "FAILED", "STOPPED"})
        wait_for(client, ids["long"], {"RUNNING"})
        wait_for(client, ids["pending"], {"PENDING"})
        yield Submitted(url, client, ids)
        # The long job is stopped whatever the tests did: nothing of this module runs on.
        for role in ("long", "pending"):
            client.post(f"/api/jobs/{ids[role]}/stop")


@pytest.fixture
async def adapter(ray: Submitted) -> AsyncIterator[RayAdapter]:
    ray_adapter = RayAdapter(RaySettings(url=ray.url, interval=0.5))
    await ray_adapter.open()
    yield ray_adapter
    await ray_adapter.close()


def by_id(listed: list[Job]) -> dict[str, Job]:
    return {job.id: job for job in listed}


# -- what it shows ----------------------------------------------------------------------------


async def test_every_submitted_job_is_listed_with_its_state_mapped_and_ray_s_own_kept(ray, adapter):
    listed = by_id(await adapter.list_jobs())
    ok, fail, long = (listed[ray.ids[role]] for role in ("ok", "fail", "long"))
    assert (ok.state, ok.raw_state) == (JobState.SUCCEEDED, "SUCCEEDED")
    assert (fail.state, fail.raw_state) == (JobState.FAILED, "FAILED")
    assert long.state is JobState.RUNNING
    assert ok.created is not None and ok.ended is not None and ok.ended >= ok.created
    assert long.ended is None
    assert adapter.describe()["nodes"] == "1 alive"  # the cluster's nodes, read beside the jobs


async def test_a_job_waiting_for_resources_is_pending_with_no_start_and_an_empty_log(ray, adapter):
    pending = by_id(await adapter.list_jobs())[ray.ids["pending"]]
    assert (pending.state, pending.raw_state) == (JobState.PENDING, "PENDING")
    assert pending.started is None and pending.ended is None and pending.error is None
    assert "waiting for resources" in pending.detail["message"]
    log = await adapter.read_log(ray.ids["pending"])
    assert (log.text, log.complete) == ("", False)
    assert adapter.why_not_action(next(s for s in adapter.actions() if s.name == "delete_job"), pending)


async def test_a_failed_job_says_why_with_ray_s_message_error_type_and_exit_code(ray, adapter):
    fail = by_id(await adapter.list_jobs())[ray.ids["fail"]]
    assert fail.error is not None
    assert "exit code 3" in fail.error and "JOB_ENTRYPOINT_COMMAND_ERROR" in fail.error
    assert "last available logs" not in fail.error  # Ray's appended log end is the log pane's
    assert fail.detail["driver_exit_code"] == 3
    assert fail.detail["entrypoint"] == "echo about to fail; exit 3"
    assert by_id(await adapter.list_jobs())[ray.ids["ok"]].error is None


async def test_metadata_are_the_labels_and_name_the_job(ray, adapter):
    ok = by_id(await adapter.list_jobs())[ray.ids["ok"]]
    assert ok.labels == {"name": "nightly report", "team": "ml", "stage": "test"}
    assert ok.name == "nightly report"
    fail = by_id(await adapter.list_jobs())[ray.ids["fail"]]
    assert fail.name == "echo about to fail; exit 3"  # no name in its metadata: its entrypoint


async def test_secrets_in_the_runtime_env_never_leave_the_adapter(ray, adapter):
    listed = await adapter.list_jobs()
    ok = by_id(listed)[ray.ids["ok"]]
    env_vars = ok.detail["runtime_env"]["env_vars"]
    assert env_vars == {"API_TOKEN": REDACTED, "DB_PASSWORD": REDACTED, "AWS_ACCESS_KEY_ID": REDACTED,
                        "PLAIN_SETTING": "visible-value"}
    shown = json.dumps([job.model_dump(mode="json") for job in listed])
    shown += json.dumps((await adapter.get_job(ray.ids["ok"])).model_dump(mode="json"))
    shown += json.dumps([event.model_dump(mode="json") for event in await adapter.timeline(ray.ids["ok"])])
    assert not [secret for secret in SECRETS if secret in shown]


async def test_a_driver_s_ray_tasks_are_counted_and_a_shell_job_has_none(ray, adapter):
    # Ray's workers report task events about once a second: the last ones may come after the job's end.
    deadline = time.monotonic() + 30
    while True:
        listed = by_id(await adapter.list_jobs())
        python = listed[ray.ids["python"]]
        counts = python.counts
        if counts is not None and counts.total == 4 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert python.state is JobState.SUCCEEDED
    assert counts is not None
    assert (counts.total, counts.succeeded, counts.failed) == (4, 3, 1)
    shell = listed[ray.ids["ok"]]
    assert shell.counts is None and shell.detail["tasks"].startswith("no Ray tasks")


async def test_the_timeline_has_the_submission_and_the_end(ray, adapter):
    events = await adapter.timeline(ray.ids["fail"])
    assert [(event.state, event.raw_state) for event in events] == [
        (JobState.PENDING, "PENDING"), (JobState.FAILED, "FAILED"),
    ]
    assert events[0].at <= events[1].at and "exit code 3" in (events[1].message or "")


async def test_an_unknown_submission_id_is_not_found(adapter):
    with pytest.raises(NotFound, match="does not exist"):
        await adapter.get_job("no-such-submission")
    with pytest.raises(NotFound):
        await adapter.read_log("no-such-submission")


# -- logs --------------------------------------------------------------------------------------


async def test_a_log_is_read_whole_and_on_from_a_byte_offset(ray, adapter):
    whole = await adapter.read_log(ray.ids["ok"])
    assert "hello from ray\nsecond line\n" in whole.text and whole.complete
    assert whole.offset == len(whole.text.encode())
    middle = whole.text.index("second line")
    rest = await adapter.read_log(ray.ids["ok"], len(whole.text[:middle].encode()))
    assert rest.text == whole.text[middle:] and rest.text.startswith("second line\n")
    assert rest.offset == whole.offset
    assert (await adapter.read_log(ray.ids["ok"], whole.cursor)).text == ""


async def test_a_log_opens_at_its_last_lines(ray, adapter):
    whole = (await adapter.read_log(ray.ids["ok"])).text
    start = await adapter.log_tail_offset(ray.ids["ok"], 1)
    assert whole.encode()[start:].decode() == whole.splitlines(keepends=True)[-1]
    two = await adapter.log_tail_offset(ray.ids["ok"], 2)
    assert whole.encode()[two:].decode() == "".join(whole.splitlines(keepends=True)[-2:])


async def test_a_big_log_opens_at_its_end_and_is_read_on_in_pieces_from_its_cursors(ray, adapter):
    job_id = ray.ids["big"]
    start = await adapter.log_tail_offset(job_id, 10)
    tail = await adapter.read_log(job_id, start)
    numbered = [line for line in tail.text.splitlines() if line[:6].isdigit()]
    assert [int(line[:6]) for line in numbered] == list(range(BIG_LOG_LINES - 10, BIG_LOG_LINES))
    earlier = await adapter.log_tail_offset(job_id, 5, before=start)
    window = await adapter.read_log(job_id, earlier)
    assert window.text.startswith(f"{BIG_LOG_LINES - 15:06d} ")
    pieces, cursor = [], 0
    while True:
        chunk = await adapter.read_log(job_id, cursor)
        pieces.append(chunk.text)
        cursor = chunk.cursor
        if chunk.complete:
            break
    assert len(pieces) > 2  # more than one read: never the whole log at once
    whole = "".join(pieces)
    assert [int(line[:6]) for line in whole.splitlines() if line[:6].isdigit()] == list(range(BIG_LOG_LINES))
    assert len(whole.encode()) == cursor.offset


async def test_a_running_job_s_log_is_followed_to_its_end_without_loss_or_repeats(ray, adapter):
    job_id = submit(ray.client, {"entrypoint": "for i in $(seq 1 30); do echo line-$i; sleep 0.2; done",
                                 "submission_id": f"{ray.ids['ok']}-lines"})
    wait_for(ray.client, job_id, {"RUNNING", "SUCCEEDED"})
    chunks = [chunk async for chunk in adapter.follow_log(job_id)]
    assert chunks[-1].complete
    followed = "".join(chunk.text for chunk in chunks)
    assert [line for line in followed.splitlines() if line.startswith("line-")] == [f"line-{i}" for i in range(1, 31)]
    assert len(chunks) > 2  # it came in pieces, as it was written
    # Resumed from a chunk's cursor (as after a dropped connection): exactly the rest.
    cut = chunks[1]
    resumed = "".join([chunk.text async for chunk in adapter.follow_log(job_id, cut.cursor)])
    assert "".join(chunk.text for chunk in chunks[:2]) + resumed == followed


def test_a_status_this_version_does_not_know_is_unknown_and_kept():
    from jobdeck.adapters.ray.convert import to_job
    from jobdeck.adapters.ray.wire import RayJob

    job = to_job("ray", RayJob(submission_id="s-1", status="DRAINING", entrypoint="true"), None)
    assert (job.state, job.raw_state) == (JobState.UNKNOWN, "DRAINING")


@pytest.mark.parametrize(("entrypoint", "shown"), [
    ("AWS_SECRET_ACCESS_KEY=a1 python t.py --db-pass b2 --password='c 3'",
     f"AWS_SECRET_ACCESS_KEY={REDACTED} python t.py --db-pass {REDACTED} --password={REDACTED}"),
    ("python t.py --from https://ann:d4@git.example/r.zip", f"python t.py --from https://{REDACTED}@git.example/r.zip"),
    # Names that only contain a secret's word are not secrets: nothing is hidden.
    ("python monkey.py --tokenizer gpt2 --passes 3 KEYWORD=x --token -v",
     "python monkey.py --tokenizer gpt2 --passes 3 KEYWORD=x --token -v"),
])
def test_an_entrypoint_is_shown_with_the_secrets_on_its_command_line_hidden(entrypoint, shown):
    from jobdeck.adapters.ray.convert import redacted_entrypoint

    assert redacted_entrypoint(entrypoint) == shown


async def test_the_websocket_tail_sends_a_running_log_and_resumes_by_what_it_received(ray):
    # The follow's fallback where the state API has no file for a job: Ray's Jobs API tail.
    from jobdeck.adapters.ray import logs

    job_id = submit(ray.client, {"entrypoint": "for i in $(seq 1 12); do echo tick-$i; sleep 0.25; done",
                                 "submission_id": f"{ray.ids['ok']}-ws"})
    wait_for(ray.client, job_id, {"RUNNING", "SUCCEEDED"})
    url = logs.tail_url(ray.url, f"/api/jobs/{job_id}/logs/tail")

    async def tail_from(offset: int) -> list:
        return [chunk async for chunk in logs.tail(url, offset, headers={}, backend="ray", ssl_ctx=None, max_size=1 << 20)]

    chunks = await tail_from(0)  # Ray closes the tail when the job ends
    whole = "".join(chunk.text for chunk in chunks)
    assert [line for line in whole.splitlines() if line.startswith("tick-")] == [f"tick-{i}" for i in range(1, 13)]
    assert chunks[-1].offset == len(whole.encode())
    resumed = await tail_from(chunks[0].offset)
    assert chunks[0].text + "".join(chunk.text for chunk in resumed) == whole


# -- actions, through the monitor's gate ----------------------------------------------------------


@pytest.fixture
async def monitor(adapter, tmp_path) -> AsyncIterator[Monitor]:
    watching = Monitor([adapter], clock=adapter.clock, store=MemoryStore(tmp_path))
    await watching.poll_once()
    yield watching
    await watching.stop()


async def test_cancel_stops_a_running_job_after_a_confirmation_and_it_ends_canceled(ray, monitor, adapter):
    ref = JobRef(backend="ray", id=ray.ids["long"])
    assert monitor.why_not(ref, "cancel") is None
    assert "Ray stops job" in monitor.confirm_text(ref, "cancel")
    result = await monitor.perform(ref, "cancel")
    assert result.ok, result.message
    wait_for(ray.client, ray.ids["long"], {"STOPPED"})
    await monitor.poll_once()
    stopped = monitor.job(ref)
    assert stopped is not None and (stopped.state, stopped.raw_state) == (JobState.CANCELED, "STOPPED")
    assert monitor.why_not(ref, "cancel") is not None  # it has ended: nothing to stop
    again = await adapter.cancel(ray.ids["long"])
    assert not again.ok and "stopped: false" in again.message


async def test_retry_resubmits_the_same_job_under_a_new_id_that_says_which_it_retries(ray, monitor):
    ref = JobRef(backend="ray", id=ray.ids["ok"])
    assert "Ray has no retry" in monitor.confirm_text(ref, "retry")
    result = await monitor.perform(ref, "retry")
    assert result.ok and result.new_ref is not None and result.new_ref.id != ref.id
    new_id = result.new_ref.id
    original = ray.client.get(f"/api/jobs/{ref.id}").json()
    again = ray.client.get(f"/api/jobs/{new_id}").json()
    assert again["entrypoint"] == original["entrypoint"]
    assert again["runtime_env"] == original["runtime_env"]  # the real values, not the redacted ones
    assert again["metadata"] == {**original["metadata"], RETRY_OF: ref.id}
    wait_for(ray.client, new_id, {"SUCCEEDED", "FAILED"})
    await monitor.poll_once()
    retried = monitor.job(result.new_ref)
    assert retried is not None and retried.state is JobState.SUCCEEDED and retried.labels[RETRY_OF] == ref.id


async def test_deleting_from_ray_is_its_own_confirmed_action_for_finished_jobs_only(ray, monitor):
    doomed = JobRef(backend="ray", id=ray.ids["doomed"])
    names = {spec.name: spec for _, spec in monitor.actions()}
    assert names["delete_job"].key not in ("a", "u") and names["delete_job"].verb == "Delete from Ray"
    assert "cannot be undone" in monitor.confirm_text(doomed, "delete_job")
    if status(ray.client, ray.ids["long"]) == "RUNNING":
        running = monitor.why_not(JobRef(backend="ray", id=ray.ids["long"]), "delete_job")
        assert running is not None and "only finished" in running
    result = await monitor.perform(doomed, "delete_job")
    assert result.ok, result.message
    assert ray.client.get(f"/api/jobs/{doomed.id}").status_code == 404
    await monitor.poll_once()
    gone = monitor.job(doomed)
    assert gone is not None and gone.gone  # kept in view, marked gone from the backend
    assert monitor.why_not(doomed, "delete_job") is not None


async def test_jobdeck_s_own_archive_is_used_since_ray_has_none(ray, monitor):
    ref = JobRef(backend="ray", id=ray.ids["fail"])
    result = await monitor.perform(ref, "archive")
    assert result.ok
    archived = monitor.job(ref)
    assert archived is not None and archived.archived and archived.archived_by == "jobdeck"
    assert status(ray.client, ray.ids["fail"]) == "FAILED"  # Ray itself was not touched


# -- faults ---------------------------------------------------------------------------------------


async def test_a_500_from_the_dashboard_shows_its_message(ray, adapter):
    job_id = submit(ray.client, {"entrypoint": "sleep 30", "submission_id": f"{ray.ids['ok']}-busy"})
    try:
        wait_for(ray.client, job_id, {"RUNNING"})
        with pytest.raises(Unreachable, match=r"HTTP 500.*non-terminal state"):
            await adapter.delete_job(job_id)  # Ray refuses to delete a running job
    finally:
        ray.client.post(f"/api/jobs/{job_id}/stop")


async def test_the_head_going_away_makes_the_backend_down_with_its_rows_kept_and_it_recovers(ray, tmp_path):
    relay = Relay(int(ray.url.rsplit(":", 1)[1]))
    await relay.start()
    ray_adapter = RayAdapter(RaySettings(url=relay.url, interval=0.5, timeout=2, deadline=5))
    watching = Monitor([ray_adapter], clock=ray_adapter.clock, store=MemoryStore(tmp_path))
    try:
        await watching.poll_once()
        assert watching.health()["ray"].status is HealthStatus.OK
        known = {job.id for job in watching.jobs()}
        assert ray.ids["ok"] in known
        await relay.stop()
        for _ in range(4):
            await watching.poll_once()
        health = watching.health()["ray"]
        assert health.status is HealthStatus.DOWN
        assert health.last_error is not None and "cannot connect" in health.last_error
        assert {job.id for job in watching.jobs()} == known  # the rows stay, as history
        await relay.start()
        await watching.poll_once()
        assert watching.health()["ray"].status is HealthStatus.OK
    finally:
        await watching.stop()
        await relay.stop()


async def test_extra_headers_from_the_environment_are_sent_and_never_shown(ray, monkeypatch):
    monkeypatch.setenv("RAY_TEST_HEADERS", json.dumps({"X-Proxy-Token": HEADER_SECRET}))
    relay = Relay(int(ray.url.rsplit(":", 1)[1]))  # sees what jobdeck sends to the head
    await relay.start()
    ray_adapter = RayAdapter(RaySettings(url=relay.url, headers_env="RAY_TEST_HEADERS"))
    await ray_adapter.open()
    try:
        assert ray.ids["ok"] in {job.id for job in await ray_adapter.list_jobs()}
        assert f"x-proxy-token: {HEADER_SECRET}\r\n".encode() in bytes(relay.upstream).lower()
        described = json.dumps(ray_adapter.describe())
        assert "$RAY_TEST_HEADERS" in described and HEADER_SECRET not in described
        with pytest.raises(NotFound) as raised:
            await ray_adapter.get_job("no-such-submission")
        assert HEADER_SECRET not in str(raised.value)
    finally:
        await ray_adapter.close()
        await relay.stop()


async def test_credentials_in_urls_and_on_the_entrypoint_s_command_line_never_leave_the_adapter(ray, adapter):
    # Ray's documented way to a private repository: the token in the working_dir's URL.
    inline = ("env-sekrit-44d1", "flag-sekrit-9b3e")
    job_id = submit(ray.client, {
        "entrypoint": f"DEPLOY_TOKEN={inline[0]} python train.py --api-key {inline[1]} --epochs 3",
        "submission_id": f"{ray.ids['ok']}-private",
        "runtime_env": {"working_dir": f"https://alice:{SECRET_TOKEN}@127.0.0.1:1/org/repo/archive/main.zip",
                        "pip": [f"--index-url https://{SECRET_PASSWORD}@127.0.0.1:1/simple", "requests"]},
    })
    wait_for(ray.client, job_id, {"FAILED"})  # the archive cannot be fetched
    job = await adapter.get_job(job_id)
    shown = job.model_dump_json() + by_id(await adapter.list_jobs())[job_id].model_dump_json()
    shown += json.dumps([event.model_dump(mode="json") for event in await adapter.timeline(job_id)])
    assert not [secret for secret in (*SECRETS, *inline) if secret in shown]
    assert job.detail["runtime_env"]["working_dir"] == f"https://{REDACTED}@127.0.0.1:1/org/repo/archive/main.zip"
    assert job.name == f"DEPLOY_TOKEN={REDACTED} python train.py --api-key {REDACTED} --epochs 3"


async def test_a_job_ray_ended_before_its_entrypoint_started_says_why_its_log_is_empty(ray, adapter):
    # A local working_dir is refused by the Jobs API only once submitted: the job fails before
    # any driver runs, and Ray keeps no log of it.
    job_id = submit(ray.client, {"entrypoint": "python main.py", "submission_id": f"{ray.ids['ok']}-no-driver",
                                 "runtime_env": {"working_dir": "/nonexistent/local/folder"}})
    wait_for(ray.client, job_id, {"FAILED"})
    log = await adapter.read_log(job_id)
    assert (log.text, log.complete) == ("", True)
    assert log.notice == "no log: Ray ended this job before its entrypoint started (its error says why)"
    job = await adapter.get_job(job_id)
    assert job.error is not None
    assert job.started is None and job.ended is not None  # it never ran
    # A shell job whose entrypoint ran (no Ray job id of its own) started, and has no such notice.
    fail = await adapter.get_job(ray.ids["fail"])
    assert fail.detail.get("job_id") is None and fail.started is not None
    assert (await adapter.read_log(ray.ids["fail"])).notice is None
