"""Rebuild a submission on the instructor's skeleton: only answers come from the student.

Every graded or locked cell is taken from the source notebook (test code with its hidden
part, points, flags, ids), whatever the submission did to it: edited, deleted, duplicated,
re-flagged. Only the *source text* of answer cells is the student's; cells the student added
run too, stripped of any nbgrader metadata, so they can never carry points. Whatever JSON
the student wrote in a cell (metadata, flags or source of the wrong types, unknown cell
types) ends in an extra cell or a dropped one with a note, never in an exception.
"""
from __future__ import annotations

import copy

import nbformat

from .submission import clean_text

#: Cell metadata restore writes on every cell whose text is the course's (not an answer, not
#: a cell the student added), so later steps (the feedback's sanitizer) can tell the two apart.
COURSE_MARK = "from_course"


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def nbgrader_metadata(cell) -> dict:
    """A cell's nbgrader metadata, or ``{}`` when the cell, its metadata or that part of it is
    not a mapping (a student can write anything there)."""
    return _mapping(_mapping(_mapping(cell).get("metadata")).get("nbgrader"))


def grade_id(cell):
    """A cell's nbgrader ``grade_id`` when it is a non-empty string, else ``None``."""
    gid = nbgrader_metadata(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


def is_grade(cell) -> bool:
    """A graded cell (a test cell, or a written answer graded by hand)."""
    return nbgrader_metadata(cell).get("grade") is True


def is_solution(cell) -> bool:
    """An answer cell."""
    return nbgrader_metadata(cell).get("solution") is True


def is_locked(cell) -> bool:
    return nbgrader_metadata(cell).get("locked") is True


def is_student_cell(cell) -> bool:
    """A cell whose text is the student's: an answer cell, or a cell the student added (it
    carries no nbgrader metadata once restored)."""
    meta = nbgrader_metadata(cell)
    return not meta or meta.get("solution") is True


def is_course_cell(cell) -> bool:
    """Was this cell's text taken from the source notebook by :func:`restore`?"""
    return _mapping(_mapping(_mapping(cell).get("metadata")).get("convgrade")).get(COURSE_MARK) is True


def source_text(source) -> str:
    """A submitted cell's source as text, whatever its type: nbformat's list of lines joined
    (items that are not text are left out, numbers written out), a number written out,
    anything else empty; lone surrogates, which cannot be written as UTF-8, replaced."""
    if isinstance(source, list):
        source = "".join(_scalar_text(item) for item in source)
    return clean_text(_scalar_text(source))


def _scalar_text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def skeleton(source_nb, release_nb=None):
    """The source notebook with answer cells as released (stub + release checksum), so a
    blank answer is recognised as blank, and test cells still holding their hidden part.

    The released cells come from ``release_nb`` (the course's release, made by nbgrader from
    this very source); without it they are made here with nbgrader's own preprocessors."""
    if release_nb is None:
        from nbgrader.preprocessors import ClearSolutions, ComputeChecksums
        release_nb = copy.deepcopy(source_nb)
        ClearSolutions().preprocess(release_nb, {})
        ComputeChecksums().preprocess(release_nb, {})
    released = {grade_id(cell): cell for cell in release_nb.cells if grade_id(cell)}
    out = copy.deepcopy(source_nb)
    for index, cell in enumerate(out.cells):
        rel = released.get(grade_id(cell), {})
        if is_solution(cell):
            out.cells[index] = copy.deepcopy(rel) if rel else cell
        else:
            if is_grade(cell) or is_locked(cell):
                cell.metadata.nbgrader["checksum"] = nbgrader_metadata(rel).get("checksum")
            cell.metadata.setdefault("convgrade", {})[COURSE_MARK] = True
    return out


def extra_cell(cell, number: int, notes: list):
    """The cell a student added, rebuilt with nothing but its kind and text; ``None`` for a
    raw cell (never run, never graded). A cell of no known kind is kept as code when it
    looks like code (it has outputs or an execution count), else as markdown."""
    kind = cell.get("cell_type")
    text = source_text(cell.get("source", ""))
    if kind == "raw":
        return None
    if kind not in ("code", "markdown"):
        kind = "code" if "outputs" in cell or "execution_count" in cell else "markdown"
        notes.append(f"cell {number} of the submission has no known cell type; "
                     f"it was kept as a {kind} cell")
    return nbformat.v4.new_code_cell(text) if kind == "code" else nbformat.v4.new_markdown_cell(text)


def restore(submission, source_nb, release_nb=None):
    """The notebook to grade: the source skeleton with the student's answers and extra cells.

    Returns ``(notebook, notes)``; ``notes`` lists what was repaired, for the feedback. Any
    JSON a student can write is accepted: a cell that is not a mapping is dropped with a
    note, metadata of the wrong types counts as none (the cell is an extra cell), and a
    source of the wrong type is turned into text (:func:`source_text`).
    """
    base = skeleton(source_nb, release_nb)
    known = {grade_id(c) for c in base.cells if grade_id(c)}
    # the student's unchanged copies of the course's own cells (instructions, imports,
    # figures): the skeleton has them already, so they would only run twice
    course_cells = {(c.cell_type, c.source.strip()) for c in base.cells if not grade_id(c)}
    answers, extras_before, notes, pending = {}, {}, [], []
    submitted = _mapping(submission).get("cells", [])
    if not isinstance(submitted, list):
        notes.append("the submission has no list of cells; every answer is missing")
        submitted = []
    for number, cell in enumerate(submitted, 1):
        if not isinstance(cell, dict):
            notes.append(f"item {number} of the submission's cells is not a cell; it was dropped")
            continue
        gid = grade_id(cell)
        if gid in known:
            if gid in answers or gid in extras_before:
                notes.append(f"cell {gid} appears twice; the first copy was graded")
                continue
            answers[gid] = cell
            extras_before[gid], pending = pending, []
        else:
            extra = extra_cell(cell, number, notes)
            if extra is not None and (extra.cell_type, extra.source.strip()) not in course_cells:
                pending.append(extra)
    cells = []
    for cell in base.cells:
        gid = grade_id(cell)
        cells.extend(extras_before.get(gid, []))
        if gid and is_solution(cell):
            if gid in answers:
                cell = copy.deepcopy(cell)
                cell.source = source_text(answers[gid].get("source", ""))
            else:
                notes.append(f"answer cell {gid} is missing from the submission")
        elif gid and is_grade(cell) and gid not in answers:
            notes.append(f"test cell {gid} was missing and has been restored")
        cells.append(cell)
    cells.extend(pending)
    for index, cell in enumerate(cells):
        cell["id"] = f"cell-{index}"
    base.cells = cells
    return base, notes


def fresh_cell_id(nb, name: str) -> str:
    """``name``, else ``name-2``, ``name-3`` ...: the first id no cell of ``nb`` has. A cell
    the grader adds is named after what it is, not drawn at random, so that a regrade writes
    the same notebook (and a student's cell that took the name first keeps it)."""
    taken = {cell.get("id") for cell in nb.cells}
    candidate, count = name, 1
    while candidate in taken:
        count += 1
        candidate = f"{name}-{count}"
    return candidate
