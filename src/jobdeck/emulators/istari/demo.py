"""``jobdeck demo``: an Istari registry whose three agents work through a
stream of CAD/FEA jobs, some failing, one archived with a reason."""

from __future__ import annotations

from typing import Any

from jobdeck.emulators.core import DemoSpec
from jobdeck.emulators.istari.emulator import DEFAULT_TOKEN

SEED = 5
TOKEN_ENV = "JOBDECK_DEMO_ISTARI_PAT"


def _settings(url: str) -> dict[str, Any]:
    return {
        "kind": "istari",
        "name": "istari",
        "registry_url": url,
        "token_env": TOKEN_ENV,
        "interval": 2.0,
        "counts_interval": 10.0,
    }


DEMO = DemoSpec(
    kind="istari",
    seed=SEED,
    settings=_settings,
    env={TOKEN_ENV: DEFAULT_TOKEN},
    credentials=f"Authorization: Bearer {DEFAULT_TOKEN} (a personal access token)",
)
