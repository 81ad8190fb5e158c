"""The history view's list: ``HistoryList``, a virtual list of the jobs a history search
has read so far, that asks for the next page as the cursor nears its end."""

from jobdeck.ui.widgets.history_list.widget import HistoryList

__all__ = ["HistoryList"]
