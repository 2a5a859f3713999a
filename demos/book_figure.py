"""Shared by the book-figure demos: compute a figure, print its numbers, draw it."""

from __future__ import annotations

import argparse
from pathlib import Path

from scratchgrad import viz
from scratchgrad.autograd import Node
from scratchgrad.viz.book import LANGUAGES, Figure, figure
from scratchgrad.viz.format import number
from scratchgrad.viz.gallery import write_gallery

# Each figure of `viz.book` by its name, with the title the demos print.
TITLES = {
    "apple-tax": "apple with tax (fig. 5-14)",
    "apple-orange": "apple and orange with tax (fig. 5-17)",
    "softmax-with-loss": "Softmax-with-Loss (fig. 5-29)",
}


def leaves(root: Node) -> list[Node]:
    """The graph's named inputs, left to right as the figure lists them."""
    found: list[Node] = []
    seen: set[Node] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node.op is None:
            if node.name:
                found.append(node)
        else:
            stack.extend(reversed(node.inputs))
    return found


def report(title: str, fig: Figure) -> str:
    lines = [title, f"  {fig.root.name or 'output'} = {number(fig.root.data)}"]
    lines += [f"  d {fig.root.name or 'output'} / d {x.name} = {number(x.grad)}" for x in leaves(fig.root)
              if x.requires_grad]
    return "\n".join(lines)


def main(name: str, argv: list[str] | None = None) -> None:
    title = TITLES[name]
    parser = argparse.ArgumentParser(description=f"The book's {title}: print the numbers and draw the graph.")
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the image (default: out)")
    parser.add_argument("--lang", choices=LANGUAGES, default="ko", help="labels in Korean (the book) or English")
    parser.add_argument("--format", choices=("svg", "png", "pdf"), default="svg")
    args = parser.parse_args(argv)
    fig = figure(name, lang=args.lang)
    print(report(title, fig))
    args.out.mkdir(parents=True, exist_ok=True)
    path = viz.render(fig.root, args.out / f"{name}.{args.format}", **fig.options())
    print(f"  drawn: {path}")
    if name == "softmax-with-loss":
        symbolic = figure(name, symbolic=True)
        path = viz.render(symbolic.root, args.out / f"{name}-symbolic.{args.format}", **symbolic.options())
        print(f"  drawn: {path}")


def gallery(argv: list[str] | None = None) -> None:
    """Every graph of the chapter into OUT/gallery, with index.html showing them all."""
    parser = argparse.ArgumentParser(description="Draw every computational graph of chapter 5 and a gallery page.")
    parser.add_argument("--out", type=Path, default=Path("out"), help="the gallery goes to OUT/gallery (default: out)")
    parser.add_argument("--lang", choices=LANGUAGES, default="ko", help="names and titles in Korean or English")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"every graph of chapter 5: {write_gallery(args.out / 'gallery', lang=args.lang)}")
