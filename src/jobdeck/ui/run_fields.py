"""The job's backend fields as they read for the chosen run.

Backends copy their newest run's fields onto the job (the local backend's
``run``, ``log``, ``pid``, ``exit_code``; Intuned's ``run`` object). Shown
under an older run, those copies would describe the wrong run, so they are
replaced by the chosen run's own values (or left out when it has none).
A field is such a copy when the newest run has the same value under the same
key, or when the field is the newest run's whole detail. No Textual here.
"""

from __future__ import annotations

from typing import Any

from jobdeck.model import Run


def fields_for_run(job_detail: dict[str, Any], newest: Run | None, chosen: Run | None) -> dict[str, Any]:
    """``job_detail`` with the newest run's copied fields taken from ``chosen`` instead."""
    if newest is None or chosen is None or chosen.id == newest.id or not newest.detail:
        return job_detail
    shown: dict[str, Any] = {}
    for key, value in job_detail.items():
        if value == newest.detail:
            shown[key] = chosen.detail
        elif key in newest.detail and newest.detail[key] == value:
            if key in chosen.detail:
                shown[key] = chosen.detail[key]
        else:
            shown[key] = value
    return shown
