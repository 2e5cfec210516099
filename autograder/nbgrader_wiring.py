"""How the course's ``nbgrader_config.py`` plugs convgrade into nbgrader's pipelines.

Release: stock. Autograde: cells restored from the source notebook (``RestoreFromSource``
instead of ``OverwriteCells``, first, so nbgrader's own steps only ever see restored cells,
whatever JSON the student wrote) and executed by ``ExecuteWithChecks``; what the student's
notebook displays is sanitized (``SanitizeStudentContent``) before the autograded notebook is
kept for the formgrader, with each written answer's rubric beside it; late submissions lose
what ``convgrade.schedule`` says. Feedback: hidden test regions and rubrics are cleared
(stock nbgrader shows hidden tests) and student content is sanitized again before the HTML
is written.
"""
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests,
                                    ClearOutput, DeduplicateIds, GetGrades, IgnorePattern,
                                    LimitOutput, OverwriteKernelspec, SaveAutoGrades)

import hashlib
import re
import warnings
from pathlib import Path

import nbformat
from nbgrader.coursedir import CourseDirectory
from nbformat.v4 import new_markdown_cell
from nbgrader.preprocessors import NbGraderPreprocessor
from sqlalchemy.exc import SAWarning
from traitlets import Unicode

from . import nbgrader_api  # noqa: F401 - stamps new gradebooks without running ``alembic``
from .execute import ExecuteWithChecks
from .feedback import FeedbackExporter
from .restore import (COURSE_MARK, fresh_cell_id, grade_id, is_course_cell, is_grade,
                      is_solution, restore)
from .sanitize import SanitizeStudentContent
from .schedule import PenaltyPerDay


def configure(c, root=None):
    """Fill an nbgrader config object ``c`` for this course."""
    # nbgrader 0.9 trips SQLAlchemy 2's autoflush warnings on every save (nine per
    # autograde); they say nothing about the course, so nbgrader's own commands stay quiet
    warnings.filterwarnings("ignore", category=SAWarning)
    if root is not None:
        c.CourseDirectory.root = str(root)
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "assignments"
    c.Autograde.sanitize_preprocessors = [RestoreFromSource, ClearOutput, DeduplicateIds,
                                          OverwriteKernelspec, CheckCellMetadata]
    # sanitizing last: the scores are saved from the outputs as executed, and a written
    # answer's checksum (blank or not) from its text as written
    c.Autograde.autograde_preprocessors = [ExecuteWithChecks, IgnorePattern, ClearMetadataPreprocessor,
                                           LimitOutput, SaveAutoGrades, AssignLatePenalties,
                                           CheckCellMetadata, SanitizeStudentContent]
    c.AssignLatePenalties.plugin_class = PenaltyPerDay     # settings: convgrade.schedule
    c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, HideRubrics,
                                        SanitizeStudentContent, CSSHTMLHeaderPreprocessor]
    c.GenerateFeedback.exporter_class = FeedbackExporter
    c.ClearHiddenTests.enforce_metadata = False
    return c


SOLUTION = re.compile(r"### BEGIN SOLUTION[ \t]*\n(.*?)### END SOLUTION", re.S)


class SubmissionError(Exception):
    """A submitted notebook nbgrader must not grade (the reason is one line)."""


class RestoreFromSource(NbGraderPreprocessor):
    """nbgrader preprocessor form of :func:`restore`, used instead of ``OverwriteCells``.

    The source notebook is ``source_path`` when set, else found through nbgrader's course
    directory from the assignment and notebook being autograded. A submitted notebook that is
    a symbolic link is not graded: nbgrader has read it through the link, and what it points
    to may be anything the grader can read (the solutions, another student's notebook).
    """

    source_path = Unicode("", help="source notebook to restore from").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        coursedir = CourseDirectory(config=self.config)
        if all(info.get(key) for key in ("student", "assignment", "notebook")):
            submitted = Path(coursedir.format_path(coursedir.submitted_directory,
                                                   info["student"], info["assignment"]),
                             f"{info['notebook']}.ipynb")
            if submitted.is_symlink():
                raise SubmissionError(f"{info['student']}/{info['assignment']}/{submitted.name} is "
                                      "a symbolic link, not a notebook: it was not graded")
        path = self.source_path
        if not path:
            path = coursedir.format_path(coursedir.source_directory, ".", info["assignment"]) + \
                f"/{info['notebook']}.ipynb"
        source_nb = nbformat.read(path, as_version=4)
        release = Path(coursedir.format_path(coursedir.release_directory, ".", info["assignment"]),
                       f"{info['notebook']}.ipynb")
        release_nb = nbformat.read(release, as_version=4) if release.is_file() else None
        restored, notes = restore(nb, source_nb, release_nb)
        show_rubrics(restored, source_nb)
        for note in notes:
            self.log.warning(note)
        if isinstance(nb.get("metadata"), dict):
            restored.metadata = nb.metadata
        restored.metadata["convgrade"] = {"repairs": notes}
        return restored, resources


RUBRIC = "rubric"
RUBRIC_TITLE = "**Rubric, for the grader** (from the source notebook; never in the feedback)"


def show_rubrics(nb, source_nb) -> None:
    """After each written answer, a cell with its rubric (the solution region of the source
    cell), where the formgrader shows it next to the student's answer."""
    rubrics = {grade_id(c): SOLUTION.search(c.source) for c in source_nb.cells
               if c.cell_type == "markdown" and is_solution(c) and is_grade(c)}
    for index in range(len(nb.cells) - 1, -1, -1):
        found = rubrics.get(grade_id(nb.cells[index]))
        if found and is_solution(nb.cells[index]) and nb.cells[index].cell_type == "markdown":
            rubric = new_markdown_cell(f"{RUBRIC_TITLE}\n\n{found.group(1).strip()}",
                                       metadata={"convgrade": {RUBRIC: True, COURSE_MARK: True}})
            rubric.id = fresh_cell_id(nb, "rubric-" + hashlib.sha256(
                grade_id(nb.cells[index]).encode()).hexdigest()[:16])
            nb.cells.insert(index + 1, rubric)


def is_rubric(cell) -> bool:
    meta = cell.get("metadata", {}).get("convgrade")
    return isinstance(meta, dict) and meta.get(RUBRIC) is True and is_course_cell(cell)


class HideRubrics(NbGraderPreprocessor):
    """Feedback step: the rubric cells :func:`show_rubrics` added are for graders only."""

    def preprocess(self, nb, resources):
        nb.cells = [cell for cell in nb.cells if not is_rubric(cell)]
        return nb, resources
