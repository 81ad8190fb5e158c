"""The project's own DAGs, run by the tests' Airflow (scripts/engines/airflow).

- jd_ok: two tasks that log a few lines and succeed.
- jd_retry_fail: `flaky` fails on both of its tries (one retry), so `after` is upstream_failed;
  `fine` succeeds beside them.
- jd_long: one task that logs a line a second for `params.seconds` (300 by default).
- jd_mapped: a task mapped over 12 items (item 7 logs a warning), then one that sums them.
- jd_conformance: jd_ok's twin, the conformance suite's own (it pauses it and writes its runs'
  states), so the engine tests' jd_ok runs on beside it in the same Airflow.

Triggered by hand only (no schedule); started paused and unpaused by `up`.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from airflow.sdk import dag, task

log = logging.getLogger(__name__)
START = datetime(2026, 1, 1)


def _hello_goodbye() -> None:
    @task
    def hello() -> int:
        for n in range(3):
            log.info("hello line %d", n)
        print("printed to stdout")
        return 3

    @task
    def goodbye(lines: int) -> None:
        log.info("goodbye after %d lines", lines)

    goodbye(hello())


@dag(dag_id="jd_conformance", schedule=None, start_date=START, catchup=False, tags=["jobdeck"])
def jd_conformance():
    _hello_goodbye()


@dag(dag_id="jd_ok", schedule=None, start_date=START, catchup=False, tags=["jobdeck"])
def jd_ok():
    _hello_goodbye()


@dag(
    dag_id="jd_retry_fail",
    schedule=None,
    start_date=START,
    catchup=False,
    tags=["jobdeck"],
    default_args={"retries": 1, "retry_delay": timedelta(seconds=1)},
)
def jd_retry_fail():
    @task
    def flaky() -> None:
        log.info("about to fail")
        raise RuntimeError("flaky failed on purpose")

    @task
    def after() -> None:
        log.info("never runs")

    @task(retries=0)
    def fine() -> None:
        log.info("fine")

    flaky() >> after()
    fine()


@dag(
    dag_id="jd_long",
    schedule=None,
    start_date=START,
    catchup=False,
    tags=["jobdeck"],
    params={"seconds": 300},
)
def jd_long():
    @task
    def tick(params=None) -> None:
        seconds = int((params or {}).get("seconds", 300))
        for n in range(seconds):
            log.info("tick %d", n)
            time.sleep(1)

    tick()


@dag(dag_id="jd_mapped", schedule=None, start_date=START, catchup=False, tags=["jobdeck"])
def jd_mapped():
    @task
    def items() -> list[int]:
        return list(range(12))

    @task
    def square(n: int) -> int:
        if n == 7:
            log.warning("seven is unlucky")
        return n * n

    @task
    def total(values: list[int]) -> None:
        log.info("total %d", sum(values))

    total(square.expand(n=items()))


jd_ok()
jd_retry_fail()
jd_long()
jd_mapped()
jd_conformance()
