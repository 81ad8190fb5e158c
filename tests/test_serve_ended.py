"""The served page says why its deck ended: the reason serve closes the websocket with, shown in its message."""

from __future__ import annotations

import signal
from pathlib import Path

from jobdeck.serve import ENDED_MESSAGE, ENDED_REASON_SCRIPT, SERVE_STOPPED, ended_reason, page_with_messages


def test_the_reason_comes_from_the_decks_exit_status():
    assert ended_reason(0) == "it was quit (q)"
    assert ended_reason(None) == "it was quit (q)"  # said it exits, still winding down
    assert ended_reason(-signal.SIGKILL) == "its process was killed (SIGKILL)"
    assert ended_reason(-200) == "its process was killed (signal 200)"
    assert ended_reason(3).startswith("its process failed (exit status 3;")


def test_every_reason_fits_a_websocket_close_frame():
    for reason in (ended_reason(0), ended_reason(-signal.SIGTERM), ended_reason(255), ended_reason(-200), SERVE_STOPPED):
        assert reason.isascii() and len(reason.encode()) <= 123


def test_the_page_shows_the_reason_in_place_of_the_general_sentence():
    import textual_serve

    template = (Path(textual_serve.__file__).parent / "templates" / "app_index.html").read_text()
    page = page_with_messages(template)
    assert ENDED_MESSAGE in page and 'id="jobdeck-ended-why"' in page
    # Its script comes before textual-serve's, which opens the websocket.
    assert page.index(ENDED_REASON_SCRIPT) < page.index("js/textual.js")
    assert page.count(ENDED_REASON_SCRIPT) == 1
