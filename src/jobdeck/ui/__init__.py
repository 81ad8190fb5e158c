"""The Textual user interface of jobdeck."""
