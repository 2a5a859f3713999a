"""The book's Softmax-with-Loss (fig. 5-29): its numbers, and the graph drawn with viz."""

from scratchgrad.demos.book_figure import main

if __name__ == "__main__":
    main("softmax-with-loss")
