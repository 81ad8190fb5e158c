"""Widgets of the deck. Each owns its state and its DEFAULT_CSS."""
