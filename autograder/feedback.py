"""The feedback page: nbconvert's HTML export as nbgrader's feedback uses it, made faster.

nbconvert reads the whole finished page back with BeautifulSoup's pure-Python parser only to
add two things for accessibility (a text alternative on images that lack one, focusable cells
and outputs), which costs a third of the page's time, once per student. Here the same two
things are added by substitution on the markup nbconvert's own templates write. And the
templates are compiled once per process, not once per student (nbgrader makes a new exporter
for every page), and a code cell is highlighted once per process: most of a class's cells are
the release's own, the same for every student.
"""
from __future__ import annotations

import functools
import re

from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

NO_ALT = 'alt="No description has been provided for this image" '
_IMAGE_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)", re.I)
_FOCUSABLE = re.compile(r'(<div class="[^"]*\b(?:jp-Cell-inputWrapper|jp-OutputArea-output)\b[^"]*")')


def accessible(page: str) -> str:
    """``page`` with a text alternative on every image and every cell input and output
    focusable, as nbconvert's own HTML export makes them."""
    page = _IMAGE_WITHOUT_ALT.sub(lambda m: m.group(0) + " " + NO_ALT.rstrip(), page)
    return _FOCUSABLE.sub(r'\1 tabindex="0"', page)


@functools.lru_cache(maxsize=4096)
def _highlighted(lexer, source, language, magics_language) -> str:
    metadata = {"magics_language": magics_language} if magics_language else None
    return Highlight2HTML(pygments_lexer=lexer)(source, language, metadata)


class CachedHighlight2HTML(Highlight2HTML):
    """nbconvert's code highlighter, remembering what it highlighted (same code, same HTML).
    Of a cell's metadata nbconvert reads only ``magics_language``; only that is in the key
    (the rest, such as execution times, differs from student to student)."""

    def __call__(self, source, language=None, metadata=None):
        if self.extra_formatter_options:          # not how the feedback page is configured
            return super().__call__(source, language, metadata)
        magics = (metadata or {}).get("magics_language")
        return _highlighted(self.pygments_lexer, source, language,
                            magics if isinstance(magics, str) else None)


class FeedbackExporter(HTMLExporter):
    """nbconvert's ``HTMLExporter`` with its final pass done by :func:`accessible`, and its
    compiled templates shared by every instance configured alike."""

    _environments = {}

    def _create_environment(self):
        key = (tuple(self.template_paths), self.template_file, self.template_extension,
               self.raw_template, tuple(sorted(self.filters)))
        if key not in FeedbackExporter._environments:
            FeedbackExporter._environments[key] = super()._create_environment()
        return FeedbackExporter._environments[key]

    def from_notebook_node(self, nb, resources=None, **kw):
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get(
            "highlight_code", CachedHighlight2HTML(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                 resources=resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return accessible(page), resources
