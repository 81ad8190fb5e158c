"""The ``local`` backend: the spool of jobs that ``jobdeck run`` creates.

Modules: ``adapter`` (``LocalAdapter`` and its settings), ``convert`` (the
spool's records as Jobs, Runs and a timeline), ``logs`` (a run's log read
inside the spool), ``watching`` (which changes in the spool matter, and how
often they are looked for). The spool itself is ``jobdeck.local``.
"""

from jobdeck.adapters.local.adapter import LocalAdapter, LocalSettings
from jobdeck.adapters.local.logs import LogRefused
from jobdeck.adapters.local.watching import changes_the_list

__all__ = ["LocalAdapter", "LocalSettings", "LogRefused", "changes_the_list"]
