"""Make what a student's notebook displays harmless to whoever opens the feedback or the
formgrader.

A student's code can display any HTML, SVG, markdown or JavaScript, and a written answer is
markdown with raw HTML allowed: opened in the feedback page or in nbgrader's formgrader, a
``<script>``, an ``onerror=`` or a ``javascript:`` link would run as the student or the
instructor, in the instructor's session. Everything that is rendered as markup is cleaned
here with ``nh3`` (the Ammonia sanitizer) on an allow-list:

* ordinary formatting, lists, tables and images, with a ``style`` attribute of harmless
  properties only;
* images only from ``data:image/...`` URIs and links only to ``http``, ``https`` and
  ``mailto``: nothing that loads on its own from anywhere, no ``javascript:``,
  ``vbscript:`` or ``data:text/html`` URL;
* no script, style sheet, frame, object, embed, form, meta, base or link element, and no
  event handler attribute;
* SVG with shapes, text, gradients and clip paths, whose references stay inside the image.

Outputs keep only the kinds of data nbconvert shows safely (text, HTML, markdown, LaTeX,
PNG, JPEG, GIF, SVG, JSON), cleaned; JavaScript of any MIME type, widget views and anything
unknown are dropped, and output metadata keeps only an image's size and alternative text.
"""
from __future__ import annotations

import base64
import binascii
import math
import re

import nh3
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from traitlets import Bool

from .restore import is_course_cell

# -- HTML -------------------------------------------------------------------------------------

HTML_TAGS = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "center", "cite", "code",
    "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption",
    "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strike", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u",
    "ul", "var", "wbr",
})
#: Elements dropped with everything inside them (their content is code, not text to show).
DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "template", "iframe", "frame", "frameset", "object", "embed", "applet",
    "noscript", "noembed", "noframes", "xmp", "plaintext", "textarea", "select", "title",
    "svg", "math",
})
HTML_ATTRIBUTES = {
    "*": {"title", "style", "align", "dir", "lang"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "valign"},
    "th": {"colspan", "rowspan", "valign", "scope"},
    "table": {"border", "cellpadding", "cellspacing"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "details": {"open"},
}
#: ``style`` properties kept: how text and boxes look, nothing that positions, loads or hides.
STYLE_PROPERTIES = frozenset({
    "color", "background-color", "font-weight", "font-style", "font-size", "font-family",
    "font-variant", "text-align", "text-decoration", "text-transform", "vertical-align",
    "white-space", "line-height", "letter-spacing", "word-spacing", "word-break",
    "border", "border-top", "border-right", "border-bottom", "border-left", "border-color",
    "border-style", "border-width", "border-collapse", "border-spacing", "border-radius",
    "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "width", "height", "max-width", "max-height", "min-width", "min-height", "text-indent",
})
LINK_SCHEMES = ("http", "https", "mailto")
IMAGE_TYPES = ("png", "jpeg", "jpg", "gif", "webp", "bmp", "svg+xml")
_DATA_IMAGE = re.compile(r"data:image/(%s)[;,]" % "|".join(re.escape(t) for t in IMAGE_TYPES))
_LENGTH = re.compile(r"\d{1,5}(\.\d{1,4})?(px|%|em)?")
# a url() or an escape could load something or spell a forbidden word; @ and expression()
# are style-sheet rules and old script hooks
_STYLE_FORBIDDEN = re.compile(r"url|image|\\|@|expression|behavior|binding|javascript|var\(|attr\(",
                              re.I)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f]+")


def _scheme(url: str) -> str:
    """The scheme of ``url`` as a browser reads it (control characters and spaces are
    ignored by browsers inside a scheme), lower case; "" for a relative URL."""
    squeezed = _INVISIBLE.sub("", url).lower()
    match = re.match(r"([a-z][a-z0-9+.\-]*):", squeezed)
    return match.group(1) if match else ""


def _html_attribute(tag: str, attribute: str, value: str):
    if attribute == "href":
        return value if _scheme(value) in LINK_SCHEMES else None
    if attribute == "src":
        return value if tag == "img" and _DATA_IMAGE.match(_INVISIBLE.sub("", value).lower()) else None
    if attribute == "style":
        return None if _STYLE_FORBIDDEN.search(value) else value
    if attribute in ("width", "height"):
        return value if _LENGTH.fullmatch(value.strip()) else None
    return value


_HTML = nh3.Cleaner(tags=set(HTML_TAGS), clean_content_tags=set(DROPPED_WITH_CONTENT),
                    attributes={k: set(v) for k, v in HTML_ATTRIBUTES.items()},
                    attribute_filter=_html_attribute, strip_comments=True,
                    link_rel="noopener noreferrer nofollow", url_schemes={*LINK_SCHEMES, "data"},
                    url_relative="deny", filter_style_properties=set(STYLE_PROPERTIES))


def clean_html(html: str) -> str:
    """A student's HTML with only harmless elements, attributes and URLs left."""
    return _HTML.clean(str(html))


# -- SVG --------------------------------------------------------------------------------------

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
SVG_TAGS = frozenset({
    "svg", "g", "defs", "symbol", "use", "path", "rect", "circle", "ellipse", "line",
    "polyline", "polygon", "text", "tspan", "title", "desc", "clipPath", "mask",
    "linearGradient", "radialGradient", "stop", "pattern", "marker", "metadata",
})
SVG_ATTRIBUTES = frozenset({
    "id", "class", "style", "transform", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r",
    "rx", "ry", "dx", "dy", "d", "points", "width", "height", "viewBox", "preserveAspectRatio",
    "version", "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
    "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray",
    "stroke-dashoffset", "opacity", "clip-path", "clip-rule", "clipPathUnits", "mask",
    "maskUnits", "maskContentUnits", "font-family", "font-size", "font-weight", "font-style",
    "text-anchor", "dominant-baseline", "alignment-baseline", "baseline-shift",
    "letter-spacing", "word-spacing", "offset", "stop-color", "stop-opacity",
    "gradientUnits", "gradientTransform", "spreadMethod", "fx", "fy", "fr",
    "patternUnits", "patternContentUnits", "patternTransform", "markerWidth", "markerHeight",
    "markerUnits", "refX", "refY", "orient", "marker-start", "marker-mid", "marker-end",
    "href", "visibility", "display", "color", "paint-order", "vector-effect",
    "shape-rendering", "text-rendering", "textLength", "lengthAdjust", "rotate",
})
_SVG_DROPPED_WITH_CONTENT = frozenset({"script", "style", "foreignObject", "iframe", "object",
                                       "embed", "template", "noscript"})
_LOCAL_URL = re.compile(r"url\(\s*['\"]?#[\w.\-:]*['\"]?\s*\)")
_XLINK_HREF = re.compile(r"\bxlink:href(\s*=)")


def _svg_attribute(tag: str, attribute: str, value: str):
    squeezed = _INVISIBLE.sub("", value).lower()
    if attribute == "href":                  # references stay inside the image
        return value if squeezed.startswith("#") else None
    if "url(" in _LOCAL_URL.sub("", squeezed) or "javascript" in squeezed or "\\" in value:
        return None
    if attribute == "style" and _STYLE_FORBIDDEN.search(_LOCAL_URL.sub("", value)):
        return None
    return value


_SVG = nh3.Cleaner(tags=set(SVG_TAGS), clean_content_tags=set(_SVG_DROPPED_WITH_CONTENT),
                   attributes={"*": set(SVG_ATTRIBUTES)}, attribute_filter=_svg_attribute,
                   strip_comments=True, link_rel=None, url_schemes=set(),
                   url_relative=lambda url: url if url.startswith("#") else None,
                   set_tag_attribute_values={"svg": {"xmlns": SVG_NAMESPACE}})


def clean_svg(svg: str) -> str:
    """A student's SVG image with only shapes, text and paint left: no script, no event
    handler, no element that embeds HTML, no reference out of the image. ``xlink:href``
    becomes SVG 2's ``href`` (browsers read both) so internal references survive, and the
    result is still XML, so it can be shown as an image file."""
    cleaned = _SVG.clean(_XLINK_HREF.sub(r"href\1", str(svg))).replace("&nbsp;", "&#160;")
    start, end = cleaned.find("<svg"), cleaned.rfind("</svg>")
    # text around the image (what was left of a prologue or a DOCTYPE) is not part of it
    return cleaned[start:end + len("</svg>")] if 0 <= start < end else ""


# -- markdown ---------------------------------------------------------------------------------


def render_markdown(source: str) -> str:
    """Markdown to HTML as the feedback page renders it (nbconvert's renderer with math),
    without embedding any file or attachment."""
    renderer = IPythonRenderer(escape=False, attachments={}, embed_images=False,
                               exclude_anchor_links=True)
    return MarkdownWithMath(renderer=renderer).render(str(source))


def clean_markdown(source: str) -> str:
    """A student's markdown as markdown that renders safely: rendered to HTML, cleaned, and
    returned as a single ``<div>`` line, which a markdown renderer passes through unchanged
    (a raw HTML block ends only at a blank line, so line breaks become ``&#10;``)."""
    html = clean_html(render_markdown(source))
    return "<div>" + html.replace("\r", "&#13;").replace("\n", "&#10;") + "</div>"


# -- outputs ----------------------------------------------------------------------------------

#: MIME types an output may keep, and how each is cleaned. Anything else (JavaScript of any
#: MIME type, widget views, vendor formats a page would run code for) is dropped.
_TEXT = ("text/plain", "text/latex", "application/json")
_IMAGES = ("image/png", "image/jpeg", "image/gif")
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")


def _text(value) -> str:
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def _base64_image(value):
    text = _text(value)
    if not _BASE64.fullmatch(text):
        return None
    try:
        base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return text


def clean_data(data) -> dict:
    """A display's MIME bundle with what may be shown, cleaned; the rest dropped."""
    out = {}
    for mime, value in (data.items() if isinstance(data, dict) else ()):
        if mime == "text/html":
            out[mime] = clean_html(_text(value))
        elif mime == "image/svg+xml":
            out[mime] = clean_svg(_text(value))
        elif mime == "text/markdown":
            out[mime] = clean_markdown(_text(value))
        elif mime in _IMAGES:
            image = _base64_image(value)
            if image is not None:
                out[mime] = image
        elif mime == "application/json":
            if isinstance(value, (dict, list)):
                out[mime] = value
        elif mime in _TEXT:
            out[mime] = _text(value)
    return out


def clean_output_metadata(metadata, data: dict) -> dict:
    """Only an image's size (a positive number), whether it is unconfined, the background
    it needs and its alternative text; never ``filenames`` (a link to any file) or
    ``isolated`` (a frame of HTML)."""
    out = {}
    for mime, value in (metadata.items() if isinstance(metadata, dict) else ()):
        if mime not in data or not mime.startswith("image/") or not isinstance(value, dict):
            continue
        kept = {}
        for key in ("width", "height"):
            number = value.get(key)
            if (isinstance(number, (int, float)) and not isinstance(number, bool)
                    and math.isfinite(number) and number > 0):
                kept[key] = number
        if isinstance(value.get("unconfined"), bool):
            kept["unconfined"] = value["unconfined"]
        if value.get("needs_background") in ("light", "dark"):
            kept["needs_background"] = value["needs_background"]
        if isinstance(value.get("alt"), str):
            kept["alt"] = value["alt"]
        if kept:
            out[mime] = kept
    return out


def clean_output(output):
    """One output made harmless, or ``None`` when nothing of it may be shown."""
    if not isinstance(output, dict):
        return None
    kind = output.get("output_type")
    if kind == "stream":
        name = output.get("name") if output.get("name") in ("stdout", "stderr") else "stdout"
        return new_output("stream", name=name, text=_text(output.get("text")))
    if kind == "error":
        trace = output.get("traceback")
        return new_output("error", ename=_text(output.get("ename")), evalue=_text(output.get("evalue")),
                          traceback=[t for t in trace if isinstance(t, str)]
                          if isinstance(trace, list) else [])
    if kind in ("display_data", "execute_result"):
        data = clean_data(output.get("data"))
        if not data:
            return None
        metadata = clean_output_metadata(output.get("metadata"), data)
        if kind == "execute_result":
            count = output.get("execution_count")
            count = count if isinstance(count, int) and not isinstance(count, bool) else None
            return new_output(kind, data=data, metadata=metadata, execution_count=count)
        return new_output(kind, data=data, metadata=metadata)
    return None


def clean_outputs(outputs) -> list:
    """A cell's outputs (nbformat output nodes) made harmless: the executor calls this when
    it writes the autograded notebook, the feedback cleans them again."""
    cleaned = (clean_output(o) for o in (outputs if isinstance(outputs, list) else []))
    return [o for o in cleaned if o is not None]


# -- the nbconvert / nbgrader step ------------------------------------------------------------


class SanitizeStudentContent(Preprocessor):
    """Clean every output, every markdown cell whose text is the student's (an answer or a
    cell they added; the course's own cells are left as written) and the notebook's widget
    state, before the feedback HTML is made or the autograded notebook is kept for the
    formgrader."""

    enabled = Bool(True, help="clean student content (never turn this off for real students)"
                   ).tag(config=True)

    def preprocess(self, nb, resources):
        if isinstance(nb.get("metadata"), dict):
            nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.get("cell_type") == "code":
            cell.outputs = clean_outputs(cell.get("outputs"))
        elif cell.get("cell_type") == "markdown" and not is_course_cell(cell):
            cell.source = clean_markdown(cell.get("source", ""))
            cell.pop("attachments", None)
        return cell, resources
