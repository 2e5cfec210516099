"""The class gradebook's one writer: a graded submission becomes gradebook rows and files.

A worker (or a shard) grades into a gradebook of its own and hands back what nbgrader
computed (``convgrade.results``); :func:`record` copies it into the class: the automatic
scores, comments and late penalties into the class gradebook (the same fields nbgrader's
``SaveAutoGrades`` and ``AssignLatePenalties`` write, and by the same rules), the autograded
notebook and the feedback pages into the class folder, and last the ledger's marker.
Recording the same result twice leaves the same class behind.
"""
from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from nbgrader.coursedir import CourseDirectory

from .ledger import mark_done, mark_failed
from .nbgrader_api import graded_cells
from .results import GradedSubmission, relative_path


def record(config, gradebook, result: GradedSubmission) -> None:
    """Record ``result`` in the class ``config`` describes, through the open ``gradebook``."""
    class_dir = config.CourseDirectory.root
    if result.error:
        mark_failed(class_dir, result.assignment, result.student, result.error)
        return
    folders = CourseDirectory(config=config)
    autograded = Path(folders.format_path(folders.autograded_directory, result.student,
                                          result.assignment))
    _replace(autograded, result.autograded)
    scored_by_hand = save_grades(gradebook, result)
    if scored_by_hand:     # the worker's pages show automatic scores only: made here instead
        from .nbgrader_api import api, require
        require(api(config).generate_feedback(result.assignment, result.student, force=True),
                f"feedback for {result.student}/{result.assignment}")
    else:
        _replace(Path(folders.format_path(folders.feedback_directory, result.student,
                                          result.assignment)), result.feedback)
    mark_done(class_dir, result.assignment, result.student, result.fingerprint, result.sandboxed)


def save_grades(gradebook, result: GradedSubmission) -> bool:
    """Write ``result``'s automatic scores, comments and late penalties; a grade keeps a
    score a person gave it and is then flagged for review, as nbgrader flags it. Returns
    whether a person has scored or commented on any part of this submission."""
    gradebook.update_or_create_student(result.student)
    if result.timestamp:
        submission = gradebook.update_or_create_submission(
            result.assignment, result.student, timestamp=datetime.fromisoformat(result.timestamp))
    else:
        submission = gradebook.update_or_create_submission(result.assignment, result.student)
    notebooks = {notebook.name: notebook for notebook in submission.notebooks}
    by_hand = False
    for graded in result.notebooks:
        notebook = notebooks.get(graded.name)
        if notebook is None:          # not a notebook of this assignment in the class gradebook
            continue
        grades, comments = graded_cells(gradebook, notebook)
        for name, grade in grades.items():
            if name in graded.scores:
                grade.auto_score = graded.scores[name]
                grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
            by_hand |= grade.manual_score is not None
        for name, comment in comments.items():
            if name in graded.comments:
                comment.auto_comment = graded.comments[name]
            by_hand |= comment.manual_comment is not None
        notebook.late_submission_penalty = graded.late_penalty
    gradebook.db.commit()
    return by_hand


def _replace(folder: Path, files: dict) -> None:
    """``folder`` holding exactly ``files`` (relative path -> bytes)."""
    shutil.rmtree(folder, ignore_errors=True)
    for name, content in files.items():
        path = folder / relative_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
