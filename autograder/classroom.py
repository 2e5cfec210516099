"""``convgrade autograde``: a whole class through nbgrader's gradebook, on a Dask cluster.

Each submission (``submitted/<student>/<assignment>/``) is graded on a worker of the cluster
(``convgrade.cluster``; by default worker processes on this machine) by nbgrader with
convgrade's pipeline (see ``nbgrader_wiring``), into a gradebook of the worker's own
(``convgrade.submission_task``); this process alone records each result into the class
gradebook (``convgrade.recording``), which is SQLite by default or any database SQLAlchemy
reaches. A submission that cannot be graded is reported and the batch goes on; the scores
are exported to CSV at the end. ``--shard I/N`` grades one slice and writes portable results
that ``convgrade gather`` records.
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from distributed import as_completed
from distributed.scheduler import KilledWorker
import nbgrader.api
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins.export import CsvExportPlugin
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn,
                           TextColumn, TimeElapsedColumn, TimeRemainingColumn)
from rich.text import Text
from rich.table import Table
from sqlalchemy.engine import make_url

from . import policy, results
from .cluster import start_cluster
from .course import Course
from .ledger import is_done, status, was_sandboxed
from .nbgrader_api import api, course_config, require
from .recording import record
from .report import literal, not_graded, wide_console
from .results import GradedSubmission
from .sandbox import SandboxUnavailable, missing, sweep, unavailable
from .schedule import DueDates
from .submission import CannotGrade
from .submission_task import grade, read_task
from .workers import preload


def class_config(course: Course, class_dir: Path, db_url: str | None = None):
    """nbgrader config for a class run in ``class_dir`` on ``course``'s assignments; its
    gradebook is ``db_url`` (any SQLAlchemy URL) or ``class_dir/gradebook.db``."""
    class_dir = Path(class_dir).resolve()
    if class_dir == course.root:
        config = course_config(course.root, class_dir / "gradebook.db")
    else:
        config = course_config(course.root, class_dir / "gradebook.db", root=str(class_dir),
                               source_directory=str(course.solutions),
                               release_directory="release")
    if db_url:
        config.CourseDirectory.db_url = db_url
    return config


def shown_url(db_url: str) -> str:
    """A gradebook's URL as printed: an SQLite file's path, any other URL without its password."""
    if db_url.startswith("sqlite:///"):
        return db_url.removeprefix("sqlite:///")
    return make_url(db_url).render_as_string(hide_password=True)


class GradebookUnavailable(Exception):
    """The class gradebook cannot be opened (the message says why, in one line)."""


def check_gradebook(db_url: str) -> None:
    """Open the gradebook once, so that a wrong URL, a missing driver or a server that is
    down is said in one line before any grading (nbgrader would say it per submission)."""
    try:
        with Gradebook(db_url):
            pass
    except ModuleNotFoundError as error:
        raise GradebookUnavailable(f"{shown_url(db_url)}: its database driver ({error.name}) is "
                                   "not installed (PostgreSQL: pip install "
                                   "'convgrade[postgresql]')") from None
    except Exception as error:  # noqa: BLE001 - SQLAlchemy's and the driver's, with any URL
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise GradebookUnavailable(f"{shown_url(db_url)} cannot be opened: {first}") from None


def register(grader, course: Course, config, assignment: str) -> None:
    """Put ``assignment`` in the class's gradebook (nbgrader's generate_assignment), unless it
    is there already from the same source notebook."""
    source = course.source_notebook(assignment).read_bytes()
    digest = hashlib.sha256(source).hexdigest()
    done = Path(config.CourseDirectory.root, ".convgrade", "registered", f"{assignment}.json")
    url = shown_url(config.CourseDirectory.db_url)
    try:
        if json.loads(done.read_text()) == {"source": digest, "gradebook": url}:
            with Gradebook(config.CourseDirectory.db_url) as gradebook:
                gradebook.find_assignment(assignment)
            return
    except (OSError, ValueError, KeyError, MissingEntry):
        pass
    require(grader.generate_assignment(assignment, force=True), f"registering {assignment}")
    done.parent.mkdir(parents=True, exist_ok=True)
    done.write_text(json.dumps({"source": digest, "gradebook": url}))


def prepare_gradebook(course: Course, config, assignments, students) -> None:
    """Register ``assignments`` with their due dates, and ``students``, in the class gradebook."""
    course_id = CourseDirectory(config=config).course_id
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        # nbgrader files assignments under the course id ("" unless set) but never makes a
        # course row for "": a database that enforces foreign keys (PostgreSQL) needs one
        if not gradebook.db.query(nbgrader.api.Course).filter_by(id=course_id).count():
            gradebook.db.add(nbgrader.api.Course(id=course_id))
            gradebook.db.commit()
    grader = api(config)
    for assignment in sorted(set(assignments)):
        register(grader, course, config, assignment)
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        DueDates(config=config).apply(gradebook, sorted(set(assignments)))
        for student in sorted(set(students)):
            gradebook.update_or_create_student(student)


def submissions(class_dir: Path, assignments=()) -> list:
    """``(assignment, student)`` of every submitted notebook's folder, in a fixed order."""
    found = sorted({(p.parent.name, p.parent.parent.name)
                    for p in Path(class_dir, "submitted").glob("*/*/*.ipynb")})
    return [(a, s) for a, s in found if not assignments or a in assignments]


def shard_of(jobs: list, shard: tuple) -> list:
    """The ``index``-th of ``count`` slices of ``jobs`` (``shard = (index, count)``, from 1):
    every ``count``-th job from the ``index``-th, so the slices of a sorted list are disjoint,
    cover it, and differ in size by one at most."""
    index, count = shard
    return jobs[index - 1::count]


def grade_class(course: Course, class_dir, assignments=(), jobs=2, console=None, force=False,
                sandboxed=True, workers=None, scheduler=None, shard=None, results_dir=None,
                db_url=None) -> dict:
    """Autograde every submission under ``class_dir`` not graded yet (or all with ``force``);
    returns ``{(assignment, student): error}`` for the ones that could not be graded.

    The submissions are graded on a Dask cluster (``convgrade.cluster``): ``workers``, one
    started earlier with ``start_cluster`` (closed here), else ``scheduler``'s, else ``jobs``
    local workers. The results are recorded into the gradebook here, one at a time, as they
    come. With ``shard = (index, count)`` only that slice is graded, and each result is
    written to ``results_dir`` instead (``convgrade gather`` records them); the gradebook is
    not touched; otherwise a gradebook that cannot be opened raises
    :class:`GradebookUnavailable` before anything is graded.

    Safe to kill at any point and run again: a submission counts as graded only once its
    grades and feedback are written (or its result file, for a shard)."""
    console = console or wide_console()
    class_dir = Path(class_dir).resolve()
    with contextlib.ExitStack() as stack:
        if workers is not None:
            stack.enter_context(workers)     # closed however this ends
        config = class_config(course, class_dir, db_url)
        config.ExecuteWithChecks.sandbox = sandboxed
        if not shard:
            check_gradebook(config.CourseDirectory.db_url)
        if sandboxed and missing():
            raise SandboxUnavailable(missing())
        sweep()                      # what a grader killed before left behind
        found = submissions(class_dir, assignments)
        if shard:
            found = shard_of(found, shard)
            done = partial(results.is_written, results_dir, class_dir)
        else:
            done = partial(is_done, class_dir)
        todo = [job for job in found if force or not done(*job)]
        if not todo:
            console.print(f"every submission is graded already ({len(found)}; --force "
                          "regrades them)")
            return {}
        if len(todo) < len(found):
            console.print(f"{plural(len(found) - len(todo), 'submission')} graded already "
                          "(--force regrades them)")
        # the workers' first kernels start now (or started earlier) ...
        if workers is None:
            preload(assignments)
            workers = stack.enter_context(start_cluster(jobs, sandboxed, scheduler))
        with ThreadPoolExecutor(1) as side:
            probe = side.submit(unavailable) if sandboxed else None
            if shard:                            # ... while the gradebook is made ready
                deliver = partial(results.write, results_dir=results_dir)
            else:
                prepare_gradebook(course, config, [a for a, _ in todo], [s for _, s in todo])
                gradebook = stack.enter_context(Gradebook(config.CourseDirectory.db_url))
                deliver = partial(record, config, gradebook)
            if probe is not None and probe.result():
                raise SandboxUnavailable(probe.result())
        return _grade_all(workers, course, class_dir, todo, config, sandboxed, console, deliver)


def _grade_all(cluster, course, class_dir, todo, config, sandboxed, console, deliver) -> dict:
    """Hand ``todo`` to ``cluster`` a few at a time and ``deliver`` each result as it comes;
    returns the errors of the submissions that could not be graded."""
    failed, tasks = {}, {}
    waiting = iter(enumerate(todo))
    running = as_completed()

    def finish(result) -> None:
        deliver(result)
        if result.error:
            failed[result.job] = result.error
        progress.advance(bar)

    def hand_out() -> None:
        while running.count() < policy.TASKS_PER_WORKER * max(1, cluster.workers):
            index, (assignment, student) = next(waiting, (None, (None, None)))
            if index is None:
                return
            if not cluster.connected:
                finish(GradedSubmission.failed(assignment, student, "", "the cluster's scheduler "
                                               "was lost (run again to grade it)", sandboxed))
                continue
            standby = index < len(todo) - max(1, cluster.workers)   # a next task may follow
            try:
                task = read_task(course, class_dir, assignment, student, config, sandboxed, standby)
            except (CannotGrade, OSError, RuntimeError) as error:  # (no template: RuntimeError)
                finish(GradedSubmission.failed(assignment, student, "", error, sandboxed))
                continue
            try:
                future = cluster.submit(grade, task, key=task_key(task))
            except Exception as error:  # noqa: BLE001 - the cluster went away: the next run grades it
                finish(task.failed(f"the cluster could not take it: {type(error).__name__}: {error}"))
                continue
            tasks[future.key] = task
            running.add(future)

    with progress_bar(console) as progress:
        bar = progress.add_task(f"grading {plural(len(todo), 'submission')} on "
                                f"{plural(max(1, cluster.workers), 'worker')}", total=len(todo))
        hand_out()
        for future in running:
            task = tasks.pop(future.key)
            finish(outcome(future, task))
            future.release()
            hand_out()
    return failed


def task_key(task) -> str:
    """The cluster's name for grading ``task``: the same files are one task."""
    return f"convgrade-{task.assignment}-{task.student}-{task.fingerprint[:16]}"


def outcome(future, task) -> GradedSubmission:
    """What grading ``task`` gave; a worker lost too often, or the cluster lost, is a reason
    the submission was not graded (the next run grades it)."""
    try:
        return future.result()
    except KilledWorker as lost:
        return task.failed(f"the worker grading it stopped {plural(lost.allowed_failures + 1, 'time')}"
                           " (killed, or out of memory)")
    except Exception as error:  # noqa: BLE001 - one submission's failure never stops the batch
        return task.failed(f"grading stopped: {type(error).__name__}: {error}")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


class SecondsPerNotebook(ProgressColumn):
    """Wall seconds per graded notebook so far (the batch's elapsed time over the count)."""

    def render(self, task) -> Text:
        if not task.completed or task.elapsed is None:
            return Text("-- s/notebook")
        return Text(f"{task.elapsed / task.completed:.2f} s/notebook")


def progress_bar(console) -> Progress:
    """A batch's progress: count done, seconds per notebook, elapsed and remaining time (the
    estimate is rich's, from the rate so far)."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    SecondsPerNotebook(), TimeElapsedColumn(), TextColumn("ETA"),
                    TimeRemainingColumn(), console=console, transient=False)


def export_csv(config, path) -> None:
    """nbgrader's CSV export, plus a ``sandbox`` column ("sandboxed" or "unsandboxed") and a
    ``status`` column ("graded", "not graded: <reason>" or "no submission"): a submission that
    could not be graded must not read as a zero."""
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        CsvExportPlugin(to=str(path)).export(gradebook)
    class_dir = config.CourseDirectory.root
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0]) + ["sandbox", "status"] if rows else []
    for row in rows:
        row["status"] = status(class_dir, row["assignment"], row["student_id"])
        sandboxed = was_sandboxed(class_dir, row["assignment"], row["student_id"])
        row["sandbox"] = "" if sandboxed is None else "sandboxed" if sandboxed else "unsandboxed"
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def score_table(config, assignments, students, notes=None) -> Table:
    """Students by assignment, from the gradebook; "not graded" where a submission could not
    be graded (its reason is in the CSV and the lines below the table)."""
    notes = notes or {}
    out = Table(title="class scores (autograded points; written answers await manual grading)")
    out.add_column("student", no_wrap=True)
    for assignment in assignments:       # a score is never squeezed away by a narrow screen
        out.add_column(assignment, justify="right", no_wrap=True, min_width=len("99.9/99"))
    if notes:                            # who is who, below the table, wrapped to the screen
        out.caption = " · ".join(f"{student} {notes.get(student, '')}" for student in students)
        out.caption_justify = "left"
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        for student in students:
            row = [literal(student)]
            for assignment in assignments:
                state = status(config.CourseDirectory.root, assignment, student)
                if state.startswith("not graded"):
                    row.append(Text("not graded", "red"))
                    continue
                try:
                    sub = gradebook.find_submission(assignment, student)
                    row.append(f"{round(sub.score, 1):g}/{sub.max_score:g}")
                except MissingEntry:
                    row.append("-")
            out.add_row(*row)
    return out


def autograde_class(root=None, assignments=(), jobs=2, export="grades.csv", class_dir=None,
                    force=False, sandboxed=True, workers=None, scheduler=None, shard=None,
                    results_dir=None, db_url=None) -> int:
    """``convgrade autograde``; ``workers``, ``scheduler``, ``shard``: see :func:`grade_class`."""
    try:
        course = Course.find(root)
        class_dir = Path(class_dir or course.root).resolve()
        todo = submissions(class_dir, assignments)
    except BaseException:
        if workers is not None:
            workers.close()
        raise
    console = wide_console()
    if not todo:
        if workers is not None:
            workers.close()
        console.print(f"no submissions under {class_dir / 'submitted'} "
                      "(expected submitted/<student>/<assignment>/<notebook>.ipynb)")
        return 1
    if shard:
        results_dir = Path(results_dir or class_dir / "results").resolve()
    try:
        failed = grade_class(course, class_dir, assignments, jobs, console, force=force,
                             sandboxed=sandboxed, workers=workers, scheduler=scheduler,
                             shard=shard, results_dir=results_dir, db_url=db_url)
    except SandboxUnavailable as error:
        print(f"convgrade autograde: cannot grade for credit without the sandbox: {error}; "
              "--no-sandbox grades anyway, unsandboxed", file=sys.stderr)
        return 2
    except GradebookUnavailable as error:
        print(f"convgrade autograde: the gradebook {error}", file=sys.stderr)
        return 2
    if not sandboxed:
        console.print("[b]unsandboxed[/b]: student code ran as your user, outside the sandbox")
    if shard:
        index, count = shard
        console.print(f"shard {index}/{count}: results in {results_dir} (convgrade gather "
                      "records them into the gradebook)")
    else:
        config = class_config(course, class_dir, db_url)
        summarize(config, class_dir / export, sorted(set(todo)), failed, console)
    return _exit_status(failed, console)


def gather_class(root=None, results_dirs=(), export="grades.csv", class_dir=None,
                 db_url=None) -> int:
    """``convgrade gather``: record the result files under ``results_dirs`` (written by
    ``autograde --shard``) into the class gradebook. Idempotent: a result recorded twice, or
    gathered again, leaves the same gradebook and files."""
    course = Course.find(root)
    class_dir = Path(class_dir or course.root).resolve()
    console = wide_console()
    config = class_config(course, class_dir, db_url)
    found, rejected = [], {}
    for path in results.find(results_dirs):
        try:
            found.append(results.read(path))
        except results.ResultError as error:
            rejected[path] = str(error)
    for path, error in rejected.items():
        console.print(not_graded(str(path), f"not a result file: {error}"))
    if not found:
        console.print(f"no result files under {', '.join(map(str, results_dirs))}")
        return 1
    known = set(course.assignment_ids())
    for result in [r for r in found if r.assignment not in known]:
        rejected[f"{result.student}/{result.assignment}"] = "not an assignment of this course"
        console.print(not_graded(f"{result.student}/{result.assignment}", "not an assignment "
                                 "of this course"))
    found = [r for r in found if r.assignment in known]
    jobs = sorted({r.job for r in found})
    try:
        check_gradebook(config.CourseDirectory.db_url)
    except GradebookUnavailable as error:
        print(f"convgrade gather: the gradebook {error}", file=sys.stderr)
        return 2
    prepare_gradebook(course, config, [a for a, _ in jobs], [s for _, s in jobs])
    failed = {}
    with Gradebook(config.CourseDirectory.db_url) as gradebook, progress_bar(console) as progress:
        bar = progress.add_task(f"recording {plural(len(found), 'result')}", total=len(found))
        for result in found:
            record(config, gradebook, result)
            if result.error:
                failed[result.job] = result.error
            else:
                failed.pop(result.job, None)
            progress.advance(bar)
    summarize(config, class_dir / export, jobs, failed, console)
    return 1 if rejected else _exit_status(failed, console)


def summarize(config, export_path, jobs, failed, console) -> None:
    """The CSV export, the score table of ``jobs``, and why each failed one was not graded."""
    export_csv(config, export_path)
    console.print(score_table(config, sorted({a for a, _ in jobs}), sorted({s for _, s in jobs})))
    for (assignment, student), error in sorted(failed.items()):
        console.print(not_graded(f"{student}/{assignment}", error))
    console.print(f"gradebook: {shown_url(config.CourseDirectory.db_url)}\nCSV export: "
                  f"{export_path}\nfeedback HTML: {Path(config.CourseDirectory.root, 'feedback')}")


def _exit_status(failed, console) -> int:
    if failed:
        console.print(f"[red]{plural(len(failed), 'submission')} could not be graded[/red] "
                      "(status \"not graded\" in the table and the CSV)")
        return 1
    return 0
