"""Feedback goes back to the student: through nbgrader's exchange (a JupyterHub course:
release, fetch, submit, collect, ``convgrade autograde``, release_feedback, fetch_feedback),
and as one zip per student for an LMS upload."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import zipfile

import nbformat
import pytest
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import (ExchangeFetchAssignment, ExchangeFetchFeedback,
                                       ExchangeSubmit)
from traitlets.config import Config

from conftest import CONVGRADE, ROOT, source_nb
from convgrade.classroom import class_config, grade_class
from convgrade.course import Course
from convgrade.nbgrader_api import api, require
from convgrade.students import solution_answers

COURSE_ID = "convgrade101"


@contextlib.contextmanager
def _in(folder):
    """nbgrader's student commands work in the working directory, as a student's do."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _student_side(exchange, home):
    config = Config()
    config.Exchange.root = str(exchange)
    config.CourseDirectory.course_id = COURSE_ID
    config.CourseDirectory.root = str(home)
    config.CourseDirectory.assignment_id = "conv_layer"
    coursedir = CourseDirectory(config=config)
    return dict(coursedir=coursedir, authenticator=Authenticator(config=config), config=config)


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    base = tmp_path_factory.mktemp("hub")
    root, exchange, home = base / "course", base / "exchange", base / "student"
    for part in ("solutions/conv_layer", "assignments/conv_layer"):
        shutil.copytree(ROOT / part, root / part)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    exchange.mkdir(mode=0o777)
    home.mkdir()
    course = Course(root)
    config = class_config(course, root)
    config.Exchange.root = str(exchange)
    config.CourseDirectory.course_id = COURSE_ID
    instructor = api(config)
    require(instructor.release_assignment("conv_layer"), "release_assignment")
    student = _student_side(exchange, home)
    with _in(home):
        ExchangeFetchAssignment(**student).start()
    notebook = home / "conv_layer" / "conv_layer.ipynb"
    nb = nbformat.read(notebook, 4)
    for cell in nb.cells:                       # the student answers dense_param_count only
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "dense_param_count":
            cell.source = solution_answers(source_nb())["dense_param_count"]
    nbformat.write(nb, notebook)
    with _in(home):
        ExchangeSubmit(**student).start()
    require(instructor.collect("conv_layer"), "collect")
    submitted = list((root / "submitted").glob("*/conv_layer/conv_layer.ipynb"))
    assert len(submitted) == 1
    assert grade_class(course, root, ["conv_layer"], jobs=1) == {}
    require(instructor.release_feedback("conv_layer"), "release_feedback")
    with _in(home):
        ExchangeFetchFeedback(**student).start()
    return root, home, submitted[0].parent.parent.name


def test_feedback_reaches_the_student_through_the_exchange(round_trip):
    _root, home, _sid = round_trip
    pages = list((home / "conv_layer" / "feedback").glob("*/conv_layer.html"))
    assert len(pages) == 1
    page = pages[0].read_text()
    assert "test_dense_param_count" in page and "HIDDEN TESTS" not in page and "Rubric" not in page
    assert "not answered yet" in page                     # the grader's verdicts are in it


def test_one_feedback_zip_per_student_for_an_lms(round_trip, tmp_path):
    root, _home, sid = round_trip
    proc = subprocess.run([*CONVGRADE, "--course", str(root), "feedback", "-o", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(tmp_path / f"{sid}.zip") as archive:
        assert archive.namelist() == ["conv_layer/conv_layer.html"]
        html = archive.read("conv_layer/conv_layer.html").decode()
    assert html == (root / "feedback" / sid / "conv_layer" / "conv_layer.html").read_text()
