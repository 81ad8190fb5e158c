"""``python -m jobdeck``: the same as the ``jobdeck`` command."""

from jobdeck.cli import main

if __name__ == "__main__":
    main()
