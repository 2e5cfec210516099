"""Grades and feedback for a learning-management system.

``convgrade export --to canvas`` (or ``nbgrader export --exporter
convgrade.exports.CanvasExportPlugin``) writes the gradebook as the CSV Canvas's gradebook
import reads: the identity columns ``Student, ID, SIS User ID, SIS Login ID, Section``, a
``Points Possible`` row, then one column per assignment (its total after late penalties).
``--to moodle`` writes Moodle's grade import CSV (``Full name, Email address, ID number``,
then the assignments), mapped at import by email or ID number.

A roster CSV maps nbgrader's student ids to the LMS: a ``student_id`` column plus any of
``name``, ``canvas_id``, ``sis_user_id``, ``sis_login_id``, ``section``, ``email``,
``id_number``. A student missing from the roster keeps the name in the gradebook and their
nbgrader id as SIS user id and login. A student with no submission gets an empty cell (the
LMS keeps what it has), not a zero.

``convgrade feedback -o DIR`` zips each student's feedback pages (``feedback/<student>/``)
into ``DIR/<student>.zip`` for an LMS's per-student file upload.
"""
from __future__ import annotations

import csv
import zipfile
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin
from traitlets import Unicode

ROSTER_COLUMNS = ("student_id", "name", "canvas_id", "sis_user_id", "sis_login_id", "section",
                  "email", "id_number")
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS = "    Points Possible"          # the first cell of Canvas's own second row
MOODLE_IDENTITY = ("Full name", "Email address", "ID number")


class RosterError(ValueError):
    """The roster file cannot be used (the message says why, in one line)."""


def read_roster(path) -> dict:
    """``{nbgrader student id: {column: value}}`` from a roster CSV ('' for no roster)."""
    if not path:
        return {}
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise RosterError(f"cannot read the roster {path}: {error.strerror}") from None
    if rows and "student_id" not in rows[0]:
        raise RosterError(f"the roster {path} has no student_id column (columns: "
                          f"{', '.join(ROSTER_COLUMNS)})")
    return {row["student_id"].strip(): {k: (v or "").strip() for k, v in row.items() if k}
            for row in rows if (row.get("student_id") or "").strip()}


class LmsExportPlugin(ExportPlugin):
    """One row per student, one column per assignment; subclasses name the identity columns."""

    roster = Unicode("", help="CSV mapping nbgrader student ids to the LMS (columns: "
                     + ", ".join(ROSTER_COLUMNS) + ")").tag(config=True)
    default_name = "lms-grades.csv"
    header: tuple = ()                  # the identity columns, before one per assignment

    def identity(self, student, known: dict) -> list:
        """The identity columns of ``student`` (``known``: their roster row)."""
        raise NotImplementedError

    def points_row(self, maxima: list) -> list | None:
        return None

    def export(self, gradebook) -> None:
        roster = read_roster(self.roster)
        assignments = [a for a in gradebook.assignments
                       if not self.assignment or a.name in self.assignment]
        students = [s for s in gradebook.students if not self.student or s.id in self.student]
        header = list(self.header) + [a.name for a in assignments]
        rows = []
        points = self.points_row([a.max_score for a in assignments])
        if points is not None:
            rows.append(points)
        for student in sorted(students, key=lambda s: s.id):
            row = self.identity(student, roster.get(student.id, {}))
            for assignment in assignments:
                try:
                    row.append(f"{gradebook.find_submission(assignment.name, student.id).score:g}")
                except MissingEntry:
                    row.append("")
            rows.append(row)
        path = Path(self.to or self.default_name)
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        self.log.info("exported %d students to %s", len(students), path)


def _name(student, known) -> str:
    if known.get("name"):
        return known["name"]
    last, first = student.last_name or "", student.first_name or ""
    return f"{last}, {first}" if last and first else last or first or student.id


class CanvasExportPlugin(LmsExportPlugin):
    """Canvas's gradebook import CSV."""

    default_name = "canvas-grades.csv"
    header = CANVAS_IDENTITY

    def identity(self, student, known):
        return [_name(student, known), known.get("canvas_id", ""),
                known.get("sis_user_id") or student.id, known.get("sis_login_id") or student.id,
                known.get("section", "")]

    def points_row(self, maxima):
        return [CANVAS_POINTS, "", "", "", ""] + [f"{m:g}" for m in maxima]


class MoodleExportPlugin(LmsExportPlugin):
    """Moodle's grade import CSV."""

    default_name = "moodle-grades.csv"
    header = MOODLE_IDENTITY

    def identity(self, student, known):
        return [_name(student, known), known.get("email") or student.email or "",
                known.get("id_number") or student.id]


PLUGINS = {"canvas": CanvasExportPlugin, "moodle": MoodleExportPlugin}


def export(config, to: str, path, roster="", assignments=()) -> Path:
    """Write the class gradebook of ``config`` for LMS ``to`` into ``path``."""
    from nbgrader.api import Gradebook
    plugin = PLUGINS[to](to=str(path), roster=roster or "", assignment=list(assignments))
    read_roster(roster)                         # a bad roster fails before anything is written
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        plugin.export(gradebook)
    return Path(path)


def feedback_zips(class_dir, out, assignments=()) -> list:
    """One zip per student with their feedback pages, ``<assignment>/<notebook>.html``;
    returns the zips written."""
    written = []
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for student in sorted(p for p in Path(class_dir, "feedback").glob("*") if p.is_dir()):
        pages = sorted(page for page in student.glob("*/*.html")
                       if not assignments or page.parent.name in assignments)
        if not pages:
            continue
        target = out / f"{student.name}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for page in pages:
                archive.write(page, page.relative_to(student).as_posix())
        written.append(target)
    return written
