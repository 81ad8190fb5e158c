"""Small scripts the demo runs as local jobs (``python -m jobdeck.demo_jobs.<name>``).

Each is a realistic-looking job with a known ending, so the deck has
something of every kind to show: a success, a failure, a long job with
counts, and coloured output.
"""
