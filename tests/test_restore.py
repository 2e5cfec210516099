"""Restoring a submission whose JSON a student wrote by hand (``convgrade.restore``).

First ``restore()`` itself on a table of malformed cells, each appended to an honest
notebook: the result must be the honest notebook's restoration plus exactly the extra cell
the table expects (or nothing, with a note), and a valid nbformat 4 notebook. Then whole
malformed files through the real ``convgrade grade``: exit 0 with a results.json holding
every verdict, or exit 2 with one line on stderr when the file is not a notebook at all.
"""
from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from conftest import ROOT, release_nb, run_grade, source_nb
from convgrade.restore import grade_id, restore, source_text
from convgrade.students import fill, solution_answers

# (cell as the student wrote it, the extra cell expected: (cell type, source) or None when
# it is dropped, whether a note must say so)
MALFORMED_CELLS = {
    "metadata is text": ({"cell_type": "code", "source": "a = 1", "metadata": "oops"},
                         ("code", "a = 1"), False),
    "metadata is a list": ({"cell_type": "code", "source": "a = 2", "metadata": ["nbgrader"]},
                           ("code", "a = 2"), False),
    "nbgrader metadata is text": ({"cell_type": "code", "source": "a = 3",
                                   "metadata": {"nbgrader": "grade_id=corr2d"}}, ("code", "a = 3"), False),
    "nbgrader metadata is a list": ({"cell_type": "markdown", "source": "words",
                                     "metadata": {"nbgrader": [{"grade_id": "corr2d"}]}},
                                    ("markdown", "words"), False),
    "grade_id is a list": ({"cell_type": "code", "source": "b = 1",
                            "metadata": {"nbgrader": {"grade_id": ["corr2d"], "solution": True}}},
                           ("code", "b = 1"), False),
    "grade_id is a number": ({"cell_type": "code", "source": "b = 2",
                              "metadata": {"nbgrader": {"grade_id": 7, "grade": True, "points": 9}}},
                             ("code", "b = 2"), False),
    "grade_id is null": ({"cell_type": "code", "source": "b = 3",
                          "metadata": {"nbgrader": {"grade_id": None}}}, ("code", "b = 3"), False),
    "grade_id is an object": ({"cell_type": "code", "source": "b = 4",
                               "metadata": {"nbgrader": {"grade_id": {"id": "corr2d"}}}},
                              ("code", "b = 4"), False),
    "grade_id is empty": ({"cell_type": "code", "source": "b = 5",
                           "metadata": {"nbgrader": {"grade_id": ""}}}, ("code", "b = 5"), False),
    "flags of wrong types": ({"cell_type": "code", "source": "c = 1",
                              "metadata": {"nbgrader": {"grade_id": "bonus", "grade": "yes",
                                                        "solution": [1], "points": "a lot",
                                                        "locked": {"x": 1}}}},
                             ("code", "c = 1"), False),
    "unknown cell type with outputs": ({"cell_type": "python", "source": "d = 1", "outputs": []},
                                       ("code", "d = 1"), True),
    "unknown cell type, text": ({"cell_type": "essay", "source": "my essay"},
                                ("markdown", "my essay"), True),
    "cell type missing": ({"source": "no type", "metadata": {}}, ("markdown", "no type"), True),
    "cell type is a number": ({"cell_type": 3, "source": "three"}, ("markdown", "three"), True),
    "cell type null, execution count": ({"cell_type": None, "source": "e = 1", "execution_count": 4},
                                        ("code", "e = 1"), True),
    "source list with non-strings": ({"cell_type": "code",
                                      "source": ["f = 1\n", 2, None, {"x": 1}, ["g"], True, 1.5]},
                                     ("code", "f = 1\n21.5"), False),
    "source is a number": ({"cell_type": "code", "source": 42}, ("code", "42"), False),
    "source missing": ({"cell_type": "markdown", "metadata": {}}, ("markdown", ""), False),
    "source is an object": ({"cell_type": "code", "source": {"lines": ["h = 1"]}}, ("code", ""), False),
    "source is null": ({"cell_type": "markdown", "source": None}, ("markdown", ""), False),
    "source with a lone surrogate": ({"cell_type": "code", "source": "s = '\ud800'"},
                                     ("code", "s = '\ufffd'"), False),
    "outputs are text": ({"cell_type": "code", "source": "o = 1", "outputs": "lots"},
                         ("code", "o = 1"), False),
    "outputs are garbage": ({"cell_type": "code", "source": "o = 2",
                             "outputs": [1, {"output_type": 5, "data": "<script>"}]},
                            ("code", "o = 2"), False),
    "raw cell": ({"cell_type": "raw", "source": "raw text"}, None, False),
    "a string instead of a cell": ("just a string", None, True),
    "a number instead of a cell": (7, None, True),
    "null instead of a cell": (None, None, True),
    "a list instead of a cell": ([{"cell_type": "code", "source": "x"}], None, True),
}


@pytest.fixture(scope="module")
def honest():
    """A correct submission as plain JSON (what a student's file holds) and its restoration."""
    submission = json.loads(nbformat.writes(fill(release_nb(), solution_answers(source_nb()))))
    restored, notes = restore(nbformat.from_dict(copy.deepcopy(submission)), source_nb())
    return submission, restored, notes


def _comparable(cell):
    return {k: v for k, v in cell.items() if k != "id"}


def test_enough_malformed_cells():
    assert len(MALFORMED_CELLS) >= 15


@pytest.mark.parametrize("name", MALFORMED_CELLS)
def test_malformed_cell(honest, name):
    submission, expected_cells, expected_notes = honest
    cell, extra, noted = MALFORMED_CELLS[name]
    written = copy.deepcopy(submission)
    written["cells"].append(copy.deepcopy(cell))
    restored, notes = restore(nbformat.from_dict(written), source_nb())

    base = [_comparable(c) for c in expected_cells.cells]
    got = [_comparable(c) for c in restored.cells]
    assert got[:len(base)] == base                     # nothing graded changed
    added = got[len(base):]
    if extra is None:
        assert added == []
    else:
        assert len(added) == 1
        assert (added[0]["cell_type"], added[0]["source"]) == extra
        assert added[0]["metadata"] == {}              # no flags, no points
        assert added[0].get("outputs", []) == []
    new_notes = notes[len(expected_notes):]
    assert notes[:len(expected_notes)] == expected_notes
    assert len(new_notes) == (1 if noted else 0), new_notes
    nbformat.validate(restored)                        # a valid notebook, writable as UTF-8
    nbformat.writes(restored).encode("utf-8")


def test_every_malformed_cell_at_once_changes_no_score(honest):
    submission, expected_cells, _ = honest
    written = copy.deepcopy(submission)
    for index, (cell, _, _) in enumerate(MALFORMED_CELLS.values()):
        written["cells"].insert(1 + 2 * index % len(written["cells"]), copy.deepcopy(cell))
    restored, _ = restore(nbformat.from_dict(written), source_nb())
    graded = [_comparable(c) for c in restored.cells if grade_id(c)]
    assert graded == [_comparable(c) for c in expected_cells.cells if grade_id(c)]
    nbformat.validate(restored)


def test_answer_with_malformed_source_and_flags(honest):
    submission, _, _ = honest
    written = copy.deepcopy(submission)
    for cell in written["cells"]:
        md = cell["metadata"].get("nbgrader", {})
        if md.get("grade_id") == "corr2d":
            cell["source"] = ["def corr2d(X, K):\n", 1, "    return X\n", None]
            md.update(points="lots", grade="yes", solution=0)
        if md.get("grade_id") == "test_corr2d":
            cell["source"] = {"not": "text"}
            md.update(points=[1e9], solution=True)
            cell["metadata"]["nbgrader"] = md
    restored, _ = restore(nbformat.from_dict(written), source_nb())
    by_id = {grade_id(c): c for c in restored.cells if grade_id(c)}
    source = {grade_id(c): c for c in source_nb().cells if grade_id(c)}
    assert by_id["corr2d"].source == "def corr2d(X, K):\n1    return X\n"
    assert by_id["test_corr2d"].source == source["test_corr2d"].source
    assert by_id["test_corr2d"].metadata.nbgrader.points == source["test_corr2d"].metadata.nbgrader.points


def test_whole_submission_malformed():
    for submission, note in (({"cells": "not a list"}, "no list of cells"), ({}, None),
                             ({"cells": []}, None)):
        restored, notes = restore(nbformat.from_dict(submission), source_nb())
        assert [grade_id(c) for c in restored.cells] == [grade_id(c) for c in source_nb().cells]
        assert any("answer cell corr2d is missing" in n for n in notes)
        assert (note is None) or any(note in n for n in notes)


def test_source_text():
    assert source_text(["a", "b"]) == "ab"
    assert source_text(3.5) == "3.5"
    assert source_text(True) == "" and source_text(None) == "" and source_text({"a": 1}) == ""
    assert source_text("\udcff") == "\ufffd"


# -- whole files through convgrade grade ------------------------------------------------------


def _release_json():
    return json.loads(nbformat.writes(release_nb()))


def _with_cells(cells):
    nb = _release_json()
    nb["cells"] = cells
    return json.dumps(nb).encode()


def _each_cell(edit):
    nb = _release_json()
    for cell in nb["cells"]:
        edit(cell)
    return json.dumps(nb).encode()


def _set(key, value):
    def edit(cell):
        cell[key] = value
    return edit


def _nbgrader(value):
    def edit(cell):
        cell["metadata"]["nbgrader"] = value
    return edit


def _grade_id_list(cell):
    md = cell["metadata"].get("nbgrader")
    if md:
        md["grade_id"] = [md["grade_id"]]


GRADABLE_FILES = {          # graded: exit 0, a verdict for every test cell of the assignment
    "every grade_id a list": _each_cell(_grade_id_list),
    "nbgrader metadata is text": _each_cell(_nbgrader("solution")),
    "metadata is a list": _each_cell(_set("metadata", ["x"])),
    "cells of every kind of garbage": _with_cells(
        [None, 7, "text", [], {"cell_type": 5}, {"source": ["a", 1]},
         {"cell_type": "code", "source": 3, "outputs": "x", "metadata": "m"}]
        + _release_json()["cells"]),
    "sources are numbers, types unknown": _each_cell(lambda c: c.update(source=12, cell_type="?")),
}
REFUSED_FILES = {           # not a notebook: exit 2, one line
    "deep nesting": (b'{"cells": [' + b"[" * 50_000 + b"]" * 50_000 + b'], "nbformat": 4}', "deeper"),
    "NaN": (b'{"cells": [], "nbformat": 4, "metadata": {"x": NaN}}', "NaN"),
    "duplicate keys": (b'{"cells": [], "nbformat": 4, "nbformat": 4}', "twice"),
    "not UTF-8": ('{"cells": [{"cell_type": "code", "source": "é"}], "nbformat": 4}'.encode("latin-1"),
                  "UTF-8"),
    "huge number": (b'{"cells": [], "nbformat": 4, "metadata": {"n": ' + b"9" * 10_000 + b"}}",
                    "number"),
    "cells is an object": (b'{"cells": {"0": {}}, "nbformat": 4}', "no list of cells"),
    "too many cells": (_with_cells([{"cell_type": "markdown", "source": "", "metadata": {}}] * 2001),
                       "too many"),
}


def test_enough_malformed_files():
    assert len(GRADABLE_FILES) + len(REFUSED_FILES) >= 8


@pytest.fixture(scope="module")
def graded_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("malformed")
    paths = []
    for index, data in enumerate(GRADABLE_FILES.values()):
        path = folder / f"malformed{index}" / "conv_layer.ipynb"
        path.parent.mkdir()
        path.write_bytes(data)
        paths.append(path)
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda p: run_grade(p, p.parent, "--cell-timeout", "20"), paths))
    return dict(zip(GRADABLE_FILES, runs))


@pytest.mark.parametrize("name", GRADABLE_FILES)
def test_malformed_file_is_graded(graded_files, name):
    code, results, output = graded_files[name]
    assert code == 0, output
    assert "Traceback" not in output, output
    expected = {grade_id(c) for c in source_nb().cells
                if grade_id(c) and c.metadata.nbgrader.get("grade")}
    assert {t["name"] for t in results["tests"]} == expected
    assert all(t["output"] for t in results["tests"])
    assert results["score"] == 0 and results["max_score"] == 22


@pytest.mark.parametrize("name", REFUSED_FILES)
def test_malformed_file_is_refused_in_one_line(tmp_path, name):
    data, reason = REFUSED_FILES[name]
    path = tmp_path / "conv_layer.ipynb"
    path.write_bytes(data)
    code, results, output = run_grade(path, tmp_path)
    assert code == 2 and results is None
    lines = output.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0] and "Traceback" not in output, output


def test_unchanged_copies_of_the_course_cells_are_not_run_twice():
    """A released notebook submitted as it is holds copies of the course's own cells (prose,
    imports, figures): restore keeps the course's and drops the identical copies, while a
    course cell the student edited is kept as the student's extra cell."""
    source = nbformat.read(ROOT / "solutions" / "conv_layer" / "conv_layer.ipynb", 4)
    release = nbformat.read(ROOT / "assignments" / "conv_layer" / "conv_layer.ipynb", 4)
    restored, _ = restore(release, source)
    assert len(restored.cells) == len(source.cells)
    plain = next(c for c in release.cells if c.cell_type == "code" and not c.metadata.get("nbgrader"))
    plain.source += "\nedited = True\n"
    restored, _ = restore(release, source)
    assert len(restored.cells) == len(source.cells) + 1
    assert sum("edited = True" in c.source for c in restored.cells) == 1


def test_a_cell_the_grader_adds_gets_a_named_id_that_no_student_cell_holds():
    from nbformat.v4 import new_markdown_cell, new_notebook
    from convgrade.restore import fresh_cell_id
    nb = new_notebook(cells=[new_markdown_cell("a", id="convgrade-notes"),
                             new_markdown_cell("b", id="convgrade-notes-2")])
    assert fresh_cell_id(nb, "convgrade-notes") == "convgrade-notes-3"
    assert fresh_cell_id(nb, "rubric-x") == "rubric-x"
    assert fresh_cell_id(nb, "rubric-x") == fresh_cell_id(nb, "rubric-x")    # not drawn
