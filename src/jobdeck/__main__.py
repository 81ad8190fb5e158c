"""``python -m jobdeck`` and the ``jobdeck`` command."""

from jobdeck import startup


def main() -> None:
    startup.begin()  # before the imports it speeds up (see jobdeck.startup)
    from jobdeck.cli import main as run_command

    run_command()


if __name__ == "__main__":
    main()
