"""Due dates and late penalties, set per assignment in the course's ``nbgrader_config.py``::

    c.DueDates.due = {"conv_layer": "2027-02-01 17:00:00 UTC"}
    c.PenaltyPerDay.per_day = 0.1         # share of the score lost per day (or part of one) late
    c.PenaltyPerDay.grace_minutes = 15    # late by less than this counts as on time

``convgrade autograde`` writes the due dates into the gradebook before grading; nbgrader's
``AssignLatePenalties`` step then charges :class:`PenaltyPerDay` against each notebook that
was submitted after its due date (the submission's time is the ``timestamp.txt`` nbgrader's
``collect`` writes beside it), and the CSV shows ``duedate``, ``timestamp``, ``raw_score``,
``late_submission_penalty`` and ``score``. Without a due date nothing is late.
"""
from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Dict, Float, Unicode
from traitlets.config import Configurable


class DueDates(Configurable):
    """The due date of each assignment (nbgrader's date format, in UTC unless it says)."""

    due = Dict(value_trait=Unicode(), help="assignment id -> due date, e.g. "
               "'2027-02-01 17:00:00 UTC'").tag(config=True)

    def apply(self, gradebook, assignments) -> None:
        """Write the due dates of ``assignments`` into ``gradebook`` (None where none is set,
        so a due date removed from the config is removed from the gradebook too)."""
        for assignment in assignments:
            gradebook.update_or_create_assignment(assignment, duedate=self.due.get(assignment))


class PenaltyPerDay(LateSubmissionPlugin):
    """Late penalty: ``per_day`` of the notebook's score for every day, or part of a day, the
    submission is late after ``grace_minutes``; never more than the score."""

    per_day = Float(0.0, min=0.0, max=1.0, help="share of the score lost per day late "
                    "(0 to 1)").tag(config=True)
    grace_minutes = Float(0.0, min=0.0, help="minutes late that still count as on time"
                          ).tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        late = total_seconds_late - 60 * self.grace_minutes
        if late <= 0 or not self.per_day:
            return None
        return min(score, score * self.per_day * math.ceil(late / 86400))
