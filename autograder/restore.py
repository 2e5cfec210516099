"""Rebuild a submission on the instructor's skeleton: only answers come from the student.

Every graded or locked cell is taken from the source notebook (test code with its hidden
part, points, flags, ids), whatever the submission did to it: edited, deleted, duplicated,
re-flagged. Only the *source text* of answer cells is the student's; cells the student added
run too, stripped of any nbgrader metadata, so they can never carry points.
"""
from __future__ import annotations

import copy

import nbformat
from nbgrader import utils
from nbgrader.preprocessors import ClearSolutions, ComputeChecksums, NbGraderPreprocessor
from nbgrader.coursedir import CourseDirectory
from traitlets import Unicode


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def skeleton(source_nb):
    """The source notebook with answer cells as released (stub + release checksum), so a
    blank answer is recognised as blank, and test cells still holding their hidden part."""
    released = copy.deepcopy(source_nb)
    ClearSolutions().preprocess(released, {})
    ComputeChecksums().preprocess(released, {})
    out = copy.deepcopy(source_nb)
    for index, (cell, rel) in enumerate(zip(out.cells, released.cells)):
        if utils.is_solution(cell):
            out.cells[index] = rel
        elif utils.is_grade(cell) or utils.is_locked(cell):
            cell.metadata.nbgrader["checksum"] = rel.metadata.get("nbgrader", {}).get("checksum")
    return out


def restore(submission, source_nb):
    """The notebook to grade: the source skeleton with the student's answers and extra cells.

    Returns ``(notebook, notes)``; ``notes`` lists what was repaired, for the feedback.
    """
    base = skeleton(source_nb)
    known = {grade_id(c) for c in base.cells if grade_id(c)}
    answers, extras_before, notes, pending = {}, {}, [], []
    for cell in submission.get("cells", []):
        gid = grade_id(cell)
        if gid in known:
            if gid in answers or gid in extras_before:
                notes.append(f"cell {gid} appears twice; the first copy was graded")
                continue
            answers[gid] = cell
            extras_before[gid], pending = pending, []
        elif cell.get("cell_type") in ("code", "markdown"):
            extra = nbformat.v4.new_code_cell(cell.get("source", "")) if cell["cell_type"] == "code" \
                else nbformat.v4.new_markdown_cell(cell.get("source", ""))
            pending.append(extra)
    cells = []
    for cell in base.cells:
        gid = grade_id(cell)
        cells.extend(extras_before.get(gid, []))
        if gid and utils.is_solution(cell):
            if gid in answers:
                cell = copy.deepcopy(cell)
                cell.source = _text(answers[gid].get("source", ""))
            else:
                notes.append(f"answer cell {gid} is missing from the submission")
        elif gid and utils.is_grade(cell) and gid not in answers:
            notes.append(f"test cell {gid} was missing and has been restored")
        cells.append(cell)
    cells.extend(pending)
    for index, cell in enumerate(cells):
        cell["id"] = f"cell-{index}"
    base.cells = cells
    return base, notes


def _text(source):
    return "".join(source) if isinstance(source, list) else str(source)


class RestoreFromSource(NbGraderPreprocessor):
    """nbgrader preprocessor form of :func:`restore`, used instead of ``OverwriteCells``.

    The source notebook is ``source_path`` when set, else found through nbgrader's course
    directory from the assignment and notebook being autograded.
    """

    source_path = Unicode("", help="source notebook to restore from").tag(config=True)

    def preprocess(self, nb, resources):
        path = self.source_path
        if not path:
            info = resources["nbgrader"]
            coursedir = CourseDirectory(config=self.config)
            path = coursedir.format_path(coursedir.source_directory, ".", info["assignment"]) + \
                f"/{info['notebook']}.ipynb"
        source_nb = nbformat.read(path, as_version=4)
        restored, notes = restore(nb, source_nb)
        for note in notes:
            self.log.warning(note)
        restored.metadata = nb.metadata
        restored.metadata.setdefault("convgrade", {})["repairs"] = notes
        return restored, resources
