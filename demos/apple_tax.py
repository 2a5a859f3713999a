"""The book's apple with tax (fig. 5-14): its numbers, and the graph drawn with viz."""

from scratchgrad.demos.book_figure import main

if __name__ == "__main__":
    main("apple-tax")
