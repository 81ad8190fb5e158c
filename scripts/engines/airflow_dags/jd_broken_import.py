"""A DAG file that fails to import, on purpose: Airflow lists it among its import errors
(``/api/v2/importErrors``), which jobdeck shows as a warning in the backend's header."""

raise ImportError("jd_broken_import fails to import on purpose (jobdeck's tests)")
