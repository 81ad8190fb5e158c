"""A DAG whose one task logs many lines (``params.lines``, 40,000 by default, about 100 bytes
each): the engine tests open its log at its end (a huge log must not be read whole by the deck).

Triggered by hand only (no schedule); started paused and unpaused by `up`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from airflow.sdk import dag, task

log = logging.getLogger(__name__)


@dag(dag_id="jd_big_log", schedule=None, start_date=datetime(2026, 1, 1), catchup=False, tags=["jobdeck"],
     params={"lines": 40_000})
def jd_big_log():
    @task
    def chatter(params=None) -> None:
        lines = int((params or {}).get("lines", 40_000))
        for n in range(lines):
            log.info("line %07d of %d: %s", n, lines, "x" * 40)
        log.info("the last line")

    chatter()


jd_big_log()
