"""``convgrade demo``, the README's first command, on a small class of one assignment: it
grades through the sandboxed pipeline into a gradebook, shows progress with a time per
notebook and an estimate, and ends with the table and the files it names."""
from __future__ import annotations

import csv
import subprocess

from nbgrader.api import Gradebook

from conftest import CONVGRADE, ROOT, source_nb


def autograded_points(nb) -> float:
    """Points of the test cells (nbgrader ``grade`` without ``solution``): what a correct
    notebook earns before manual grading."""
    return sum(c.metadata.nbgrader.get("points", 0) for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade")
               and not c.metadata.nbgrader.get("solution"))


def test_demo_grades_a_small_class_end_to_end(tmp_path):
    out = tmp_path / "demo"
    proc = subprocess.run([*CONVGRADE, "--course", str(ROOT), "demo", "conv_layer",
                           "--students", "4", "--out", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = proc.stdout
    assert "grading 4 submissions" in text and "s/notebook" in text and "ETA" in text
    full = autograded_points(source_nb())
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        scores = {s: gradebook.find_submission("conv_layer", s).score
                  for s in ("s01", "s02", "s03", "s04")}
    assert scores["s01"] == full > 0             # the instructor's solution
    assert scores["s02"] == 0                    # the blank release
    assert scores["s03"] < full                  # the cheater gains nothing from the patches
    rows = list(csv.DictReader(open(out / "grades.csv")))
    assert sorted(r["student_id"] for r in rows) == ["s01", "s02", "s03", "s04"]
    assert all((out / "feedback" / s / "conv_layer" / "conv_layer.html").is_file()
               for s in ("s01", "s02", "s03", "s04"))
    for line in ("gradebook:", "CSV export:", "feedback HTML:"):
        assert line in text


def test_demo_refuses_a_class_too_small_for_its_cast(tmp_path):
    proc = subprocess.run([*CONVGRADE, "--course", str(ROOT), "demo", "--students", "2",
                           "--out", str(tmp_path / "demo")], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode != 0
    assert "at least 3" in proc.stderr
    assert not (tmp_path / "demo").exists()
