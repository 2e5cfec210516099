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


PLANT = '''
import builtins, os, subprocess, sys
import numpy
for _place in (os.path.expanduser("~/planted.txt"), "/tmp/planted.txt", "planted_cwd.txt",
               "/dev/shm/planted.txt"):
    try:
        with open(_place, "w") as _f:
            _f.write("state from an earlier submission")
    except OSError:
        pass
numpy.PLANTED = builtins.PLANTED = True
os.environ["PLANTED"] = "1"
_sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)",
                             "planted-sleeper"], start_new_session=True)
import time
for _ in range(100):                  # until it has exec'd and shows its command line
    with open(f"/proc/{_sleeper.pid}/cmdline", "rb") as _f:
        if b"planted-sleeper" in _f.read():
            break
    time.sleep(0.05)
'''

PROBE = '''
import builtins, json, os
import numpy
def _found():
    sleepers = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"planted-sleeper" in f.read():
                    sleepers.append(pid)
        except OSError:
            pass
    return {"home": os.path.exists(os.path.expanduser("~/planted.txt")),
            "tmp": os.path.exists("/tmp/planted.txt"),
            "cwd": os.path.exists("planted_cwd.txt"),
            "shm": os.path.exists("/dev/shm/planted.txt"),
            "numpy": hasattr(numpy, "PLANTED"), "builtins": hasattr(builtins, "PLANTED"),
            "env": "PLANTED" in os.environ, "process": bool(sleepers)}
print("PROBE:" + json.dumps(_found()))
print("KERNEL:" + json.dumps({"parent_pid": os.getppid()}))
'''


def test_state_planted_by_one_submission_is_gone_for_the_next_in_the_same_worker(tmp_path, course):
    """One worker grades two submissions in a row (the second gets the kernel the worker
    started in advance; both are forked from the worker's warm image): what the first leaves
    in files, modules, the environment and processes is not there for the second."""
    from conftest import printed
    class_dir = tmp_path / "class"
    class_dir.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", class_dir)
    answers = solution_answers(source_nb())
    first = next(iter(answers))
    people = {"a_planter": {**answers, first: answers[first] + PLANT + PROBE},
              "b_seeker": {**answers, first: answers[first] + PROBE}}
    for sid, filled in people.items():
        folder = class_dir / "submitted" / sid / "conv_layer"
        folder.mkdir(parents=True)
        nbformat.write(fill(release_nb(), filled), folder / "conv_layer.ipynb")
    assert grade_class(course, class_dir, ["conv_layer"], jobs=1) == {}
    graded = {sid: nbformat.read(class_dir / "autograded" / sid / "conv_layer" / "conv_layer.ipynb", 4)
              for sid in people}
    seen = {sid: printed(nb, "PROBE:") for sid, nb in graded.items()}
    planted = {k for k, v in seen["a_planter"].items() if v}
    assert planted >= {"home", "tmp", "cwd", "numpy", "builtins", "env", "process"}, seen
    assert not any(seen["b_seeker"].values()), seen
    # both kernels were forked from the worker's warm image: their parent is outside their
    # jail (pid 0 as they see it), where a kernel started from nothing has the jail's first
    # process (pid 1) as its parent
    kernels = {sid: printed(nb, "KERNEL:") for sid, nb in graded.items()}
    assert all(k == {"parent_pid": 0} for k in kernels.values()), kernels


def test_workers_forked_from_a_process_holding_a_kernel_leave_it_alone(tmp_path, course):
    """A process that graded a notebook holds the next kernel, started ahead (a test process
    that grades in-process does). The class workers it forks neither take that kernel nor stop
    it: they fork their own kernels from their own warm image."""
    from conftest import printed
    from jupyter_core.utils import run_sync
    from convgrade import sandbox
    from convgrade.grade import grade_notebook
    answers = solution_answers(source_nb())
    first = next(iter(answers))
    own = tmp_path / "own.ipynb"
    nbformat.write(fill(release_nb(), answers), own)
    grade_notebook(own, "conv_layer", course, standby=True)
    held = sandbox._standby
    try:
        assert held is not None and run_sync(held.is_alive)()
        class_dir = tmp_path / "class"
        folder = class_dir / "submitted" / "s01" / "conv_layer"
        folder.mkdir(parents=True)
        shutil.copy(ROOT / "nbgrader_config.py", class_dir)
        nbformat.write(fill(release_nb(), {**answers, first: answers[first] + PROBE}),
                       folder / "conv_layer.ipynb")
        assert grade_class(course, class_dir, ["conv_layer"], jobs=1) == {}
        graded = nbformat.read(class_dir / "autograded" / "s01" / "conv_layer" / "conv_layer.ipynb", 4)
        assert printed(graded, "KERNEL:") == {"parent_pid": 0}
        assert sandbox._standby is held and run_sync(held.is_alive)()
    finally:
        sandbox.stop_standby()


def test_a_submission_that_could_not_be_graded_never_reads_as_a_zero(graded_class, course):
    """carol's notebook is not JSON: the CSV says "not graded" with the reason where bob's
    blank notebook says "graded" with 0, and the table shows "not graded", not a score."""
    from rich.console import Console
    from convgrade.classroom import score_table
    class_dir, config, failed = graded_class
    rows = {r["student_id"]: r for r in csv.DictReader(open(class_dir / "grades.csv"))
            if r["assignment"] == "conv_layer"}
    assert rows["carol"]["status"] == "not graded: " + failed[("conv_layer", "carol")]
    assert rows["bob"]["status"] == "graded" and float(rows["bob"]["score"] or 0) == 0
    assert rows["alice"]["status"] == "graded"
    console = Console(width=200, record=True)
    console.print(score_table(config, ["conv_layer"], ["alice", "bob", "carol"]))
    lines = {line.split()[1]: line for line in console.export_text().splitlines()
             if line.split()[1:2] and line.split()[1] in ("alice", "bob", "carol")}
    assert "not graded" in lines["carol"] and "/22" not in lines["carol"]
    assert "0/22" in lines["bob"] and "20/22" in lines["alice"]


def test_a_batch_with_an_ungradable_submission_exits_nonzero_and_says_so(graded_class):
    """Run again on the same class: the two graded submissions are skipped (and counted),
    carol's is tried again, fails again, and the command ends with a summary and exit 1."""
    import subprocess
    import sys
    class_dir, _, _ = graded_class
    proc = subprocess.run([sys.executable, "-m", "convgrade.cli", "--course", str(ROOT),
                           "autograde", "conv_layer", "--class-dir", str(class_dir)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "2 submissions graded already" in proc.stdout
    assert "grading 1 submission on" in proc.stdout
    assert "1 submission could not be graded" in proc.stdout


def test_rubrics_sit_beside_written_answers_for_the_grader_and_never_in_feedback(graded_class):
    class_dir, _, _ = graded_class
    rubric_source = [c for c in source_nb().cells if c.cell_type == "markdown"
                     and c.metadata.get("nbgrader", {}).get("solution")]
    assert rubric_source, "the course has written answers with rubrics"
    for student in ("alice", "bob"):
        nb = nbformat.read(class_dir / "autograded" / student / "conv_layer" / "conv_layer.ipynb", 4)
        for written in rubric_source:
            gid = written.metadata.nbgrader.grade_id
            index = next(i for i, c in enumerate(nb.cells)
                         if c.metadata.get("nbgrader", {}).get("grade_id") == gid)
            rubric = nb.cells[index + 1]
            model = written.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0].strip()
            assert rubric.cell_type == "markdown" and model in rubric.source
            assert "nbgrader" not in rubric.metadata         # never a graded cell
        page = (class_dir / "feedback" / student / "conv_layer" / "conv_layer.html").read_text()
        assert "Rubric" not in page


def test_a_gradebook_made_anew_at_the_same_path_starts_empty(tmp_path):
    """One engine per gradebook per process (``nbgrader_api.shared_engine``) must not carry a
    deleted gradebook's data into the one made in its place (a class folder regraded from
    scratch)."""
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gradebook:
        gradebook.add_student("s01")
    left_open = Gradebook(url)           # as code that never closes its gradebook leaves it
    assert [s.id for s in left_open.students] == ["s01"]
    left_open.db.commit()                # its connection goes back to the engine's pool
    (tmp_path / "gradebook.db").unlink()
    with Gradebook(url) as gradebook:
        assert gradebook.students == []
        gradebook.add_student("s02")
    with Gradebook(url) as gradebook:
        assert [s.id for s in gradebook.students] == ["s02"]
    left_open.close()
