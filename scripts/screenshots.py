"""Copy the snapshot tests' SVGs into screenshots/ for the README.

Run by `make screenshots` after the snapshots are regenerated, so the
README's images are always exactly what the tests check.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "tests" / "__snapshots__"
#: The snapshot test modules whose SVGs become screenshots.
SOURCES = [
    SNAPSHOTS / "test_snapshots",
    SNAPSHOTS / "test_snapshots_display",
    SNAPSHOTS / "test_snapshots_history",
    SNAPSHOTS / "test_history_view_snapshots",
    SNAPSHOTS / "test_engine_snapshots_celery",
    SNAPSHOTS / "test_engine_snapshots_airflow",
    SNAPSHOTS / "test_engine_snapshots_slurm",
    SNAPSHOTS / "test_engine_snapshots_ray",
    SNAPSHOTS / "test_views",
    SNAPSHOTS / "test_bulk_snapshots",
]
TARGET = ROOT / "screenshots"


def screenshot_name(svg: Path) -> str:
    """``test_deck_in_theme[jobdeck-light].svg`` -> ``deck_in_theme_jobdeck-light.svg``."""
    stem = svg.stem.removeprefix("test_").replace("[", "_").replace("]", "")
    return f"{stem}.svg"


def main() -> None:
    TARGET.mkdir(exist_ok=True)
    for old in TARGET.glob("*.svg"):
        old.unlink()
    copied = 0
    for source in SOURCES:
        for svg in sorted(source.glob("*.svg")):
            shutil.copyfile(svg, TARGET / screenshot_name(svg))
            copied += 1
    print(f"{copied} screenshots written to {TARGET.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
