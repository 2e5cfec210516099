"""nbgrader's own commands on a copy of this course, as an nbgrader user would run them."""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from conftest import ROOT, release_nb, source_nb
from convgrade.students import fill, solution_answers

NBGRADER = [sys.executable, "-m", "nbgrader"]


def nbgrader(*args, cwd):
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    proc = subprocess.run([*NBGRADER, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def test_generate_autograde_feedback_export_validate(tmp_path):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "solutions" / "conv_layer", tmp_path / "solutions" / "conv_layer")
    nbgrader("generate_assignment", "conv_layer", "--force", cwd=tmp_path)
    released = tmp_path / "assignments" / "conv_layer" / "conv_layer.ipynb"
    assert released.is_file()

    folder = tmp_path / "submitted" / "zoe" / "conv_layer"
    folder.mkdir(parents=True)
    nbformat.write(fill(release_nb(), solution_answers(source_nb())), folder / "conv_layer.ipynb")
    nbgrader("autograde", "conv_layer", "--force", cwd=tmp_path)
    nbgrader("generate_feedback", "conv_layer", "--force", cwd=tmp_path)
    page = next((tmp_path / "feedback" / "zoe" / "conv_layer").glob("*.html")).read_text()
    assert "test_conv_layer" in page and "HIDDEN TESTS" not in page and "convgrade.check" not in page

    nbgrader("export", "--to", "grades.csv", cwd=tmp_path)
    rows = list(csv.DictReader(open(tmp_path / "grades.csv")))
    assert [(r["student_id"], float(r["score"])) for r in rows] == [("zoe", 20.0)]

    # the student's `nbgrader validate` runs the visible tests only: the blank release fails them
    out = subprocess.run([*NBGRADER, "validate", str(released)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=600)
    assert "NotImplementedError" in out.stdout + out.stderr
