"""Screens: the deck, and the dialogs it opens."""
