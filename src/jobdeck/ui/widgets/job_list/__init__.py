"""The job list, split by job:

- ``row_store``: every job, the view sorted, the rows the query lets through (no Textual);
- ``job_filter``: which jobs of the sorted view match the query, fast (no Textual);
- ``row_splicing``: sorted lists patched in place of a re-sort (no Textual);
- ``filter_worker``: ``FilteringRows``, a slow filter (a /pattern/ over a long list) in a thread;
- ``columns``: which columns show at a width, and each cell's text (no Textual);
- ``job_rows``: ``JobRows``, the scroll view that draws the rows and moves the cursor;
- ``widget``: ``JobList``, the list: filling the store, filter, sort and view, its messages.
"""

from jobdeck.ui.widgets.job_list.widget import JobList

__all__ = ["JobList"]
