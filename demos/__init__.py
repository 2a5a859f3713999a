"""Runnable demos: `python -m scratchgrad.demos` runs them all (they need the ``demos`` extra, see `demos.extras`)."""
