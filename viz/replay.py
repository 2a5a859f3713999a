"""The backward pass replayed one node at a time, as one self-contained HTML page.

Frame k is `viz.to_dot` with ``step=k``: the node that backward visits k-th
(`autograd.toposort` order, the order `autograd.backprop` walks) is filled,
the gradients computed so far are written in red and the later ones are left
blank, with the same layout in every frame. Its caption does the chain rule
in numbers: the gradient arriving from above, times the node's local
derivative, gives what it sends to each input ("upstream × local =
downstream"); where several uses meet it adds up their shares; for tensors,
where the local derivative is a Jacobian that is never built, it gives the
op's rule with its shapes (`viz.rules`). A figure's algebra (``edge_labels``)
joins the numbers, and a collapsed box is one frame: what it receives, what
it sends.

The page inlines every frame's SVG, with its caption as HTML beside it, and
a few lines of script (previous/next buttons, a slider, the arrow keys,
``#frame=N`` in the address): it needs no network and no other file.
``frames_dir`` also writes the frames, captions drawn in, as numbered SVG or
PNG files, e.g. to make an animation.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Unpack, overload

from scratchgrad.autograd import Node, toposort
from scratchgrad.viz import format as fmt
from scratchgrad.viz import rules
from scratchgrad.viz.boxes import Box
from scratchgrad.viz.dot import DotOptions, to_dot
from scratchgrad.viz.render import DEFAULT_TIMEOUT, run_dot, write_files
from scratchgrad.viz.view import EdgeKey, EdgeText, backward_has_run, collapsed_units, contribution

MAX_FRAMES = 300
"""Most frames a replay makes (one ``dot`` run each); bigger graphs are refused, not truncated."""

MAX_BYTES = 10_000_000
"""Largest replay page, and largest total of a frames folder, in bytes (10 MB).

The page holds every frame, and every frame the whole graph: its size grows as
frames × nodes. Without this budget a 359-character expression made a 74 MB
page of 179 frames (6 minutes of ``dot`` on two busy cores).
"""

FRAME_FORMATS = ("svg", "png")


class Replay:
    """A replay page held in memory: Jupyter shows it inline, `save` writes it to a file.

    ``html`` is the whole self-contained page; ``frames`` how many frames it has.
    In a notebook it is an ``<iframe>`` whose ``srcdoc`` holds the page (escaped,
    so no text in it can end the attribute), sandboxed to run only its own
    script: it works offline, and its ids and styles cannot clash with the notebook's.
    """

    def __init__(self, html: str, frames: int, height: int) -> None:
        self.html, self.frames, self._height = html, frames, height

    def __repr__(self) -> str:
        return f"<Replay: {self._count()}, {len(self.html.encode('utf-8')):,} bytes of HTML>"

    def _count(self) -> str:
        return f"{self.frames} frame" + ("s" if self.frames != 1 else "")

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" sandbox="allow-scripts" '
                f'title="backward replay, {self._count()}" '
                f'style="width: 100%; height: {self._height}px; border: 1px solid #ddd;"></iframe>')

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (whole or not at all) and return it."""
        path = Path(path)
        write_files({path: self.html.encode("utf-8")})
        return path


@overload
def replay(root: Node, path: None = None, *, frames_dir: str | Path | None = None, frame_format: str = "svg",
           max_frames: int | None = MAX_FRAMES, max_bytes: int | None = MAX_BYTES,
           timeout: float | None = DEFAULT_TIMEOUT, **options: Unpack[DotOptions]) -> Replay: ...
@overload
def replay(root: Node, path: str | Path, *, frames_dir: str | Path | None = None, frame_format: str = "svg",
           max_frames: int | None = MAX_FRAMES, max_bytes: int | None = MAX_BYTES,
           timeout: float | None = DEFAULT_TIMEOUT, **options: Unpack[DotOptions]) -> Path: ...
def replay(
    root: Node,
    path: str | Path | None = None,
    *,
    frames_dir: str | Path | None = None,
    frame_format: str = "svg",
    max_frames: int | None = MAX_FRAMES,
    max_bytes: int | None = MAX_BYTES,
    timeout: float | None = DEFAULT_TIMEOUT,
    **options: Unpack[DotOptions],
) -> Replay | Path:
    """The backward replay of the graph behind ``root`` (after ``backward()``) as one HTML page.

    With ``path`` the page is written there and the path returned; without
    it the page is returned as a `Replay`, which a notebook shows inline
    (``viz.replay(loss)`` as the last line of a cell).

    ``options`` are those of `viz.to_dot` (boxes, labels, highlight...), except
    that ``max_nodes`` defaults to None (see `frames`). ``frames_dir`` also
    writes ``frame-001.svg`` ... (or ``.png``) there, replacing the frames of
    an earlier replay. ``timeout`` applies to each frame's ``dot`` run.

    Budgets: at most ``max_frames`` frames (`MAX_FRAMES`), and at most
    ``max_bytes`` bytes (`MAX_BYTES`) for the page and for the frames folder.
    A replay over budget is refused with a ValueError as soon as that is
    known: from the frames' DOT text (before any ``dot`` run), then from the
    first frame drawn. None lifts a budget. Nothing is written unless every
    frame was drawn: a failure leaves the page and frames as they were.
    """
    if frame_format not in FRAME_FORMATS:
        raise ValueError(f"frame_format must be one of {', '.join(FRAME_FORMATS)}, not {frame_format!r}")
    captions = _captions(root, max_frames, options)
    # On the page the explanation is HTML beside the drawing (readable at any width); the
    # frame images written for animations carry it as a caption above the graph instead.
    dots = _dots(root, captions, options, captioned=False, max_bytes=max_bytes)
    svgs = [svg.decode("utf-8") for svg in _render_all(dots, "svg", timeout, max_bytes, "the page")]
    texts = [text for _, text in captions]
    text = page(_title(root), svgs, texts)
    size = len(text.encode("utf-8"))
    _check_bytes(size, max_bytes, "the page", f"{size / 1e6:.1f} MB")
    files: dict[Path, bytes] = {}
    if path is not None:
        files[Path(path)] = text.encode("utf-8")
    if frames_dir is not None:
        folder = Path(frames_dir)
        captioned = _dots(root, captions, options, captioned=True, max_bytes=max_bytes)
        images = _render_all(captioned, frame_format, timeout, max_bytes, "the frames")
        digits = max(3, len(str(len(images))))
        frame_files = {folder / f"frame-{k:0{digits}d}.{frame_format}": image for k, image in enumerate(images, 1)}
        folder.mkdir(parents=True, exist_ok=True)
        stale = [old for old in folder.glob(f"frame-*.{frame_format}")
                 if _FRAME_FILE.fullmatch(old.name) and old not in frame_files]
        files.update(frame_files)
    write_files(files)
    if frames_dir is not None:
        for old in stale:  # an earlier, longer replay's frames: they would look like part of this one
            old.unlink(missing_ok=True)
    if path is not None:
        return Path(path)
    return Replay(text, len(svgs), _iframe_height(svgs, texts))


def _iframe_height(svgs: list[str], texts: list[str]) -> int:
    """Pixels an inline replay needs: the tallest frame (its drawing or its explanation) under the page's header.

    Graphviz gives SVG sizes in points (1 pt = 4/3 px); a drawing is scaled down, never up, to the width.
    """
    drawing = max((float(m[1]) * 4 / 3 for svg in svgs if (m := _SVG_HEIGHT.search(svg))), default=300.0)
    explanation = 24 * max(text.count("\n") + 2 for text in texts)
    return int(min(max(drawing, explanation) + 190, 1200))


_SVG_HEIGHT = re.compile(r'<svg[^>]*\sheight="([\d.]+)pt"')


_FRAME_FILE = re.compile(r"frame-\d{3,}\.(svg|png)")


def frames(
    root: Node, *, max_frames: int | None = MAX_FRAMES, max_bytes: int | None = None, **options: Unpack[DotOptions]
) -> list[str]:
    """The DOT text of every frame: one per node the backward pass visits, in that order.

    Frames draw every node unless ``max_nodes`` is given: a summary would fold
    visited nodes into markers, and the reader could not follow the pass.
    `MAX_FRAMES` bounds the visited nodes but not the leaves around them:
    give ``max_nodes`` for a graph with very many inputs. Frames whose DOT
    text passes ``max_bytes`` are refused (a page of them would be bigger still).
    """
    return _dots(root, _captions(root, max_frames, options), options, captioned=True, max_bytes=max_bytes)


def _captions(root: Node, max_frames: int | None, options: DotOptions) -> list[tuple[int, str]]:
    """The checked graph's `steps`."""
    if not backward_has_run(root):
        raise ValueError("replay: call backward() on the output first: the frames show the gradients it computed")
    order = toposort(root)
    if not order:
        raise ValueError("replay: the output is a leaf: the backward pass visits no node, there is nothing to replay")
    if max_frames is not None and len(order) > max_frames:
        raise ValueError(
            f"replay: the backward pass visits {len(order):,} nodes, more than max_frames={max_frames}; "
            "replay a smaller graph or raise max_frames (--max-frames; None: no limit)"
        )
    return steps(root, order, options)


def _dots(
    root: Node, captions: list[tuple[int, str]], options: DotOptions, captioned: bool, max_bytes: int | None
) -> list[str]:
    """Each frame's DOT text, with its caption above the graph or without; refused past ``max_bytes`` in all."""
    height = max(text.count("\n") for _, text in captions)  # equal heights: the graph does not jump between frames
    options = {"max_nodes": None, **options}
    dots, size = [], 0
    for k, text in captions:
        dots.append(to_dot(root, **{**options, "step": k,
                                    "caption": text + "\n" * (height - text.count("\n")) if captioned else None}))
        size += len(dots[-1].encode("utf-8"))
        _check_bytes(size, max_bytes, "the page", f"{len(captions):,} frames whose DOT text alone passes it")
    return dots


def steps(root: Node, order: list[Node], options: DotOptions) -> list[tuple[int, str]]:
    """``(step, caption)`` of each frame: one per node the backward pass visits, or per collapsed box.

    A collapsed box is one frame, at its last node: what it receives from above and what it
    sends to its inputs, not the hidden nodes inside it ("Softmax: receives -t/y, sends y - t").
    """
    labels = options.get("node_labels") or {}
    algebra = options.get("edge_labels") or {}
    uses = consumers(order)
    unit_of = collapsed_units(root, options.get("clusters"), options.get("collapse"))
    last = {unit_of[node]: k for k, node in enumerate(order)}
    frames = sorted(last.items(), key=lambda item: item[1])
    return [
        (k, box_caption(order, unit, unit_of, uses, labels, algebra, (i, len(frames))) if isinstance(unit, Box)
         else caption(order, k, labels, uses, algebra, (i, len(frames))))
        for i, (unit, k) in enumerate(frames, 1)
    ]


def consumers(order: list[Node]) -> dict[Node, list[tuple[Node, int]]]:
    """Each node's uses in the graph: ``(consumer, argument position)``, in backward order."""
    uses: dict[Node, list[tuple[Node, int]]] = {}
    for node in order:
        for slot, x in enumerate(node.inputs):
            uses.setdefault(x, []).append((node, slot))
    return uses


def caption(
    order: list[Node], k: int, labels: Mapping[Node, str], uses: Mapping[Node, list[tuple[Node, int]]] | None = None,
    algebra: Mapping[EdgeKey, EdgeText] | None = None, number: tuple[int, int] | None = None,
) -> str:
    """What happens at step ``k``: the gradient from above, and what goes to each input, in numbers.

    Where a node has several uses, its gradient is the sum of their shares, and the caption
    adds them up: for the visited node on its upstream line, for a leaf when its last share arrives.
    ``algebra`` (a figure's ``edge_labels``) adds the figure's own terms: ``-0.2634 = y₃ - t₃``.
    ``number`` is ``(frame, frames)`` when frames are not one per node (collapsed boxes).
    """
    uses = consumers(order) if uses is None else uses
    algebra = algebra or {}
    node = order[k]
    upstream = node.grad
    i, n = number or (k + 1, len(order))
    above = _sum_of_shares(node, uses) or _inline(upstream)
    lines = [
        f"Step {i} of {n}: backward visits {_name(node, labels)}",
        f"gradient from above (upstream): {above}{_said(algebra, _upstream_key(node, order[0], uses, algebra), above)}",
    ]
    xs = [x.data for x in node.inputs]
    listed = _CAPTION_INPUTS if len(node.inputs) > _CAPTION_INPUTS + 1 else len(node.inputs)
    for slot, (x, vjp) in enumerate(zip(node.inputs[:listed], node.op.vjps)):
        target = f"to {_name(x, labels)}"
        if not x.requires_grad:
            lines.append(f"{target}: nothing (it needs no gradient)")
            continue
        downstream = vjp(upstream, node.data, *xs)
        if hasattr(upstream, "shape"):  # the rule with its shapes: the Jacobian itself is never built
            rule = rules.explain(node, slot, dict(labels), _loss(order[0]))
            lines.append(f"{target}: {rule} = downstream {_inline(downstream)}")
        else:
            local = vjp(1.0, node.data, *xs)
            lines.append(f"{target}: upstream × local = downstream: "
                         f"{fmt.number(upstream)} × {fmt.number(local)} = {fmt.number(downstream)}"
                         f"{_said(algebra, (x, node), fmt.number(downstream))}")
    if listed < len(node.inputs):
        lines.append(f"… and {len(node.inputs) - listed:,} more inputs")
    for x in dict.fromkeys(node.inputs):  # a leaf is never visited: its shares meet here, at its last use
        if x.op is None and x.requires_grad and uses[x][-1][0] is node and len(uses[x]) > 1:
            lines.append(f"at {_name(x, labels)} the shares add up: {_sum_of_shares(x, uses)}")
    return "\n".join(lines)


_CAPTION_INPUTS = fmt.MAX_LINES - 3
"""Inputs a caption lists: with its two first lines and the "… and N more" line, it fits `format.MAX_LINES`."""


def box_caption(
    order: list[Node], box: Box, unit_of: Mapping[Node, Any], uses: Mapping[Node, list[tuple[Node, int]]],
    labels: Mapping[Node, str], algebra: Mapping[EdgeKey, EdgeText], number: tuple[int, int],
) -> str:
    """A collapsed box's frame: the gradients it receives from above and those it sends to its inputs."""
    members = [node for node in order if unit_of[node] is box]
    inside = set(members)
    lines = [f"Step {number[0]} of {number[1]}: backward passes through {box.title} "
             f"({len(members)} operations drawn as one box)"]
    root = order[0]
    for node in members:
        outside: list[tuple[Node | None, int]] = [(None, 0)] if node is root else []  # the output's own arrow
        outside += [(c, slot) for c, slot in uses.get(node, ()) if c not in inside]
        for target, slot in outside:
            share = contribution(node, target, slot)
            what = algebra.get((node, target), (None, None))[0] or _name(node, labels)
            lines.append(f"receives for {what}: {_inline(share)}{_said(algebra, (node, target), _inline(share))}")
    sent: dict[Node, list[Node]] = {}
    for node in members:
        for x in node.inputs:
            if unit_of[x] is not box and x.requires_grad:
                sent.setdefault(x, []).append(node)
    for x, targets in sent.items():
        shares = [contribution(x, t, slot) for t in dict.fromkeys(targets) for slot, y in enumerate(t.inputs) if y is x]
        total = _inline(sum(shares[1:], shares[0]))
        key = (x, targets[0]) if len(targets) == 1 else None
        what = (algebra.get(key, (None, None))[0] if key else None) or _name(x, labels)
        lines.append(f"sends to {what}: {total}{_said(algebra, key, total)}")
    return "\n".join(lines)


def _upstream_key(node: Node, root: Node, uses: Mapping[Node, list[tuple[Node, int]]],
                  algebra: Mapping[EdgeKey, EdgeText]) -> EdgeKey | None:
    """The connection whose label names the gradient arriving at ``node``: its own arrow, its trunk or its one use."""
    if node is root or (node, None) in algebra:
        return node, None
    targets = uses.get(node, ())
    return (node, targets[0][0]) if len(targets) == 1 else None


def _said(algebra: Mapping[EdgeKey, EdgeText], key: EdgeKey | None, number: str) -> str:
    """`` = y₃ - t₃``: the figure's algebra for the gradient on ``key``, when it says more than the number."""
    text = algebra.get(key, (None, None))[1] if key is not None else None
    return f" = {' '.join(text.split())}" if text and text != number else ""


def _loss(root: Node) -> str:
    """What the gradients are of: the output if it is a scalar, else an L beyond it (its seed is ∂L/∂output)."""
    return root.name if root.name and getattr(root.data, "size", 1) == 1 else "L"


def _sum_of_shares(node: Node, uses: Mapping[Node, list[tuple[Node, int]]]) -> str | None:
    """``0.01349 + (-0.01832) = -0.004824``: what each use sends ``node``, and the total; None for one use."""
    if len(uses.get(node, ())) < 2:
        return None
    shares = [contribution(node, target, slot) for target, slot in reversed(uses[node])]  # in forward order
    terms = [_inline(g) for g in shares]
    terms = [f"({t})" if t.startswith("-") and i else t for i, t in enumerate(terms)]
    return f"{' + '.join(terms)} = {_inline(sum(shares[1:], shares[0]))}"


def page(title: str, svgs: list[str], texts: list[str] | None = None) -> str:
    """The HTML page showing ``svgs`` one at a time; without script all are shown, one under the other.

    ``texts`` are the frames' explanations, one line per paragraph, beside each drawing.
    """
    texts = texts or [""] * len(svgs)
    sections = "\n".join(
        f'<section class="frame" id="frame-{k}" data-frame="{k}">{_explanation(text)}'
        f'<div class="drawing">{_inline_svg(svg, k)}</div></section>'
        for k, (svg, text) in enumerate(zip(svgs, texts), 1)
    )
    title = html.escape(" ".join(fmt.shown(title).split("\n")))  # one line of text, whatever the name holds
    return _PAGE.format(title=title, count=len(svgs), frames=sections, script=_SCRIPT)


def _explanation(text: str) -> str:
    """A frame's caption as escaped HTML paragraphs, the first (the step) as its heading."""
    if not text:
        return ""
    head, *rest = (html.escape(fmt.shown(line)) for line in text.split("\n"))  # shown: control characters visible
    body = "".join(f"<p>{line}</p>" for line in rest)
    return f'<div class="explain"><h2>{head}</h2>{body}</div>'


def _render_all(dots: list[str], kind: str, timeout: float | None, max_bytes: int | None, what: str) -> list[bytes]:
    """Every frame through ``dot``, the first alone and the rest several at once (each is a separate process).

    Frames share one layout, so the first tells how big they all will be:
    over ``max_bytes`` the rest are never started. The first failure stops
    the frames not yet started.
    """
    first = run_dot(dots[0], kind, timeout)
    _check_bytes(len(first) * len(dots), max_bytes, what, f"{len(dots):,} frames of about {len(first) / 1e3:.1f} kB")
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        pending = [pool.submit(run_dot, text, kind, timeout) for text in dots[1:]]
        try:
            images = [first, *(future.result() for future in pending)]
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    _check_bytes(sum(map(len, images)), max_bytes, what, f"{sum(map(len, images)) / 1e6:.1f} MB")
    return images


def _check_bytes(size: int, max_bytes: int | None, what: str, detail: str) -> None:
    """Refuse ``size`` bytes of ``what`` over ``max_bytes``, naming the budget and how to change it."""
    if max_bytes is not None and size > max_bytes:
        raise ValueError(
            f"replay: {what} would be more than {max_bytes / 1e6:g} MB (max_bytes={max_bytes:,}): {detail}; "
            "replay a smaller graph, draw fewer nodes per frame (max_nodes=, collapse=), "
            "or raise max_bytes (--max-mb; None: no limit)"
        )


def _inline_svg(svg: str, k: int) -> str:
    """An SVG document as an element of the page: no XML prolog, ids made unique to the frame."""
    body = svg[svg.index("<svg"):]
    return _ID.sub(f'id="f{k}-', body)


_ID = re.compile(r'\bid="')


def _name(node: Node, labels: Mapping[Node, str]) -> str:
    """How a caption calls a node: its label or name; else its op and value, e.g. ``+ (74.12)``."""
    name = labels.get(node, node.name)
    if name is not None and str(name):
        return str(name).replace("\n", "\\n")  # a caption line names it on one line, the break shown as by repr
    value = _shape(node.data) if hasattr(node.data, "shape") else f"({fmt.number(node.data)})"
    return f"{node.op.glyph} {value}" if node.op is not None else f"the constant {value}"


def _inline(value: Any) -> str:
    """A number or array on one line."""
    return " ".join(fmt.data(value).split())


def _shape(value: Any) -> str:
    return f"{tuple(value.shape)}"


def _title(root: Node) -> str:
    return f"Backward replay: {root.name}" if root.name is not None and str(root.name) else "Backward replay"


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1em; }}
nav {{ position: sticky; top: 0; background: white; padding: 0.5em 0; display: flex; gap: 0.6em; align-items: center; }}
#slider {{ flex: 0 1 30em; }}
.frame:not([hidden]) {{ display: flex; gap: 1.5em; align-items: flex-start; }}
.explain {{ flex: 0 0 22em; line-height: 1.45; }}
.explain h2 {{ font-size: 1.05em; margin: 0.3em 0 0.6em; }}
.explain p {{ margin: 0.3em 0; overflow-wrap: anywhere; }}
.drawing {{ flex: 1 1 auto; min-width: 0; }}
.frame svg {{ max-width: 100%; height: auto; }}
@media (max-width: 60em) {{ .frame:not([hidden]) {{ flex-direction: column; }} .explain {{ flex: none; }} }}
.help {{ color: #555; font-size: 0.9em; margin: 0; }}
</style>
</head>
<body>
<h1>{title}</h1>
<nav>
<button id="prev" type="button">◀ previous</button>
<input id="slider" type="range" min="1" max="{count}" value="1" aria-label="frame">
<button id="next" type="button">next ▶</button>
<output id="counter">{count} frames</output>
</nav>
<p class="help">Keys ← and →, the slider or the buttons; link to a frame with #frame=N.</p>
{frames}
<script>
{script}
</script>
</body>
</html>
"""

_SCRIPT = """(function () {
  "use strict";
  var frames = document.querySelectorAll(".frame");
  var slider = document.getElementById("slider");
  var counter = document.getElementById("counter");
  var current = 1;
  function show(k) {
    current = Math.min(Math.max(k, 1), frames.length);
    for (var i = 0; i < frames.length; i++) { frames[i].hidden = i !== current - 1; }
    slider.value = current;
    counter.textContent = "frame " + current + " of " + frames.length;
    document.body.setAttribute("data-frame", String(current));
    if (location.hash !== "#frame=" + current) {
      try { history.replaceState(null, "", "#frame=" + current); } catch (e) { /* a sandboxed page: fine */ }
    }
  }
  function fromAddress() {
    var match = /frame=(\\d+)/.exec(location.hash);
    return match ? Number(match[1]) : 1;
  }
  document.getElementById("prev").addEventListener("click", function () { show(current - 1); });
  document.getElementById("next").addEventListener("click", function () { show(current + 1); });
  slider.addEventListener("input", function () { show(Number(slider.value)); });
  window.addEventListener("hashchange", function () { show(fromAddress()); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowLeft") { show(current - 1); }
    if (event.key === "ArrowRight") { show(current + 1); }
  });
  show(fromAddress());
})();"""
