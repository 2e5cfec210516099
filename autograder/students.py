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
from .execute import split_hidden
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
    """``[(answers, {function: (variant, expected message)})]`` covering WRONG entirely."""
    wrong = catalogue.load(assignment).WRONG
    return [({fn: code for fn, (_, (code, _msg)) in r.items()},
             {fn: (name, msg) for fn, (name, (_code, msg)) in r.items()})
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
    """``{student_id: (notebook, description)}``: correct, partly right, typically wrong,
    blank and one cheater, deterministic for a given size."""
    source_nb = nbformat.read(course.source_notebook(assignment), 4)
    release_nb = nbformat.read(course.release_notebook(assignment), 4)
    solution = solution_answers(source_nb)
    wrong = [answers for answers, _ in wrong_students(assignment)]
    right = [answers for answers, _ in correct_students(assignment)]
    functions = list(solution)
    people = {}
    kinds = itertools.cycle(["correct", "partly", "wrong", "correct", "partly", "partly"])
    for index in range(size):
        sid = f"s{index + 1:02d}"
        if index == 0:
            people[sid] = (fill(release_nb, solution), "instructor's solution")
        elif index == 1:
            people[sid] = (copy.deepcopy(release_nb), "blank")
        elif index == 2:
            people[sid] = (tamper(fill(release_nb, wrong[0] if wrong else {})), "cheater: wrong answers, patched np.allclose, emptied tests")
        else:
            kind = next(kinds)
            if kind == "correct" and right:
                people[sid] = (fill(release_nb, {**solution, **right[index % len(right)]}), "correct, own style")
            elif kind == "wrong" and wrong:
                people[sid] = (fill(release_nb, {**solution, **wrong[index % len(wrong)]}), "typical mistakes throughout")
            else:
                mistakes = wrong[index % len(wrong)] if wrong else {}
                keep = {fn: solution[fn] for i, fn in enumerate(functions) if (i + index) % 3}
                answers = {**solution, **{fn: c for fn, c in mistakes.items() if fn not in keep}}
                people[sid] = (fill(release_nb, answers), "partly right")
    return people


def hidden_free(nb) -> bool:
    return all(not split_hidden(c.source)[1] for c in nb.cells)
