"""`jobdeck serve` in a real browser: each tab gets a working deck, read-only, that ends with its tab.

Headless Chromium opens the served page; what the deck shows is read from the page's terminal
(xterm.js's buffer), keys are typed as keystrokes into the page, and the decks' processes are
checked by pid. The backend is a DRP emulator that logs every request it answers.
"""

from __future__ import annotations

import os
import re
import signal

from cdp import wait_for
from deck_processes import is_deck

JOB_ROW = re.compile(r"^│.[▶✓✗◌] .+ @ node-")


def job_rows(lines: list[str]) -> list[str]:
    return [line for line in lines if JOB_ROW.match(line)]


def test_the_page_loads_and_the_deck_is_drawn(browser, served):
    page, _ = served.open(browser)
    lines = page.wait_for_screen(lambda lines: len(job_rows(lines)) > 3, what="the DRP jobs listed")
    assert lines[0].startswith(" jobdeck  READ-ONLY  ● drp ok")
    assert re.search(r"╭─ Jobs (\d+)/\1 ", "\n".join(lines))
    assert any(line.startswith("╭─ Log ") for line in lines)
    assert lines[-1].startswith("/ Filter")  # the footer, on the terminal's last line
    page.tab.close()


def test_keys_typed_in_the_page_reach_the_deck(browser, served):
    page, _ = served.open(browser)
    lines = page.wait_for_screen(lambda lines: len(job_rows(lines)) > 3, what="the DRP jobs listed")
    first, second = (row[2:40] for row in job_rows(lines)[:2])
    assert first in page.selected_row()

    page.type("j")
    page.wait_for_screen(lambda _: second in page.selected_row(), what="the cursor on the second job")

    page.type("/gohai")
    page.wait_for_screen(
        lambda lines: job_rows(lines) and all("gohai" in row for row in job_rows(lines)),
        what="the list filtered to gohai jobs",
    )
    page.press("escape")
    page.press("escape")
    page.wait_for_screen(lambda lines: any("gohai" not in row for row in job_rows(lines)), what="the filter cleared")

    page.type("?")
    keys = page.wait_for_text("╭─ Keys ")
    assert any(re.search(r"│ /\s+Filter", line) for line in keys)
    page.tab.close()


def test_read_only_refuses_the_mutating_keys_and_no_mutating_request_reaches_the_backend(browser, served, recorder):
    page, _ = served.open(browser)
    page.wait_for_screen(lambda lines: len(job_rows(lines)) > 3, what="the DRP jobs listed")
    page.type("j")
    for key, action in (("a", "Archive"), ("r", "Retry"), ("x", "Cancel"), ("p", "Pause")):
        page.type(key)
        page.wait_for_text(f"{action} is unavailable: read-only mode")
    methods = {method for method, _ in recorder.requests()}
    assert methods and methods <= {"GET", "HEAD"}, f"requests other than reads reached the backend: {methods}"
    page.tab.close()


def test_a_resized_window_resizes_the_deck(browser, served):
    page, _ = served.open(browser, width=1200, height=800)
    wide = page.screen()
    page.tab.resize(700, 480)
    narrow = wait_for(lambda: (screen := page.screen())["cols"] < wide["cols"] and screen, what="fewer columns")
    assert narrow["rows"] < wide["rows"]

    def drawn_at_the_new_size(lines: list[str]) -> bool:
        # The deck draws its boxes to the terminal's new right edge, and nothing past it.
        return any(line.startswith("╭") and line.endswith("╮") and len(line) == narrow["cols"] for line in lines)

    lines = page.wait_for_screen(drawn_at_the_new_size, what=f"the deck redrawn {narrow['cols']} columns wide")
    assert all(len(line) <= narrow["cols"] for line in lines)
    assert lines[0].startswith(" jobdeck")
    page.tab.close()


def test_two_tabs_get_two_decks_and_closing_one_ends_its_deck_only(browser, served):
    one, one_pid = served.open(browser)
    two, two_pid = served.open(browser)
    assert one_pid != two_pid
    for page in (one, two):
        page.wait_for_screen(lambda lines: len(job_rows(lines)) > 3, what="the DRP jobs listed")
    one.type("/gohai")
    one.wait_for_screen(lambda lines: all("gohai" in row for row in job_rows(lines)), what="tab one filtered")
    assert any("gohai" not in row for row in job_rows(two.lines())), "a key typed in one tab reached the other"

    one.tab.close()
    wait_for(lambda: not is_deck(one_pid), what=f"the closed tab's deck (pid {one_pid}) to end")
    assert is_deck(two_pid) and one_pid not in served.live_decks()
    second = job_rows(two.lines())[1][2:40]
    two.type("j")
    two.wait_for_screen(lambda _: second in two.selected_row(), what="the other tab still answering")
    two.tab.close()
    wait_for(lambda: not is_deck(two_pid), what=f"the second tab's deck (pid {two_pid}) to end")


def ended_dialog(page) -> str:
    """The text of the page's dialog for an ended deck, once it shows."""
    return wait_for(
        lambda: page.tab.evaluate(
            "document.body.classList.contains('-closed') && document.querySelector('.closed-dialog').innerText"
        ),
        what="the page's ended dialog",
    )


def test_q_ends_the_deck_and_the_page_says_why_and_offers_a_new_one(browser, served):
    page, pid = served.open(browser)
    page.type("q")
    wait_for(lambda: not is_deck(pid), what=f"the deck (pid {pid}) to end after q")
    message = ended_dialog(page)
    assert "This deck has ended: it was quit (q)." in message and "Open a new deck" in message
    assert "Session ended." not in message

    page.tab.evaluate("document.querySelector('.closed-dialog button').click(), true")
    page.wait_until_drawn()  # the button opens a new deck in the same tab
    page.tab.close()


def test_a_deck_whose_process_dies_ends_its_page_saying_so(browser, served):
    page, pid = served.open(browser)
    os.kill(pid, signal.SIGKILL)
    message = ended_dialog(page)
    assert "This deck has ended: its process was killed (SIGKILL)." in message
    assert "Open a new deck" in message
    page.tab.close()
