"""Shared fixtures: the course in this checkout, notebooks built from its release, and a
helper that grades a notebook through the real pipeline (``convgrade grade``)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import convgrade  # noqa: F401 - first, so its settings for nbformat and jsonschema hold here too
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CONVGRADE = [sys.executable, "-m", "convgrade.cli"]


@pytest.fixture(scope="session")
def course():
    from convgrade.course import Course
    return Course(ROOT)


# Gradescope's autograder results format (its documentation's fields and value sets).
GRADESCOPE_SCHEMA = {
    "type": "object",
    "required": ["tests"],
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "tests": {"type": "array", "items": {
            "type": "object",
            "required": ["name", "score", "max_score"],
            "properties": {
                "name": {"type": "string"}, "score": {"type": "number"},
                "max_score": {"type": "number"}, "output": {"type": "string"},
                "status": {"enum": ["passed", "failed"]},
                "extra_data": {"type": "object"},
                "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
            }}},
    },
}


# corr2d with the kernel flipped: the honest-but-wrong answer several tests build on
WRONG_CORR2D = """import numpy as np
def corr2d(X, K):
    kh, kw = K.shape
    F = K[::-1, ::-1]
    out = np.zeros((X.shape[0] - kh + 1, X.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (X[i:i + kh, j:j + kw] * F).sum()
    return out
"""


def release_nb(assignment="conv_layer"):
    return nbformat.read(ROOT / "assignments" / assignment / f"{assignment}.ipynb", 4)


def source_nb(assignment="conv_layer"):
    return nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", 4)


def run_grade(path, tmp_path, *extra):
    """``convgrade grade`` as a subprocess; returns (exit code, results dict or None, output)."""
    out = Path(tmp_path) / f"{Path(path).stem}-results.json"
    if out.exists():
        out.unlink()
    proc = subprocess.run([*CONVGRADE, "grade", str(path), "--json", str(out), *extra],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    results = json.loads(out.read_text()) if out.exists() else None
    return proc.returncode, results, proc.stdout + proc.stderr


def scores(results) -> dict:
    return {t["name"]: t["score"] for t in results["tests"]}


def write(nb, path):
    nbformat.write(nb, path)
    return path


def _grade_job(job):
    from convgrade.course import Course
    from convgrade.grade import grade_notebook
    path, assignment, limits = job
    results, _ = grade_notebook(path, assignment, Course(ROOT), **limits)
    return results


def _graded_job(job):
    from convgrade.course import Course
    from convgrade.grade import grade_notebook
    path, assignment, limits = job
    return grade_notebook(path, assignment, Course(ROOT), **limits)


def _jobs(paths, assignment, jobs, limits) -> list:
    """One task per path, each saying whether to start a kernel for its worker's next one."""
    from convgrade.workers import starts_next_kernel
    return [(str(p), assignment, {"standby": standby, **limits})
            for p, standby in zip(paths, starts_next_kernel(len(paths), jobs))]


def grade_many(paths, assignment="conv_layer", jobs=2, **limits):
    """Grade notebooks in parallel through the real pipeline; results in order."""
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_grade_job, _jobs(paths, assignment, jobs, limits)))


def grade_with_outputs(paths, assignment="conv_layer", jobs=2, **limits):
    """Like ``grade_many``, returning ``(results, executed notebook)`` per path, so a test can
    read what the student's cells printed inside the kernel."""
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_graded_job, _jobs(paths, assignment, jobs, limits)))


def printed(nb, tag: str):
    """The JSON a cell printed after ``tag`` (``print(tag + json.dumps(...))``), or None."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.get("output_type") == "stream" else ""
            if tag in text:
                return json.loads(text.split(tag, 1)[1].splitlines()[0])
    return None


#: The test files that take longest (seconds of the 2-core machine, in this order), handed to
#: the xdist workers first: each worker then takes the next file as it runs short, so the two
#: end close together instead of one finishing a long file alone (``--no-loadscope-reorder``
#: in pyproject.toml keeps this order; xdist would otherwise order files by their count of
#: tests).
SLOWEST_FIRST = ("test_assignments.py", "test_adversarial.py", "test_distributed.py",
                 "test_hidden_inputs.py", "test_restore.py", "test_classroom.py",
                 "test_sandbox.py", "test_nbgrader_commands.py", "test_pipeline.py",
                 "test_browser.py", "test_demo.py", "test_resume.py")


def pytest_collection_modifyitems(items):
    rank = {name: index for index, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOWEST_FIRST)))
