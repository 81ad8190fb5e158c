"""Airflow 3: DAG runs as jobs, grouped by DAG, their task instances' tries as runs."""

from jobdeck.adapters.airflow.adapter import AirflowAdapter
from jobdeck.adapters.airflow.settings import AirflowSettings

__all__ = ["AirflowAdapter", "AirflowSettings"]
