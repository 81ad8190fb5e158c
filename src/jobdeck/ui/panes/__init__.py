"""The deck's panes: each is a container that loads its own data.

A pane holds its widgets and reads what they show through a small reader
protocol (the Monitor satisfies each) in an exclusive worker; the screen only
says which job to show. As toolong splits drawing (``LogLines``) from reading
(``LineReader``): the widgets below draw, the panes read. The rules a pane
follows, without Textual, are in the modules beside it (``run_paging`` and
``run_stepping`` for the detail pane, ``log_window`` for the log pane).
"""
