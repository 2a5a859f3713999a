"""Reading a drawing's DOT text back into vertices, arrows and boxes (and a broken ``dot``), for the viz tests."""

import html
import os
import re
from collections import Counter
from dataclasses import dataclass, field

_VERTEX = re.compile(r'^\t(n\d+|b\d+|m\d+|f\d+|out) \[label=(?:<(.*?)>|"")((?:, [^<>]*)?)\]$')
_ARROW = re.compile(
    r'^\t(c\d+) \[label=<<TABLE[^>]*><TR><TD>(.*?)</TD></TR><TR><TD PORT="bar"[^>]*BGCOLOR="([^"]+)"></TD></TR>'
    r'(?:<TR><TD(?: BGCOLOR="([^"]+)")?><FONT COLOR="([^"]+)">(.*?)</FONT></TD></TR>)?</TABLE>>\]$'
)
_TAIL = re.compile(r"^\t(\w+) -> (c\d+):bar:w \[(.*)\]$")
_HEAD = re.compile(r"^\t(c\d+):bar:e -> (\w+)(?: \[(.*)\])?$")
_FRAME = re.compile(r"^(digraph \w+ \{|\t(graph|node|edge) \[.*\]|\})$")
_SUBSCRIPT = re.compile(r'<FONT POINT-SIZE="10"><SUB>(\d+)</SUB></FONT>')


def text(markup):
    """HTML-label markup back to the plain text it was made from."""
    plain = _SUBSCRIPT.sub(lambda m: m.group(1).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")), markup)
    return html.unescape(plain.replace("<BR/>", "\n")).replace("\xa0", " ")


@dataclass
class Arrow:
    source: str  # the source vertex's text
    target: str
    forward: str
    gradient: str | None
    gradient_color: str | None = None
    shade: str | None = None
    highlighted: bool = False
    ends: tuple = ()  # (source id, target id)


@dataclass
class Drawing:
    vertices: dict = field(default_factory=dict)  # id -> (text, attributes)
    arrows: list = field(default_factory=list)
    boxes: list = field(default_factory=list)  # the subgraph lines, as written

    def kinds(self, prefix):
        return sorted(t for i, (t, _) in self.vertices.items() if i.startswith(prefix))

    def arrows_between(self, source, target):
        return [a for a in self.arrows if a.source == source and a.target == target]


def read(dot):
    """The vertices, arrows (by their ends' texts) and box lines of a drawing."""
    drawing, rows, tails, heads = Drawing(), {}, {}, {}
    for line in dot.splitlines():
        if m := _VERTEX.match(line):
            drawing.vertices[m[1]] = (text(m[2] or ""), m[3])
        elif m := _ARROW.match(line):
            rows[m[1]] = m
        elif m := _TAIL.match(line):
            tails[m[2]] = (m[1], m[3])
        elif m := _HEAD.match(line):
            heads[m[1]] = m[2]
        elif line.startswith("\tsubgraph cluster"):
            drawing.boxes.append(line.strip())
        else:  # a line no pattern reads would silently drop a vertex or an arrow from every check
            assert _FRAME.match(line), f"unread DOT line: {line!r}"
    assert rows.keys() == tails.keys() == heads.keys(), "every arrow is drawn exactly once"
    for c, m in rows.items():
        source, attributes = tails[c]
        drawing.arrows.append(Arrow(
            drawing.vertices[source][0], drawing.vertices[heads[c]][0], text(m[2]),
            None if m[6] is None else text(m[6]), m[5], m[4], "penwidth" in attributes, (source, heads[c]),
        ))
    return drawing


def parse(dot):
    """(op glyph counts, connections as (source, target, forward, gradient or None))."""
    drawing = read(dot)
    ops = Counter(t for t, attributes in drawing.vertices.values() if re.search(r"shape=(circle|ellipse)", attributes))
    return ops, [(a.source, a.target, a.forward, a.gradient) for a in drawing.arrows]


def failing_dot(folder, monkeypatch):
    """Put a ``dot`` first on PATH that reads its input and fails with a two-line complaint, as a broken one would."""
    script = folder / "dot"
    script.write_text("#!/bin/sh\ncat >/dev/null\necho 'Error: <stdin>: syntax error in line 1' >&2\n"
                      "echo 'near x' >&2\nexit 1\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
