"""A pane's border title and subtitle: set only when they change, never read as markup."""

from __future__ import annotations

from typing import Any

from textual.content import Content

from jobdeck.safe_text import safe_line


class TitledPane:
    """Mixed into a pane (before its Textual container class) to set its border's titles."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The text last set, by attribute ("border_title", "border_subtitle").
        self._titles_shown: dict[str, str] = {}

    def set_titles(self, title: str | None = None, subtitle: str | None = None) -> None:
        """Set the border's title and subtitle (None: leave it). Only a change is set:
        setting one repaints the whole pane, and titles are set on every poll."""
        for which, text in (("border_title", title), ("border_subtitle", subtitle)):
            if text is not None and self._titles_shown.get(which) != text:
                self._titles_shown[which] = text
                # Content, not a str: a str is read as markup, and a title may
                # quote what the user typed (a filter of "[/tmp]").
                setattr(self, which, Content(safe_line(text)))
