"""Start-up shortcuts that lean on Textual's private API, in one place.

Each brings the deck's first frame sooner (``benchmarks/bench.py --only
startup_s``), and each depends on how Textual works inside (8.2): on a Textual
upgrade, check these first (the start-up, CSS cache and snapshot tests).

- ``use_parsed_css_cache``: the App's stylesheet reads parsed rules from a
  cache folder instead of parsing (``css_cache`` overrides the stylesheet's
  private ``_parse_rules``).
- ``first_screen_mounted``: the deck is the App's default screen, which
  Textual mounts in a task of its own; this waits for it as ``push_screen``
  would, with Textual's own ``AwaitMount``.
- ``FirstScreen``: a screen shown first skips work Textual would throw away
  at start-up (a restyle of what was just styled, frames drawn during the
  start-up batch).
"""

from __future__ import annotations

from textual.app import App
from textual.events import ScreenResume
from textual.screen import Screen
from textual.widget import AwaitMount

from jobdeck.ui.runtime.css_cache import CachedStylesheet, ParsedCssCache


def use_parsed_css_cache(app: App[object], cache: ParsedCssCache) -> None:
    """Have ``app`` read parsed CSS from ``cache``: call it in the App's ``__init__``,
    before ``App.run`` adds any CSS to the stylesheet it replaces."""
    app.stylesheet = CachedStylesheet(variables=app.get_css_variables(), cache=cache)


async def first_screen_mounted(app: App[object]) -> None:
    """Wait until the App's first screen (``get_default_screen``'s) is mounted.

    ``push_screen`` returns an awaitable for this; the default screen is
    mounted by Textual in its own task, with nothing to await.
    """
    await AwaitMount(app.screen, [app.screen])


class FirstScreen(Screen[object]):
    """A screen the App shows first (from ``get_default_screen``), built for a quick first frame."""

    def _compositor_refresh(self) -> None:
        # While the app batches updates (all of start-up, until the first poll is shown),
        # Textual renders each refresh in full and then throws the frame away
        # (App._display). Skipping the render keeps its dirty regions for the first frame
        # drawn after the batch: the driver's first Resize always asks for that one.
        if self.app._batch_count:
            return
        super()._compositor_refresh()

    def on_screen_resume(self, event: ScreenResume) -> None:
        # Textual restyles the whole screen each time it becomes current. The first time,
        # every widget was styled a moment before, as it mounted (the theme is chosen
        # before the screen exists): the restyle would only cost start-up time.
        # (Screen's own handler, which runs after this one, counts the resumes.)
        if self.stack_updates == 0:
            event.refresh_styles = False
