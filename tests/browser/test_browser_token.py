"""With --require-token, only the URL printed at start opens a deck in the browser."""

from __future__ import annotations

from cdp import wait_for

SERVE_OPTIONS = ("--require-token",)


def test_the_printed_url_opens_the_deck_and_the_bare_one_is_refused_without_a_deck(browser, served):
    assert "?token=" in served.url
    decks_before = served.live_decks()
    bare = browser.new_tab(served.origin + "/")
    text = wait_for(lambda: bare.evaluate("document.body && document.body.innerText"), what="the refusal")
    assert "jobdeck: this page needs the token printed when jobdeck serve started" in text
    assert bare.evaluate("document.querySelector('#terminal') === null")
    assert served.live_decks() == decks_before
    bare.close()

    page, pid = served.open(browser)  # served.url: the printed one, with its token
    assert page.lines()[0].startswith(" jobdeck  READ-ONLY")
    page.tab.close()
    wait_for(lambda: pid not in served.live_decks(), what=f"the deck (pid {pid}) to end with its tab")
