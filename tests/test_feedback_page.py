"""The feedback page without nbconvert's BeautifulSoup pass: the same page, as a reader and a
screen reader see it, as nbconvert's own HTML export of the same graded notebook."""
from __future__ import annotations

import nbformat
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter

from conftest import release_nb, source_nb
from convgrade.feedback import FeedbackExporter, accessible
from convgrade.students import fill, solution_answers


def _pages():
    nb = fill(release_nb(), solution_answers(source_nb()))
    nb.cells.append(nbformat.v4.new_markdown_cell('<img src="data:image/png;base64,AAAA">'))
    nb.cells.append(nbformat.v4.new_markdown_cell('<img src="data:image/png;base64,AAAA" alt="mine">'))
    ours, _ = FeedbackExporter().from_notebook_node(nb)
    theirs, _ = HTMLExporter().from_notebook_node(nb)
    return BeautifulSoup(ours, "html.parser"), BeautifulSoup(theirs, "html.parser")


def test_the_page_reads_the_same():
    ours, theirs = _pages()
    assert " ".join(ours.get_text().split()) == " ".join(theirs.get_text().split())


def test_images_and_cells_are_as_accessible_as_nbconvert_makes_them():
    ours, theirs = _pages()
    for soup in (ours, theirs):
        assert soup.select("img") and not soup.select("img:not([alt])")
    assert [i.get("alt") for i in ours.select("img")] == [i.get("alt") for i in theirs.select("img")]
    focusable = lambda soup: [(e.name, tuple(e.get("class", ()))) for e in soup.select('[tabindex="0"]')]
    assert focusable(ours) == focusable(theirs) != []


def test_an_image_tag_written_in_upper_case_gets_its_text_alternative_too():
    page = accessible('<p><IMG SRC="x.png"></p><img alt="kept" src="y.png">')
    soup = BeautifulSoup(page, "html.parser")
    assert [i.get("alt") for i in soup.select("img")] == [
        "No description has been provided for this image", "kept"]
