"""``jobdeck demo``: a DRP emulator with six machines running workflows."""

from jobdeck.emulators.core import DemoSpec

DEMO = DemoSpec(
    kind="drp",
    seed=7,
    settings=lambda url: {
        "kind": "drp",
        "name": "drp",
        "endpoint": url,
        "user_env": "JOBDECK_DEMO_DRP_USER",
        "password_env": "JOBDECK_DEMO_DRP_PASSWORD",
        "interval": 2.0,
    },
    env={"JOBDECK_DEMO_DRP_USER": "rocketskates", "JOBDECK_DEMO_DRP_PASSWORD": "r0cketsk8ts"},
    credentials="Basic rocketskates:r0cketsk8ts (the default install's user)",
)
