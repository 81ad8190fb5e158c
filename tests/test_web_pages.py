"""`o`: a job's page in its backend's own web UI, shown as a link (OSC 8) and copied, never
opened in a browser; made from the configured URL and the job's ids, which cannot break out."""

from __future__ import annotations

import pytest
from deck_helpers import build_app, sample_backends, toasts, wait_for_jobs
from fakes import FakeAdapter, make_job, wait_until

from jobdeck.adapters.airflow import AirflowAdapter, AirflowSettings
from jobdeck.adapters.celery import CeleryAdapter, CelerySettings
from jobdeck.adapters.kit.http_paths import web_page
from jobdeck.adapters.ray import RayAdapter, RaySettings
from jobdeck.clock import FrozenClock
from jobdeck.model import Job, JobRef
from jobdeck.ui.deck_text import link_markup


def test_a_web_page_quotes_each_id_and_drops_credentials_and_query():
    url = web_page("https://user:secret@ray.example:8265/base/?token=abc", "jobs", 'a/b"]c', fragment=True)
    assert url == "https://ray.example:8265/base/#/jobs/a%2Fb%22%5Dc"
    # A token in the configured URL's fragment is dropped too (and the page's path is a path).
    assert web_page("https://flower.example/ui/#access_token=abc", "task", "t1") == "https://flower.example/ui/task/t1"
    assert web_page("https://u:p@ray.example/#/?token=abc", "jobs", "j", fragment=True) == "https://ray.example/#/jobs/j"


def job(backend: str, job_id: str) -> Job:
    return make_job(job_id, backend=backend)


def test_ray_celery_and_airflow_give_their_own_pages():
    ray = RayAdapter(RaySettings(name="ray", url="http://127.0.0.1:8265"))
    assert ray.web_page(job("ray", "raysubmit_Ab1")) == "http://127.0.0.1:8265/#/jobs/raysubmit_Ab1"
    flower = CeleryAdapter(CelerySettings(name="tasks", flower_url="http://127.0.0.1:5555/"))
    assert flower.web_page(job("tasks", "9f1c-22")) == "http://127.0.0.1:5555/task/9f1c-22"
    airflow = AirflowAdapter(AirflowSettings(name="af", url="http://af:8080", user="admin", password_env="AF_PW"))
    assert (airflow.web_page(job("af", "etl/manual__2026-12-07T10:00:00+00:00"))
            == "http://af:8080/dags/etl/runs/manual__2026-12-07T10%3A00%3A00%2B00%3A00")


def test_celery_without_flower_has_no_page():
    broker = CeleryAdapter(CelerySettings(name="tasks", broker_url_env="BROKER"))
    assert broker.web_page(job("tasks", "9f1c")) is None


@pytest.mark.parametrize("url", ['http://x/"onclick', "http://x/]evil[/link]", "http://x/a b", "http://x/'q"])
def test_a_url_a_link_cannot_hold_is_no_link(url):
    assert link_markup(url) is None


class PagedBackend(FakeAdapter):
    page: str | None = "https://ui.example/jobs/{id}"

    def web_page(self, job: Job) -> str | None:
        if self.page == "boom":
            raise RuntimeError("a bug in the adapter")
        return self.page.format(id=job.id) if self.page else None


def deck(tmp_path, page: str | None):
    clock = FrozenClock()
    local, cluster = sample_backends(clock)
    paged = PagedBackend.build("cluster", clock=clock, jobs=[make_job("run-1", backend="cluster", name="crawl")])
    paged.page = page
    return build_app(tmp_path, [local, paged], clock=clock)


async def test_o_shows_the_jobs_page_as_a_link_and_copies_it(tmp_path):
    app = deck(tmp_path, "https://ui.example/jobs/{id}")
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await wait_for_jobs(app, 4)
        assert jobs.select_ref(JobRef(backend="cluster", id="run-1"))
        await pilot.press("o")
        await wait_until(lambda: app.clipboard == "https://ui.example/jobs/run-1", what="the copy")
        [toast] = [n for n in app._notifications if n.title == "Web page"]
        assert (toast.message, toast.markup) == ("[link='https://ui.example/jobs/run-1']https://ui.example/jobs/run-1[/link] · copied", True)


@pytest.mark.parametrize("page", [None, "boom", "javascript:alert(1)"])
async def test_o_on_a_backend_without_a_page_says_so(tmp_path, page):
    app = deck(tmp_path, page)
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await wait_for_jobs(app, 4)
        assert jobs.select_ref(JobRef(backend="cluster", id="run-1"))
        await pilot.press("o")
        await wait_until(lambda: any("has no web page" in t for t in toasts(app)), what="the message")
        assert "cluster has no web page for its jobs that jobdeck knows: set web_url in its [[backends]] table" in toasts(app)
        assert app.clipboard == ""


def test_web_url_gives_any_backend_a_page_with_its_id_quoted_and_overrides_a_known_one():
    from jobdeck.adapters.drp import DrpAdapter, DrpSettings

    drp = DrpAdapter(DrpSettings(name="drp", endpoint="https://drp:8092", token_env="T_DRP",
                                 web_url="https://portal.rackn.io/#/e/drp:8092/jobs/{id}"))
    assert drp.web_page(job("drp", "a/b c")) == "https://portal.rackn.io/#/e/drp:8092/jobs/a%2Fb%20c"
    assert DrpAdapter(DrpSettings(name="drp", endpoint="https://drp:8092", token_env="T_DRP")).web_page(job("drp", "1")) is None
    ray = RayAdapter(RaySettings(name="ray", url="http://127.0.0.1:8265", web_url="https://ray.example/j/{id}"))
    assert ray.web_page(job("ray", "raysubmit_1")) == "https://ray.example/j/raysubmit_1"


@pytest.mark.parametrize("web_url, words", [
    ("ftp://x/{id}", "starts with http"), ("https://x/jobs", "write {id}"), ("https://x/{name}/{id}", "no other braces"),
])
def test_a_web_url_that_cannot_make_a_page_is_a_config_error(web_url, words):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=words):
        RaySettings(name="ray", url="http://127.0.0.1:8265", web_url=web_url)
