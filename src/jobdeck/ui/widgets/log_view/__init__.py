"""The streaming log pane, split by job:

- ``buffer``: the kept lines, bounded, and where they sit in the log (no Textual);
- ``wrap_layout``: which content row each line falls on, wrapped or not (no Textual);
- ``search``: what is searched for and the last match (no Textual);
- ``line_strips``: the content rows as strips, converted once and cached;
- ``log_lines``: ``LogLines``, the scroll view that draws them and moves the view;
- ``widget``: ``LogView``, the pane: appending, earlier windows, the notice, search, keys, messages.
"""

from jobdeck.ui.widgets.log_view.widget import LogView

__all__ = ["LogView"]
