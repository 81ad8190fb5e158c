"""The run detail: one job's fields, its chosen run and the page of runs it was chosen
from (``widget``), and the texts it is made of (``text``)."""

from jobdeck.ui.widgets.run_detail.text import flatten_detail, split_cells, time_with_age
from jobdeck.ui.widgets.run_detail.widget import RunDetail

__all__ = ["RunDetail", "flatten_detail", "split_cells", "time_with_age"]
