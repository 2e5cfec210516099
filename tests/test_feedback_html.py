"""Feedback HTML of a class graded with ``convgrade autograde``: what a student's notebook
displays or writes reaches the page harmless.

Two students: one honest, one whose extra cells display a script, an image with
``onerror``, a frame, a ``javascript:`` link, an SVG with ``onload``, JavaScript and an
isolated HTML frame, whose ``corr2d`` raises with HTML in its message, and whose written
answer holds the same markup. nbconvert's page has scripts of its own, so the hostile
student's page is compared with the honest student's: it may hold no more of any marker.
A third student's notebook is a symbolic link to the solution: it is not graded at all.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import CONVGRADE, ROOT, release_nb, source_nb
from convgrade.classroom import class_config
from convgrade.course import Course
from convgrade.students import fill, solution_answers

ATTACKS = """<script>alert(1)</script>
<img src=x onerror=alert(2)>
<iframe src="https://example.org"></iframe>
<a href="javascript:alert(3)">a link</a>
<svg onload=alert(4)><circle r="3"/></svg>"""
DISPLAYS = f'''from IPython.display import HTML, SVG, Javascript, Markdown, display
display(HTML({ATTACKS!r} + "<b>harmless bold text</b>"))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(5)"><circle r="3"/></svg>'))
display(Javascript("alert(6)"))
display(Markdown("[markdown link](javascript:alert(7)) <img src=x onerror=alert(8)> markdown text"))
display({{"text/html": "<i>isolated text</i><script>alert(9)</script>"}},
        metadata={{"text/html": {{"isolated": True}}}}, raw=True)
print("<script>alert(10)</script> printed text")
'''
WRITTEN = ATTACKS + "\n\nMy written answer: the kernel's weights are shared across positions."
RAISING = 'def corr2d(X, K):\n    raise ValueError("<script>alert(11)</script> raised text")\n'
MARKERS = ("<script>alert", 'onerror="alert', "<iframe", "<svg onload", '<a href="javascript:')


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    class_dir = tmp_path_factory.mktemp("class")
    shutil.copy(ROOT / "nbgrader_config.py", class_dir)
    answers = solution_answers(source_nb())
    hostile = fill(release_nb(), {**answers, "corr2d": RAISING, "written_parameter_sharing": WRITTEN})
    hostile.cells.append(nbformat.v4.new_code_cell(DISPLAYS))
    hostile.cells.append(nbformat.v4.new_markdown_cell(ATTACKS + "\n\nan extra markdown cell"))
    people = {"honest": fill(release_nb(), answers), "mallory": hostile}
    for student, nb in people.items():
        folder = class_dir / "submitted" / student / "conv_layer"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "conv_layer.ipynb")
    linked = class_dir / "submitted" / "linus" / "conv_layer"
    linked.mkdir(parents=True)
    (linked / "conv_layer.ipynb").symlink_to(ROOT / "solutions" / "conv_layer" / "conv_layer.ipynb")
    proc = subprocess.run([*CONVGRADE, "--course", str(ROOT), "autograde", "conv_layer",
                           "--class-dir", str(class_dir), "--jobs", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=1500,
                          env={**os.environ, "COLUMNS": "300"})
    pages = {p.parent.parent.name: p.read_text() for p in (class_dir / "feedback").rglob("*.html")}
    return class_dir, proc, pages


def test_class_was_graded(feedback):
    class_dir, proc, pages = feedback
    assert proc.returncode == 1, proc.stdout + proc.stderr     # linus's link: not graded
    assert "1 submission could not be graded" in proc.stdout
    assert set(pages) == {"honest", "mallory"}
    with Gradebook(class_config(Course(ROOT), class_dir).CourseDirectory.db_url) as gradebook:
        assert gradebook.find_submission("conv_layer", "honest").score == 20
        assert gradebook.find_submission("conv_layer", "mallory").score < 20   # corr2d raised


def test_symlinked_notebook_is_not_graded(feedback):
    _, proc, pages = feedback
    assert "linus" not in pages
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("not graded"))
    assert "linus/conv_layer" in line and "symbolic link" in proc.stdout


class Page(HTMLParser):
    """What a browser would act on in a page: its elements, the text of its scripts, and
    its attributes (the page's text, where a student's code is shown escaped, is left out)."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements, self.attributes, self.scripts, self._in_script = [], [], [], False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append(dict(attrs).get("src", ""))

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


@pytest.fixture(scope="module")
def parsed(feedback):
    _, _, pages = feedback
    return {student: Page(page) for student, page in pages.items()}


def test_no_student_script_runs(parsed):
    assert parsed["mallory"].scripts == parsed["honest"].scripts      # the template's own only
    assert not any("alert" in script for script in parsed["mallory"].scripts)


@pytest.mark.parametrize("element", ["iframe", "frame", "object", "embed", "svg", "form", "meta",
                                     "base", "link", "style"])
def test_no_student_element(parsed, element):
    assert parsed["mallory"].elements.count(element) == parsed["honest"].elements.count(element)


def test_no_event_handler_or_script_url(parsed):
    for student in ("honest", "mallory"):
        for tag, name, value in parsed[student].attributes:
            assert not name.startswith("on"), (student, tag, name, value)
            squeezed = re.sub(r"\s", "", value).lower()
            assert not squeezed.startswith(("javascript:", "vbscript:", "data:text/html")), (tag, name)
            assert "example.org" not in value and "alert" not in value, (tag, name, value)


@pytest.mark.parametrize("marker", MARKERS)
def test_no_raw_student_markup(feedback, marker):
    _, _, pages = feedback
    # escaped, the student's code and printed text read "&lt;script&gt;..."; raw, it would run
    raw = lambda page: len(re.findall(re.escape(marker), page, re.I))  # noqa: E731
    assert raw(pages["mallory"]) == raw(pages["honest"]) == 0


def test_harmless_text_is_still_shown(feedback):
    _, _, pages = feedback
    page = pages["mallory"]
    for text in ("harmless bold text", "markdown text", "isolated text", "printed text",
                 "raised text", "My written answer", "an extra markdown cell", "a link"):
        assert text in page, text
    assert re.search(r"<b>harmless bold text</b>", page)
    assert "&lt;script&gt;alert(10)&lt;/script&gt; printed text" in page   # shown, escaped


def test_autograded_notebook_is_clean_for_the_formgrader(feedback):
    class_dir, _, _ = feedback
    nb = nbformat.read(class_dir / "autograded" / "mallory" / "conv_layer" / "conv_layer.ipynb", 4)
    mimes = {m for c in nb.cells if c.cell_type == "code" for o in c.outputs for m in o.get("data", {})}
    assert "text/html" in mimes and "application/javascript" not in mimes
    written = next(c for c in nb.cells
                   if c.metadata.get("nbgrader", {}).get("grade_id") == "written_parameter_sharing")
    assert "onerror" not in written.source and "My written answer" in written.source
    honest = nbformat.read(class_dir / "autograded" / "honest" / "conv_layer" / "conv_layer.ipynb", 4)
    source = nbformat.read(ROOT / "solutions" / "conv_layer" / "conv_layer.ipynb", 4)
    course_text = {c.source for c in source.cells if c.cell_type == "markdown"}
    kept = [c.source for c in honest.cells        # (rubric cells: tests/test_classroom.py)
            if c.cell_type == "markdown" and c.metadata.get("convgrade", {}).get("from_course")
            and not c.metadata["convgrade"].get("rubric")]
    assert kept and all(text in course_text for text in kept)    # the course's text untouched
