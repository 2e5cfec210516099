"""One submission of a class batch, graded wherever a worker runs.

The coordinator reads a submission into a :class:`SubmissionTask` (its files as bytes, the
class's nbgrader settings, the assignment's template gradebook), so a worker needs only the
course, not the class folder. The worker (:func:`grade`) autogrades it with nbgrader's
pipeline into a gradebook of its own, a fresh copy of that template, writes the feedback
pages, and returns what
nbgrader computed as a :class:`~convgrade.results.GradedSubmission`. It never touches the
class gradebook: the coordinator alone records results (``convgrade.recording``).
"""
from __future__ import annotations

import atexit
import copy
import hashlib
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from .course import Course
from .ledger import fingerprint, submission_folder
from .results import GradedNotebook, GradedSubmission
from .submission import collect_files, read_notebook_bytes


@dataclass(frozen=True)
class SubmissionTask:
    """``student``'s ``assignment`` as submitted: ``files`` maps each notebook and other
    regular file to its bytes (relative names), ``refused`` has a line for each file left out,
    ``fingerprint`` is the digest the ledger marks graded. ``config``: the class's nbgrader
    settings (due dates, penalties, limits); ``template``: the assignment's template gradebook
    (:func:`template_gradebook`), an SQLite file's bytes; ``standby``: start the worker's
    next kernel as soon as this one is done."""
    course_root: str
    assignment: str
    student: str
    fingerprint: str
    files: dict
    refused: tuple
    config: object
    template: bytes
    sandboxed: bool = True
    standby: bool = False

    @property
    def job(self) -> tuple:
        return self.assignment, self.student

    def failed(self, reason) -> GradedSubmission:
        return GradedSubmission.failed(self.assignment, self.student, self.fingerprint, reason,
                                       self.sandboxed)


def read_task(course: Course, class_dir, assignment, student, config, sandboxed=True,
              standby=False) -> SubmissionTask:
    """The submission in ``class_dir/submitted/<student>/<assignment>``: its notebooks and its
    other regular files, never a link, device or FIFO (nbgrader's own copy would follow a
    link, or block on a FIFO). Raises ``CannotGrade`` when a notebook is not a regular file."""
    source = submission_folder(class_dir, assignment, student)
    digest = fingerprint(class_dir, assignment, student)
    files = {notebook.name: read_notebook_bytes(notebook, notebook.name)
             for notebook in sorted(source.glob("*.ipynb"))}
    found = collect_files(source)
    files.update(found.files)
    return SubmissionTask(str(course.root), assignment, student, digest, files,
                          tuple(found.refused), config, template_gradebook(course, assignment, config),
                          sandboxed, standby)


def grade(task: SubmissionTask) -> GradedSubmission:
    """Autograde ``task`` and write its feedback in this process's scratch folder; what
    nbgrader computed, or why the submission could not be graded."""
    from sqlalchemy.exc import SAWarning
    from .nbgrader_api import api
    # nbgrader 0.9 trips SQLAlchemy 2's autoflush warnings on every save; they are not ours
    warnings.filterwarnings("ignore", category=SAWarning)
    try:
        course = Course.find(task.course_root)
    except Exception as error:  # noqa: BLE001 - no course on this worker: say so, go on
        return task.failed(f"no course to grade {task.assignment} with: {error}")
    scratch = _scratch()
    config = _scratch_config(task, course, scratch)
    folder = Path(scratch, "submitted", task.student, task.assignment)
    for name, content in task.files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    # the same file each time, rewritten: this process's gradebook engine stays the same
    # (nbgrader_api.shared_engine), with the queries it compiled
    Path(scratch, "gradebook.db").write_bytes(task.template)
    grader = api(config)
    for attempt in range(3):                    # a kernel slow to start passes
        result = grader.autograde(task.assignment, task.student, force=True, create=True)
        if result.get("success"):
            break
        time.sleep(1.0 + attempt)
    if not result.get("success"):
        lines = [ln for ln in str(result.get("log") or result.get("error") or "").splitlines()
                 if "Error" in ln and "Please see" not in ln]
        return task.failed(lines[-1].strip() if lines else "autograde failed")
    if not grader.generate_feedback(task.assignment, task.student, force=True).get("success"):
        return task.failed("feedback failed")
    timestamp, notebooks = _entries(config.CourseDirectory.db_url, task.assignment, task.student)
    return GradedSubmission(
        task.assignment, task.student, task.fingerprint, task.sandboxed, timestamp, notebooks,
        autograded=_files(Path(scratch, "autograded", task.student, task.assignment)),
        feedback=_files(Path(scratch, "feedback", task.student, task.assignment)))


_TEMPLATES: dict = {}


def template_gradebook(course: Course, assignment: str, config) -> bytes:
    """An SQLite gradebook holding ``assignment`` alone, as nbgrader's generate_assignment
    registers it (its notebooks and cells), with its due date: each submission is
    autograded into a fresh copy. Made once per batch process and source notebook, by the
    coordinator, never by each worker."""
    from nbgrader.api import Gradebook
    from .nbgrader_api import api, course_config, forget_engine, require
    from .schedule import DueDates
    due = DueDates(config=config)
    source = hashlib.sha256(course.source_notebook(assignment).read_bytes()).hexdigest()
    key = (str(course.root), assignment, source, due.due.get(assignment))
    if key not in _TEMPLATES:
        with tempfile.TemporaryDirectory(prefix="convgrade-template-") as made:
            settings = course_config(course.root, Path(made, "gradebook.db"), root=made,
                                     source_directory=str(course.solutions),
                                     release_directory="release")
            require(api(settings).generate_assignment(assignment, force=True),
                    f"registering {assignment}")
            with Gradebook(settings.CourseDirectory.db_url) as gradebook:
                due.apply(gradebook, [assignment])
            forget_engine(settings.CourseDirectory.db_url)
            _TEMPLATES[key] = Path(made, "gradebook.db").read_bytes()
    return _TEMPLATES[key]


def _scratch_config(task: SubmissionTask, course: Course, scratch: Path):
    """The class's settings, pointed at this worker's scratch folder and gradebook."""
    config = copy.deepcopy(task.config)
    folders = config.CourseDirectory
    folders.root = str(scratch)
    folders.db_url = f"sqlite:///{scratch / 'gradebook.db'}"
    folders.source_directory = str(course.solutions)
    folders.release_directory = str(course.assignments)
    folders.submitted_directory = "submitted"
    folders.autograded_directory = "autograded"
    folders.feedback_directory = "feedback"
    config.ExecuteWithChecks.refused_files = list(task.refused)
    config.ExecuteWithChecks.standby = task.standby
    config.ExecuteWithChecks.sandbox = task.sandboxed
    return config


def _entries(db_url, assignment, student) -> tuple:
    """The submission time and each notebook's scores, comments and late penalty, as
    nbgrader saved them in the worker's gradebook."""
    from nbgrader.api import Gradebook
    from .nbgrader_api import graded_cells
    with Gradebook(db_url) as gradebook:
        found = gradebook.find_submission(assignment, student)
        timestamp = found.timestamp.isoformat() if found.timestamp else None
        notebooks = []
        for notebook in sorted(found.notebooks, key=lambda n: n.name):
            grades, comments = graded_cells(gradebook, notebook)
            notebooks.append(GradedNotebook(
                notebook.name, {name: grade.auto_score for name, grade in grades.items()},
                {name: comment.auto_comment for name, comment in comments.items()},
                notebook.late_submission_penalty))
    return timestamp, tuple(notebooks)


def _files(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()} if folder.is_dir() else {}


# -- this process's scratch folder ------------------------------------------------------------

_SCRATCH = Path(tempfile.gettempdir(), "convgrade-workers")
_own_scratch: dict = {}


def _scratch() -> Path:
    """This process's scratch folder, emptied of the last submission (its gradebook file is
    kept and rewritten). Folders of processes that are gone are removed the first time."""
    pid = os.getpid()
    if pid not in _own_scratch:
        _SCRATCH.mkdir(mode=0o700, exist_ok=True)
        for folder in _SCRATCH.iterdir():
            if folder.name.isdigit() and not _alive(int(folder.name)):
                shutil.rmtree(folder, ignore_errors=True)
        _own_scratch[pid] = _SCRATCH / str(pid)
        _own_scratch[pid].mkdir(exist_ok=True)
        atexit.register(shutil.rmtree, _own_scratch[pid], True)
        from multiprocessing.util import Finalize   # a forked worker runs these, not atexit's
        Finalize(None, shutil.rmtree, (_own_scratch[pid], True), exitpriority=5)
    for part in ("submitted", "autograded", "feedback"):
        shutil.rmtree(_own_scratch[pid] / part, ignore_errors=True)
    return _own_scratch[pid]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
