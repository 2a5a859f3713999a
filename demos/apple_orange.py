"""The book's apple and orange with tax (fig. 5-17): its numbers, and the graph drawn with viz."""

from scratchgrad.demos.book_figure import main

if __name__ == "__main__":
    main("apple-orange")
