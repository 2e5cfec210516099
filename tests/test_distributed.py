"""A class graded beyond one batch on one gradebook: on a Dask cluster that loses a worker
(with a student who tries to reach the scheduler and eats memory),
in shards gathered later, and into PostgreSQL through a killed and resumed batch. Each ends
with the gradebook of one uninterrupted batch on the default local cluster (the reference),
cell by cell, and with every submission graded once."""
from __future__ import annotations

import json
import os
import signal
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import CONVGRADE, ROOT, WRONG_CORR2D, release_nb, source_nb
from convgrade.students import fill, solution_answers

DUE = "2027-02-01 17:00:00 UTC"
# a cell that takes memory until the kernel's limit stops it, before it defines corr2d
HOG = "hoard = [bytearray(64 * 2**20) for _ in range(200)]\n" + WRONG_CORR2D


def _class(course_dir: Path, class_dir: Path, extra=None) -> list:
    """Three submissions of conv_layer (blank, solved but late, solved on time with a link the
    grader refuses, so its notebook carries the grader's notes), plus ``extra`` (student ->
    corr2d source); returns the students."""
    answers = solution_answers(source_nb())
    solved = fill(release_nb(), answers)
    people = {"ben": (release_nb(), None),
              "dee": (solved, "2027-02-03 05:00:00.000000 UTC"),
              "fay": (solved, "2027-02-01 16:00:00.000000 UTC")}
    for student, source in (extra or {}).items():
        people[student] = (fill(release_nb(), {**answers, "corr2d": source}), None)
    for student, (nb, stamp) in people.items():
        folder = class_dir / "submitted" / student / "conv_layer"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "conv_layer.ipynb")
        if stamp:
            (folder / "timestamp.txt").write_text(stamp)
    fay = class_dir / "submitted" / "fay" / "conv_layer"
    (fay / "data.txt").symlink_to(fay / "conv_layer.ipynb")
    return sorted(people)


def _convgrade(course_dir, *args, **popen):
    return subprocess.Popen([*CONVGRADE, "--course", str(course_dir), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            **popen)


def _run(capsys, course_dir, *args) -> str:
    """``convgrade`` run in this process (its workers forked from it, as from the command);
    it must exit 0. Returns what it printed."""
    from convgrade.cli import main
    code = main(["--course", str(course_dir), *map(str, args)])
    printed = capsys.readouterr()
    assert code == 0, printed.out + printed.err
    return printed.out


def gradebook_of(db_url, students) -> dict:
    """Everything a batch decides per submission: score, penalty, submission time, and each
    cell's automatic score and comment."""
    found = {}
    with Gradebook(db_url) as gradebook:
        for student in students:
            submission = gradebook.find_submission("conv_layer", student)
            cells = {}
            for notebook in submission.notebooks:
                cells.update({(notebook.name, g.name): g.auto_score for g in notebook.grades})
                cells.update({(notebook.name, c.name, "comment"): c.auto_comment
                              for c in notebook.comments})
            found[student] = {"score": submission.score, "late": submission.late_submission_penalty,
                              "timestamp": str(submission.timestamp), "cells": cells}
    return found


def graded_markers(class_dir) -> list:
    return sorted(p.stem for p in Path(class_dir, ".convgrade", "done", "conv_layer").glob("*.json"))


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory) -> Path:
    """A course of conv_layer alone, with a due date and a late penalty."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "solutions" / "conv_layer", root / "solutions" / "conv_layer")
    shutil.copytree(ROOT / "assignments" / "conv_layer", root / "assignments" / "conv_layer")
    config = (ROOT / "nbgrader_config.py").read_text()
    (root / "nbgrader_config.py").write_text(
        config + f"\nc.DueDates.due = {{'conv_layer': '{DUE}'}}\nc.PenaltyPerDay.per_day = 0.25\n")
    return root


@pytest.fixture(scope="module")
def reference(course_dir, tmp_path_factory) -> dict:
    """The class graded in one uninterrupted batch on the default local cluster (2 workers)."""
    from convgrade.classroom import grade_class
    from convgrade.course import Course
    class_dir = tmp_path_factory.mktemp("reference")
    students = _class(course_dir, class_dir)
    assert grade_class(Course(course_dir), class_dir, ["conv_layer"], jobs=2) == {}
    graded = gradebook_of(f"sqlite:///{class_dir / 'gradebook.db'}", students)
    # the class is what it claims to be: scores that differ, a late penalty
    assert graded["fay"]["score"] == 20 and graded["ben"]["score"] == 0
    assert graded["dee"]["late"] == 10 and graded["fay"]["late"] == 0
    return graded


# -- a Dask cluster of separate processes, one of them killed mid-batch --------------------------

@pytest.fixture
def dask_cluster(tmp_path):
    """A scheduler and two workers on loopback, each its own process (no nanny: a killed
    worker stays dead). Yields ``(address, {name: worker process})``."""
    address_file = tmp_path / "scheduler.json"
    started = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                                 "--host", "127.0.0.1", "--port", "0", "--no-show",
                                 "--dashboard-address", "127.0.0.1:0",
                                 "--scheduler-file", str(address_file)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(address_file.read_text())["address"]
        workers = {}
        for name in ("w1", "w2"):
            workers[name] = subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address, "--name", name,
                 "--nthreads", "1", "--no-nanny", "--dashboard-address", "127.0.0.1:0",
                 "--local-directory", str(tmp_path / name)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            started.append(workers[name])
        yield address, workers
    finally:
        for proc in reversed(started):
            proc.kill()
            proc.wait()


def test_a_class_on_a_dask_cluster_that_loses_a_worker_is_graded_once_and_as_on_one_machine(
        course_dir, reference, dask_cluster, tmp_path):
    from distributed import Client
    address, workers = dask_cluster
    port = int(address.rsplit(":", 1)[1])
    # a student whose code tries to reach the scheduler (from the sandbox there is no
    # network), then takes memory until the kernel's limit stops it
    eve = (f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
           "    print('SPY-CONNECTED')\nexcept OSError as error:\n    print('SPY-REFUSED', error)\n"
           + HOG)
    class_dir = tmp_path / "class"
    students = _class(course_dir, class_dir, {"eve": eve})
    with Client(address, timeout=60) as watcher:
        watcher.wait_for_workers(2, timeout=60)
        names = {info["name"]: addr for addr, info in watcher.scheduler_info()["workers"].items()}
        batch = _convgrade(course_dir, "autograde", "conv_layer", "--class-dir", class_dir,
                           "--scheduler", address)
        killed_during = None
        deadline = time.monotonic() + 300
        while killed_during is None and time.monotonic() < deadline and batch.poll() is None:
            busy = watcher.processing(workers=[names["w1"]]).get(names["w1"], ())
            if busy and graded_markers(class_dir):     # after a first grade, w1 mid-task
                workers["w1"].send_signal(signal.SIGKILL)
                workers["w1"].wait()
                killed_during = sorted(busy)
            time.sleep(0.05)
        output, _ = batch.communicate(timeout=600)
    assert killed_during, f"w1 was never caught grading:\n{output}"
    assert batch.returncode == 0, output
    assert f"grading {len(students)} submissions on 2 workers" in output
    assert f"{len(students)}/{len(students)}" in output
    assert graded_markers(class_dir) == students             # each graded, none left out
    graded = gradebook_of(f"sqlite:///{class_dir / 'gradebook.db'}", students)
    assert {s: graded[s] for s in reference} == reference
    spied = nbformat.read(class_dir / "autograded" / "eve" / "conv_layer" / "conv_layer.ipynb", 4)
    printed = "".join(o.get("text", "") for c in spied.cells for o in c.get("outputs", []))
    assert "SPY-REFUSED" in printed and "SPY-CONNECTED" not in printed
    # a memory blow-up is the student's verdict, not a lost worker: the batch went on
    assert graded["eve"]["score"] < 20
    feedback = (class_dir / "feedback" / "eve" / "conv_layer" / "conv_layer.html").read_text()
    assert "memory limit" in feedback


# -- a worker that dies under a submission every time: bounded retries, then "not graded" ------

def _grade_or_die(task):
    from convgrade.submission_task import grade
    if task.student == "doomed":
        os._exit(1)
    return grade(task)


def test_a_submission_whose_worker_keeps_dying_is_not_graded_and_the_rest_are(
        course_dir, tmp_path, monkeypatch):
    import dask
    from convgrade import classroom, policy
    from convgrade.course import Course
    class_dir = tmp_path / "class"
    for student, nb in {"doomed": release_nb(), "fine": release_nb()}.items():
        folder = class_dir / "submitted" / student / "conv_layer"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "conv_layer.ipynb")
    monkeypatch.setattr(classroom, "grade", _grade_or_die)
    # restarted workers are forked like the first ones, so they know this test's function
    with dask.config.set({"distributed.worker.multiprocessing-method": "fork"}):
        failed = classroom.grade_class(Course(course_dir), class_dir, ["conv_layer"], jobs=2)
    assert list(failed) == [("conv_layer", "doomed")]
    assert f"stopped {policy.WORKER_LOSSES + 1} times" in failed["conv_layer", "doomed"]
    assert graded_markers(class_dir) == ["fine"]
    csv_status = classroom.status(class_dir, "conv_layer", "doomed")
    assert csv_status.startswith("not graded: the worker grading it stopped")


def test_the_local_cluster_refuses_clients_without_this_runs_certificate():
    from distributed import Client
    from distributed.security import Security
    from convgrade.cluster import start_cluster
    with start_cluster(1, sandboxed=False) as cluster:
        address = cluster.address
        assert address.startswith("tls://127.0.0.1:")
        for attempt in ({"security": Security.temporary()},       # a certificate of its own
                        {}):                                        # none at all
            with pytest.raises(Exception):
                with Client(address, timeout=5, **attempt) as intruder:
                    intruder.submit(os.getpid).result(timeout=5)
        plain = address.replace("tls://", "tcp://")
        with pytest.raises(Exception):
            with Client(plain, timeout=5) as intruder:
                intruder.submit(os.getpid).result(timeout=5)


# -- shards, gathered ------------------------------------------------------------------------

def _files(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_three_shards_gathered_give_the_gradebook_of_one_batch_and_gathering_again_changes_nothing(
        course_dir, reference, tmp_path, capsys):
    from convgrade.classroom import gather_class, grade_class
    from convgrade.course import Course
    class_dir = tmp_path / "class"
    students = _class(course_dir, class_dir)
    results = [tmp_path / f"results-{index}" for index in (1, 2, 3)]
    for index in (1, 2, 3):
        _run(capsys, course_dir, "autograde", "conv_layer", "--class-dir", class_dir, "--jobs", 1,
             "--shard", f"{index}/3", "--results", results[index - 1])
    slices = [sorted(p.stem for p in out.glob("conv_layer/*.json")) for out in results]
    assert sorted(sum(slices, [])) == students                 # disjoint, and all of them
    assert sorted(map(len, slices)) == [1, 1, 1]
    assert not (class_dir / "gradebook.db").exists()           # a shard writes no gradebook
    _run(capsys, course_dir, "gather", *results, "--class-dir", class_dir)
    url = f"sqlite:///{class_dir / 'gradebook.db'}"
    assert gradebook_of(url, students) == reference
    assert graded_markers(class_dir) == students
    kept = {part: _files(class_dir / part) for part in ("autograded", "feedback")}
    csv = (class_dir / "grades.csv").read_text()
    # shard 3 graded a second time, gathered with shard 1 (named twice): nothing changes but
    # the times at which the cells ran in the autograded notebooks
    again = tmp_path / "results-3-again"
    assert grade_class(Course(course_dir), class_dir, ["conv_layer"], jobs=1, force=True,
                       shard=(3, 3), results_dir=again) == {}
    assert gather_class(course_dir, [results[0], results[0], again], class_dir=class_dir) == 0
    assert gradebook_of(url, students) == reference
    assert _files(class_dir / "feedback") == kept["feedback"]
    assert _without_run_times(_files(class_dir / "autograded")) == \
        _without_run_times(kept["autograded"])
    assert (class_dir / "grades.csv").read_text() == csv


def _without_run_times(files: dict) -> dict:
    """Autograded notebooks without each cell's ``execution`` times."""
    stripped = {}
    for name, content in files.items():
        if not name.endswith(".ipynb"):
            stripped[name] = content
            continue
        nb = nbformat.reads(content.decode(), 4)
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        stripped[name] = nbformat.writes(nb)
    return stripped


def test_gather_reports_result_files_that_are_not_results_and_writes_nothing_outside(
        course_dir, tmp_path):
    from convgrade.results import FORMAT
    import base64
    out = tmp_path / "results" / "conv_layer"
    out.mkdir(parents=True)
    evil = {"format": FORMAT, "assignment": "conv_layer", "student": "mallory",
            "fingerprint": "0", "sandboxed": True, "timestamp": None, "error": None,
            "notebooks": [], "feedback": {},
            "autograded": {"../../../escaped.txt": base64.b64encode(b"x").decode()}}
    (out / "mallory.json").write_text(json.dumps(evil))
    (out / "trent.json").write_text(json.dumps({**evil, "student": "../trent", "autograded": {}}))
    (out / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (out / "junk.json").write_bytes(os.urandom(4096))
    class_dir = tmp_path / "class"
    class_dir.mkdir()
    proc = _convgrade(course_dir, "gather", tmp_path / "results", "--class-dir", class_dir)
    output, _ = proc.communicate(timeout=300)
    assert proc.returncode == 1, output
    assert "Traceback" not in output
    for name in ("mallory", "trent", "deep", "junk"):
        assert f"{name}.json" in output
    assert not list(tmp_path.rglob("escaped.txt"))
    assert not (class_dir / "gradebook.db").exists() or graded_markers(class_dir) == []


# -- PostgreSQL, a batch killed and resumed --------------------------------------------------

def _postgres_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                                                  reverse=True)), None)
    assert found, f"{name} not found: install PostgreSQL (Debian: apt-get install postgresql)"
    return str(found)


@pytest.fixture
def postgres():
    """A PostgreSQL server of this test's own, in a temporary folder, reached through its
    Unix socket there; as root it runs as the ``postgres`` user (it refuses root). Yields the
    URL of an empty database."""
    folder = Path(tempfile.mkdtemp(prefix="convgrade-pg-", dir="/tmp"))
    as_user = []
    if os.geteuid() == 0:
        import pwd
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    subprocess.run([*as_user, _postgres_bin("initdb"), "-D", str(data), "-U", "postgres",
                    "--auth=trust", "-E", "UTF8"], check=True, capture_output=True)
    subprocess.run([*as_user, _postgres_bin("pg_ctl"), "-D", str(data), "-w", "-l",
                    str(folder / "log"), "-o", f"-k {folder} -c listen_addresses=''", "start"],
                   check=True, capture_output=True)
    try:
        import psycopg
        with psycopg.connect(host=str(folder), user="postgres", dbname="postgres",
                             autocommit=True) as connection:
            connection.execute("CREATE DATABASE gradebook")
        yield f"postgresql://postgres@/gradebook?host={folder}"
    finally:
        subprocess.run([*as_user, _postgres_bin("pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_class_graded_into_postgresql_killed_and_resumed_matches_the_sqlite_batch(
        course_dir, reference, postgres, tmp_path, capsys):
    class_dir = tmp_path / "class"
    students = _class(course_dir, class_dir)
    args = ("autograde", "conv_layer", "--class-dir", class_dir, "--jobs", 2, "--db", postgres)
    first = _convgrade(course_dir, *args, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and first.poll() is None and not graded_markers(class_dir):
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.communicate()
    finished = len(graded_markers(class_dir))
    assert 1 <= finished < len(students), "the batch was not interrupted part-way"
    output = _run(capsys, course_dir, *args)
    assert f"{finished} submission{'s' * (finished != 1)} graded already" in output
    assert "gradebook: postgresql://postgres@/gradebook" in output
    assert not (class_dir / "gradebook.db").exists()
    assert gradebook_of(postgres, students) == reference
    assert graded_markers(class_dir) == students
    with Gradebook(postgres) as gradebook:
        assert len(gradebook.assignment_submissions("conv_layer")) == len(students)



def test_a_gradebook_that_cannot_be_opened_is_said_in_one_line_before_anything_is_graded(
        course_dir, tmp_path, capsys):
    """A database that is not there, or whose driver is not installed: autograde and export
    exit 2 with one line naming the gradebook (its password hidden), and nothing is graded."""
    from convgrade.cli import main
    class_dir = tmp_path / "class"
    _class(course_dir, class_dir)
    no_server = f"postgresql://postgres:hunter2@/gradebook?host={tmp_path / 'no-server'}"
    no_driver = "mysql://grader:hunter2@127.0.0.1/gradebook"
    for url, why in ((no_server, "cannot be opened"), (no_driver, "driver (MySQLdb) is not installed")):
        for command in ("autograde", "export"):
            args = [command, "--class-dir", class_dir, "--db", url]
            if command == "autograde":
                args.insert(1, "conv_layer")
            code = main(["--course", str(course_dir), *map(str, args)])
            printed = capsys.readouterr()
            assert code == 2, (command, url, printed.out, printed.err)
            lines = printed.err.strip().splitlines()
            assert len(lines) == 1 and f"convgrade {command}: the gradebook" in lines[0], lines
            assert why in lines[0] and "hunter2" not in lines[0], lines
    assert graded_markers(class_dir) == []
    assert not (class_dir / "autograded").exists() and not (class_dir / "gradebook.db").exists()


def test_a_shard_is_named_i_of_n():
    import argparse
    from convgrade.cli import shard
    assert shard("2/4") == (2, 4) and shard("1/1") == (1, 1)
    for wrong in ("0/3", "4/3", "3", "a/b", "1/2/3", "-1/2"):
        with pytest.raises(argparse.ArgumentTypeError):
            shard(wrong)


def test_a_student_or_assignment_id_is_one_folder_name():
    """The one rule collect, results and gather share for ids that become folders."""
    from convgrade.ledger import is_folder_name
    for good in ("ada", "bo-2", "Zoë", "x" * 255, "a.b"):
        assert is_folder_name(good), good
    for bad in ("", ".", "..", ".hidden", "a/b", "a\\b", "a\0b", "x" * 256):
        assert not is_folder_name(bad), bad
