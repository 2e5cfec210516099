"""How the course's ``nbgrader_config.py`` plugs convgrade into nbgrader's pipelines.

Release: stock. Autograde: cells restored from the source notebook (``RestoreFromSource``
instead of ``OverwriteCells``, first, so nbgrader's own steps only ever see restored cells,
whatever JSON the student wrote) and executed by ``ExecuteWithChecks``; what the student's
notebook displays is sanitized (``SanitizeStudentContent``) before the autograded notebook is
kept for the formgrader. Feedback: hidden test regions are cleared (stock nbgrader shows
them) and student content is sanitized again before the HTML is written.
"""
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests,
                                    ClearOutput, DeduplicateIds, GetGrades, IgnorePattern,
                                    LimitOutput, OverwriteKernelspec, SaveAutoGrades)

from . import policy
from .execute import ExecuteWithChecks
from .restore import RestoreFromSource
from .sanitize import SanitizeStudentContent


def configure(c, root=None):
    """Fill an nbgrader config object ``c`` for this course."""
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
    c.Execute.timeout = policy.CELL_TIMEOUT
    c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, SanitizeStudentContent,
                                        CSSHTMLHeaderPreprocessor]
    c.ClearHiddenTests.enforce_metadata = False
    return c
