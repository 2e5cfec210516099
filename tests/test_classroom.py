"""A class through nbgrader's gradebook: parallel autograde, CSV export, feedback without
hidden tests, and one broken submission that does not stop the batch."""
from __future__ import annotations

import csv
import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import ROOT, release_nb, source_nb
from convgrade.classroom import class_config, export_csv, grade_class
from convgrade.students import fill, solution_answers


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, course):
    class_dir = tmp_path_factory.mktemp("class")
    shutil.copy(ROOT / "nbgrader_config.py", class_dir)
    answers = solution_answers(source_nb())
    people = {"alice": fill(release_nb(), answers), "bob": release_nb()}
    for sid, nb in people.items():
        folder = class_dir / "submitted" / sid / "conv_layer"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "conv_layer.ipynb")
    broken = class_dir / "submitted" / "carol" / "conv_layer"
    broken.mkdir(parents=True)
    (broken / "conv_layer.ipynb").write_text("{ this is not json")
    failed = grade_class(course, class_dir, ["conv_layer"], jobs=2)
    config = class_config(course, class_dir)
    export_csv(config, class_dir / "grades.csv")
    return class_dir, config, failed


def test_scores_in_gradebook(graded_class):
    _, config, _ = graded_class
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        alice = gradebook.find_submission("conv_layer", "alice")
        bob = gradebook.find_submission("conv_layer", "bob")
        assert alice.score == 20 and alice.max_score == 22
        assert bob.score == 0


def test_broken_submission_is_reported_and_batch_goes_on(graded_class):
    _, _, failed = graded_class
    assert list(failed) == [("conv_layer", "carol")]
    assert failed[("conv_layer", "carol")]


def test_csv_export(graded_class):
    class_dir, _, _ = graded_class
    rows = list(csv.DictReader(open(class_dir / "grades.csv")))
    by_student = {r["student_id"]: float(r["score"] or 0) for r in rows if r["assignment"] == "conv_layer"}
    assert by_student["alice"] == 20 and by_student["bob"] == 0


def test_feedback_never_shows_hidden_tests(graded_class):
    class_dir, _, _ = graded_class
    pages = list((class_dir / "feedback").rglob("*.html"))
    assert {p.parent.parent.name for p in pages} == {"alice", "bob"}
    for page in pages:
        text = page.read_text()
        assert "test_corr2d" in text                     # the test cells are there ...
        assert "HIDDEN TESTS" not in text and "convgrade.check" not in text  # ... their hidden part is not
        assert "check.test_" not in text
