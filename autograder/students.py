"""Synthetic students: release notebooks with answer cells filled from the catalogue.

One student can carry a different catalogued variant in every function, because each
function has its own answer and test cells; a whole catalogue is then graded with a handful
of notebooks.
"""
from __future__ import annotations

import copy
import itertools

import nbformat

from . import catalogue
from .course import Course
from .restore import grade_id

CHEAT = "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n"


def fill(release_nb, answers: dict):
    """A copy of ``release_nb`` with each answer cell named in ``answers`` replaced."""
    nb = copy.deepcopy(release_nb)
    for cell in nb.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return nb


def solution_answers(source_nb) -> dict:
    """The instructor's answers, as a student would type them (markers are comments)."""
    return {grade_id(c): c.source for c in source_nb.cells
            if grade_id(c) and c.metadata.nbgrader.get("solution") and c.cell_type == "code"}


def variant_rounds(table: dict) -> list:
    """Spread every function's variants over as few students as possible:
    round ``k`` takes the ``k``-th variant of each function that has one."""
    width = max((len(v) for v in table.values()), default=0)
    rounds = []
    for k in range(width):
        rounds.append({fn: list(variants.items())[k] for fn, variants in table.items()
                       if k < len(variants)})
    return rounds


def wrong_students(assignment: str) -> list:
    """``[(answers, {function: (variant, Mistake)})]`` covering WRONG entirely."""
    wrong = catalogue.load(assignment).WRONG
    return [({fn: mistake.code for fn, (_, mistake) in r.items()},
             {fn: (name, mistake) for fn, (name, mistake) in r.items()})
            for r in variant_rounds(wrong)]


def correct_students(assignment: str) -> list:
    """``[(answers, {function: variant})]`` covering CORRECT entirely."""
    correct = catalogue.load(assignment).CORRECT
    return [({fn: code for fn, (_, code) in r.items()}, {fn: name for fn, (name, _) in r.items()})
            for r in variant_rounds(correct)]


def tamper(nb):
    """A cheater's notebook: patch numpy's comparisons in the first answer cell, and empty
    every visible test cell's code."""
    nb = copy.deepcopy(nb)
    first = True
    for cell in nb.cells:
        md = cell.get("metadata", {}).get("nbgrader", {})
        if md.get("solution") and cell.cell_type == "code" and first:
            cell.source = CHEAT + cell.source
            first = False
        elif md.get("grade") and not md.get("solution"):
            cell.source = "pass"
            md["points"] = 100
    return nb


def synthetic_class(course: Course, assignment: str, size: int = 30) -> dict:
    """``{student_id: (notebook, description)}``: the solution, a blank, a cheater, then
    students correct in their own style, partly right (a third of the functions wrong) and
    wrong in the typical ways; deterministic for a given size."""
    source_nb = nbformat.read(course.source_notebook(assignment), 4)
    release_nb = nbformat.read(course.release_notebook(assignment), 4)
    solution = solution_answers(source_nb)
    cat = catalogue.load(assignment)

    def pick(table, fn, index):
        variants = list(table.get(fn, {}).values())
        return variants[index % len(variants)] if variants else None

    def mistakes(index, every):
        out = {}
        for i, fn in enumerate(solution):
            chosen = pick(cat.WRONG, fn, index)
            if chosen and (i + index) % every == 0:
                out[fn] = chosen.code
        return out

    people = {"s01": (fill(release_nb, solution), "instructor's solution"),
              "s02": (copy.deepcopy(release_nb), "blank"),
              "s03": (tamper(fill(release_nb, {**solution, **mistakes(0, 1)})),
                      "cheater: typical mistakes, patched np.allclose, emptied tests")}
    kinds = itertools.cycle(["correct", "partly", "wrong", "partly", "correct", "partly"])
    for index in range(3, size):
        kind = next(kinds)
        if kind == "correct":
            own = {fn: pick(cat.CORRECT, fn, index) for fn in solution}
            answers, about = {**solution, **{f: c for f, c in own.items() if c}}, "correct, own style"
        elif kind == "partly":
            answers, about = {**solution, **mistakes(index, 3)}, "partly right"
        else:
            answers, about = {**solution, **mistakes(index, 1)}, "typical mistakes throughout"
        people[f"s{index + 1:02d}"] = (fill(release_nb, answers), about)
    return people
