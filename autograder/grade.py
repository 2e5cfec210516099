"""Grade one submitted notebook, no gradebook needed: restore, execute, score.

This is what ``convgrade grade`` (CI, Gradescope) runs; ``convgrade autograde`` runs the same
two steps inside nbgrader's pipeline. Scores come from nbgrader's own ``determine_grade`` on
the outputs the grader wrote.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
from nbgrader import utils

from .course import Course, CourseError
from .execute import ExecuteWithChecks
from .restore import grade_id, restore

MAX_NOTEBOOK_BYTES = 20 * 2**20


class CannotGrade(Exception):
    """The file cannot be graded at all (the reason is one line)."""


def load_submission(path) -> nbformat.NotebookNode:
    path = Path(path)
    if not path.is_file():
        raise CannotGrade(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise CannotGrade(f"{path}: the file is empty")
    if size > MAX_NOTEBOOK_BYTES:
        raise CannotGrade(f"{path}: {size / 2**20:.0f} MiB is far too large for a notebook "
                          f"(limit {MAX_NOTEBOOK_BYTES // 2**20} MiB)")
    try:
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CannotGrade(f"{path}: not a notebook (invalid JSON: {error})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise CannotGrade(f"{path}: not a notebook (no list of cells)")
    if raw.get("nbformat") != 4:
        raise CannotGrade(f"{path}: nbformat {raw.get('nbformat')!r} is not supported (need 4)")
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as error:  # noqa: BLE001 - any parse failure is the same verdict
        raise CannotGrade(f"{path}: not a readable notebook ({error})") from None


def guess_assignment(course: Course, path: Path, nb) -> str:
    ids = course.assignment_ids()
    if path.stem in ids:
        return path.stem
    submitted = {grade_id(c) for c in nb.cells} - {None}
    overlap = {a: len(submitted & {grade_id(c) for c in nbformat.read(
        course.source_notebook(a), 4).cells}) for a in ids}
    best = max(overlap, key=overlap.get, default=None)
    if not best or not overlap[best]:
        raise CannotGrade(f"{path}: unknown assignment; pass --assignment (one of {', '.join(ids)})")
    return best


def grade_notebook(path, assignment=None, course=None, **limits):
    """Grade ``path``; returns ``(results, graded_notebook)``. ``results`` is Gradescope's
    format: ``score``, ``max_score``, ``tests`` (one per graded cell, named by grade_id).
    ``limits`` are ExecuteWithChecks options (``timeout``, ``memory_limit``, ...)."""
    path = Path(path)
    started = time.monotonic()
    try:
        course = course or Course.find()
        nb = load_submission(path)
        assignment = assignment or guess_assignment(course, path, nb)
        source_nb = nbformat.read(course.source_notebook(assignment), as_version=4)
    except CourseError as error:
        raise CannotGrade(str(error)) from None
    restored, notes = restore(nb, source_nb)
    # the executor copies the small data files the release ships beside the notebook into
    # the kernel's private work folder
    executor = ExecuteWithChecks(hide=[str(course.root)], course_root=str(course.root), **limits)
    try:
        executor.preprocess(restored, {"metadata": {"path": str(course.assignments / assignment)}})
    except RuntimeError as error:       # no kernel: nothing was graded, so no score either
        raise CannotGrade(f"{path}: the notebook's kernel could not start ({error})") from None
    results = score(restored, notes + restored.metadata.get("convgrade", {}).get("events", []))
    results["execution_time"] = round(time.monotonic() - started, 2)
    results["assignment"] = assignment
    return results, restored


def score(nb, notes=()) -> dict:
    tests, total, maximum = [], 0.0, 0.0
    for cell in nb.cells:
        if not utils.is_grade(cell):
            continue
        points, max_points = utils.determine_grade(cell)
        gid = grade_id(cell)
        if utils.is_solution(cell):
            output = ("manually graded: scored by the instructor later" if points is None
                      else "manually graded: no answer given")
            points = 0.0
        else:
            output = _verdict_text(cell)
        test = {"name": gid, "score": float(points), "max_score": float(max_points),
                "output": output[:2000], "visibility": "visible"}
        if not utils.is_solution(cell):
            test["status"] = "passed" if points == max_points else "failed"
        tests.append(test)
        total += float(points)
        maximum += float(max_points)
    return {"score": round(total, 4), "max_score": round(maximum, 4), "tests": tests,
            "output": "\n".join(notes)[:4000]}


def _verdict_text(cell) -> str:
    for out in reversed(cell.get("outputs", [])):
        if out.get("output_type") == "error":
            return str(out.get("evalue", ""))
        if out.get("output_type") == "stream":
            return out.get("text", "").strip().lstrip("\u2714 ")
    return ""
