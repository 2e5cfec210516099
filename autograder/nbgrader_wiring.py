"""How the course's ``nbgrader_config.py`` plugs convgrade into nbgrader's pipelines.

Release: stock. Autograde: cells restored from the source notebook (``RestoreFromSource``
instead of ``OverwriteCells``) and executed by ``ExecuteWithChecks``. Feedback: hidden test
regions are cleared before the HTML is written (stock nbgrader shows them).
"""
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests,
                                    ClearOutput, DeduplicateIds, GetGrades, IgnorePattern,
                                    LimitOutput, OverwriteKernelspec, SaveAutoGrades)

from . import policy
from .execute import ExecuteWithChecks
from .restore import RestoreFromSource


def configure(c, root=None):
    """Fill an nbgrader config object ``c`` for this course."""
    if root is not None:
        c.CourseDirectory.root = str(root)
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "assignments"
    c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec,
                                          RestoreFromSource, CheckCellMetadata]
    c.Autograde.autograde_preprocessors = [ExecuteWithChecks, IgnorePattern, ClearMetadataPreprocessor,
                                           LimitOutput, SaveAutoGrades, AssignLatePenalties,
                                           CheckCellMetadata]
    c.Execute.timeout = policy.CELL_TIMEOUT
    c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
    c.ClearHiddenTests.enforce_metadata = False
    return c
