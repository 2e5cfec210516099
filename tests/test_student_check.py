"""The students' own check (``assignments/check.py``): it runs the notebook's visible tests
and reports each test cell as the grader's feedback does, with nothing hidden in it."""
from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from conftest import ROOT, release_nb, source_nb, write
from convgrade.course import Course
from convgrade.release import FORBIDDEN, find_leaks, secret_lines
from convgrade.students import fill, solution_answers

CHECK = ROOT / "assignments" / "check.py"


def _check(nb, tmp_path):
    path = write(nb, tmp_path / "conv_layer.ipynb")
    before = path.read_bytes()
    proc = subprocess.run([sys.executable, str(CHECK), str(path)], capture_output=True,
                          text=True, timeout=300, cwd=tmp_path)
    assert path.read_bytes() == before                  # the student's file is left alone
    lines = {line.split()[1]: line for line in proc.stdout.splitlines()
             if line.startswith(("PASS", "FAIL"))}
    return proc.returncode, lines, proc.stdout


def test_a_finished_notebook_passes_every_visible_check(tmp_path):
    code, lines, out = _check(fill(release_nb(), solution_answers(source_nb())), tmp_path)
    tests = [c for c in release_nb().cells if c.metadata.get("nbgrader", {}).get("grade")
             and not c.metadata.nbgrader.get("solution")]
    assert code == 0, out
    assert len(lines) == len(tests) and all(line.startswith("PASS") for line in lines.values())


def test_blank_and_wrong_answers_are_reported_like_the_graders_feedback(tmp_path):
    answers = solution_answers(source_nb())
    del answers["conv2d"]                               # left blank
    answers["corr2d"] = answers["corr2d"].replace("K[a, b] * X", "K[KH - 1 - a, KW - 1 - b] * X")
    code, lines, out = _check(fill(release_nb(), answers), tmp_path)
    assert code == 1
    assert lines["test_conv2d"].startswith("FAIL") and "not answered yet" in lines["test_conv2d"]
    corr = lines["test_corr2d"]
    assert corr.startswith("FAIL") and "line 3: np.testing.assert_allclose(corr2d(X, K)" in corr
    assert "AssertionError" in corr
    assert lines["test_conv_layer"].startswith("PASS")
    passes = sum(line.startswith("PASS") for line in lines.values())
    assert out.splitlines()[-1].startswith(f"{passes} of {len(lines)} test cells pass")


def test_the_check_carries_nothing_hidden(course):
    text = CHECK.read_text()
    assert not FORBIDDEN.search(text)
    for assignment in course.assignment_ids():
        secrets = secret_lines(nbformat.read(course.source_notebook(assignment), 4))
        assert not {line.strip() for line in text.splitlines()} & secrets
    assert find_leaks(course) == []


def test_a_leak_planted_beside_the_release_is_found(tmp_path):
    import shutil
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "solutions" / "text", tmp_path / "solutions" / "text")
    shutil.copytree(ROOT / "assignments" / "text", tmp_path / "assignments" / "text")
    (tmp_path / "assignments" / "check.py").write_text("from convgrade.check import text\n")
    assert any("check.py" in leak for leak in find_leaks(Course(tmp_path)))
