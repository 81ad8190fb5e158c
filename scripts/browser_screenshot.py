"""A PNG of the deck as ``jobdeck serve`` shows it in a browser, for the README.

Taken with the browser tests' machinery: headless Chromium (scripts/engines/chromium) driven
over the DevTools protocol (tests/browser/cdp.py), on a served read-only deck of the frozen
DRP emulator (benchmarks/serve_figures.py's ``served_deck``), once the jobs are listed and one
is selected. (``chromium --screenshot URL`` cannot do it: it shoots at the page's load, before
the deck's first frame comes over the websocket, so it shows only the loading page.)

    .venv/bin/python scripts/browser_screenshot.py [OUTPUT]   # screenshots/served_deck_in_chromium.png
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from serve_figures import JOB_ROW, served_deck  # noqa: E402 (and it puts tests/browser on the path)

from cdp import wait_for  # noqa: E402
from deck_page import DeckPage  # noqa: E402

OUTPUT = ROOT / "screenshots" / "served_deck_in_chromium.png"


def main() -> None:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    with tempfile.TemporaryDirectory(prefix="jobdeck-screenshot-") as folder, served_deck(Path(folder)) as served:
        browser, url = served
        page = DeckPage(browser.new_tab(url, width=1200, height=720))
        page.wait_until_drawn()
        wait_for(lambda: sum(1 for line in page.lines() if JOB_ROW.match(line)) > 3, what="the jobs listed")
        page.type("jj")
        page.wait_for_text("History ")
        time.sleep(1.5)  # the selected job's panes filled in, the page's fade-in over
        output.write_bytes(page.tab.screenshot())
        page.tab.close()
    print(f"written {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")


if __name__ == "__main__":
    main()
