"""Runnable demos: `python -m scratchgrad.demos` runs them all."""
