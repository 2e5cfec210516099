"""``convgrade autograde``: a whole class through nbgrader's gradebook, in parallel.

Each submission (``submitted/<student>/<assignment>/``) is autograded by nbgrader with
convgrade's pipeline (see ``nbgrader_wiring``) in one of ``jobs`` worker processes, then gets
its feedback HTML; a submission that cannot be graded is reported and the batch goes on.
The gradebook is SQLite by default; the scores are exported to CSV at the end.
"""
from __future__ import annotations

import contextlib
import csv
import copy
import hashlib
import shutil
import tempfile
import json
import os
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins.export import CsvExportPlugin
from sqlalchemy.exc import SAWarning
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn,
                           TextColumn, TimeElapsedColumn, TimeRemainingColumn)
from rich.text import Text
from rich.table import Table

from .course import Course
from .nbgrader_api import api, course_config, require
from .report import literal, not_graded, wide_console
from .sandbox import SandboxUnavailable, missing, sweep, unavailable
from .schedule import DueDates
from .submission import CannotGrade, collect_files, read_notebook_bytes
from .workers import preload, start_workers, starts_next_kernel

_worker_config = None


def class_config(course: Course, class_dir: Path):
    """nbgrader config for a class run in ``class_dir`` on ``course``'s assignments."""
    class_dir = Path(class_dir).resolve()
    if class_dir == course.root:
        return course_config(course.root, class_dir / "gradebook.db")
    return course_config(course.root, class_dir / "gradebook.db", root=str(class_dir),
                         source_directory=str(course.solutions), release_directory="release")


def _configure(config) -> None:
    """A worker's settings for the batch, taken from its first task."""
    global _worker_config
    if _worker_config is None:
        # nbgrader 0.9 trips SQLAlchemy 2's autoflush warnings on every save; they are not ours
        warnings.filterwarnings("ignore", category=SAWarning)
        _worker_config = config


def fingerprint(class_dir: Path, assignment: str, student: str) -> str:
    """A digest of a submission's files, so a changed resubmission is graded again."""
    digest = hashlib.sha256()
    for path in sorted(Path(class_dir, "submitted", student, assignment).rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def marker(class_dir: Path, assignment: str, student: str) -> Path:
    return Path(class_dir, ".convgrade", "done", assignment, f"{student}.json")


def is_done(class_dir, assignment, student) -> bool:
    path = marker(class_dir, assignment, student)
    try:
        return json.loads(path.read_text())["fingerprint"] == fingerprint(class_dir, assignment, student)
    except (OSError, ValueError, KeyError):
        return False


def failure_marker(class_dir: Path, assignment: str, student: str) -> Path:
    return Path(class_dir, ".convgrade", "not-graded", assignment, f"{student}.json")


def mark_failed(class_dir, assignment, student, reason: str) -> None:
    """Remember why a submission could not be graded, for the table and the CSV of later runs."""
    path = failure_marker(class_dir, assignment, student)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"reason": reason}))


def status(class_dir, assignment, student) -> str:
    """"graded", "not graded: <reason>", or "no submission"."""
    if is_done(class_dir, assignment, student):
        return "graded"
    if not Path(class_dir, "submitted", student, assignment).is_dir():
        return "no submission"
    try:
        reason = json.loads(failure_marker(class_dir, assignment, student).read_text())["reason"]
    except (OSError, ValueError, KeyError, TypeError):
        reason = "not graded yet"
    return f"not graded: {reason}"


def mark_done(class_dir, assignment, student, sandboxed=True) -> None:
    """Written last, atomically: a batch killed before this line grades the submission again."""
    failure_marker(class_dir, assignment, student).unlink(missing_ok=True)
    path = marker(class_dir, assignment, student)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"fingerprint": fingerprint(class_dir, assignment, student),
                               "sandboxed": sandboxed}))
    os.replace(tmp, path)


def stage(class_dir: Path, assignment: str, student: str, into: Path) -> list:
    """Copy a submission into ``into/<student>/<assignment>``, where nbgrader reads it: its
    notebooks and its other regular files, never a link, device or FIFO (nbgrader's own copy
    would follow a link, or block on a FIFO). Returns one line per thing refused; raises
    ``CannotGrade`` when a notebook itself is not a regular file."""
    source = Path(class_dir, "submitted", student, assignment)
    target = into / student / assignment
    target.mkdir(parents=True)
    for notebook in sorted(source.glob("*.ipynb")):
        (target / notebook.name).write_bytes(read_notebook_bytes(notebook, notebook.name))
    found = collect_files(source)
    for name, content in found.files.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(content)
    return list(found.refused)


def _grade_one(job, config, standby=True):
    """Autograde and write feedback for one submission, in a worker; returns ``(job, error or
    None)``. ``config``: the batch's nbgrader config; ``standby``: start this worker's next
    kernel as soon as this one is done."""
    _configure(config)
    assignment, student = job
    class_dir = Path(_worker_config.CourseDirectory.root)
    with tempfile.TemporaryDirectory(prefix="staged-", dir=staging_folder(class_dir)) as staged:
        try:
            refused = stage(class_dir, assignment, student, Path(staged))
        except (CannotGrade, OSError) as error:
            return job, str(error)
        config = copy.deepcopy(_worker_config)
        config.CourseDirectory.submitted_directory = staged
        config.ExecuteWithChecks.refused_files = refused
        config.ExecuteWithChecks.standby = standby
        grader = api(config)
        for attempt in range(3):       # a locked gradebook or a kernel slow to start passes
            result = grader.autograde(assignment, student, force=True, create=True)
            if result.get("success"):
                break
            time.sleep(1.0 + attempt)
    if not result.get("success"):
        lines = [ln for ln in str(result.get("log") or result.get("error") or "").splitlines()
                 if "Error" in ln and "Please see" not in ln]
        return job, (lines[-1].strip() if lines else "autograde failed")[-300:]
    feedback = api(_worker_config).generate_feedback(assignment, student, force=True)
    if not feedback.get("success"):
        return job, "feedback failed"
    mark_done(class_dir, assignment, student,
              sandboxed=bool(_worker_config.ExecuteWithChecks.get("sandbox", True)))
    return job, None


def staging_folder(class_dir: Path) -> Path:
    """Where submissions are staged for nbgrader; emptied when a batch starts (a batch that
    was killed leaves its staged copies there)."""
    folder = Path(class_dir, ".convgrade", "staged")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def register(grader, course: Course, class_dir: Path, assignment: str) -> None:
    """Put ``assignment`` in the class's gradebook (nbgrader's generate_assignment), unless it
    is there already from the same source notebook."""
    source = course.source_notebook(assignment).read_bytes()
    digest = hashlib.sha256(source).hexdigest()
    done = Path(class_dir, ".convgrade", "registered", f"{assignment}.json")
    try:
        if json.loads(done.read_text())["source"] == digest and Path(class_dir, "gradebook.db").exists():
            return
    except (OSError, ValueError, KeyError):
        pass
    require(grader.generate_assignment(assignment, force=True), f"registering {assignment}")
    done.parent.mkdir(parents=True, exist_ok=True)
    done.write_text(json.dumps({"source": digest}))


def submissions(class_dir: Path, assignments=()) -> list:
    found = sorted((p.parent.name, p.parent.parent.name)
                   for p in Path(class_dir, "submitted").glob("*/*/*.ipynb"))
    found = sorted(set(found))
    return [(a, s) for a, s in found if not assignments or a in assignments]


def grade_class(course: Course, class_dir, assignments=(), jobs=2, console=None, force=False,
                sandboxed=True, workers=None) -> dict:
    """Autograde every submission under ``class_dir`` not graded yet (or all with ``force``);
    returns ``{(assignment, student): error}`` for the ones that could not be graded.

    Safe to kill at any point and run again: a submission counts as graded only once its
    grades and feedback are written, and regrading one overwrites its gradebook entry.
    ``workers``: a pool from ``workers.start_workers`` started earlier (else one is started
    here); it is shut down at the end."""
    console = console or wide_console()
    with contextlib.ExitStack() as stack:
        if workers is not None:
            stack.enter_context(workers)     # shut down however this ends
        config = class_config(course, class_dir)
        config.ExecuteWithChecks.sandbox = sandboxed
        config.ExecuteWithChecks.standby = True      # each worker starts its next kernel early
        if sandboxed and missing():
            raise SandboxUnavailable(missing())
        sweep()                      # what a grader killed before left behind
        shutil.rmtree(staging_folder(class_dir), ignore_errors=True)
        found = submissions(class_dir, assignments)
        todo = [job for job in found if force or not is_done(class_dir, *job)]
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
            workers = stack.enter_context(start_workers(jobs, sandboxed))
        with ThreadPoolExecutor(1) as side:
            probe = side.submit(unavailable) if sandboxed else None
            grader = api(config)                 # ... while the gradebook is made ready
            for assignment in sorted({a for a, _ in todo}):
                register(grader, course, class_dir, assignment)
            with Gradebook(config.CourseDirectory.db_url) as gradebook:
                DueDates(config=config).apply(gradebook, sorted({a for a, _ in todo}))
                for student in sorted({s for _, s in todo}):
                    gradebook.update_or_create_student(student)
            if probe is not None and probe.result():
                raise SandboxUnavailable(probe.result())
        return _grade_all(workers, todo, config, jobs, console)


def _grade_all(workers, todo, config, jobs, console) -> dict:
    failed = {}
    with progress_bar(console) as progress:
        task = progress.add_task(f"grading {plural(len(todo), 'submission')} on "
                                 f"{plural(jobs, 'worker')}", total=len(todo))
        standby = starts_next_kernel(len(todo), jobs)
        for future in as_completed([workers.submit(_grade_one, job, config, next_kernel)
                                    for job, next_kernel in zip(todo, standby)]):
            job, error = future.result()
            if error:
                failed[job] = error
                mark_failed(Path(config.CourseDirectory.root), *job, error)
            progress.advance(task)
    return failed


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
        try:
            done = json.loads(marker(class_dir, row["assignment"], row["student_id"]).read_text())
            row["sandbox"] = "sandboxed" if done.get("sandboxed", True) else "unsandboxed"
        except (OSError, ValueError):
            row["sandbox"] = ""
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
                    force=False, sandboxed=True, workers=None) -> int:
    """``convgrade autograde``; ``workers``: see :func:`grade_class`."""
    try:
        course = Course.find(root)
    except BaseException:
        if workers is not None:
            workers.shutdown()
        raise
    class_dir = Path(class_dir or course.root)
    console = wide_console()
    todo = submissions(class_dir, assignments)
    if not todo:
        if workers is not None:
            workers.shutdown()
        console.print(f"no submissions under {class_dir / 'submitted'} "
                      "(expected submitted/<student>/<assignment>/<notebook>.ipynb)")
        return 1
    try:
        failed = grade_class(course, class_dir, assignments, jobs, console, force=force,
                             sandboxed=sandboxed, workers=workers)
    except SandboxUnavailable as error:
        print(f"convgrade autograde: cannot grade for credit without the sandbox: {error}; "
              "--no-sandbox grades anyway, unsandboxed", file=sys.stderr)
        return 2
    config = class_config(course, class_dir)
    if not sandboxed:
        console.print("[b]unsandboxed[/b]: student code ran as your user, outside the sandbox")
    export_csv(config, class_dir / export)
    ids = sorted({a for a, _ in todo})
    console.print(score_table(config, ids, sorted({s for _, s in todo})))
    for (assignment, student), error in sorted(failed.items()):
        console.print(not_graded(f"{student}/{assignment}", error))
    gradebook = config.CourseDirectory.db_url.removeprefix("sqlite:///")
    console.print(f"gradebook: {gradebook}\nCSV export: {class_dir / export}\n"
                  f"feedback HTML: {class_dir / 'feedback'}")
    if failed:
        console.print(f"[red]{plural(len(failed), 'submission')} could not be graded[/red] "
                      "(status \"not graded\" in the table and the CSV)")
        return 1
    return 0
