"""nbgrader configuration of the convgrade course.

The course root is this folder: instructor notebooks (nbgrader *source*) live in
``solutions/``, the student release in ``assignments/``. Autograding swaps nbgrader's stock
cell restoring and execution for convgrade's (test cells rebuilt from the source notebook,
verdicts decided by the grader process, not by the student's kernel), and feedback never
shows hidden tests.
"""
from convgrade import nbgrader_wiring

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)
nbgrader_wiring.configure(c)

# Due dates and late penalties (convgrade.schedule): uncomment and set for your term.
# c.DueDates.due = {"conv_layer": "2027-02-01 17:00:00 UTC"}
# c.PenaltyPerDay.per_day = 0.1         # share of the score lost per day (or part of one) late
# c.PenaltyPerDay.grace_minutes = 15
