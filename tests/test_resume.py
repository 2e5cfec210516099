"""A class batch killed part-way and run again: every submission graded exactly once, the
gradebook consistent, the same scores as a batch that was never interrupted, and nothing of
the killed batch left behind: no kernel, no kernel folder, no ``/dev/shm`` entry."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import ROOT, release_nb, source_nb
from convgrade.sandbox import SLOTS
from convgrade.students import fill, solution_answers

EXPECTED = {"ann": 20, "ben": 0, "cy": 20, "dee": 0, "eve": 20}


@pytest.fixture
def slots():
    """A kernels' folder of this test's own (the graders here get their own TMPDIR, short
    enough for the kernels' sockets), so that graders running meanwhile elsewhere on the
    machine, such as other test workers, are not counted."""
    tmp = tempfile.mkdtemp(prefix="cg-", dir="/tmp")
    yield Path(tmp) / SLOTS.name
    shutil.rmtree(tmp, ignore_errors=True)


def _autograde(class_dir, slots):
    cmd = [sys.executable, "-m", "convgrade.cli", "--course", str(ROOT), "autograde", "conv_layer",
           "--class-dir", str(class_dir), "--jobs", "2"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, env=dict(os.environ, TMPDIR=str(slots.parent)))


def _kernels(slots) -> list:
    """Processes of this test's sandboxed kernels (their command line names their folder)."""
    found = subprocess.run(["pgrep", "-f", str(slots)], capture_output=True, text=True)
    return found.stdout.split()


def test_killed_batch_resumes_to_a_consistent_gradebook(tmp_path, slots):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    solved = fill(release_nb(), solution_answers(source_nb()))
    for student, score in EXPECTED.items():
        folder = tmp_path / "submitted" / student / "conv_layer"
        folder.mkdir(parents=True)
        nbformat.write(solved if score else release_nb(), folder / "conv_layer.ipynb")
    done = tmp_path / ".convgrade" / "done" / "conv_layer"
    shm_before = set(os.listdir("/dev/shm"))

    first = _autograde(tmp_path, slots)
    deadline = time.monotonic() + 600
    running = []
    while time.monotonic() < deadline and first.poll() is None:
        if done.is_dir() and any(done.glob("*.json")):
            running = _kernels(slots)              # kill while a kernel is up, after a first grade
            if running:
                break
        time.sleep(0.1)
    os.killpg(first.pid, signal.SIGKILL)          # the grader and its workers, not the kernels:
    first.wait()                                  # those sit in sessions of their own
    finished_before = len(list(done.glob("*.json")))
    assert 1 <= finished_before < len(EXPECTED), "the batch was not interrupted part-way"
    assert running, "no kernel was running when the batch was killed"

    second = _autograde(tmp_path, slots)
    output, _ = second.communicate(timeout=900)
    assert second.returncode == 0, output
    left = len(EXPECTED) - finished_before
    assert f"{finished_before} submission{'s' * (finished_before != 1)} graded already" in output
    assert f"grading {left} submission{'s' * (left != 1)} on 2 workers" in output
    assert not set(running) & set(_kernels(slots)), "kernels of the killed batch are still running"

    third = _autograde(tmp_path, slots)
    output, _ = third.communicate(timeout=300)
    assert "graded already" in output
    assert not slots.is_dir() or list(slots.iterdir()) == [], "kernel folders were left behind"
    assert set(os.listdir("/dev/shm")) <= shm_before, "entries were left in /dev/shm"

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        submissions = gradebook.assignment_submissions("conv_layer")
        assert sorted(s.student.id for s in submissions) == sorted(EXPECTED)
        assert {s.student.id: s.score for s in submissions} == EXPECTED
    assert len(list(done.glob("*.json"))) == len(EXPECTED)
