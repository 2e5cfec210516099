"""The Gradescope autograder package, run as Gradescope runs it.

The zip is unpacked into a temporary root laid out like Gradescope's ``/autograder``
(``source/``, ``submission/``, ``results/``), ``run_autograder`` is copied beside them as
Gradescope does and run on a submission; ``results/results.json`` must follow Gradescope's
documented format and hold the score the submission earns.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile

import jsonschema
import nbformat
import pytest

from conftest import CONVGRADE, GRADESCOPE_SCHEMA, ROOT, release_nb, source_nb
from convgrade.students import fill, solution_answers


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    proc = subprocess.run([*CONVGRADE, "--course", str(ROOT), "gradescope", "conv_layer", "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return out


def _gradescope_run(package, tmp_path, files: dict) -> dict:
    """Unpack ``package`` as Gradescope does, put ``files`` in submission/, run the
    autograder, and return results/results.json."""
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "results").mkdir()
    with zipfile.ZipFile(package) as archive:
        archive.extractall(root / "source")
    for info in zipfile.ZipFile(package).infolist():            # zipfile drops the modes
        mode = info.external_attr >> 16
        if mode:
            os.chmod(root / "source" / info.filename, mode)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    for name, content in files.items():
        (root / "submission" / name).write_bytes(content)
    env = {**os.environ, "CONVGRADE_PYTHON": sys.executable}
    env.pop("CONVGRADE_COURSE", None)
    proc = subprocess.run([str(root / "run_autograder")], capture_output=True, text=True,
                          cwd=root, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    return results


def test_the_package_has_what_gradescope_runs_and_the_snapshot_it_needs(package):
    names = set(zipfile.ZipFile(package).namelist())
    assert {"setup.sh", "run_autograder", "requirements.txt", "course/nbgrader_config.py",
            "course/solutions/conv_layer/conv_layer.ipynb",
            "course/assignments/conv_layer/conv_layer.ipynb", "lib/convgrade/grade.py",
            "lib/convref/__init__.py", "course/.convgrade/secret"} <= names
    assert not any("__pycache__" in n or n.startswith("course/solutions/delta_zero") for n in names)
    setup = zipfile.ZipFile(package).read("setup.sh").decode()
    assert "bubblewrap" in setup and "requirements.txt" in setup


def test_a_submission_is_graded_into_gradescopes_results(package, tmp_path):
    answers = solution_answers(source_nb())
    student = {**answers, "corr2d": answers["corr2d"].replace("K[a, b] * X", "K[KH - 1 - a, KW - 1 - b] * X")}
    nb = fill(release_nb(), student)
    results = _gradescope_run(package, tmp_path, {"conv_layer.ipynb": nbformat.writes(nb).encode()})
    by_name = {t["name"]: t for t in results["tests"]}
    autograded = sum(t["max_score"] for t in results["tests"] if "status" in t)
    assert by_name["test_corr2d"]["score"] < by_name["test_corr2d"]["max_score"]
    assert "flipped" in by_name["test_corr2d"]["output"]
    assert results["score"] == autograded - by_name["test_corr2d"]["max_score"] + by_name["test_corr2d"]["score"]


def test_a_submission_without_the_notebook_is_not_graded_and_says_why(package, tmp_path):
    results = _gradescope_run(package, tmp_path, {"notes.txt": b"forgot the notebook",
                                                  "a.ipynb": b"{}", "b.ipynb": b"{}"})
    assert results["score"] == 0 and results["tests"] == []
    assert "expected one notebook, conv_layer.ipynb" in results["output"]
