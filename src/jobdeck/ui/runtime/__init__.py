"""The deck's terminal runtime: what it takes to run well on this terminal, apart from what it shows.

- ``first_frame``: start-up shortcuts that lean on Textual's private API (one place to check
  on a Textual upgrade);
- ``css_cache``: parsed CSS kept from one start to the next;
- ``themes``: theme files, loaded, validated, watched, and the user's choice remembered;
- ``ascii_mode``: ASCII-only drawing (typographic marks, scrollbars);
- ``event_coalescer``: monitor events merged for a slow link (low bandwidth);
- ``hangup``: leaving when the terminal is gone;
- ``quit_sequence``: the kiosk's way out;
- ``screenshots``: the palette's "Screenshot", saved in the data folder's ``screenshots/``.

Nothing here imports the App, its screens or its widgets: they use these.
"""
