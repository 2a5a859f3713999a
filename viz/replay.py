"""The backward pass replayed one node at a time, as one self-contained HTML page.

Frame k is `viz.to_dot` with ``step=k``: the node that backward visits k-th
(`autograd.toposort` order, the order `autograd.backprop` walks) is filled,
the gradients computed so far are written in red and the later ones are left
blank, with the same layout in every frame. Its caption does the chain rule
in numbers: the gradient arriving from above, times the node's local
derivative, gives what it sends to each input ("upstream × local =
downstream"); for tensors, where the local derivative is a Jacobian that is
never built, it shows the shapes of the vector-Jacobian product.

The page inlines every frame's SVG and a few lines of script (previous/next
buttons, a slider, the arrow keys, ``#frame=N`` in the address): it needs no
network and no other file. ``frames_dir`` also writes the frames as numbered
SVG or PNG files, e.g. to make an animation.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Unpack

from scratchgrad.autograd import Node, toposort
from scratchgrad.viz import format as fmt
from scratchgrad.viz.dot import DotOptions, to_dot
from scratchgrad.viz.render import DEFAULT_TIMEOUT, run_dot, write_files
from scratchgrad.viz.view import backward_has_run

MAX_FRAMES = 300
"""Most frames a replay makes (one ``dot`` run each); bigger graphs are refused, not truncated."""

MAX_BYTES = 10_000_000
"""Largest replay page, and largest total of a frames folder, in bytes (10 MB).

The page holds every frame, and every frame the whole graph: its size grows as
frames × nodes. Without this budget a 359-character expression made a 74 MB
page of 179 frames (6 minutes of ``dot`` on two busy cores).
"""

FRAME_FORMATS = ("svg", "png")


def replay(
    root: Node,
    path: str | Path,
    *,
    frames_dir: str | Path | None = None,
    frame_format: str = "svg",
    max_frames: int | None = MAX_FRAMES,
    max_bytes: int | None = MAX_BYTES,
    timeout: float | None = DEFAULT_TIMEOUT,
    **options: Unpack[DotOptions],
) -> Path:
    """Write the backward replay of the graph behind ``root`` (after ``backward()``) to the HTML file ``path``.

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
    dots = frames(root, max_frames=max_frames, max_bytes=max_bytes, **options)
    svgs = _render_all(dots, "svg", timeout, max_bytes, "the page")
    path = Path(path)
    text = page(_title(root), [svg.decode("utf-8") for svg in svgs]).encode("utf-8")
    _check_bytes(len(text), max_bytes, "the page", f"{len(text) / 1e6:.1f} MB")
    files = {path: text}
    if frames_dir is not None:
        folder = Path(frames_dir)
        images = svgs if frame_format == "svg" else _render_all(dots, frame_format, timeout, max_bytes, "the frames")
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
    return path


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
    labels = options.get("node_labels") or {}
    captions = [caption(order, k, labels) for k in range(len(order))]
    height = max(text.count("\n") for text in captions)  # equal heights: the graph does not jump between frames
    options = {"max_nodes": None, **options}
    dots, size = [], 0
    for k, text in enumerate(captions):
        dots.append(to_dot(root, **{**options, "step": k, "caption": text + "\n" * (height - text.count("\n"))}))
        size += len(dots[-1].encode("utf-8"))
        _check_bytes(size, max_bytes, "the page", f"{len(order):,} frames whose DOT text alone passes it")
    return dots


def caption(order: list[Node], k: int, labels: Mapping[Node, str]) -> str:
    """What happens at step ``k``: the gradient from above, and what goes to each input, in numbers."""
    node = order[k]
    upstream = node.grad
    lines = [
        f"Step {k + 1} of {len(order)}: backward visits {_name(node, labels)}",
        f"gradient from above (upstream): {_inline(upstream)}",
    ]
    xs = [x.data for x in node.inputs]
    listed = _CAPTION_INPUTS if len(node.inputs) > _CAPTION_INPUTS + 1 else len(node.inputs)
    for x, vjp in zip(node.inputs[:listed], node.op.vjps):
        target = f"to {_name(x, labels)}"
        if not x.requires_grad:
            lines.append(f"{target}: nothing (it needs no gradient)")
            continue
        downstream = vjp(upstream, node.data, *xs)
        if hasattr(upstream, "shape"):
            lines.append(f"{target}: upstream {_shape(upstream)} × local (vector-Jacobian product of "
                         f"{node.op.glyph}) = downstream {_inline(downstream)}")
        else:
            local = vjp(1.0, node.data, *xs)
            lines.append(f"{target}: upstream × local = downstream: "
                         f"{fmt.number(upstream)} × {fmt.number(local)} = {fmt.number(downstream)}")
    if listed < len(node.inputs):
        lines.append(f"… and {len(node.inputs) - listed:,} more inputs")
    return "\n".join(lines)


_CAPTION_INPUTS = fmt.MAX_LINES - 3
"""Inputs a caption lists: with its two first lines and the "… and N more" line, it fits `format.MAX_LINES`."""


def page(title: str, svgs: list[str]) -> str:
    """The HTML page showing ``svgs`` one at a time; without script all are shown, one under the other."""
    sections = "\n".join(
        f'<section class="frame" id="frame-{k}" data-frame="{k}">{_inline_svg(svg, k)}</section>'
        for k, svg in enumerate(svgs, 1)
    )
    title = html.escape(" ".join(fmt.shown(title).split("\n")))  # one line of text, whatever the name holds
    return _PAGE.format(title=title, count=len(svgs), frames=sections, script=_SCRIPT)


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
.frame svg {{ max-width: 100%; height: auto; }}
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
