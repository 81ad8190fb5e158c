"""Copy the snapshot tests' SVGs into screenshots/ for the README.

Run by `make screenshots` after the snapshots are regenerated, so the
README's images are always exactly what the tests check.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tests" / "__snapshots__" / "test_snapshots"
TARGET = ROOT / "screenshots"


def main() -> None:
    TARGET.mkdir(exist_ok=True)
    for old in TARGET.glob("*.svg"):
        old.unlink()
    copied = 0
    for svg in sorted(SOURCE.glob("*.svg")):
        name = svg.name.removeprefix("test_")
        shutil.copyfile(svg, TARGET / name)
        copied += 1
    print(f"{copied} screenshots written to {TARGET.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
