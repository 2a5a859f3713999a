"""Big graphs: the node budget, honest "… N nodes …" markers, kept paths, time limits."""

import os
import re
import subprocess
import sys
from collections import Counter

import pytest
from dot_reading import read

from scratchgrad import viz
from scratchgrad.autograd import Value
from scratchgrad.viz import summary
from scratchgrad.viz.cli import main
from scratchgrad.viz.view import post_order

_MARKER = re.compile(r"… ([\d,]+) nodes(?: in ([\d,]+) parts)?(?: \((.*)\))? …")


def markers(drawing):
    """(hidden node count, parts, op glyphs) of each marker vertex."""
    found = []
    for vertex_id, (label, _) in drawing.vertices.items():
        if vertex_id.startswith("m"):
            m = _MARKER.fullmatch(label)
            assert m, label
            found.append((int(m[1].replace(",", "")), int((m[2] or "1").replace(",", "")), m[3]))
    return found


def drawn_nodes(drawing):
    return sum(1 for vertex_id in drawing.vertices if vertex_id.startswith("n"))


def chain(length):
    x = Value(0.5, name="x")
    y = x
    for _ in range(length):
        y = y + 1
    y.name = "y"
    y.backward()
    return x, y


def tree(leaves):
    """A balanced tree of additions over named leaves; returns (leaves, root)."""
    xs = [Value(k, name=f"x{k}") for k in range(leaves)]
    level = xs
    while len(level) > 1:
        level = [level[i] + level[i + 1] for i in range(0, len(level), 2)]
    level[0].backward()
    return xs, level[0]


def test_a_long_chain_is_summarised_within_budget_and_the_marker_counts_honestly():
    _, y = chain(3000)  # 6,001 nodes: the chain, its constants and x
    drawing = read(viz.to_dot(y))
    assert len(drawing.vertices) - 1 <= viz.DEFAULT_MAX_NODES  # "out" is not a node
    [(hidden, parts, ops)] = markers(drawing)
    assert parts == 1 and ops == "+"
    assert hidden + drawn_nodes(drawing) == len(post_order(y)) == 6001
    assert drawing.arrows[-1].forward == "3000" and drawing.arrows[-1].gradient == "1"  # the output survives


def test_no_budget_draws_everything():
    _, y = chain(400)
    drawing = read(viz.to_dot(y, max_nodes=None))
    assert not markers(drawing) and drawn_nodes(drawing) == 801


def test_the_path_to_a_kept_node_survives_the_summary():
    xs, root = tree(1024)  # 1024 leaves, 1023 sums
    target = xs[777]
    for option in ("keep", "highlight"):
        drawing = read(viz.to_dot(root, max_nodes=60, **{option: [target]}))
        assert drawn_nodes(drawing) + sum(m[0] for m in markers(drawing)) == len(post_order(root))
        step = next(i for i, (t, _) in drawing.vertices.items() if t == "x777")
        path = []
        while step != "out":  # follow the drawn arrows from x777 to the output
            arrow = next(a for a in drawing.arrows if a.ends[0] == step and not a.ends[1].startswith("m"))
            path.append(arrow)
            step = arrow.ends[1]
        assert len(path) == 11  # ten levels of sums, then the output's own arrow
        assert path[0].gradient == "1" and path[-1].forward == str(sum(range(1024)))
        assert all(a.highlighted for a in path) == (option == "highlight")


def test_boxes_collapse_level_by_level_before_anything_is_folded():
    x = Value(1.0, name="x")
    with viz.scope("Model", x) as model:
        h = x
        for block in range(10):
            with viz.scope(f"Block {block}", h) as outer:
                for part in range(2):
                    h = viz.scoped(f"Part {part}", lambda v: (v * 0.5).tanh() + 0.1, h)
                h = outer.output(h)
        y = model.output(h)
    y.backward()
    total = len(post_order(y))
    assert total > 60
    inner = read(viz.to_dot(y, max_nodes=60))
    assert not markers(inner)
    assert Counter(inner.kinds("b")) == {"Part 0": 10, "Part 1": 10}
    assert len(inner.boxes) == 1 and inner.boxes[0].count("subgraph") == 11  # Model holding 10 open blocks
    outer = read(viz.to_dot(y, max_nodes=15))
    assert not markers(outer) and len(outer.kinds("b")) == 10 and outer.kinds("b")[0] == "Block 0"
    folded = read(viz.to_dot(y, max_nodes=5))
    assert folded.kinds("b") == ["Model"]  # the last level: the whole model as one node


def test_more_parts_than_room_share_the_last_marker_and_say_so():
    xs = [Value(k, name=f"x{k}") for k in range(40)]
    root = Value.sum([(x * 2).exp() for x in xs])  # 40 separate branches below one sum
    root.backward()
    drawing = read(viz.to_dot(root, max_nodes=20))
    found = markers(drawing)
    assert len(drawing.vertices) - 1 <= 20
    assert sorted(m[1] for m in found) == [1, 1, 1, 37]  # room for 4 markers: 3 parts, then the other 37
    assert drawn_nodes(drawing) + sum(m[0] for m in found) == len(post_order(root)) == 161
    assert all(set(m[2].split(", ")) == {"exp", "×"} for m in found)


def test_marker_text():
    ops = Counter({"×": 5000, "+": 7000, "ReLU": 300, "exp": 3, "log": 3})
    assert summary.marker_text(12345, ops) == "… 12,345 nodes (+, ×, ReLU, exp, …) …"
    assert summary.marker_text(7, Counter(), parts=3) == "… 7 nodes in 3 parts …"


def test_summaries_are_identical_in_a_fresh_interpreter():
    code = (
        "import random\nfrom scratchgrad import viz\nfrom scratchgrad.autograd import Value\nrandom.seed(4)\n"
        "xs = [Value(random.random(), name=f'x{i}') for i in range(30)]\nns = list(xs)\n"
        "for i in range(600):\n    a, b = random.sample(ns[-40:], 2)\n"
        "    ns.append((a * b).tanh() if i % 3 else a + b)\n"
        "ns[-1].backward()\nprint(viz.to_dot(ns[-1], max_nodes=80, keep=[ns[-300]]), end='')\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1]
    assert markers(read(runs[0]))


def test_dot_is_stopped_at_the_time_limit(tmp_path):
    _, y = chain(300)
    with pytest.raises(viz.RenderTimeout, match=r"did not finish within 0\.001 s .*\(timeout="):
        viz.render(y, tmp_path / "slow.svg", max_nodes=None, timeout=0.001)
    assert not (tmp_path / "slow.svg").exists()


def test_text_too_big_for_the_time_limit_is_refused_before_dot_starts(tmp_path, monkeypatch, capsys):
    _, y = chain(20)
    monkeypatch.setattr(sys.modules["scratchgrad.viz.render"], "MAX_DOT_BYTES", 1000)  # viz.render is also a function
    with pytest.raises(viz.GraphTooLarge, match=r"MB \(limit 0\.001 MB\)"):
        viz.render(y, tmp_path / "big.svg")
    assert viz.render(y, tmp_path / "big.svg", timeout=None).exists()  # no limit: no check
    status = main(["x*y", "--set", "x=1", "y=2", "--max-nodes", "all", "-o", str(tmp_path / "cli.svg")])
    assert status == 1  # the command line reports it as one line, like a missing Graphviz
    err = capsys.readouterr().err
    assert err.startswith("error: the DOT text is ") and err.count("\n") == 1


def test_a_ten_thousand_node_graph_renders_summarised(tmp_path):
    xs = [Value(0.01 * k, name=f"w{k}") for k in range(100)]
    total = Value(0.0)
    for row in range(50):  # 50 "neurons" of 100 weighted inputs each: ~10,000 nodes
        total = total + Value.sum([w * (row + k) for k, w in enumerate(xs)]).relu()
    total.backward()
    svg = viz.render(total, tmp_path / "big.svg").read_text(encoding="utf-8")
    assert re.search(r"… [\d,]+ nodes \(", svg.replace("&#8230;", "…"))
