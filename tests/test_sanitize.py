"""The sanitizer (``convgrade.sanitize``) on hostile snippets, judged by other parsers.

What a cleaned snippet may hold is checked by parsing it again with Python's own HTML parser
(and, for SVG, its XML parser), not by asking the sanitizer: no forbidden element, no event
handler, no URL that loads or runs anything, and the harmless text still there. Markdown is
judged after it went through nbconvert's markdown renderer once more, as the feedback page
renders it.
"""
from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser

import matplotlib
import pytest
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from nbformat.v4 import new_output

from convgrade.sanitize import (SanitizeStudentContent, clean_html, clean_markdown, clean_outputs,
                                clean_svg)

FORBIDDEN_ELEMENTS = {"script", "style", "iframe", "frame", "frameset", "object", "embed",
                      "applet", "form", "input", "button", "meta", "base", "link", "svg", "math",
                      "template", "noscript", "textarea", "select", "audio", "video", "source",
                      "track", "portal", "foreignobject", "animate", "set", "image", "use"}
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


class Markup(HTMLParser):
    """Every element and attribute of a piece of HTML, as Python's HTML parser reads it."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements, self.attributes, self.text = [], [], []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def _scheme(url):
    squeezed = re.sub(r"[\x00-\x20]", "", url).lower()
    match = re.match(r"([a-z][a-z0-9+.\-]*):", squeezed)
    return match.group(1) if match else ""


def assert_harmless(html):
    markup = Markup(html)
    assert not FORBIDDEN_ELEMENTS & set(markup.elements), markup.elements
    for tag, name, value in markup.attributes:
        assert not name.startswith("on"), (tag, name)
        assert name not in ("srcset", "action", "formaction", "background", "poster", "ping",
                            "xlink:href", "data", "codebase", "id", "name", "class"), (tag, name)
        if name == "href":
            assert _scheme(value) in ("http", "https", "mailto"), value
        if name == "src":
            assert tag == "img" and re.match(r"data:image/(png|jpeg|jpg|gif|webp|bmp|svg\+xml)[;,]",
                                             value.lower()), value
        if name == "style":
            assert not re.search(r"url|expression|\\|@|position|javascript", value, re.I), value
        assert "javascript:" not in re.sub(r"\s", "", value).lower(), (tag, name, value)
    return markup


# (hostile snippet, text that must survive)
HOSTILE = {
    "script": ("<script>alert(1)</script>kept", "kept"),
    "script, odd case": ("<ScRiPt >alert(1)</sCrIpT>kept", "kept"),
    "img onerror": ('<img src=x onerror=alert(2)>kept', "kept"),
    "iframe": ('<iframe src="https://example.org"></iframe>kept', "kept"),
    "iframe srcdoc": ('<iframe srcdoc="<script>alert(1)</script>"></iframe>kept', "kept"),
    "javascript link": ('<a href="javascript:alert(3)">kept</a>', "kept"),
    "javascript link, tab": ('<a href="java\tscript:alert(3)">kept</a>', "kept"),
    "javascript link, entities": ('<a href="&#106;avascript:alert(3)">kept</a>', "kept"),
    "javascript link, spaces and case": ('<a href="  JaVaScRiPt:alert(3)">kept</a>', "kept"),
    "vbscript link": ('<a href="vbscript:msgbox(1)">kept</a>', "kept"),
    "data html link": ('<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">kept</a>',
                       "kept"),
    "relative link": ('<a href="../../gradebook.db">kept</a>', "kept"),
    "remote image": ('<img src="https://tracker.example/pixel.gif">kept', "kept"),
    "data html image": ('<img src="data:text/html,<script>alert(1)</script>">kept', "kept"),
    "svg onload": ('<svg onload="alert(4)"><circle r="4"/></svg>kept', "kept"),
    "svg in html with script": ("<svg><script>alert(1)</script></svg>kept", "kept"),
    "math with link": ('<math><mtext><a href="javascript:alert(1)">x</a></mtext></math>kept', "kept"),
    "body onload": ('<body onload="alert(1)">kept</body>', "kept"),
    "details ontoggle": ('<details open ontoggle="alert(1)"><summary>kept</summary></details>', "kept"),
    "style element": ("<style>body{background:url(https://x.example/)}</style>kept", "kept"),
    "style attribute url": ('<div style="background-image:url(https://x.example/)">kept</div>', "kept"),
    "style attribute overlay": ('<div style="position:fixed;top:0;left:0;z-index:9">kept</div>', "kept"),
    "link stylesheet": ('<link rel="stylesheet" href="https://x.example/a.css">kept', "kept"),
    "meta refresh": ('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">kept', "kept"),
    "base": ('<base href="https://evil.example/">kept', "kept"),
    "object and embed": ('<object data="https://x.example/a.swf"></object><embed src="a.swf">kept',
                         "kept"),
    "form": ('<form action="https://x.example/"><input name="q"><button formaction="javascript:alert(1)">'
             "go</button></form>kept", "kept"),
    "noscript mutation": ('<noscript><p title="</noscript><img src=x onerror=alert(1)>">kept', "kept"),
    "comment trick": ("<!--<img src=x onerror=alert(1)>-->kept<!-- -->", "kept"),
    "unclosed attribute": ('<img src="x" alt="<script>alert(1)</script>kept', ""),
    "template": ("<template><img src=x onerror=alert(1)></template>kept", "kept"),
    "srcset": ('<img srcset="https://x.example/a.png 1x">kept', "kept"),
    "dom clobbering": ('<a id="MathJax" name="require">kept</a>', "kept"),
    "width injection": ('<img src="data:image/png;base64,' + PNG + '" width="1 onerror=alert(1)">kept',
                        "kept"),
    "audio and video": ('<video src="https://x.example/v.mp4" onerror="alert(1)"></video>'
                        '<audio src=x onerror=alert(1)></audio>kept', "kept"),
}


def test_enough_hostile_snippets():
    assert len(HOSTILE) >= 20


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_html(name):
    snippet, kept = HOSTILE[name]
    cleaned = clean_html(snippet)
    markup = assert_harmless(cleaned)
    assert kept in "".join(markup.text)
    assert clean_html(cleaned) == cleaned                 # stable when read again
    assert "alert(" not in cleaned or name == "unclosed attribute"


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_markdown(name):
    snippet, kept = HOSTILE[name]
    for markdown in (snippet, f"# An answer\n\nSome *words* and $a<b$.\n\n{snippet}\n\nmore\n"):
        page = markdown2html_mistune(clean_markdown(markdown))
        markup = assert_harmless(page)
        assert kept in "".join(markup.text)


@pytest.mark.parametrize("markdown", [
    "[x](javascript:alert(1))", "[x]( javascript:alert(1) )", "<javascript:alert(1)>",
    "![i](https://tracker.example/p.png)", "![i](data:text/html,<script>alert(1)</script>)",
    "[x][r]\n\n[r]: javascript:alert(1)", "<div>\n\n<img src=x onerror=alert(1)>\n\n</div>",
    "```html\n<script>alert(1)</script>\n```\n\n[after](javascript:alert(1))",
])
def test_markdown_links_and_images(markdown):
    page = markdown2html_mistune(clean_markdown(markdown))
    assert_harmless(page)


def test_honest_markdown_keeps_its_look():
    source = ("# Title\n\nWeights are **shared**: a $3\\times 3$ kernel has `9` parameters.\n\n"
              "| a | b |\n|---|---|\n| 1 | 2 |\n\n* one\n* two\n\n"
              "[the lecture](https://example.org/lecture)\n\n```python\nx = 1\n\ny = 2\n```\n")
    page = markdown2html_mistune(clean_markdown(source))
    markup = assert_harmless(page)
    assert {"h1", "strong", "code", "table", "li", "a", "pre"} <= set(markup.elements)
    assert "$3\\times 3$" in "".join(markup.text)
    assert ("a", "href", "https://example.org/lecture") in markup.attributes
    assert "x = 1\n\ny = 2" in "".join(markup.text)          # blank lines inside code survive


def _svg_checked(svg):
    root = ElementTree.fromstring(svg)                       # still an XML image
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    for element in root.iter():
        local = element.tag.split("}")[-1].lower()
        assert local not in {"script", "foreignobject", "a", "animate", "set", "image", "iframe",
                             "style", "handler", "listener"}, local
        for name, value in element.attrib.items():
            local_name = name.split("}")[-1]
            assert not local_name.lower().startswith("on"), name
            if local_name == "href":
                assert value.startswith("#"), value
            for url in re.findall(r"url\(([^)]*)\)", value):
                assert url.strip("'\" ").startswith("#"), value
            assert "javascript" not in value.lower()
    return root


HOSTILE_SVG = [
    '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(4)"><circle r="4"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="1"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><body xmlns="http://www.w3.org/1999/xhtml">'
    '<img src="x" onerror="alert(1)"/></body></foreignObject></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
    '<a xlink:href="javascript:alert(1)"><text>t</text></a></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><animate attributeName="href" to="javascript:alert(1)"/>'
    '<set attributeName="onmouseover" to="alert(1)"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
    '<use xlink:href="https://evil.example/x.svg#a"/><image href="https://evil.example/p.png"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(https://evil.example/#p)" '
    'style="fill:url(https://evil.example/#p)"/></svg>',
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
    '<svg xmlns="http://evil.example/"><style>@import url(https://evil.example/a.css);</style></svg>',
]


@pytest.mark.parametrize("svg", HOSTILE_SVG)
def test_hostile_svg(svg):
    _svg_checked(clean_svg(svg))


def test_matplotlib_svg_keeps_its_shapes_and_glyphs():
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(figsize=(2, 2))
    axes.plot([0, 1, 2], [0, 1, 4], "o-")
    axes.set_title("x\u00a0y")
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    original = ElementTree.fromstring(buffer.getvalue().encode())
    cleaned = _svg_checked(clean_svg(buffer.getvalue()))
    count = lambda root, tag: sum(1 for e in root.iter() if e.tag.endswith("}" + tag))  # noqa: E731
    for tag in ("path", "use", "g", "clipPath"):
        assert count(cleaned, tag) == count(original, tag), tag


def _output(kind, **fields):
    return new_output(kind, **fields)


def test_outputs():
    outputs = [
        _output("display_data", data={"application/javascript": "alert(1)", "text/plain": "js"}),
        _output("display_data", data={"text/javascript": "alert(1)",
                                      "application/x-javascript": "alert(1)"}),
        _output("display_data", data={"application/vnd.jupyter.widget-view+json":
                                      {"model_id": "x", "version_major": 2, "version_minor": 0}}),
        _output("display_data", data={"text/html": "<b>bold</b><script>alert(1)</script>"},
                metadata={"text/html": {"isolated": True}}),
        _output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"},
                metadata={"image/png": {"width": 10, "height": "1 onerror=alert(1)",
                                        "filenames": {"image/png": "../../gradebook.db"}},
                          "filenames": {"image/png": "x"}}),
        _output("display_data", data={"image/png": '" onerror="alert(1)'}),
        _output("display_data", data={"text/markdown": "[x](javascript:alert(1)) *ok*"}),
        _output("display_data", data={"image/svg+xml": HOSTILE_SVG[0]}),
        _output("execute_result", data={"text/plain": "42", "text/vnd.plotly": "code"},
                execution_count=3),
        _output("stream", name="stdout", text="<script>alert(1)</script> stays text"),
        _output("error", ename="ValueError", evalue="<b>x</b>", traceback=["tb"]),
        "not an output", {"output_type": "update_display_data"}, {"output_type": 7},
    ]
    cleaned = clean_outputs(outputs)
    kinds = [(o.output_type, sorted(o.get("data", {}))) for o in cleaned]
    assert kinds == [
        ("display_data", ["text/plain"]),
        ("display_data", ["text/html"]),
        ("display_data", ["image/png", "text/plain"]),
        ("display_data", ["text/markdown"]),
        ("display_data", ["image/svg+xml"]),
        ("execute_result", ["text/plain"]),
        ("stream", []),
        ("error", []),
    ]
    html = cleaned[1]
    assert html.data["text/html"] == "<b>bold</b>" and html.metadata == {}
    assert cleaned[2].metadata == {"image/png": {"width": 10}}
    assert_harmless(markdown2html_mistune(cleaned[3].data["text/markdown"]))
    _svg_checked(cleaned[4].data["image/svg+xml"])
    assert cleaned[5].execution_count == 3
    assert cleaned[6].text == "<script>alert(1)</script> stays text"   # escaped by the template
    assert base64.b64decode(cleaned[2].data["image/png"])[:4] == b"\x89PNG"
    assert clean_outputs("garbage") == []


def test_preprocessor_cleans_student_cells_only():
    import nbformat
    from convgrade.restore import restore
    from conftest import release_nb, source_nb
    from convgrade.students import fill
    hostile = '<img src=x onerror=alert(1)> my answer'
    nb = fill(release_nb(), {"written_parameter_sharing": hostile})
    nb.cells.append(nbformat.v4.new_markdown_cell("<script>alert(2)</script> an extra cell"))
    restored, _ = restore(nb, source_nb())
    course_markdown = [c.source for c in restored.cells
                       if c.cell_type == "markdown" and c.metadata.get("convgrade")]
    restored.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    cleaned, _ = SanitizeStudentContent()(restored, {})     # as nbconvert calls it
    assert "widgets" not in cleaned.metadata
    sources = [c.source for c in cleaned.cells if c.cell_type == "markdown"]
    assert [s for s in sources if s in course_markdown] == course_markdown   # left as written
    page = markdown2html_mistune("\n\n".join(s for s in sources if s not in course_markdown))
    markup = assert_harmless(page)
    assert "my answer" in "".join(markup.text) and "an extra cell" in "".join(markup.text)
