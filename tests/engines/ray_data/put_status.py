"""Puts Ray jobs in a status, as Ray's own job manager does: it writes the job's record (its
JobInfo) in the GCS's internal key-value store, where the dashboard's Jobs API reads it.
Run with the Ray venv's Python: ``put_status.py GCS_ADDRESS STATUS SUBMISSION_ID...``."""

import asyncio
import sys

from ray._raylet import GcsClient
from ray.dashboard.modules.job.common import JobInfoStorageClient, JobStatus


async def main(address: str, status: str, submission_ids: list[str]) -> None:
    jobs = JobInfoStorageClient(GcsClient(address=address))
    for submission_id in submission_ids:
        info = await jobs.get_info(submission_id)
        if info is None:
            raise SystemExit(f"no job {submission_id}")
        info.status = JobStatus(status)
        await jobs.put_info(submission_id, info, overwrite=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
