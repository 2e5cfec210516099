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
    out = nbgrader("autograde", "conv_layer", "--force", cwd=tmp_path)
    assert "SAWarning" not in out and "Warning" not in out, out
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


def test_the_gradebook_is_stamped_with_the_revision_alembic_itself_reports():
    """convgrade reads the schema's head in-process; the ``alembic`` program must agree."""
    import tempfile
    from nbgrader.dbutil import _temp_alembic_ini
    from convgrade.nbgrader_api import alembic_head
    with _temp_alembic_ini(f"sqlite:///{tempfile.gettempdir()}/unused.db") as ini:
        out = subprocess.run([str(Path(sys.executable).parent / "alembic"), "-c", ini, "heads"],
                             capture_output=True, text=True, check=True).stdout
    assert alembic_head() == out.split()[0]


def test_cell_metadata_is_judged_as_jsonschema_itself_judges_it():
    """nbgrader's cell-metadata check, with its validator built once, accepts and rejects
    exactly what ``jsonschema.validate`` does, with the same message."""
    import json
    import jsonschema
    import nbgrader.nbgraderformat.common as common
    from convgrade.nbgrader_api import validate_metadata
    schema = json.loads((Path(common.root) / "v3.json").read_text())
    good = {"grade": True, "solution": False, "locked": True, "points": 2, "grade_id": "t",
            "schema_version": 3, "task": False}
    cases = [good, {**good, "points": "two"}, {**good, "grade_id": 7}, {"grade": True},
             {**good, "locked": None}, {**good, "extra": 1}, {}, [], "grade", {**good, "points": -1}]
    rejected = 0
    for case in cases:
        try:
            jsonschema.validate(case, schema)
            expected = None
        except jsonschema.ValidationError as error:
            expected = error.message
        try:
            validate_metadata(case, schema)
            got = None
        except jsonschema.ValidationError as error:
            got = error.message
        assert got == expected, case
        rejected += expected is not None
    assert rejected >= 5                       # the table holds real rejections
    assert common.jsonschema.validate is validate_metadata   # and nbgrader uses it


def test_nbgrader_works_as_the_readme_runs_it_without_the_environments_scripts_on_path(tmp_path):
    """``.venv/bin/nbgrader generate_assignment`` with the virtual environment not activated
    (its ``bin`` not on PATH, so no ``alembic`` program to find): it succeeds, and the release
    notebook is there afterwards (a failing run used to delete it)."""
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "solutions" / "conv_layer", tmp_path / "solutions" / "conv_layer")
    shutil.copytree(ROOT / "assignments" / "conv_layer", tmp_path / "assignments" / "conv_layer")
    env = dict(os.environ, PATH="/usr/bin:/bin")
    assert shutil.which("alembic", path=env["PATH"]) is None
    proc = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "generate_assignment",
                           "conv_layer", "--force"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    release = tmp_path / "assignments" / "conv_layer" / "conv_layer.ipynb"
    assert release.is_file()
    assert nbformat.read(release, 4).cells == release_nb().cells
