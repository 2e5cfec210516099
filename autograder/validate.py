"""``convgrade validate``: the instructor's self-check of an assignment, through the real
grading pipeline: the solution gets full marks, the blank release gets no autograded point,
every catalogued mistake loses exactly the credit groups it breaks, with its message, every correct variant
keeps full marks, and the release is in sync with the source and leaks nothing. It reports
the share of catalogued mistakes whose feedback names the misconception they embody."""
from __future__ import annotations

import tempfile
from pathlib import Path

import nbformat
from rich.table import Table

from .report import wide_console
from . import catalogue
from .catalogue import Mistake
from .course import Course
from .grade import grade_notebook
from .release import find_leaks
from .students import correct_students, fill, solution_answers, wrong_students
from .workers import start_workers, starts_next_kernel


def _grade(job):
    path, assignment, root, standby = job
    results, _ = grade_notebook(path, assignment, Course(root), standby=standby)
    return results


def autograded(results) -> dict:
    """``{test cell: test result}`` for the autograded (test) cells only."""
    return {t["name"]: t for t in results["tests"] if "status" in t}


def plan(course: Course, assignment: str) -> list:
    """The notebooks to grade and what each must show: ``(label, notebook, expectations)``,
    expectations being ``{test cell: "full" | "zero" | Mistake}``."""
    source_nb = nbformat.read(course.source_notebook(assignment), 4)
    release_nb = nbformat.read(course.release_notebook(assignment), 4)
    solution = solution_answers(source_nb)
    tests = [f"test_{fn}" for fn in solution]
    jobs = [("solution", fill(release_nb, solution), {t: "full" for t in tests}),
            ("blank release", release_nb, {t: "zero" for t in tests})]
    for k, (answers, meta) in enumerate(wrong_students(assignment)):
        expect = {f"test_{fn}": mistake for fn, (_name, mistake) in meta.items()}
        label = "wrong #%d: " % (k + 1) + ", ".join(f"{fn}={name}" for fn, (name, _) in meta.items())
        jobs.append((label, fill(release_nb, {**solution, **answers}), expect))
    for k, (answers, meta) in enumerate(correct_students(assignment)):
        label = "correct #%d: " % (k + 1) + ", ".join(f"{fn}={name}" for fn, name in meta.items())
        jobs.append((label, fill(release_nb, {**solution, **answers}),
                     {f"test_{fn}": "full" for fn in meta}))
    return jobs


def failed_groups(test) -> set:
    """The credit groups a graded test cell lost."""
    return {g["name"] for g in test.get("extra_data", {}).get("groups", ()) if not g["passed"]}


def check_expectations(results, expect) -> list:
    """Problems where graded results do not meet the expectations: full marks, none, or a
    catalogued mistake losing exactly the groups it breaks with its message."""
    problems = []
    cells = autograded(results)
    for test, want in expect.items():
        if test not in cells:
            problems.append(f"{test}: no such test cell")
            continue
        got = cells[test]
        score, maximum, verdict = got["score"], got["max_score"], got["output"]
        if want == "full" and score != maximum:
            problems.append(f"{test}: expected full marks, got {score:g}/{maximum:g} ({verdict})")
        elif want == "zero" and score != 0:
            problems.append(f"{test}: expected 0, got {score:g}/{maximum:g}")
        elif isinstance(want, Mistake):
            lost = failed_groups(got)
            if score >= maximum:
                problems.append(f"{test}: a catalogued mistake kept full marks")
            elif lost != set(want.breaks):
                problems.append(f"{test}: lost the groups {sorted(lost)}, expected exactly "
                                f"{sorted(want.breaks)} ({verdict})")
            if want.message not in verdict:
                problems.append(f"{test}: feedback lacks {want.message!r}: {verdict!r}")
    return problems


def coverage(rows) -> tuple:
    """``(named, catalogued)``: of the catalogued mistakes graded in ``rows``, how many got
    feedback that names the misconception they embody."""
    named = total = 0
    for _label, results, _problems, expect in rows:
        cells = autograded(results)
        for test, want in expect.items():
            if isinstance(want, Mistake):
                total += 1
                extra = cells.get(test, {}).get("extra_data", {})
                named += extra.get("misconception") == want.misconception
    return named, total


def run_all(course: Course, assignments, jobs: int = 2) -> dict:
    """Grade the plans of ``assignments`` in one pool of ``jobs`` workers (started once, each
    forking its kernels from one warm image): ``{assignment: [(label, results, problems,
    expect)]}``."""
    plans = {assignment: plan(course, assignment) for assignment in assignments}
    with tempfile.TemporaryDirectory(prefix="convgrade-validate-") as tmp:
        paths = []
        for assignment, todo in plans.items():
            Path(tmp, assignment).mkdir()
            for index, (_label, nb, _expect) in enumerate(todo):
                path = Path(tmp, assignment, f"{index:03d}.ipynb")
                nbformat.write(nb, path)
                paths.append((str(path), assignment, str(course.root)))
        standby = starts_next_kernel(len(paths), jobs)
        with start_workers(jobs) as pool:
            graded = iter(pool.map(_grade, [(*job, next_kernel)
                                            for job, next_kernel in zip(paths, standby)]))
            return {assignment: [(label, results, check_expectations(results, expect), expect)
                                 for (label, _nb, expect), results in zip(todo, graded)]
                    for assignment, todo in plans.items()}


def validate(root=None, assignments=(), jobs=2) -> int:
    course = Course.find(root)
    console = wide_console()
    failures = 0
    ids = list(assignments) or course.assignment_ids()
    graded = run_all(course, ids, jobs)
    for assignment in ids:
        leaks = find_leaks(course, [assignment])
        report = Table(title=f"convgrade validate {assignment}")
        report.add_column("notebook", overflow="fold")
        report.add_column("score", justify="right")
        report.add_column("as expected", overflow="fold")
        rows = graded[assignment]
        for label, results, problems, _expect in rows:
            report.add_row(label, f"{results['score']:g}/{results['max_score']:g}",
                           "yes" if not problems else "; ".join(problems))
            failures += bool(problems)
        console.print(report)
        cat = catalogue.load(assignment)
        named, total = coverage(rows)
        console.print(f"catalogue: {sum(map(len, cat.WRONG.values()))} wrong and "
                      f"{sum(map(len, cat.CORRECT.values()))} correct variants over "
                      f"{len(cat.WRONG)} functions; release leaks: {len(leaks)}")
        console.print(f"mistakes named: {named} of {total} catalogued wrong variants "
                      f"({100 * named / max(total, 1):.0f} %) get feedback naming their misconception")
        for leak in leaks:
            console.print(f"LEAK {leak}")
        failures += len(leaks)
    console.print("validate: all as expected" if not failures else f"validate: {failures} problem(s)")
    return 0 if not failures else 1
