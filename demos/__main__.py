"""Run every demo in turn (the README's main command)."""

from demos.book_figure import main as book_figure

book_figure("apple-tax", "apple with tax (fig. 5-14)", [])
book_figure("apple-orange", "apple and orange with tax (fig. 5-17)", [])
book_figure("softmax-with-loss", "Softmax-with-Loss (fig. 5-29)", [])
