"""Hostile text: font names, node names, labels and captions reach DOT, SVG and HTML only as text.

Every output is parsed (XML for SVG, an HTML parser for the replay page) and checked element by element:
nothing from user text may become markup, and the text must show as typed (invisible characters made
visible, long text shortened within the stated limits).
"""

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scratchgrad import viz
from scratchgrad.autograd import Value
from scratchgrad.viz import format as fmt
from scratchgrad.viz.cli import main
from scratchgrad.viz.render import run_dot
from scratchgrad.viz.replay import _SCRIPT

SVG = "{http://www.w3.org/2000/svg}"

HOSTILE = [
    '"/><script>alert(1)</script><text x="',
    "<script>alert(1)</script>",
    "</text></g><foreignObject><body onload='alert(1)'/></foreignObject>",
    '<a xlink:href="javascript:alert(1)">x</a>',
    "<img src=x onerror=alert(1)>",
    "]]><!--<script>",
    "&lt;script&gt;&#60;script&#62;&bogus;&#0;",
    "> <TABLE><TR><TD HREF=\"javascript:alert(1)\">x</TD></TR></TABLE> <",
    '"; fontname="x" label=<',
    "\\N\\G\\L\\E\\T\\H\\l\\n\\",
    "nul\x00bell\x07esc\x1b[31m del\x7f c1\x85 \ud800 \udfff \ufffe \u202eevil \u2028line",
    "tab\tcr\rlf\nend",
]

# Every element and attribute Graphviz writes for our drawings: anything else came from somewhere else.
SVG_ELEMENTS = {"svg", "g", "title", "text", "polygon", "path", "ellipse", "polyline"}
SVG_ATTRIBUTES = {
    "width", "height", "viewBox", "id", "class", "transform", "fill", "stroke", "points", "d", "cx", "cy", "rx",
    "ry", "x", "y", "text-anchor", "font-family", "font-size", "font-weight", "font-style", "stroke-width",
    "stroke-dasharray", "baseline-shift",
}


def graph_with_text(text):
    """Every place user text can go: leaf name, op name, output name, box title (and the caption, by option)."""
    x = Value(2.0, name=text)
    y = (x * 3).exp()
    y.inputs[0].name = text  # an op's name is drawn below its glyph
    y.name = text
    y.backward()
    return y, {"clusters": {text: [y]}, "node_labels": {}, "caption": text}


def svg_of(dot):
    return ET.fromstring(run_dot(dot, "svg"))  # raises on anything not well-formed


def check_no_markup(svg):
    """Only Graphviz's own elements and attributes, no script, no handler, no link."""
    for element in svg.iter():
        tag = element.tag.removeprefix(SVG)
        assert tag in SVG_ELEMENTS, tag
        for name, value in element.attrib.items():
            assert name in SVG_ATTRIBUTES, name
            assert "javascript:" not in value.lower() and "<" not in value, (name, value)


def lines_of(svg, node_id):
    """The text lines of one drawn node, as a reader sees them (subscript pieces joined, no-break spaces plain)."""
    group = next(g for g in svg.iter(f"{SVG}g") if g.findtext(f"{SVG}title") == node_id)
    rows = {}
    for t in group.iter(f"{SVG}text"):
        rows.setdefault(float(t.get("y")), []).append(t.text or "")
    return ["".join(parts).replace("\xa0", " ") for _, parts in sorted(rows.items())]


def caption_lines(svg):
    graph = svg.find(f"{SVG}g")
    return [(t.text or "").replace("\xa0", " ") for t in graph.findall(f"{SVG}text")]


# -- font names ---------------------------------------------------------------------------------


@pytest.mark.parametrize("font", ["DejaVu Sans", "NanumGothic,sans-serif", "나눔고딕", "Noto Sans", "Fira_Code-1.2"])
def test_ordinary_font_names_reach_the_svg(font):
    x = Value(2.0, name="x")
    svg = svg_of(viz.to_dot(x * 3, fontname=font))
    families = {t.get("font-family") for t in svg.iter(f"{SVG}text")}
    assert families == {font}


@pytest.mark.parametrize("font", [*HOSTILE, "", "   ", "a" * 101, 'Odd "Font"', "Sans;x", "Sans:bold"])
def test_a_font_name_that_is_not_one_is_refused_naming_the_allowed_characters(font):
    with pytest.raises(ValueError, match=r"^fontname: .* use letters, digits, spaces and , \. - _ ") as caught:
        viz.to_dot(Value(1.0, name="x"), fontname=font)
    assert "\n" not in str(caught.value)


def test_the_command_line_refuses_a_hostile_font_before_writing(tmp_path, capsys):
    for command in (["x*y", "--set", "x=1", "y=2", "-o", str(tmp_path / "g.svg")],
                    ["replay", "x*y", "--set", "x=1", "y=2", "-o", str(tmp_path / "r.html")]):
        assert main([*command, "--fontname", HOSTILE[0]]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "fontname" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_font_name_must_be_a_string():
    with pytest.raises(TypeError, match="fontname must be a str, not int"):
        viz.to_dot(Value(1.0, name="x"), fontname=12)


# -- any text, as typed -------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_drawn_as_text_and_nothing_else(text):
    y, options = graph_with_text(text)
    svg = svg_of(viz.to_dot(y, **options))
    check_no_markup(svg)
    shown = fmt.shown(text).split("\n")
    assert lines_of(svg, "n0") == shown  # the leaf
    assert caption_lines(svg)[: len(shown)] == shown


def test_invisible_characters_are_shown_visibly():
    assert fmt.shown("a\x00b\x07\tc\x1b\x7f\r") == r"a\x00b\x07\tc\x1b\x7f\r"
    escaped = r"\x85 \ud800 \ufffe \U0010ffff \u202eab \u2028"
    assert fmt.shown("\x85 \ud800 \ufffe \U0010ffff \u202eab \u2028") == escaped
    assert fmt.shown("line\nbreak") == "line\nbreak"  # a newline is a line break
    assert fmt.shown("사과 a₁ ‖x‖ ∂L/∂x 😀") == "사과 a₁ ‖x‖ ∂L/∂x 😀"  # printable text is kept


def test_long_text_is_shortened_with_an_ellipsis_within_the_stated_limits():
    long = fmt.shown("x" * 10_000)
    assert len(long) == fmt.MAX_LINE and long.endswith("…")
    many = fmt.shown("\n".join(str(k) for k in range(1000))).split("\n")
    assert len(many) == fmt.MAX_LINES and many[-1] == f"… {1000 - fmt.MAX_LINES + 1:,} more lines"
    assert fmt.shown("y" * fmt.MAX_LINE) == "y" * fmt.MAX_LINE  # the limit is inclusive


def test_a_huge_name_gives_a_small_drawing():
    y, options = graph_with_text("<&>\\" * 1_000_000)
    dot = viz.to_dot(y, **options)
    assert len(dot) < 20_000
    svg = svg_of(dot)
    assert lines_of(svg, "n0") == [fmt.shown("<&>\\" * 100)]


def test_labels_must_be_strings():
    x = Value(1.0, name="x")
    y = x * 2
    with pytest.raises(TypeError, match=r"node_labels\[.*\] must be a str, not int"):
        viz.to_dot(y, node_labels={x: 5})
    with pytest.raises(TypeError, match=r"edge_labels\[.*\] must be a str or None, not float"):
        viz.to_dot(y, edge_labels={(x, y): (1.5, None)})
    with pytest.raises(TypeError, match="caption must be a str or None, not bytes"):
        viz.to_dot(y, caption=b"x")
    with pytest.raises(TypeError, match="clusters: a box title must be a str, not int"):
        viz.to_dot(y, clusters={3: [y]})
    x.name = 42  # a name set by hand is drawn as its text
    assert "label=<42>" in viz.to_dot(y)


text_anywhere = st.text(st.characters(blacklist_categories=()), max_size=300)  # any code point, surrogates too


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_anywhere)
def test_any_text_gives_well_formed_svg_showing_it_as_typed(text):
    y, options = graph_with_text(text)
    dot = viz.to_dot(y, **options)
    dot.encode("utf-8")  # writable as a .dot file
    svg = svg_of(dot)
    check_no_markup(svg)
    shown = fmt.shown(text).replace("\xa0", " ")  # Graphviz writes runs of spaces with no-break spaces
    if shown.strip():  # and draws no text element for a blank line
        assert "\n".join(lines_of(svg, "n0")).strip() == shown.strip()


class _PageReader(HTMLParser):
    """Every start tag of a page, with its attributes, and the text of every script."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data

    def handle_endtag(self, tag):
        self._in_script = False


def check_page(page):
    """The page's own markup only: one script (ours), no handler, no link, no embedded document; SVGs well-formed."""
    reader = _PageReader()
    reader.feed(page)
    reader.close()
    assert [s.strip() for s in reader.scripts] == [_SCRIPT.strip()]
    for tag, attributes in reader.tags:
        assert tag not in {"foreignobject", "iframe", "object", "embed", "img", "a", "link", "meta"} or (
            tag == "meta" and attributes == {"charset": "utf-8"}), tag
        for name, value in attributes.items():
            assert not name.startswith("on"), name
            assert "javascript:" not in (value or "").lower(), (name, value)
    for svg in re.findall(r"<svg.*?</svg>", page, flags=re.DOTALL):
        check_no_markup(ET.fromstring(svg))


@pytest.mark.parametrize("text", HOSTILE)
def test_the_replay_page_holds_no_markup_from_user_text(tmp_path, text):
    y, options = graph_with_text(text)
    del options["caption"]  # a replay writes its own captions, naming the nodes
    page = viz.replay(y, tmp_path / "r.html", **options).read_text(encoding="utf-8")
    check_page(page)
    title = re.search(r"<title>(.*)</title>", page)[1]
    assert "<" not in title and "\n" not in title


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text_anywhere)
def test_any_name_gives_a_replay_page_without_markup(tmp_path, text):
    y, options = graph_with_text(text)
    del options["caption"]
    check_page(viz.replay(y, tmp_path / "r.html", **options).read_text(encoding="utf-8"))


@pytest.mark.parametrize("font", HOSTILE[:5])
def test_a_hostile_font_name_never_reaches_the_svg_or_the_page(tmp_path, font):
    """Refused, or drawn without markup: either way no script runs when the SVG or the page is opened."""
    y, options = graph_with_text("x")
    del options["caption"]
    try:
        svg = viz.render(y, tmp_path / "g.svg", fontname=font, **options)
        page = viz.replay(y, tmp_path / "r.html", fontname=font, **options)
    except ValueError:
        assert list(tmp_path.iterdir()) == []
        return
    check_no_markup(ET.parse(svg).getroot())
    check_page(page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("template", ["{}", "{}\nx", "x\n{}", "a{}b"])
def test_every_printable_ascii_character_is_drawn_as_typed_beside_a_line_break(template):
    """A lone ']' made Graphviz fail, and one before a line break swallowed the break."""
    characters = [chr(code) for code in range(0x21, 0x7F)]
    leaves = [Value(1.0, name=template.format(c)) for c in characters]
    svg = svg_of(viz.to_dot(Value.sum(leaves), max_nodes=None))
    for k, c in enumerate(characters):
        assert lines_of(svg, f"n{k}") == template.format(c).split("\n"), c
