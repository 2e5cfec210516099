"""``convgrade release``: regenerate ``assignments/`` from ``solutions/`` and prove it leaks
nothing (no solution code, no hidden test, no call into the grader or the reference)."""
from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import nbformat

from .course import Course, CourseError
from .nbgrader_api import api, course_config, require

SECRET = re.compile(r"^[ \t]*### BEGIN (SOLUTION|HIDDEN TESTS)[ \t]*\n(.*?)^[ \t]*### END \1",
                    re.S | re.M)
FORBIDDEN = re.compile(r"BEGIN SOLUTION|END SOLUTION|HIDDEN TESTS|convref|convgrade|Rubric")


def generate(course: Course, assignments=()) -> list:
    """Run nbgrader's generate_assignment for each assignment (a throwaway gradebook)."""
    ids = list(assignments) or course.assignment_ids()
    with tempfile.TemporaryDirectory() as tmp:
        grader = api(course_config(course.root, Path(tmp) / "gradebook.db"))
        for assignment in ids:
            course.source_notebook(assignment)
            require(grader.generate_assignment(assignment, force=True), f"releasing {assignment}")
    return ids


def secret_lines(source_nb) -> set:
    """Lines that exist in the source only inside solution or hidden-test regions."""
    secret, public = set(), set()
    for cell in source_nb.cells:
        text = cell.source + "\n"
        for match in SECRET.finditer(text):
            secret.update(line.strip() for line in match.group(2).splitlines())
        public.update(line.strip() for line in SECRET.sub("", text).splitlines())
    return {line for line in secret - public if len(line) >= 8}


def find_leaks(course: Course, assignments=()) -> list:
    """Every leak in the release, as ``path: what`` strings: in each assignment's folder, and
    in the files every student gets beside them (``check.py``, the students' own check)."""
    leaks = []
    for path in sorted(p for p in course.assignments.glob("*") if p.is_file()):
        leaks += [f"{path.relative_to(course.root)}: mentions {m.group(0)!r}"
                  for m in FORBIDDEN.finditer(path.read_text(errors="replace"))]
    for assignment in list(assignments) or course.assignment_ids():
        secrets = secret_lines(nbformat.read(course.source_notebook(assignment), 4))
        folder = course.assignments / assignment
        if not folder.is_dir():
            leaks.append(f"{folder}: missing (run convgrade release)")
            continue
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            text = path.read_text(errors="replace")
            for match in FORBIDDEN.finditer(text):
                leaks.append(f"{path.relative_to(course.root)}: mentions {match.group(0)!r}")
            if path.suffix == ".ipynb":
                lines = {line.strip() for cell in nbformat.reads(text, 4).cells
                         for line in cell.source.splitlines()}
                for line in sorted(lines & secrets):
                    leaks.append(f"{path.relative_to(course.root)}: solution or hidden line {line!r}")
    return leaks


def release(root=None, assignments=()) -> int:
    """``convgrade release``; it writes into the course, so it runs only on one named by
    ``--course``, ``CONVGRADE_COURSE`` or the working directory."""
    try:
        course = Course.find(root, installed=False)
    except CourseError as error:
        print(f"convgrade release: {error}", file=sys.stderr)
        return 2
    ids = generate(course, assignments)
    leaks = find_leaks(course, ids)
    for leak in leaks:
        print(f"LEAK {leak}")
    if leaks:
        print(f"convgrade release: {len(leaks)} leak(s); the release must not be committed")
        return 1
    for assignment in ids:
        print(f"released {assignment} -> {course.release_notebook(assignment).relative_to(course.root)}")
    print("no leaks: no solution code, hidden test, grader or reference call in assignments/")
    return 0
