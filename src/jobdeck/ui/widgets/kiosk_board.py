"""The kiosk board: large per-backend counts, readable across a room.

One card per backend, titled with its health (glyph and word), holding how
many jobs are running now, and how many failed and succeeded today (large)
and in the last hour (small). Every number has its word next to it, so the
board reads the same without colour.

"Today" is the day in the zone of the ``now`` it is given: the deck's
``time_zone`` (UTC unless the config says otherwise).

With jobdeck's history on, the failures come from it too (``with_failures``), so
a restart does not set them to zero, and each card ends with a sparkline of its
backend's failures in each of the last 24 hours (``failures_per_hour``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from rich import box
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.renderables.digits import Digits
from textual.widget import Widget

from jobdeck import present
from jobdeck.clock import as_utc, assume_utc
from jobdeck.model import Job, JobState
from jobdeck.monitor.events import BackendHealth, HealthStatus
from jobdeck.ui.deck_text import STATUS_GLYPH, STATUS_GLYPH_ASCII

if TYPE_CHECKING:  # (sqlite3 is loaded only where history is on)
    from jobdeck.store.sqlite.failure_counts import FailureCounts

#: Cards narrower than this show plain numbers instead of 3-row digits.
LARGE_DIGITS_MIN_WIDTH = 30


@dataclass(frozen=True)
class BackendCounts:
    """What a backend's card shows."""

    running: int = 0
    failed_hour: int = 0
    failed_today: int = 0
    succeeded_hour: int = 0
    succeeded_today: int = 0


def finished_at(job: Job) -> datetime | None:
    """When a finished job ended (its last update when the backend gives no end time)."""
    moment = job.ended or job.updated
    return as_utc(moment) if moment is not None else None


def count_jobs(jobs: Iterable[Job], now: datetime, backends: Sequence[str]) -> dict[str, BackendCounts]:
    """Per backend (in ``backends`` order): running now, failed and succeeded in the last hour and today.

    Archived jobs are left out: the board shows what needs attention. A job its backend
    no longer lists counts as it ended, but not as running now.
    """
    now = assume_utc(now)  # its zone is the one "today" is counted in
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    # The hour (and the slack for clocks ahead) are counted in UTC: arithmetic on a
    # zone's wall clock is an hour off across a daylight-saving change.
    hour_ago = as_utc(now) - timedelta(hours=1)
    latest = as_utc(now) + timedelta(minutes=5)
    tallies: dict[str, dict[str, int]] = {name: {} for name in backends}
    for job in jobs:
        if job.archived:
            continue
        tally = tallies.setdefault(job.ref.backend, {})
        if job.state is JobState.RUNNING:
            if job.gone_since is None:
                tally["running"] = tally.get("running", 0) + 1
            continue
        if job.state not in (JobState.FAILED, JobState.SUCCEEDED):
            continue
        ended = finished_at(job)
        if ended is None or ended > latest:
            continue
        word = "failed" if job.state is JobState.FAILED else "succeeded"
        if ended >= midnight:
            tally[f"{word}_today"] = tally.get(f"{word}_today", 0) + 1
        if ended >= hour_ago:
            tally[f"{word}_hour"] = tally.get(f"{word}_hour", 0) + 1
    return {name: BackendCounts(**tally) for name, tally in tallies.items()}


def with_failures(counts: Mapping[str, BackendCounts], failures: Mapping[str, FailureCounts]) -> dict[str, BackendCounts]:
    """``counts`` with the failures of today and the last hour as the history has them:
    jobs the backend (or this deck, since it started) no longer holds count too. Never
    fewer than the listed jobs show: the history's writer may be a poll behind."""
    merged = dict(counts)
    for name, failed in failures.items():
        live = merged.get(name)
        if live is None:
            continue  # a backend no longer configured
        merged[name] = replace(
            live, failed_today=max(live.failed_today, failed.today), failed_hour=max(live.failed_hour, failed.last_hour)
        )
    return merged


#: A sparkline's cells, from one failure to the most in an hour; an hour without is a dot.
SPARK_LEVELS = "▁▂▃▄▅▆▇█"
SPARK_NONE = "·"
#: The fewest hours a short board's sparkline shows (the newest ones) rather than none.
SPARK_MIN_HOURS = 12


def sparkline(per_hour: Sequence[int], ascii: bool = False) -> str:
    """One cell an hour, the oldest first: a dot for none, else a bar as high as its
    share of the busiest hour (any failure at least ▁). In ASCII the count itself
    (1–9, ``+`` for more) on dots."""
    if ascii:
        return "".join("." if n <= 0 else str(n) if n < 10 else "+" for n in per_hour)
    most = max(per_hour, default=0)
    levels = len(SPARK_LEVELS)
    return "".join(
        SPARK_NONE if n <= 0 else SPARK_LEVELS[max(0, min(levels, math.ceil(n / most * levels)) - 1)] for n in per_hour
    )


class KioskBoard(Widget):
    """Per-backend cards of large counts and health."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "kiosk-board--running",
        "kiosk-board--failed",
        "kiosk-board--succeeded",
        "kiosk-board--label",
        "kiosk-board--card",
        "kiosk-board--ok",
        "kiosk-board--degraded",
        "kiosk-board--down",
        "kiosk-board--starting",
    }

    DEFAULT_CSS = """
    KioskBoard {
        height: auto;
        padding: 0 1;
        & > .kiosk-board--running { color: $accent; text-style: bold; }
        & > .kiosk-board--failed { color: $error; text-style: bold; }
        & > .kiosk-board--succeeded { color: $success; text-style: bold; }
        & > .kiosk-board--label { color: $text-muted; }
        & > .kiosk-board--card { color: $panel-lighten-2; }
        & > .kiosk-board--ok { color: $success; }
        & > .kiosk-board--degraded { color: $warning; }
        & > .kiosk-board--down { color: $error; text-style: bold; }
        & > .kiosk-board--starting { color: $text-muted; }
    }
    """

    #: Counts by backend name, in display order.
    counts: reactive[dict[str, BackendCounts]] = reactive(dict, layout=True)
    health: reactive[dict[str, BackendHealth]] = reactive(dict)
    #: Failures in each of the last 24 hours by backend name, the oldest first (from the
    #: history); a card without shows no sparkline.
    failures_per_hour: reactive[dict[str, tuple[int, ...]]] = reactive(dict, layout=True)
    ascii: reactive[bool] = reactive(False, layout=True)

    def render(self) -> RenderableType:
        if not self.counts:
            return Text("no backends configured", style=self._style("kiosk-board--label"))
        width = max(1, self.content_region.width or self.size.width or 80)
        if self.has_class("-short"):
            return self._rows(width)
        cards = len(self.counts)
        # As many cards per row as fit at a readable width.
        per_row = max(1, min(cards, width // 34 or 1))
        card_width = max(20, width // per_row)
        large = card_width >= LARGE_DIGITS_MIN_WIDTH and not self.ascii and not self.has_class("-short")
        grid = Table.grid(expand=True)
        for _ in range(per_row):
            grid.add_column(ratio=1)
        # One wording of the last hour on every card ("1 last hour" beside "4 in 1 h" reads as two facts).
        wordings = _HOUR_WORDINGS if large else _HOUR_WORDINGS[1:]
        wording = hour_wording(self.counts.values(), self._column_width(card_width), wordings)
        row: list[RenderableType] = []
        for name, counts in self.counts.items():
            row.append(self._card(name, counts, large, card_width, wording))
            if len(row) == per_row:
                grid.add_row(*row)
                row = []
        if row:
            grid.add_row(*row, *[""] * (per_row - len(row)))
        return grid

    def _title(self, name: str) -> Text:
        """A backend's name between its health glyph and word: `` ● drp ok ``."""
        health = self.health.get(name)
        status = health.status if health is not None else HealthStatus.STARTING
        glyphs = STATUS_GLYPH_ASCII if self.ascii else STATUS_GLYPH
        status_style = self._style(f"kiosk-board--{status.value}")
        return Text.assemble(
            (f" {glyphs[status]} ", status_style),
            (present.truncate(present.one_line(name), 20), Style(bold=True)),
            (f" {status.value} ", status_style),
        )

    def _rows(self, width: int) -> Table:
        """A short screen's board: a line per backend under one line of headings, so the
        job and its log keep their room (five backends take six lines, not eighteen). The
        sparkline of failures goes before the last hour's counts: on a line too narrow for
        both (80 columns), the counts say today only and the sparkline's last cell is the hour."""
        label = self._style("kiosk-board--label")
        titles = {name: self._title(name) for name in self.counts}
        title_width = max(cell_len(title.plain) for title in titles.values())
        running_width = max(cell_len("▶ running"), *(cell_len(f"{c.running} now") for c in self.counts.values()))
        heads = [Text(f"{present.state_glyph(state, self.ascii)} {word}", style=label) for word, state in
                 (("running", JobState.RUNNING), ("failed", JobState.FAILED), ("succeeded", JobState.SUCCEEDED))]
        ended = [(heads[1].plain, [(c.failed_today, c.failed_hour) for c in self.counts.values()]),
                 (heads[2].plain, [(c.succeeded_today, c.succeeded_hour) for c in self.counts.values()])]

        def widths(wording: str | None) -> int:
            """The failed and succeeded columns' cells, each count said with ``wording`` (None: today only)."""
            return sum(max(cell_len(head), *(cell_len(f"{n} today" + (f" · {wording.format(h)}" if wording else ""))
                                              for n, h in numbers)) for head, numbers in ended)

        # The first two columns and the gaps after them, and the one before the sparkline.
        fixed = title_width + running_width + 2 * 4
        hours_of_spark, wording, hours = 0, "", False  # the hours the sparkline shows (0: none)
        if self.failures_per_hour:
            fits = [form for form in _HOUR_WORDINGS[1:] if width - fixed - widths(form) >= 24]
            if fits:
                hours_of_spark, wording, hours = 24, fits[0], True
            else:  # the last hour's counts give way to the sparkline, then its oldest hours
                hours_of_spark = min(24, width - fixed - widths(None))
        spark = hours_of_spark >= SPARK_MIN_HOURS
        if not spark:
            room = (width - title_width - running_width - 6) // 2
            today = max(cell_len(f"{n} today · ") for c in self.counts.values()
                        for n in (c.failed_today, c.succeeded_today))
            wording, hours = hour_wording(self.counts.values(), max(1, room - today), _HOUR_WORDINGS[1:]), True
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True)
        for _ in range(3 + spark):
            table.add_column(no_wrap=True, overflow="ellipsis")
        spark_head = f"failed per hour, {hours_of_spark} h" if hours_of_spark >= 21 else f"failed/h, {hours_of_spark} h"
        table.add_row(Text(""), *heads, *([Text(spark_head, style=label)] if spark else []))
        for name, counts in self.counts.items():
            cells = [Text.assemble((str(counts.running), self._style("kiosk-board--running")), (" now", label))]
            for today_count, hour, style in ((counts.failed_today, counts.failed_hour, "kiosk-board--failed"),
                                             (counts.succeeded_today, counts.succeeded_hour,
                                              "kiosk-board--succeeded")):
                cells.append(Text.assemble((str(today_count), self._style(style)),
                                           (f" today · {wording.format(hour)}" if hours else " today", label)))
            if spark:
                per_hour = self.failures_per_hour.get(name, (0,) * 24)
                cells.append(self._sparkline_row(per_hour[-hours_of_spark:], hours_of_spark, label))
            table.add_row(titles[name], *cells)
        return table

    def _card(self, name: str, counts: BackendCounts, large: bool, card_width: int, wording: str) -> Panel:
        title = self._title(name)
        label = self._style("kiosk-board--label")
        columns = [
            ("running", counts.running, "now", None, "kiosk-board--running", JobState.RUNNING),
            ("failed", counts.failed_today, "today", counts.failed_hour, "kiosk-board--failed", JobState.FAILED),
            ("succeeded", counts.succeeded_today, "today", counts.succeeded_hour, "kiosk-board--succeeded",
             JobState.SUCCEEDED),
        ]
        table = Table.grid(expand=True, padding=(0, 1))
        for _ in columns:
            table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        heads = [f"{present.state_glyph(state, self.ascii)} {word}" for word, *_, state in columns]
        whens = [when for _, _, when, *_ in columns]
        hours = [hour for _, _, _, hour, _, _ in columns]
        column = self._column_width(card_width)
        if large:
            whole = all(cell_len(f"{head} {when}") <= column for head, when in zip(heads, whens))
            # "failed today" when it fits the column, else "today" under the digits: never "failed t…".
            table.add_row(*[
                Text(f"{head} {when}" if whole else head, style=label) for head, when in zip(heads, whens)
            ])
            table.add_row(*[Group(Digits(str(value), style=self._style(style))) for _, value, _, _, style, _ in columns])
            if not whole:
                table.add_row(*[Text(when, style=label) for when in whens])
            table.add_row(*_hour_texts(hours, wording, label))
        else:
            # Narrow or short: the same facts on three plain lines.
            table.add_row(*[Text(head, style=label) for head in heads])
            table.add_row(*[
                Text.assemble((str(value), self._style(style)), (f" {when}", label))
                for _, value, when, _, style, _ in columns
            ])
            table.add_row(*_hour_texts(hours, wording, label))
        per_hour = self.failures_per_hour.get(name)
        body: RenderableType = table
        if per_hour is not None:
            body = Group(table, self._sparkline_row(per_hour, card_width - 4, label))
        return Panel(
            body,
            title=title,
            title_align="left",
            box=box.ASCII if self.ascii else box.ROUNDED,
            border_style=self._style("kiosk-board--card"),
            padding=(0, 1),
        )

    def _sparkline_row(self, per_hour: Sequence[int], room: int, label: Style) -> Text:
        """The failures of each of the last 24 hours, with the words that fit ``room``
        cells (the oldest hours give way when even the bare line does not)."""
        most = max(per_hour, default=0)
        peak = f" max {most}/h" if most else " none"
        for before, after in (("failed per hour, 24 h ", peak), ("failed/h 24 h ", peak), ("failed/h ", peak),
                              ("failed/h ", "")):
            if cell_len(before) + len(per_hour) + len(after) <= room:
                break
        else:
            before, after = "", ""
            per_hour = per_hour[max(0, len(per_hour) - room):]
        failed = self._style("kiosk-board--failed")
        line = Text(before, style=label, no_wrap=True, overflow="ellipsis")
        for cell in sparkline(per_hour, self.ascii):
            line.append(cell, style=label if cell in (SPARK_NONE, ".") else failed)
        line.append(after, style=label)
        return line

    def _style(self, component: str) -> Style:
        return self.get_component_rich_style(component, partial=True)

    @staticmethod
    def _column_width(card_width: int) -> int:
        """Cells of one of a card's three columns: the card less its border and padding,
        less the gaps between columns."""
        return max(1, (card_width - 4 - 2) // 3)


#: How a card says its last hour's count, from the longest to the shortest.
_HOUR_WORDINGS = ("last hour: {}", "{} last hour", "{} in 1 h")


def hour_wording(counts: Iterable[BackendCounts], column: int, wordings: Sequence[str]) -> str:
    """The one wording of the last hour's counts for the whole board: the first of
    ``wordings`` that fits every count of every card in ``column`` cells (so no count
    is cut to "22 last ho…", and no card says "1 last hour" beside another's "4 in 1 h")."""
    hours = [hour for count in counts for hour in (count.failed_hour, count.succeeded_hour)]
    return next(
        (form for form in wordings if all(cell_len(form.format(hour)) <= column for hour in hours)), wordings[-1]
    )


def _hour_texts(hours: list[int | None], wording: str, style: Style) -> list[Text]:
    """The last hour's counts of a card's columns, in the board's ``wording``."""
    return [Text("" if hour is None else wording.format(hour), style=style) for hour in hours]
