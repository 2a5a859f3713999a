"""Runnable demos: `python -m demos` runs them all."""
