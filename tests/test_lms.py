"""Grades leave for an LMS, and due dates cost what the course config says.

The exports are read back with the csv module and compared with the scores written into a
gradebook by hand through nbgrader's own API; the late penalty is computed here from the
config's numbers and the timestamps, and compared with what a real autograde run stored.
"""
from __future__ import annotations

import csv
import shutil
import subprocess

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import CONVGRADE, ROOT, release_nb, source_nb
from convgrade.classroom import class_config, export_csv, grade_class
from convgrade.course import Course
from convgrade.students import fill, solution_answers

SCORES = {("ada", "conv_layer"): 7.5, ("ada", "delta_zero"): 3.0, ("bo", "conv_layer"): 20.0}
MAXIMA = {"conv_layer": 22.0, "delta_zero": 4.0}


@pytest.fixture(scope="module")
def class_dir(tmp_path_factory):
    """A class folder whose gradebook holds hand-made scores: ada did both assignments, bo
    only conv_layer, cy nothing."""
    folder = tmp_path_factory.mktemp("lms")
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gb:
        for assignment, maximum in MAXIMA.items():
            gb.add_assignment(assignment)
            gb.add_notebook(assignment, assignment)
            gb.add_grade_cell("test_a", assignment, assignment, max_score=maximum, cell_type="code")
        gb.add_student("ada", first_name="Ada", last_name="Lovelace", email="ada@example.org")
        gb.add_student("bo", first_name="Bo", last_name="Diddley")
        gb.add_student("cy")
        for (student, assignment), score in SCORES.items():
            gb.add_submission(assignment, student)
            grade = gb.find_grade("test_a", assignment, assignment, student)
            grade.auto_score = score
        gb.db.commit()
    (folder / "roster.csv").write_text("student_id,name,canvas_id,sis_user_id,sis_login_id,section,email\n"
                                       "ada,\"Lovelace, Ada\",101,S-1,ada1,Sec A,ada@uni.example\n"
                                       "bo,,102,S-2,bo2,Sec B,\n")
    return folder


def _export(class_dir, *args):
    return subprocess.run([*CONVGRADE, "--course", str(ROOT), "export", "--class-dir", str(class_dir),
                           *args], capture_output=True, text=True, timeout=120)


def test_canvas_csv_has_canvas_import_header_points_row_and_roster_ids(class_dir):
    out = class_dir / "canvas.csv"
    proc = _export(class_dir, "--to", "canvas", "--roster", str(class_dir / "roster.csv"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(out.open()))
    # Canvas's gradebook import: these five identity columns first, then one per assignment
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "conv_layer", "delta_zero"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][5:] == ["22", "4"]
    by_student = {r[3]: r for r in rows[2:]}
    assert by_student["ada1"][:5] == ["Lovelace, Ada", "101", "S-1", "ada1", "Sec A"]
    assert [float(v) for v in by_student["ada1"][5:]] == [7.5, 3.0]
    assert by_student["bo2"][0] == "Diddley, Bo"              # no name in the roster: the gradebook's
    assert float(by_student["bo2"][5]) == 20 and by_student["bo2"][6] == ""   # no submission: empty
    assert by_student["cy"][1:4] == ["", "cy", "cy"]          # not in the roster: nbgrader's id
    assert all(cell == "" for cell in by_student["cy"][5:])


def test_moodle_csv_maps_by_email_and_id_number(class_dir):
    out = class_dir / "moodle.csv"
    proc = _export(class_dir, "--to", "moodle", "--roster", str(class_dir / "roster.csv"),
                   "-o", str(out), "conv_layer")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["Full name", "Email address", "ID number", "conv_layer"]
    assert rows[1] == ["Lovelace, Ada", "ada@uni.example", "ada", "7.5"]
    assert rows[2][1:] == ["", "bo", "20"]


def test_a_roster_without_student_ids_is_refused_in_one_line(class_dir):
    bad = class_dir / "bad-roster.csv"
    bad.write_text("name,email\nAda,ada@example.org\n")
    proc = _export(class_dir, "--roster", str(bad), "-o", str(class_dir / "x.csv"))
    assert proc.returncode == 2 and "no student_id column" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and not (class_dir / "x.csv").exists()


# -- due dates and late penalties, through a real autograde ------------------------------------------

PER_DAY = 0.25
DUE = "2027-02-01 17:00:00 UTC"
TIMESTAMPS = {"early": "2027-02-01 16:59:00.000000 UTC",
              "grace": "2027-02-01 17:10:00.000000 UTC",        # inside 15 minutes of grace
              "late": "2027-02-03 05:00:00.000000 UTC"}         # 36 h late: two days begun


@pytest.fixture(scope="module")
def late_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("course-with-due-dates")
    shutil.copytree(ROOT / "solutions" / "conv_layer", root / "solutions" / "conv_layer")
    shutil.copytree(ROOT / "assignments" / "conv_layer", root / "assignments" / "conv_layer")
    config = (ROOT / "nbgrader_config.py").read_text()
    config += (f"\nc.DueDates.due = {{'conv_layer': '{DUE}'}}\n"
               f"c.PenaltyPerDay.per_day = {PER_DAY}\nc.PenaltyPerDay.grace_minutes = 15\n")
    (root / "nbgrader_config.py").write_text(config)
    solved = fill(release_nb(), solution_answers(source_nb()))
    for student, stamp in TIMESTAMPS.items():
        folder = root / "submitted" / student / "conv_layer"
        folder.mkdir(parents=True)
        nbformat.write(solved, folder / "conv_layer.ipynb")
        (folder / "timestamp.txt").write_text(stamp)
    course = Course(root)
    assert grade_class(course, root, ["conv_layer"], jobs=2) == {}
    export_csv(class_config(course, root), root / "grades.csv")
    return {r["student_id"]: r for r in csv.DictReader((root / "grades.csv").open())}


def test_due_dates_change_the_late_penalty_in_the_csv(late_class):
    for student in TIMESTAMPS:
        assert late_class[student]["duedate"].startswith("2027-02-01 17:00:00")
        assert float(late_class[student]["raw_score"]) == 20
    assert float(late_class["early"]["late_submission_penalty"]) == 0
    assert float(late_class["grace"]["late_submission_penalty"]) == 0
    assert float(late_class["late"]["late_submission_penalty"]) == 20 * PER_DAY * 2
    assert float(late_class["late"]["score"]) == 20 * (1 - 2 * PER_DAY)
