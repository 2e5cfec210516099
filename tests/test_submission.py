"""Reading a submission without trusting it (``convgrade.submission``), no kernel involved.

Links, named pipes and odd names in a submission folder are refused with one line each and
what they point to is never opened: the proof is the target's access time (checked against a
control file on the same file system, so the proof itself is shown to work) and a record of
every ``os.open`` call. A named pipe would block a reader that opened it, so those tests
finishing at all is part of the proof.
"""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from convgrade import policy
from convgrade.submission import CannotGrade, Collected, collect_files, load_submission

SECRET = b"def corr2d(X, K):  # the instructor's solution\n"


def _age(path):
    """Set ``path``'s access time well before its modification time, so that any read of it
    moves the access time (the rule of both strictatime and relatime mounts)."""
    info = os.stat(path, follow_symlinks=False)
    os.utime(path, ns=(info.st_mtime_ns - 10**14, info.st_mtime_ns), follow_symlinks=False)
    return os.stat(path).st_atime_ns


@pytest.fixture
def opened(monkeypatch):
    """Every name passed to ``os.open`` while the test runs (a file name or a path)."""
    names = []
    real = os.open

    def recording(path, flags, *args, **kwargs):
        names.append(os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else path)
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", recording)
    return names


def _in_time(function, *args, seconds=20):
    """``function(*args)`` in a thread; fails the test (instead of hanging it) when it blocks."""
    box = {}

    def run():
        try:
            box["value"] = function(*args)
        except BaseException as error:  # noqa: BLE001 - handed to the test below
            box["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"{function.__name__} blocked for {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


@pytest.fixture
def outside(tmp_path):
    """A course folder beside the submission: a solution and a data folder it must not reach."""
    course = tmp_path / "course"
    (course / "data").mkdir(parents=True)
    (course / "solution.ipynb").write_bytes(SECRET)
    (course / "data" / "answers.npy").write_bytes(SECRET)
    return course


@pytest.fixture
def folder(tmp_path):
    sub = tmp_path / "submitted" / "ann" / "conv_layer"
    sub.mkdir(parents=True)
    (sub / "conv_layer.ipynb").write_text("{}")
    return sub


def test_honest_folder_is_copied_whole(folder):
    (folder / "notes.txt").write_bytes(b"my notes\n")
    (folder / "data" / "train").mkdir(parents=True)
    (folder / "data" / "train" / "x.csv").write_bytes(b"1,2,3\n")
    (folder / "data" / "empty.bin").write_bytes(b"")
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "conv_layer-checkpoint.ipynb").write_text("{}")
    (folder / ".hidden").write_bytes(b"hidden")
    (folder / "scratch.ipynb").write_text("{}")
    got = collect_files(folder)
    assert isinstance(got, Collected)
    assert got.files == {"notes.txt": b"my notes\n", "data/train/x.csv": b"1,2,3\n",
                         "data/empty.bin": b""}
    assert got.refused == []


def test_symlink_to_the_solution_is_refused_and_never_read(folder, outside, opened):
    (folder / "data.csv").write_bytes(b"1,2\n")
    (folder / "hint.txt").symlink_to(outside / "solution.ipynb")
    control = outside / "control.txt"
    control.write_bytes(SECRET)
    target_atime = _age(outside / "solution.ipynb")
    control_atime = _age(control)
    control.read_bytes()
    assert os.stat(control).st_atime_ns > control_atime, "this file system does not record reads"

    got = collect_files(folder)

    assert got.files == {"data.csv": b"1,2\n"}
    assert got.refused == ["hint.txt is a symbolic link: it was not copied for grading"]
    assert all(SECRET not in data for data in got.files.values())
    assert os.stat(outside / "solution.ipynb").st_atime_ns == target_atime
    assert "hint.txt" not in opened
    assert not any(str(n).endswith("solution.ipynb") for n in opened)


def test_symlink_to_a_folder_is_refused_and_not_entered(folder, outside, opened):
    (folder / "data").symlink_to(outside / "data", target_is_directory=True)
    target_atime = _age(outside / "data" / "answers.npy")
    got = collect_files(folder)
    assert got.files == {}
    assert got.refused == ["data is a symbolic link: it was not copied for grading"]
    assert os.stat(outside / "data" / "answers.npy").st_atime_ns == target_atime
    assert "data" not in opened and "answers.npy" not in opened


def test_named_pipes_do_not_block_and_are_refused(folder, tmp_path, opened):
    os.mkfifo(folder / "pipe")
    os.mkfifo(tmp_path / "elsewhere")
    (folder / "to-pipe").symlink_to(tmp_path / "elsewhere")
    (folder / "real.txt").write_bytes(b"ok")
    got = _in_time(collect_files, folder)
    assert got.files == {"real.txt": b"ok"}
    assert got.refused == ["pipe is a named pipe (FIFO): it was not copied for grading",
                           "to-pipe is a symbolic link: it was not copied for grading"]
    assert "pipe" not in opened and "to-pipe" not in opened
    # nobody holds the pipes open: a writer that does not wait finds no reader at all
    for pipe in (folder / "pipe", tmp_path / "elsewhere"):
        with pytest.raises(OSError):
            os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)


def test_dangling_link_and_socket_are_refused(folder):
    import socket
    (folder / "gone.txt").symlink_to(folder / "does-not-exist")
    server = socket.socket(socket.AF_UNIX)
    socket_path = folder / "sock"
    try:
        server.bind(str(socket_path))
        got = collect_files(folder)
    finally:
        server.close()
    assert got.files == {}
    assert got.refused == ["gone.txt is a symbolic link: it was not copied for grading",
                           "sock is a socket: it was not copied for grading"]


def test_escapes_by_name_stay_inside(folder, tmp_path, outside):
    (tmp_path / "submitted" / "ann" / "secret.txt").write_bytes(SECRET)
    (folder / "up").symlink_to("..", target_is_directory=True)
    (folder / "sneak.txt").symlink_to("../secret.txt")
    (folder / "a").mkdir()
    (folder / "a" / "b").symlink_to("../../..", target_is_directory=True)
    (folder / "x\\..\\..\\evil.txt").write_bytes(b"just a name")
    (folder / "...").write_bytes(b"hidden by its dot")
    got = collect_files(folder)
    assert got.files == {"x\\..\\..\\evil.txt": b"just a name"}
    assert sorted(got.refused) == sorted([
        "a/b is a symbolic link: it was not copied for grading",
        "sneak.txt is a symbolic link: it was not copied for grading",
        "up is a symbolic link: it was not copied for grading",
    ])
    for name in got.files:
        parts = name.split("/")
        assert ".." not in parts and "." not in parts and "" not in parts
        assert (folder / name).resolve().is_relative_to(folder.resolve())


def test_too_many_files_are_counted_not_copied(folder):
    names = [f"f{i:03d}.txt" for i in range(policy.SUBMISSION_FILES + 3)]
    for name in names:
        (folder / name).write_bytes(name.encode())
    got = collect_files(folder)
    assert sorted(got.files) == names[:policy.SUBMISSION_FILES]
    assert got.refused == [f"3 more file(s) were not copied for grading: at most "
                           f"{policy.SUBMISSION_FILES} files of a submission are"]


def test_too_large_file_is_refused_unread(folder, opened):
    big = folder / "big.bin"
    with open(big, "wb") as handle:
        handle.truncate(policy.SUBMISSION_FILE_BYTES + 1)
    (folder / "small.txt").write_bytes(b"fine")
    got = collect_files(folder)
    assert got.files == {"small.txt": b"fine"}
    assert len(got.refused) == 1 and got.refused[0].startswith("big.bin (")
    assert f"larger than the {policy.SUBMISSION_FILE_BYTES // 2**20} MiB" in got.refused[0]
    assert "big.bin" not in opened


def test_total_size_is_bounded(folder):
    each = policy.SUBMISSION_FILE_BYTES - 1
    count = policy.SUBMISSION_TOTAL_BYTES // each       # this many fit, one more does not
    for i in range(count + 1):
        with open(folder / f"part{i}.bin", "wb") as handle:
            handle.truncate(each)
    got = collect_files(folder)
    assert sorted(got.files) == [f"part{i}.bin" for i in range(count)]
    assert sum(map(len, got.files.values())) <= policy.SUBMISSION_TOTAL_BYTES
    assert got.refused == [f"part{count}.bin was not copied for grading: the submission's "
                           f"files may hold {policy.SUBMISSION_TOTAL_BYTES // 2**20} MiB in all"]


def test_deep_folders_are_bounded(folder):
    deep = folder
    for level in range(policy.SUBMISSION_FOLDER_DEPTH + 2):
        deep = deep / f"d{level}"
        deep.mkdir()
        (deep / "x.txt").write_bytes(b"x")
    got = collect_files(folder)
    assert len(got.files) == policy.SUBMISSION_FOLDER_DEPTH
    assert max(name.count("/") for name in got.files) == policy.SUBMISSION_FOLDER_DEPTH
    assert len(got.refused) == 1 and "folders deep" in got.refused[0]


def test_refusal_lines_cannot_be_forged_by_a_name(folder, outside):
    (folder / "evil\nname is fine: it was copied").symlink_to(outside / "solution.ipynb")
    (folder / b"latin-\xe9".decode("utf-8", "surrogateescape")).symlink_to(outside / "solution.ipynb")
    got = collect_files(folder)
    assert got.files == {}
    assert len(got.refused) == 2
    assert all("\n" not in line and line.isprintable() for line in got.refused)
    assert "evil\\nname" in "".join(got.refused)


def test_the_folder_itself(tmp_path, outside):
    assert collect_files(tmp_path / "missing") == Collected({}, [])
    (tmp_path / "linked").symlink_to(outside / "data", target_is_directory=True)
    got = collect_files(tmp_path / "linked")
    assert got.files == {}
    assert got.refused == ["linked is a symbolic link: nothing in it was copied for grading"]


# -- the notebook -------------------------------------------------------------------------


def test_symlinked_notebook_is_refused(tmp_path, outside):
    link = tmp_path / "conv_layer.ipynb"
    real = Path(__file__).resolve().parents[1] / "assignments" / "conv_layer" / "conv_layer.ipynb"
    link.symlink_to(real)
    atime = _age(outside / "solution.ipynb")
    with pytest.raises(CannotGrade) as caught:
        load_submission(link)
    assert "symbolic link" in str(caught.value) and "\n" not in str(caught.value)
    (tmp_path / "second.ipynb").symlink_to(outside / "solution.ipynb")
    with pytest.raises(CannotGrade):
        load_submission(tmp_path / "second.ipynb")
    assert os.stat(outside / "solution.ipynb").st_atime_ns == atime
    assert len(load_submission(real).cells) > 10       # the target itself is a fine notebook


def _notebook(cells, **extra):
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
                       **extra}).encode()


BAD_NOTEBOOKS = {
    "deep nesting": (b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b', "nbformat": 4}', "deeper"),
    "nesting past the bound": (_notebook([{"cell_type": "code", "source": "",
                                           "metadata": json.loads("[" * 200 + "]" * 200)}]),
                               "deeper"),
    "not UTF-8": (b'{"cells": [], "nbformat": 4, "x": "\xe9t\xe9"}', "UTF-8"),
    "NaN": (b'{"cells": [], "nbformat": 4, "x": NaN}', "NaN"),
    "Infinity": (b'{"cells": [], "nbformat": 4, "x": -Infinity}', "Infinity"),
    "huge number": (b'{"cells": [], "nbformat": 4, "x": ' + b"7" * 100_000 + b"}", "number"),
    "huge float": (b'{"cells": [], "nbformat": 4, "x": 1.' + b"5" * 100_000 + b"}", "number"),
    "duplicate key": (b'{"cells": [], "cells": [], "nbformat": 4}', "twice"),
    "cells not a list": (b'{"cells": {"0": {}}, "nbformat": 4}', "no list of cells"),
    "nbformat 3": (b'{"cells": [], "nbformat": 3}', "nbformat 3"),
    "nbformat as text": (b'{"cells": [], "nbformat": "4"}', "nbformat"),
    "a string": (b'"just text"', "no list of cells"),
    "too many cells": (_notebook([{"cell_type": "code", "source": ""}] * (policy.NOTEBOOK_CELLS + 1)),
                       "too many"),
    "binary": (bytes(range(256)) * 10, "UTF-8"),
}


@pytest.mark.parametrize("name", BAD_NOTEBOOKS)
def test_malformed_notebook_gets_one_line(tmp_path, name):
    data, reason = BAD_NOTEBOOKS[name]
    path = tmp_path / "conv_layer.ipynb"
    path.write_bytes(data)
    with pytest.raises(CannotGrade) as caught:
        load_submission(path)
    message = str(caught.value)
    assert reason in message and "\n" not in message and len(message) < 600, message


def test_odd_but_readable_notebooks_load(tmp_path):
    path = tmp_path / "odd.ipynb"
    path.write_bytes(_notebook([7, "text", None, [1], {"cell_type": "code", "source": "\ud800x"}],
                               metadata="not a dict"))
    nb = load_submission(path)
    assert len(nb.cells) == 5 and nb.metadata == {}
    assert nb.cells[4]["source"] == "\ufffdx"
    json.dumps(nb).encode("utf-8")                # writable again, lone surrogate repaired


def test_special_files_as_notebooks(tmp_path):
    os.mkfifo(tmp_path / "pipe.ipynb")
    for path, reason in ((tmp_path / "pipe.ipynb", "named pipe"), (tmp_path, "a folder"),
                         (tmp_path / "none.ipynb", "no such file")):
        with pytest.raises(CannotGrade) as caught:
            _in_time(load_submission, path)
        assert reason in str(caught.value)
    big = tmp_path / "big.ipynb"
    with open(big, "wb") as handle:
        handle.truncate(policy.NOTEBOOK_BYTES + 1)
    started = time.monotonic()
    with pytest.raises(CannotGrade, match="too large"):
        load_submission(big)
    assert time.monotonic() - started < 5
