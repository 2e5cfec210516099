"""``convgrade collect``: submissions gathered from real git repositories and a Canvas zip.

The repositories are made here with git (local paths, no network); what lands in the class
folder is read back byte for byte, with its timestamp and the manifest. A fake token is set
and looked for in every file collected and every line printed.
"""
from __future__ import annotations

import base64
import csv
import os
import subprocess
import zipfile

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.utils import parse_utc

from conftest import CONVGRADE
from convgrade import collect
from convgrade.collect import (CollectError, clone, from_canvas_zip, from_repositories,
                               git_environment, write_manifest)

GIT = ["git", "-c", "user.name=Student", "-c", "user.email=student@example.org",
       "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"]
TOKEN = "ghp_FAKEtokenFAKEtokenFAKEtoken0123456789"
WHEN = "2027-01-31 12:00:00 +0100"               # the commit's time, one hour east of UTC


def notebook(text: str) -> bytes:
    return nbformat.writes(new_notebook(cells=[new_code_cell(text)])).encode()


def git(folder, *args, env=None) -> str:
    return subprocess.run([*GIT, *args], cwd=folder, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def repository(folder, files: dict, links: dict = (), branch: str = "") -> str:
    """A git repository at ``folder`` with ``files`` (path: bytes) and symbolic ``links``
    (path: target) committed at ``WHEN``; returns the commit."""
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / ".git").exists():
        git(folder, "init", "-q")
    if branch:
        git(folder, "checkout", "-q", "-b", branch)
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    for name, target in dict(links).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, folder / name)
    git(folder, "add", "-A")
    env = {**os.environ, "GIT_AUTHOR_DATE": WHEN, "GIT_COMMITTER_DATE": WHEN}
    git(folder, "commit", "-q", "-m", "work", env=env)
    return git(folder, "rev-parse", "HEAD")


def roster(path, rows) -> str:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows(rows)
    return str(path)


def manifest(class_dir) -> list:
    with open(class_dir / "collected.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def files_under(folder) -> dict:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
            if not p.is_dir()}


def test_each_notebook_its_folder_timestamp_and_commit_are_collected(tmp_path):
    ada_nb, bo_nb = notebook("ada = 1"), notebook("bo = 2")
    ada = repository(tmp_path / "ada", {"conv_layer/conv_layer.ipynb": ada_nb,
                                        "conv_layer/data/kernel.txt": b"1 0 -1\n",
                                        "README.md": b"my work\n"},
                     links={"conv_layer/hint.txt": "/etc/passwd"})
    bo = repository(tmp_path / "bo", {"conv_layer.ipynb": bo_nb, "notes.txt": b"top\n"})
    class_dir = tmp_path / "class"
    done = from_repositories(roster(tmp_path / "roster.csv", [
        ["student_id", "repository"], ["ada", str(tmp_path / "ada")],
        ["bo", str(tmp_path / "bo")]]), ["conv_layer"], class_dir)
    write_manifest(class_dir, done)

    assert done.failures == []
    submitted = class_dir / "submitted"
    assert set(files_under(submitted)) == {
        "ada/conv_layer/conv_layer.ipynb", "ada/conv_layer/data/kernel.txt",
        "ada/conv_layer/timestamp.txt",
        "bo/conv_layer/conv_layer.ipynb", "bo/conv_layer/timestamp.txt"}
    assert (submitted / "ada/conv_layer/conv_layer.ipynb").read_bytes() == ada_nb
    assert (submitted / "ada/conv_layer/data/kernel.txt").read_bytes() == b"1 0 -1\n"
    assert (submitted / "bo/conv_layer/conv_layer.ipynb").read_bytes() == bo_nb
    ada_done = next(s for s in done.submissions if s.student_id == "ada")
    assert any("hint.txt" in line and "symbolic link" in line for line in ada_done.refused)
    stamp = (submitted / "ada/conv_layer/timestamp.txt").read_text().strip()
    assert stamp == "2027-01-31 11:00:00 UTC"
    assert str(parse_utc(stamp)) == "2027-01-31 11:00:00"         # nbgrader reads it
    assert manifest(class_dir) == [
        {"student_id": "ada", "assignment": "conv_layer", "repository": str(tmp_path / "ada"),
         "commit": ada, "timestamp": stamp},
        {"student_id": "bo", "assignment": "conv_layer", "repository": str(tmp_path / "bo"),
         "commit": bo, "timestamp": stamp}]


def test_a_missing_repository_or_notebook_is_reported_and_the_others_are_collected(tmp_path):
    repository(tmp_path / "ada", {"conv_layer.ipynb": notebook("ada = 1")})
    repository(tmp_path / "dee", {"boundaries.ipynb": notebook("dee = 1")})
    rows = [["student_id", "repository"], ["cy", str(tmp_path / "nowhere")],
            ["dee", str(tmp_path / "dee")], ["ada", str(tmp_path / "ada")],
            ["eve", "not a repository"]]
    class_dir = tmp_path / "class"
    run = subprocess.run([*CONVGRADE, "collect", "conv_layer", "--roster",
                          roster(tmp_path / "roster.csv", rows), "--class-dir", str(class_dir)],
                         capture_output=True, text=True, timeout=120)

    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    assert any(line.startswith("NOT COLLECTED cy/conv_layer: cannot clone") for line in lines)
    assert any(line.startswith("NOT COLLECTED dee/conv_layer: no conv_layer.ipynb committed")
               for line in lines)
    assert any(line.startswith("NOT COLLECTED eve/conv_layer: repository 'not a repository'")
               for line in lines)
    assert any(line.startswith("collected ada/conv_layer from ") for line in lines)
    assert sum(line.startswith("NOT COLLECTED") for line in lines) == 3
    assert set(files_under(class_dir / "submitted")) == {"ada/conv_layer/conv_layer.ipynb",
                                                         "ada/conv_layer/timestamp.txt"}
    assert [row["student_id"] for row in manifest(class_dir)] == ["ada"]


def test_the_notebook_is_found_once_anywhere_and_never_through_a_link(tmp_path):
    nested = notebook("nested = 1")
    repository(tmp_path / "ada", {"work/week3/conv_layer.ipynb": nested})
    repository(tmp_path / "bo", {"a/conv_layer.ipynb": notebook("a"),
                                 "b/conv_layer.ipynb": notebook("b")})
    repository(tmp_path / "cy", {"real.ipynb": notebook("cy")},
               links={"conv_layer.ipynb": "real.ipynb"})
    done = from_repositories(roster(tmp_path / "roster.csv", [
        ["student_id", "repository"], *[[s, str(tmp_path / s)] for s in ("ada", "bo", "cy")]]),
        ["conv_layer"], tmp_path / "class")

    assert [s.student_id for s in done.submissions] == ["ada"]
    assert (tmp_path / "class/submitted/ada/conv_layer/conv_layer.ipynb").read_bytes() == nested
    reasons = {f.student_id: f.reason for f in done.failures}
    assert "2 notebooks named conv_layer.ipynb" in reasons["bo"]
    assert "symbolic link" in reasons["cy"]
    assert not (tmp_path / "class/submitted/bo").exists()
    assert not (tmp_path / "class/submitted/cy").exists()


def test_a_ref_and_one_repository_per_assignment(tmp_path):
    repository(tmp_path / "repos/conv_layer-ada", {"README.md": b"template\n"})
    on_branch = notebook("submitted on the branch")
    commit = repository(tmp_path / "repos/conv_layer-ada", {"conv_layer.ipynb": on_branch},
                        branch="submit")
    git(tmp_path / "repos/conv_layer-ada", "checkout", "-q", "main")
    class_dir = tmp_path / "class"
    done = from_repositories(roster(tmp_path / "roster.csv", [
        ["student_id", "repository", "ref"],
        ["ada", str(tmp_path / "repos/{assignment}-ada"), "submit"]]),
        ["conv_layer", "boundaries"], class_dir)

    assert [(s.assignment, s.commit) for s in done.submissions] == [("conv_layer", commit)]
    assert (class_dir / "submitted/ada/conv_layer/conv_layer.ipynb").read_bytes() == on_branch
    assert [(f.assignment, str(tmp_path / "repos/boundaries-ada") in f.reason)
            for f in done.failures] == [("boundaries", True)]


def test_collecting_again_replaces_the_submission_and_keeps_other_rows(tmp_path):
    repository(tmp_path / "ada", {"conv_layer/conv_layer.ipynb": notebook("first"),
                                  "conv_layer/old.txt": b"old\n",
                                  "boundaries.ipynb": notebook("b")})
    rows = roster(tmp_path / "roster.csv", [["student_id", "repository"],
                                            ["ada", str(tmp_path / "ada")]])
    class_dir = tmp_path / "class"
    write_manifest(class_dir, from_repositories(rows, ["conv_layer", "boundaries"], class_dir))
    (tmp_path / "ada/conv_layer/old.txt").unlink()
    resubmitted = notebook("second")
    second = repository(tmp_path / "ada", {"conv_layer/conv_layer.ipynb": resubmitted})
    write_manifest(class_dir, from_repositories(rows, ["conv_layer"], class_dir))

    folder = class_dir / "submitted/ada/conv_layer"
    assert sorted(p.name for p in folder.iterdir()) == ["conv_layer.ipynb", "timestamp.txt"]
    assert (folder / "conv_layer.ipynb").read_bytes() == resubmitted
    assert [(r["assignment"], r["commit"] == second) for r in manifest(class_dir)] == [
        ("boundaries", False), ("conv_layer", True)]


def test_the_token_is_in_no_file_no_argument_and_no_line_printed(tmp_path, monkeypatch):
    repository(tmp_path / "ada", {"conv_layer.ipynb": notebook("ada = 1")})
    rows = roster(tmp_path / "roster.csv", [["student_id", "repository"],
                                            ["ada", str(tmp_path / "ada")],
                                            ["cy", str(tmp_path / "nowhere")],
                                            ["dee", "owner-that-is-not/there"]])
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    env = {**os.environ, "GH_TOKEN": TOKEN, "GIT_ALLOW_PROTOCOL": "file"}  # never leaves
    class_dir = tmp_path / "class"
    run = subprocess.run([*CONVGRADE, "collect", "conv_layer", "--roster", rows,
                          "--class-dir", str(class_dir)], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1 and "collected ada/conv_layer" in run.stdout, run.stderr
    for secret in (TOKEN, basic):
        assert secret not in run.stdout + run.stderr
        for name, path in files_under(class_dir).items():
            assert secret.encode() not in path.read_bytes(), name

    # git is given the token as a header for GitHub only, through its environment
    seen = subprocess.run(["git", "config", "--get-urlmatch", "http.extraheader",
                           "https://github.com/owner/name.git"], env=git_environment(TOKEN),
                          capture_output=True, text=True)
    assert seen.stdout.strip() == f"AUTHORIZATION: basic {basic}"
    elsewhere = subprocess.run(["git", "config", "--get-urlmatch", "http.extraheader",
                                "https://example.org/owner/name.git"],
                               env=git_environment(TOKEN), capture_output=True, text=True)
    assert elsewhere.returncode == 1 and not elsewhere.stdout
    commands = []
    real_run = subprocess.run
    monkeypatch.setattr(collect.subprocess, "run",
                        lambda command, **kw: commands.append(command) or real_run(command, **kw))
    kept = clone(str(tmp_path / "ada"), "", tmp_path / "kept", TOKEN)
    assert commands and not any(TOKEN in part or basic in part for c in commands for part in c)
    for name, path in files_under(kept.folder).items():
        assert TOKEN.encode() not in path.read_bytes() and basic.encode() not in path.read_bytes()


CANVAS_ROSTER = [["student_id", "name", "canvas_id"], ["ada", "Lovelace, Ada", "101"],
                 ["bo", "Diddley, Bo", "102"], ["cy", "Young, Cy", "103"],
                 ["dee", "Dee, Dee", "104"]]


def canvas_zip(path, entries) -> str:
    """A zip with ``entries``, ``(name, bytes)`` or ``(name, bytes, unix mode)``."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, content, *mode in entries:
            info = zipfile.ZipInfo(name)
            if mode:
                info.external_attr = mode[0] << 16
            archive.writestr(info, content)
    return str(path)


def test_a_canvas_zip_maps_canvas_users_to_students_and_extracts_nothing_by_name(tmp_path):
    ada_nb, bo_nb = notebook("ada"), notebook("bo")
    archive = canvas_zip(tmp_path / "submissions.zip", [
        ("lovelaceada_101_9001_conv_layer.ipynb", ada_nb),
        ("lovelaceada_101_9001_notes.txt", b"ignored\n"),
        ("diddleybo_late_102_9002_conv_layer-1.ipynb", bo_nb),
        ("../evil.ipynb", notebook("evil")),
        ("youngcy_103_9003_../../evil.ipynb", notebook("evil")),
        ("youngcy_103_9003_conv_layer.ipynb", b"/etc/passwd", 0o120777),
        ("deedee_104_9004_a.ipynb", notebook("a")), ("deedee_104_9004_b.ipynb", notebook("b")),
        ("stranger_999_9009_conv_layer.ipynb", notebook("who"))])
    class_dir = tmp_path / "work" / "class"
    done = from_canvas_zip(archive, roster(tmp_path / "roster.csv", CANVAS_ROSTER),
                           "conv_layer", class_dir)

    assert [(s.student_id, s.late) for s in done.submissions] == [("ada", False), ("bo", True)]
    collected = files_under(class_dir / "submitted")
    assert set(collected) == {"ada/conv_layer/conv_layer.ipynb", "bo/conv_layer/conv_layer.ipynb"}
    assert collected["ada/conv_layer/conv_layer.ipynb"].read_bytes() == ada_nb
    assert collected["bo/conv_layer/conv_layer.ipynb"].read_bytes() == bo_nb
    assert all(path.is_file() and not path.is_symlink() for path in collected.values())
    assert not list(tmp_path.rglob("evil*"))
    reasons = [(f.student_id, f.reason) for f in done.failures]
    assert ("", "../evil.ipynb is not named as Canvas names a submission") in reasons
    assert ("", "youngcy_103_9003_../../evil.ipynb is not named as Canvas names a submission") \
        in reasons
    assert ("cy", "youngcy_103_9003_conv_layer.ipynb is a symbolic link") in reasons
    assert any(s == "dee" and "2 notebooks" in r for s, r in reasons)
    assert any(s == "" and "Canvas user 999 is not in the roster" in r for s, r in reasons)
    assert len(reasons) == 5


def test_a_canvas_zip_is_bounded_in_entry_size_and_count(tmp_path, monkeypatch):
    monkeypatch.setattr(collect.policy, "NOTEBOOK_BYTES", 4096)
    monkeypatch.setattr(collect.policy, "SUBMISSION_FILES", 3)
    rows = roster(tmp_path / "roster.csv", CANVAS_ROSTER[:3])
    archive = canvas_zip(tmp_path / "large.zip", [
        ("lovelaceada_101_9001_conv_layer.ipynb", b"{" + b" " * 5000 + b"}"),
        ("diddleybo_102_9002_conv_layer.ipynb", notebook("bo"))])
    done = from_canvas_zip(archive, rows, "conv_layer", tmp_path / "class")
    assert [s.student_id for s in done.submissions] == ["bo"]
    assert [(f.student_id, "larger than" in f.reason) for f in done.failures] == [("ada", True)]

    many = canvas_zip(tmp_path / "many.zip", [(f"x_{i}_1_n.txt", b"") for i in range(7)])
    with pytest.raises(CollectError, match="7 entries, more than 3 per student"):
        from_canvas_zip(many, rows, "conv_layer", tmp_path / "class")


def test_bad_input_exits_2_with_one_line(tmp_path, capsys):
    from convgrade.cli import main
    zipped = canvas_zip(tmp_path / "s.zip", [])
    rows = roster(tmp_path / "roster.csv", CANVAS_ROSTER)
    for args, message in [
            (["conv_layer", "--roster", str(tmp_path / "absent.csv")], "cannot read the roster"),
            (["conv_layer", "--roster", rows], "needs the columns student_id and repository"),
            (["../up", "--roster", rows], "'../up'"),
            (["conv_layer", "boundaries", "--roster", rows, "--canvas-zip", zipped],
             "one assignment"),
            (["conv_layer", "--roster", rows, "--canvas-zip", str(tmp_path / "roster.csv")],
             "cannot read the zip"),
            (["conv_layer", "--roster", str(tmp_path / "absent.csv"), "--canvas-zip", zipped],
             "cannot read the roster")]:
        code = main(["collect", *args, "--class-dir", str(tmp_path / "c")])
        printed = capsys.readouterr()
        assert code == 2, (args, printed.out, printed.err)
        assert message in printed.err and len(printed.err.strip().splitlines()) == 1, printed.err
