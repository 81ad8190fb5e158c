"""Stopping `jobdeck serve` ends its open deck, and the tab says so (a `jobdeck serve` of this module's own)."""

from __future__ import annotations

import signal

from cdp import wait_for
from deck_processes import is_deck


def test_stopping_serve_ends_the_open_deck_and_its_page_says_why(browser, served):
    page, pid = served.open(browser)
    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(timeout=30) == 0
    assert not is_deck(pid), f"deck {pid} outlived jobdeck serve"
    message = wait_for(
        lambda: page.tab.evaluate(
            "document.body.classList.contains('-closed') && document.querySelector('.closed-dialog').innerText"
        ),
        what="the page's ended dialog",
    )
    assert "This deck has ended: jobdeck serve stopped." in message
    page.tab.close()
