"""``convgrade demo``: the whole flow on a synthetic class (12 students by default).

Builds ``submitted/`` from the catalogue (correct in various styles, partly right, wrong in
the typical ways, blank, one cheater), autogrades it in parallel on an SQLite gradebook,
writes feedback and a CSV, and ends with the score table and where the files are.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from rich.markup import escape

from .classroom import class_config, export_csv, grade_class, score_table
from .report import wide_console
from .sandbox import unavailable
from .course import Course
from .students import synthetic_class

# the solution, a blank notebook, a cheater, and each generated kind (correct in an own
# style, partly right, wrong throughout) at least twice: all seven assignments in a few
# minutes on 2 cores
DEFAULT_STUDENTS = 12


def demo(root=None, out="convgrade-demo", students=None, jobs=2, assignments=(),
         workers=None) -> int:
    """``convgrade demo``; ``workers``: a cluster from ``cluster.start_cluster`` started earlier
    (closed here however the demo ends)."""
    try:
        return _demo(root, out, students, jobs, assignments, workers)
    finally:
        if workers is not None:
            workers.close()


def _demo(root, out, students, jobs, assignments, workers) -> int:
    students = DEFAULT_STUDENTS if students is None else students
    if students < 3:
        raise SystemExit("convgrade demo: --students must be at least 3 (the solution, a blank "
                         "notebook and a cheater come first)")
    course = Course.find(root)
    console = wide_console()
    class_dir = Path(out).resolve()
    if class_dir == course.root:
        raise SystemExit("convgrade demo: --out must not be the course folder itself")
    if class_dir.exists():
        shutil.rmtree(class_dir)
    (class_dir).mkdir(parents=True)
    shutil.copy(course.root / "nbgrader_config.py", class_dir / "nbgrader_config.py")
    ids = list(assignments) or course.assignment_ids()
    notes = {}
    for assignment in ids:
        for sid, (nb, about) in synthetic_class(course, assignment, students).items():
            folder = class_dir / "submitted" / sid / assignment
            folder.mkdir(parents=True)
            nbformat.write(nb, folder / f"{assignment}.ipynb")
            notes.setdefault(sid, about)
    console.print(f"[b]convgrade demo[/b]: {students} synthetic students x {len(ids)} "
                  f"assignment(s) in {class_dir}")
    reason = unavailable()
    if reason:                # synthetic students: showing the flow beats stopping here
        console.print(f"[b]unsandboxed[/b]: {escape(reason)}; the demo grades its synthetic "
                      "class outside the sandbox")
    failed = grade_class(course, class_dir, ids, jobs, console, sandboxed=not reason,
                         workers=workers)
    config = class_config(course, class_dir)
    export_csv(config, class_dir / "grades.csv")
    console.print(score_table(config, ids, sorted(notes), notes))
    for (assignment, student), error in sorted(failed.items()):
        console.print(f"[red]not graded[/red] {student}/{assignment}: {error}")
    console.print(f"gradebook: {class_dir / 'gradebook.db'}\nCSV export: {class_dir / 'grades.csv'}\n"
                  f"feedback HTML: {class_dir / 'feedback'}\nautograded notebooks: {class_dir / 'autograded'}")
    return 0 if not failed else 1
