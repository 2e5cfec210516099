"""The grading pipeline end to end on ``conv_layer``, through ``convgrade grade``."""
from __future__ import annotations

import json

import jsonschema
import pytest

from convgrade import policy
from conftest import GRADESCOPE_SCHEMA, ROOT, WRONG_CORR2D, grade_many, release_nb, run_grade, scores, source_nb, write
from convgrade.cli import main
from convgrade.students import CHEAT, fill, solution_answers, tamper

@pytest.fixture(scope="module")
def solution_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("sol") / "conv_layer.ipynb"
    return write(fill(release_nb(), solution_answers(source_nb())), path)


@pytest.fixture(scope="module")
def solution_graded(solution_path, tmp_path_factory):
    return run_grade(solution_path, tmp_path_factory.mktemp("sol-results"))


def test_solution_gets_full_marks(solution_graded):
    code, results, output = solution_graded
    assert code == 0, output
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    auto = [t for t in results["tests"] if not t["name"].startswith("written")]
    assert len(auto) == 10
    assert all(t["score"] == t["max_score"] > 0 for t in auto), auto
    written = [t for t in results["tests"] if t["name"].startswith("written")]
    assert written and all(t["score"] == 0 and "manual" in t["output"] for t in written)


def test_blank_release_scores_zero(tmp_path):
    code, results, output = run_grade(ROOT / "assignments/conv_layer/conv_layer.ipynb", tmp_path)
    assert code == 0, output
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    assert results["score"] == 0
    assert results["max_score"] > 0
    assert len(json.dumps(results)) < 1_000_000


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    """Submissions that differ from the honest-but-wrong one in a single way, graded in parallel."""
    folder = tmp_path_factory.mktemp("variants")
    answers = solution_answers(source_nb())
    wrong = {**answers, "corr2d": WRONG_CORR2D}
    renamed = fill(release_nb(), wrong)
    for cell in renamed.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_corr2d":
            cell.metadata.nbgrader["grade_id"] = "renamed"
    noisy = answers["corr2d"].replace(
        "def corr2d(X, K):",
        "import sys, warnings\ndef corr2d(X, K):\n    warnings.warn('a harmless warning')\n"
        "    print('debug output ' * 50, file=sys.stderr)\n    print('more' * 100)", 1)
    assert noisy != answers["corr2d"]
    notebooks = {
        "wrong": fill(release_nb(), wrong),
        "cheat": fill(release_nb(), {**answers, "corr2d": CHEAT + WRONG_CORR2D}),
        "tampered": tamper(fill(release_nb(), wrong)),
        "renamed": renamed,
        "noisy": fill(release_nb(), {**answers, "corr2d": noisy}),
    }
    paths = [write(nb, folder / f"{name}.ipynb") for name, nb in notebooks.items()]
    return dict(zip(notebooks, grade_many(paths)))


def test_patched_allclose_gains_nothing(variants):
    honest, cheated = variants["wrong"], variants["cheat"]
    assert scores(honest)["test_corr2d"] == 0
    assert "flipped" in {t["name"]: t["output"] for t in honest["tests"]}["test_corr2d"]
    assert all(scores(cheated)[t] <= scores(honest)[t] for t in scores(honest))
    # patching numpy is tampering with the libraries: named in the verdict of every convolution
    assert "numpy.allclose (assigned to)" in {t["name"]: t["output"] for t in cheated["tests"]}["test_corr2d"]


def test_tampered_test_cells_are_restored(variants):
    results = variants["tampered"]
    got = scores(results)
    assert got["test_corr2d"] == 0
    assert results["max_score"] == 22            # points restored from the source, not 100 each
    # the cheater also patched numpy: every convolution loses its points, and only the counting
    # functions the policy exempts keep theirs
    source = source_nb()
    exempt = sum(c.metadata.nbgrader["points"] for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
                 and policy.library_convolution_allowed(c.metadata.nbgrader["grade_id"][len("test_"):]))
    assert sum(got.values()) == results["score"] == exempt == 2


def test_renamed_test_cell_is_restored(variants):
    # a test cell given another id is an extra cell: the source's test_corr2d is put back
    results = variants["renamed"]
    assert scores(results)["test_corr2d"] == 0
    assert "renamed" not in scores(results)


def test_honest_noise_costs_nothing(variants):
    assert scores(variants["noisy"])["test_corr2d"] == 3


@pytest.mark.parametrize("content, reason", [
    ("", "empty"),
    ("{not json", "not a notebook"),
    ('{"cells": [], "nbformat": 3, "metadata": {}}', "nbformat"),
    ('["a list"]', "not a notebook"),
])
def test_bad_files_get_a_one_line_reason(tmp_path, capsys, content, reason):
    path = tmp_path / "conv_layer.ipynb"
    path.write_text(content)
    code = main(["--course", str(ROOT), "grade", str(path), "--json", str(tmp_path / "r.json")])
    output = capsys.readouterr()
    assert code == 2 and not (tmp_path / "r.json").exists()
    assert reason in output.err and len(output.err.strip().splitlines()) == 1


def test_unknown_assignment_is_refused(tmp_path, capsys, solution_path):
    code = main(["--course", str(ROOT), "grade", str(solution_path), "--assignment", "nope"])
    assert code == 2 and "unknown assignment" in capsys.readouterr().err


def test_github_actions_and_identical_regrade(tmp_path, solution_path, solution_graded):
    import os
    import subprocess
    from conftest import CONVGRADE
    summary = tmp_path / "summary.md"
    env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    again = tmp_path / "again.json"
    proc = subprocess.run([*CONVGRADE, "grade", str(solution_path), "--json", str(again)], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0
    assert "::notice title=convgrade score::" in proc.stdout
    assert "20 / 22" in proc.stdout.split("::notice")[1]
    text = summary.read_text()
    assert "| test_corr2d | 3 / 3 |" in text
    strip = lambda r: {k: v for k, v in r.items() if k != "execution_time"}  # noqa: E731
    assert strip(json.loads(again.read_text())) == strip(solution_graded[1])


def test_a_flood_of_output_is_cut_by_size_and_by_count_and_costs_nothing(tmp_path, solution_graded):
    """One answer cell displays thousands of tiny outputs, another prints megabytes: each
    cell keeps at most the policy's outputs and bytes, says what was dropped, and the score
    is the solution's."""
    from conftest import grade_with_outputs
    answers = solution_answers(source_nb())
    first, second = list(answers)[:2]
    count_flood = "\nfrom IPython.display import display\nfor _i in range(3 * %d):\n    display(_i)\n"
    size_flood = "\nfor _i in range(3):\n    print('x' * %d)\n"
    flooded = {**answers,
               first: answers[first] + count_flood % policy.OUTPUT_COUNT_LIMIT,
               second: answers[second] + size_flood % policy.OUTPUT_LIMIT}
    path = write(fill(release_nb(), flooded), tmp_path / "conv_layer.ipynb")
    [(results, nb)] = grade_with_outputs([path], jobs=1)
    _, expected, _ = solution_graded
    notes = nb.metadata.get("convgrade", {}).get("events")     # what the grader saw, if it fails
    assert results["score"] == expected["score"] > 0, (notes, [t["output"] for t in results["tests"]])
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    for gid in (first, second):
        outputs = cells[gid].outputs
        assert len(outputs) <= policy.OUTPUT_COUNT_LIMIT + 1
        assert len(json.dumps(outputs)) <= policy.OUTPUT_LIMIT + 10_000
        assert "dropped by the grader" in json.dumps(outputs[-1])
    assert len(cells[first].outputs) > 100        # the cut comes after the limit, not before


def test_profile_accounts_for_the_time_and_the_round_trips(solution_path):
    """``--profile``: the phases are non-negative and fit in the command's wall time, and the
    kernel was called at least once per test cell that has hidden checks."""
    import subprocess
    import sys
    import time
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "convgrade.cli", "grade", str(solution_path),
                           "--profile"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    wall = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    profile = json.loads(proc.stderr.split("profile: ", 1)[1].splitlines()[0])
    seconds = profile["seconds"]
    assert {"start-up and imports", "kernel start", "cells", "hidden checks"} <= set(seconds)
    assert all(value >= 0 for value in seconds.values())
    assert sum(seconds.values()) <= wall
    hidden_cells = [c for c in source_nb().cells if "BEGIN HIDDEN TESTS" in c.source]
    assert profile["kernel_calls"] >= len(hidden_cells) > 0


def test_a_thread_that_keeps_printing_after_its_cell_costs_nothing(tmp_path, solution_graded):
    """A thread started by an answer cell prints forever: every later cell still finishes
    (the grader waits for each cell's end, not for silence), the output stays bounded, and
    the score is the solution's."""
    answers = solution_answers(source_nb())
    first = next(iter(answers))
    chatter = ("\nimport threading, time\n"
               "def _chatter():\n    while True:\n        print('still here')\n        time.sleep(0.01)\n"
               "threading.Thread(target=_chatter, daemon=True).start()\n")
    path = write(fill(release_nb(), {**answers, first: answers[first] + chatter}),
                 tmp_path / "conv_layer.ipynb")
    [results] = grade_many([path], jobs=1, iopub_timeout=3)
    _, expected, _ = solution_graded
    assert results["score"] == expected["score"] > 0
    assert "kept sending output" not in json.dumps(results)


def test_a_notebook_of_another_assignment_is_refused_in_one_line(tmp_path):
    """The audio notebook graded as conv_layer: not a silent 0, but exit 2 and one line that
    names the assignment its cells belong to."""
    audio = fill(release_nb("audio"), solution_answers(source_nb("audio")))
    path = write(audio, tmp_path / "audio.ipynb")
    code, results, output = run_grade(path, tmp_path, "--assignment", "conv_layer")
    assert code == 2 and results is None
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines == ["convgrade grade: cannot grade: audio.ipynb holds the cells of assignment "
                     "audio, not conv_layer (pass --assignment audio)"]


def test_the_total_says_which_points_are_graded_by_hand(solution_graded):
    """The solution's 20 / 22 is full marks for everything a machine grades: the total row
    says so, with the written answers' points counted from the source notebook."""
    from rich.console import Console
    from convgrade.report import table
    _, results, _ = solution_graded
    graded = [c.metadata.nbgrader for c in source_nb().cells
              if c.metadata.get("nbgrader", {}).get("grade")]
    by_hand = sum(m["points"] for m in graded if m.get("solution"))
    auto = sum(m["points"] for m in graded if not m.get("solution"))
    assert by_hand > 0 and results["score"] == auto
    console = Console(width=250, record=True)
    console.print(table(results, "conv_layer"))
    total = [line for line in console.export_text().splitlines() if "total" in line]
    assert len(total) == 1
    assert (f"autograded {auto:g} / {auto:g}; + {by_hand:g} points of written answers, "
            "graded by hand") in total[0]


def test_a_long_verdict_is_cut_with_an_ellipsis():
    from convgrade.report import VERDICT_CHARS, shortened
    assert shortened("x" * VERDICT_CHARS) == "x" * VERDICT_CHARS
    cut = shortened("y" * (VERDICT_CHARS + 50))
    assert len(cut) == VERDICT_CHARS and cut.endswith("\u2026") and cut.startswith("y" * 10)
