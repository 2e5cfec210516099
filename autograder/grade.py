"""Grade one submitted notebook, no gradebook needed: restore, execute, score.

This is what ``convgrade grade`` (CI, Gradescope) runs; ``convgrade autograde`` runs the same
two steps inside nbgrader's pipeline. A test cell scores what the grader's verdict gives it (nbgrader's
own ``determine_grade`` reads the same score from the outputs the grader wrote); nbgrader
itself is not imported here, so a single notebook starts grading sooner.
"""
from __future__ import annotations

import time
from pathlib import Path

import nbformat

from .course import Course, CourseError
from .execute import ExecuteWithChecks, KernelStartFailed, read_verdict
from .sandbox import SandboxUnavailable, sweep
from .restore import grade_id, is_grade, is_solution, nbgrader_metadata, restore

from .submission import CannotGrade, load_submission
from .verdict import Verdict


def _cell_ids(nb) -> set:
    return {grade_id(c) for c in nb.cells} - {None}


def _overlap(course: Course, submitted: set) -> dict:
    """``{assignment: how many of its graded cells' ids are among ``submitted``}``."""
    return {a: len(submitted & _cell_ids(nbformat.read(course.source_notebook(a), 4)))
            for a in course.assignment_ids()}


def guess_assignment(course: Course, path: Path, nb) -> str:
    ids = course.assignment_ids()
    if path.stem in ids:
        return path.stem
    overlap = _overlap(course, _cell_ids(nb))
    best = max(overlap, key=overlap.get, default=None)
    if not best or not overlap[best]:
        raise CannotGrade(f"{path}: unknown assignment; pass --assignment (one of {', '.join(ids)})")
    return best


def check_assignment(course: Course, path: Path, nb, assignment: str, release_nb) -> None:
    """CannotGrade when the notebook holds none of ``assignment``'s cells but another
    assignment's: graded as ``assignment`` it would score 0 for the wrong reason. (A notebook
    whose cells carry no ids at all is graded: that is the student's mistake to see.)"""
    submitted = _cell_ids(nb)
    if submitted & _cell_ids(release_nb):
        return
    overlap = _overlap(course, submitted)
    best = max(overlap, key=overlap.get, default=None)
    if best and best != assignment and overlap[best]:
        raise CannotGrade(f"{path.name} holds the cells of assignment {best}, not {assignment} "
                          f"(pass --assignment {best})")


def grade_notebook(path, assignment=None, course=None, **limits):
    """Grade ``path``; returns ``(results, graded_notebook)``. ``results`` is Gradescope's
    format: ``score``, ``max_score``, ``tests`` (one per graded cell, named by grade_id).
    ``limits`` are ExecuteWithChecks options (``timeout``, ``memory_limit``, ...)."""
    path = Path(path)
    started = time.monotonic()
    reading = time.perf_counter()
    try:
        course = course or Course.find()
        nb = load_submission(path)
        assignment = assignment or guess_assignment(course, path, nb)
        source_nb = nbformat.read(course.source_notebook(assignment), as_version=4)
        release_nb = nbformat.read(course.release_notebook(assignment), as_version=4)
        check_assignment(course, path, nb, assignment, release_nb)
    except (CourseError, OSError) as error:
        raise CannotGrade(str(error)) from None
    restored, notes = restore(nb, source_nb, release_nb)
    sweep()
    reading = time.perf_counter() - reading
    # the kernel starts with the small data files the release ships beside the notebook
    executor = ExecuteWithChecks(**limits)
    resources = {"metadata": {"path": str(course.assignments / assignment)},
                 "course_root": str(course.root)}
    try:
        executor.preprocess(restored, resources)
    except SandboxUnavailable as error:
        raise CannotGrade(f"cannot grade for credit without the sandbox: {error}; "
                          "--no-sandbox grades anyway, unsandboxed") from None
    except KernelStartFailed as error:  # no kernel: nothing was graded, so no score either
        raise CannotGrade(f"{path}: {error}") from None
    stubs = {grade_id(c): c.source for c in release_nb.cells if is_solution(c) and grade_id(c)}
    results = score(restored, notes + restored.metadata.get("convgrade", {}).get("events", []),
                    stubs)
    results["execution_time"] = round(time.monotonic() - started, 2)
    results["assignment"] = assignment
    executor.phases.add("reading the submission", reading)
    restored.metadata.setdefault("convgrade", {})["phases"] = executor.phases.rounded()
    # round trips of hidden-check calls to the kernel (each carries a batch of cases)
    restored.metadata["convgrade"]["kernel_calls"] = getattr(executor.connection, "calls", 0)
    return results, restored


def score(nb, notes=(), stubs=None) -> dict:
    """Gradescope's results from a graded notebook: a test cell scores what the grader's
    verdict (written into the cell as data) gives it, and carries the misconception named and
    the credit groups in ``extra_data``; a written answer counts 0 here (graded by hand),
    noted "no answer given" when it is still the released stub (``stubs``: grade_id -> text)."""
    tests, total, maximum = [], 0.0, 0.0
    for cell in nb.cells:
        if not is_grade(cell):
            continue
        gid = grade_id(cell)
        max_points = float(nbgrader_metadata(cell).get("points") or 0)
        test = {"name": gid, "max_score": max_points, "visibility": "visible"}
        if is_solution(cell):
            blank = (stubs or {}).get(gid) == cell.source
            test.update(score=0.0, output=("manually graded: no answer given" if blank
                                           else "manually graded: scored by the instructor later"))
        else:
            verdict = read_verdict(cell) or Verdict.failed(f"{gid}: not checked by the grader", max_points)
            points = min(max(verdict.score, 0.0), max_points)
            test.update(score=points, output=verdict.message[:2000],
                        status="passed" if points == max_points else "failed",
                        extra_data={"misconception": verdict.misconception,
                                    "groups": [{"name": n, "weight": w, "passed": p}
                                               for n, w, p in verdict.groups]})
        tests.append(test)
        total += test["score"]
        maximum += max_points
    return {"score": round(total, 4), "max_score": round(maximum, 4), "tests": tests,
            "output": "\n".join(notes)[:4000]}
