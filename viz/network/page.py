"""`page`: one self-contained HTML file to click through test images and step through training.

For every snapshot of the net (its ``state_dict()`` at some iterations) and every image, `explain`
runs once here in Python; the page only draws those numbers on a canvas — no network, no
library. Bars keep one scale per image across the snapshots, so stepping through training shows
the wishes shrink as the net learns. All text is ours or escaped; the data is JSON with ``<``
escaped, so nothing in it can close the script element.
"""

from __future__ import annotations

import copy
import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from scratchgrad.viz.network.sensitivity import ranking
from scratchgrad.viz.network.style import language
from scratchgrad.viz.network.wishes import explain, is_untrained, mlp_layers, square_side

MAX_IMAGES = 100
MAX_SNAPSHOTS = 50

TEXT = {
    "en": {
        "title": "What one image wants, through training",
        "image": "test image", "iteration": "after {it} iterations", "untrained": "untrained (as initialised)",
        "verdict": "label {label}, predicted {pred} ({p}%)", "right": "right", "wrong": "wrong",
        "loss": "loss", "wish_total": "total output wish Σ|t − y| over training",
        "hidden": "hidden: shade = activation, bar = wish −∂L/∂a (outline: −∂L/∂h, before {act}'s derivative)",
        "outputs": "outputs: y and the wish t − y", "ranked": "The largest |∂L/∂θ| for this image",
        "hidden_short": "hidden layer", "outputs_short": "outputs y, wish t − y", "typical": "the typical one",
        "keys": "← → image · ↑ ↓ training · space: play",
        "play": "play", "prev": "◀", "next": "▶",
    },
    "ko": {
        "title": "이미지 한 장이 바라는 것, 학습 과정에서",
        "image": "시험 이미지", "iteration": "{it}회 학습 후", "untrained": "학습 전 (초기값)",
        "verdict": "정답 {label}, 예측 {pred} ({p}%)", "right": "맞음", "wrong": "틀림",
        "loss": "손실", "wish_total": "학습에 따른 출력 바람의 합 Σ|t − y|",
        "hidden": "은닉층: 명암 = 활성값, 막대 = 바람 −∂L/∂a (테두리: {act}의 미분 전 −∂L/∂h)",
        "outputs": "출력: y와 바람 t − y", "ranked": "이 이미지의 |∂L/∂θ| 상위",
        "hidden_short": "은닉층", "outputs_short": "출력 y, 바람 t − y", "typical": "보통 값",
        "keys": "← → 이미지 · ↑ ↓ 학습 · 스페이스: 재생",
        "play": "재생", "prev": "◀", "next": "▶",
    },
}


def page(net: Any, snapshots: Sequence[tuple[int, dict[str, np.ndarray]]], x: Any, t: Any, path: str | Path,
         *, indices: Sequence[int] | None = None, lang: str = "en", note: str | None = None) -> Path:
    """Write the page to ``path``: ``snapshots`` are ``(iteration, net.state_dict())`` pairs, ``x``/``t`` the images.

    ``net`` gives the architecture (its parameters are not changed); ``indices`` name the images
    (e.g. their test-set indices) on the page.
    """
    lang = language(lang)
    layers = mlp_layers(net)
    if not 1 <= len(snapshots) <= MAX_SNAPSHOTS:
        raise ValueError(f"network view: page() takes 1 to {MAX_SNAPSHOTS} snapshots, got {len(snapshots)}")
    images = np.asarray(x)
    probe = explain(net, images, t)  # checks the images and labels once, by the same rules as the figures
    count = len(probe.labels)
    if count > MAX_IMAGES:
        raise ValueError(f"network view: page() takes at most {MAX_IMAGES} images, got {count}")
    side = square_side(layers[0][0].W.shape[0])
    if side is None or len(layers) != 2:
        raise ValueError("network view: page() draws nets with one hidden layer on square images")
    names = list(indices) if indices is not None else list(range(count))
    if len(names) != count:
        raise ValueError(f"network view: {count} images need {count} indices, got {len(names)}")
    replica = copy.deepcopy(net)  # the snapshots are loaded into a copy: the caller's net stays as it is
    states = []
    for iteration, state in snapshots:
        replica.load_state_dict(state)
        wishes = explain(replica, probe.images, probe.labels)
        # the ranking needs each example's own parameter gradients: one backward pass per image
        ranked = [ranking(explain(replica, image, label), 5)[0] for image, label in zip(probe.images, probe.labels,
                                                                                        strict=True)]
        states.append((int(iteration), wishes, ranked, is_untrained(replica)))
    data = {
        "text": {**TEXT[lang], "hidden": TEXT[lang]["hidden"].format(act=type(layers[0][1]).__name__)},
        "note": note or "",
        "side": side,
        "images": [_digits(np.clip(image, 0, 1) * 255, 0) for image in probe.images],
        "labels": probe.labels.tolist(),
        "names": [int(i) for i in names],
        "iterations": [it for it, *_ in states],
        "untrained": [untrained for *_, untrained in states],
        "states": [{
            "probs": _digits(w.probs), "wish": _digits(w.layers[1].nudge),
            "hidden": _digits(w.layers[0].out), "hwish": _digits(w.layers[0].nudge),
            "hwish_out": _digits(w.layers[0].nudge_out), "losses": _digits(w.example_losses()),
            "ranked": [[[name, float(f"{d:.4g}"), float(f"{r:.3g}")] for name, d, r in rows] for rows in ranked],
        } for _, w, ranked, _ in states],
    }
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TEMPLATE.replace("{{lang}}", lang).replace("{{title}}", html.escape(TEXT[lang]["title"]))
                    .replace("{{data}}", payload), encoding="utf-8")
    return path


def _digits(array: np.ndarray, decimals: int | None = None) -> Any:
    """Nested lists with 4 significant digits (or ``decimals`` places): the page needs no more, and is 3x smaller."""
    array = np.asarray(array, dtype=float)
    if decimals is not None:
        return np.round(array, decimals).astype(int).tolist()
    return [float(f"{v:.4g}") for v in array.ravel()] if array.ndim == 1 else [_digits(row) for row in array]


TEMPLATE = """<!DOCTYPE html>
<html lang="{{lang}}"><head><meta charset="utf-8"><title>{{title}}</title>
<style>
body{font-family:"DejaVu Sans","NanumGothic",sans-serif;margin:16px;color:#111}
h1{font-size:22px;margin:0 0 4px} #sub{color:#555;margin:0 0 8px}
.controls{display:flex;gap:12px;align-items:center;flex-wrap:wrap;margin:6px 0}
input[type=range]{width:260px} #ranked{font-family:"DejaVu Sans Mono",monospace;font-size:13px}
button{font-size:14px}
</style></head><body>
<h1 id="title"></h1><p id="sub"></p>
<div class="controls">
 <button id="prev"></button><input id="image" type="range" min="0" value="0"><button id="next"></button>
 <span id="image-label"></span>
 <input id="iter" type="range" min="0" value="0"><button id="play"></button><span id="iter-label"></span>
 <span id="keys" style="color:#777"></span>
</div>
<canvas id="view" width="1280" height="620"></canvas>
<p id="legend" style="color:#555;margin:4px 0"></p>
<div id="ranked-title" style="font-weight:bold"></div><ol id="ranked"></ol>
<script type="application/json" id="data">{{data}}</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById("data").textContent), T = D.text;
const $ = id => document.getElementById(id), ctx = $("view").getContext("2d");
const POS = "#2166ac", NEG = "#b2182b";
let img = 0, it = D.iterations.length - 1, timer = null;
// #image=3&iter=0 opens the page at the 4th image and the first snapshot (links and tests)
const start = new URLSearchParams(location.hash.slice(1)), clamp = (v, n) => Math.max(0, Math.min(n - 1, v | 0));
if (start.has("image")) img = clamp(+start.get("image"), D.labels.length);
if (start.has("iter")) it = clamp(+start.get("iter"), D.iterations.length);
$("image").value = img;
$("image").max = D.labels.length - 1; $("iter").max = D.iterations.length - 1; $("iter").value = it;
$("prev").textContent = T.prev; $("next").textContent = T.next; $("play").textContent = T.play;
$("keys").textContent = T.keys; $("sub").textContent = D.note;
$("legend").textContent = T.hidden + " · " + T.outputs; $("ranked-title").textContent = T.ranked;
function grey(v) { const g = Math.round(255 * (1 - Math.max(0, Math.min(1, v)))); return `rgb(${g},${g},${g})`; }
function text(s, x, y, opts = {}) {
  ctx.fillStyle = opts.color || "#111"; ctx.font = (opts.bold ? "bold " : "") + (opts.size || 13) + "px sans-serif";
  ctx.textAlign = opts.align || "left"; ctx.textBaseline = "middle"; ctx.fillText(s, x, y);
}
function bar(x0, y, w, h, v, filled) {
  ctx.fillStyle = ctx.strokeStyle = v >= 0 ? POS : NEG;
  if (filled) ctx.fillRect(Math.min(x0, x0 + w), y - h / 2, Math.abs(w), h);
  else ctx.strokeRect(Math.min(x0, x0 + w), y - h / 2, Math.abs(w), h);
}
function draw() {
  const s = D.states[it], label = D.labels[img], probs = s.probs[img];
  const pred = probs.indexOf(Math.max(...probs));
  const stage = D.untrained[it] ? T.untrained : T.iteration.replace("{it}", D.iterations[it].toLocaleString());
  $("title").textContent = `${T.title}: ${T.image} #${D.names[img]} — ` +
    T.verdict.replace("{label}", label).replace("{pred}", pred).replace("{p}", (100 * probs[pred]).toFixed(1)) +
    `: ${label === pred ? T.right : T.wrong} · ${stage} · ${T.loss} ${s.losses[img].toFixed(4)}`;
  document.body.dataset.state = `${img},${it}`;
  $("image-label").textContent = `${T.image} ${img + 1}/${D.labels.length}`;
  $("iter-label").textContent = stage;
  ctx.clearRect(0, 0, 1280, 620);
  const side = D.side, px = 260 / side, pixels = D.images[img];
  for (let r = 0; r < side; r++) for (let c = 0; c < side; c++) {
    ctx.fillStyle = grey(pixels[r * side + c] / 255); ctx.fillRect(20 + c * px, 170 + r * px, px, px);
  }
  ctx.strokeStyle = "#888"; ctx.strokeRect(20, 170, 260, 260);
  // one bar scale per image across training: the wishes visibly shrink as the net learns
  const all = D.states.flatMap(st => st.hwish_out[img].concat(st.hwish[img]).map(Math.abs));
  const hscale = 90 / (Math.max(...all) || 1), n = s.hidden[img].length, step = 560 / Math.max(n, 1);
  const hmax = Math.max(...s.hidden[img]) || 1;
  text(T.hidden_short, 400, 20, {size: 14, bold: true});
  for (let j = 0; j < n; j++) {
    const y = 45 + j * step;
    ctx.beginPath(); ctx.arc(420, y, Math.min(5, step * 0.4), 0, 2 * Math.PI);
    ctx.fillStyle = grey(0.1 + 0.9 * s.hidden[img][j] / hmax); ctx.fill(); ctx.strokeStyle = "#444"; ctx.stroke();
    text(String(j), 408, y, {size: 9, align: "right", color: "#666"});
    bar(530, y, s.hwish_out[img][j] * hscale, step * 0.7, s.hwish_out[img][j], false);
    bar(530, y, s.hwish[img][j] * hscale, step * 0.7, s.hwish[img][j], true);
  }
  ctx.strokeStyle = "#aaa"; ctx.beginPath(); ctx.moveTo(530, 38); ctx.lineTo(530, 45 + n * step); ctx.stroke();
  text(T.outputs_short, 700, 20, {size: 14, bold: true});
  for (let k = 0; k < probs.length; k++) {
    const y = 70 + k * 52;
    ctx.beginPath(); ctx.arc(720, y, 18, 0, 2 * Math.PI); ctx.fillStyle = grey(0.05 + 0.95 * probs[k]); ctx.fill();
    ctx.lineWidth = k === label ? 4 : 1; ctx.strokeStyle = "#000"; ctx.stroke(); ctx.lineWidth = 1;
    text(String(k), 720, y, {bold: true, align: "center", color: probs[k] > 0.5 ? "#fff" : "#000"});
    text(probs[k].toFixed(4), 746, y);
    bar(900, y, s.wish[img][k] * 90, 24, s.wish[img][k], true);
    text((s.wish[img][k] >= 0 ? "+" : "") + s.wish[img][k].toPrecision(3), 1000, y,
         {color: s.wish[img][k] >= 0 ? POS : NEG});
  }
  ctx.strokeStyle = "#aaa"; ctx.beginPath(); ctx.moveTo(900, 45); ctx.lineTo(900, 565); ctx.stroke();
  // the total wish of this image at every snapshot: the "nudges shrink" curve
  const totals = D.states.map(st => st.wish[img].reduce((a, v) => a + Math.abs(v), 0));
  text(T.wish_total, 20, 470, {size: 12});
  const top = Math.max(...totals) || 1, w = 260 / Math.max(totals.length - 1, 1);
  ctx.strokeStyle = "#333"; ctx.beginPath();
  totals.forEach((v, i) => { const X = 20 + i * w, Y = 590 - 100 * v / top; i ? ctx.lineTo(X, Y) : ctx.moveTo(X, Y); });
  ctx.stroke(); ctx.fillStyle = NEG; ctx.beginPath(); ctx.arc(20 + it * w, 590 - 100 * totals[it] / top, 4, 0,
    2 * Math.PI); ctx.fill();
  $("ranked").replaceChildren(...s.ranked[img].map(([name, d, r]) => {
    const li = document.createElement("li");
    li.textContent = `${name}: ∂L/∂θ = ${d} (${r}× ${T.typical})`;
    return li;
  }));
  text(String(D.iterations[0]), 20, 605, {size: 11, color: "#666"});
  text(D.iterations[D.iterations.length - 1].toLocaleString(), 280, 605, {size: 11, color: "#666", align: "right"});
}
function go(dImg, dIt) {
  img = (img + dImg + D.labels.length) % D.labels.length;
  it = Math.max(0, Math.min(D.iterations.length - 1, it + dIt));
  $("image").value = img; $("iter").value = it; draw();
}
$("prev").onclick = () => go(-1, 0); $("next").onclick = () => go(1, 0);
$("image").oninput = e => { img = +e.target.value; draw(); };
$("iter").oninput = e => { it = +e.target.value; draw(); };
$("play").onclick = () => {
  if (timer) { clearInterval(timer); timer = null; return; }
  if (it === D.iterations.length - 1) it = 0;
  timer = setInterval(() => {
    if (it >= D.iterations.length - 1) { clearInterval(timer); timer = null; } else go(0, 1);
  }, 600);
  draw();
};
document.addEventListener("keydown", e => {
  const moves = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1]};
  if (e.key === " ") { e.preventDefault(); $("play").click(); }
  else if (moves[e.key]) { e.preventDefault(); go(...moves[e.key]); }
});
draw();
</script></body></html>
"""
