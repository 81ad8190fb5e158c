"""``jobdeck demo``: an Intuned project with a nightly scraper (partial failures),
a job scraping every 3 minutes (a run always moving), a paused job and a job
whose last run failed (see ``scenario.py``)."""

from jobdeck.emulators.core import DemoSpec
from jobdeck.emulators.intuned.scenario import DEFAULT_API_KEY, DEFAULT_PROJECT, DEFAULT_WORKSPACE_ID

KEY_ENV = "JOBDECK_DEMO_INTUNED_KEY"

DEMO = DemoSpec(
    kind="intuned",
    seed=5,
    settings=lambda url: {
        "kind": "intuned",
        "name": "intuned",
        "base_url": f"{url}/api/v1/workspace",
        "workspace_id": DEFAULT_WORKSPACE_ID,
        "project": DEFAULT_PROJECT,
        "api_key_env": KEY_ENV,
        "interval": 2.0,
    },
    env={KEY_ENV: DEFAULT_API_KEY},
    credentials=f"x-api-key: {DEFAULT_API_KEY} (workspace {DEFAULT_WORKSPACE_ID}, project {DEFAULT_PROJECT})",
)
