"""``convgrade collect``: students' submissions into a class folder, from their repositories
or from an LMS's download, for a class run (``convgrade autograde``).

Each submission lands where nbgrader reads it, ``CLASS_DIR/submitted/<student>/<assignment>/``:
the notebook as ``<assignment>.ipynb`` and, when it came from a repository, ``timestamp.txt``
(the commit's time, nbgrader's format) and the other regular files of the notebook's own
folder. ``CLASS_DIR/collected.csv`` lists what was collected (``student_id, assignment,
repository, commit, timestamp``), so a later step can post a commit status on each
repository; a run replaces the rows of the submissions it collects and keeps the others.

Two sources:

* A roster of repositories (``from_repositories``): a CSV with ``student_id, repository``
  and an optional ``ref`` (a branch or tag; default the repository's default branch).
  ``repository`` is ``OWNER/NAME`` on GitHub, or a URL, or a local path starting with
  ``/``, ``./``, ``../`` or ``~``; ``{assignment}`` in it stands for the assignment id (one
  repository per assignment, as GitHub Classroom makes them). Each is cloned once, at depth
  1, into a temporary folder. The notebook is the committed ``<assignment>/<assignment>.ipynb``,
  else ``<assignment>.ipynb`` at the top, else the only file of that name anywhere in the
  repository (two or more elsewhere: not collected, the student must keep one). A token for
  private repositories (``GH_TOKEN``) reaches git only through its environment, as an
  ``http.extraheader`` for ``https://github.com/``: it is not on a command line, in a
  remote's URL, in ``.git/config`` or in any report.
* Canvas's "Download Submissions" zip of one assignment (``from_canvas_zip``): entries named
  ``<name>_[late_]<canvas user id>_<submission id>_<file name>``, mapped to student ids by the
  ``canvas_id`` column of the roster ``convgrade export`` reads. Only notebook entries are
  read; nothing is extracted by its own name, and an entry that is not a plain Canvas name
  (a folder, ``../``), a link, too large, or one of too many, is refused with a line. The zip
  has no trustworthy submission time, so no ``timestamp.txt`` is written (Canvas's own late
  policy applies there; ``late_`` entries are reported).

Everything a student wrote is read without following links and within the bounds of
``convgrade.policy`` (``convgrade.submission``). A commit's time is what the student's git
recorded: collect at the deadline, so that what counts is what was pushed by then. A
failure for one student (no repository, no notebook, an unknown Canvas user) is reported
and the rest goes on.
"""
from __future__ import annotations

import base64
import csv
import os
import re
import shutil
import stat
import subprocess
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import policy
from .exports import RosterError, read_roster
from .ledger import is_folder_name
from .submission import CannotGrade, collect_files, one_line, read_notebook_bytes, shown

MANIFEST = "collected.csv"
MANIFEST_COLUMNS = ("student_id", "assignment", "repository", "commit", "timestamp")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S UTC"     # nbgrader's parse_utc reads it
TOKEN_VARIABLE = "GH_TOKEN"
GITHUB = "https://github.com/"
CLONE_SECONDS = 600                            # a clone that takes longer is given up
CANVAS_NAME = re.compile(r"(?P<name>[^_/\\]+)_(?:(?P<late>late)_)?(?P<user>\d+)_"
                         r"(?P<submission>\d+)_(?P<file>[^/\\]+)", re.IGNORECASE)


class CollectError(ValueError):
    """The roster or the zip cannot be used at all (the message says why, in one line)."""


class CannotCollect(Exception):
    """One submission cannot be collected (the reason is one line)."""


@dataclass(frozen=True)
class StudentRepository:
    """One row of a roster of repositories."""
    student_id: str
    repository: str
    ref: str = ""


@dataclass(frozen=True)
class Checkout:
    """A cloned repository: its folder, the commit checked out and that commit's time."""
    folder: Path
    commit: str
    timestamp: str


@dataclass(frozen=True)
class Submission:
    """One collected submission, a row of the manifest; ``refused``: one line for each file
    of it that was not copied."""
    student_id: str
    assignment: str
    repository: str = ""
    commit: str = ""
    timestamp: str = ""
    refused: tuple = ()
    late: bool = False


@dataclass(frozen=True)
class Failure:
    """A submission that was not collected, and why (``student_id`` is empty when the
    entry names no known student)."""
    student_id: str
    assignment: str
    reason: str


@dataclass
class Collection:
    """What one run collected, and what it could not."""
    submissions: list = field(default_factory=list)
    failures: list = field(default_factory=list)


def read_repositories(path) -> list:
    """The rows of a roster of repositories, or :class:`CollectError`."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise CollectError(f"cannot read the roster {path}: {error.strerror}") from None
    if not rows or not {"student_id", "repository"} <= set(rows[0]):
        raise CollectError(f"the roster {path} needs the columns student_id and repository "
                           "(and optionally ref), and at least one student")
    return [StudentRepository(row["student_id"].strip(), (row["repository"] or "").strip(),
                              (row.get("ref") or "").strip())
            for row in rows if (row.get("student_id") or "").strip()]


def clone_url(repository: str) -> str:
    """What git clones for a roster's ``repository``: a URL or a local path as it is,
    ``OWNER/NAME`` as its GitHub address."""
    if "://" in repository or repository.startswith(("git@", "/", "./", "../", "~")):
        return os.path.expanduser(repository)
    if re.fullmatch(r"[\w.-]+/[\w.-]+", repository):
        return f"{GITHUB}{repository}.git"
    raise CannotCollect(f"repository {shown(repository)!r} is neither OWNER/NAME, a URL nor "
                        "a path")


def git_environment(token: str | None) -> dict:
    """git's environment: never a prompt for a password, and ``token``, when given, as an
    ``Authorization`` header sent to GitHub only (``GIT_CONFIG_*``: in no file, no argument)."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env.update(GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0=f"http.{GITHUB}.extraheader",
                   GIT_CONFIG_VALUE_0=f"AUTHORIZATION: basic {basic}")
    return env


def clone(repository: str, ref: str, into: Path, token: str | None = None) -> Checkout:
    """Clone ``repository`` (at ``ref``, a branch or tag, else its default branch) at depth 1
    into ``into``; :class:`CannotCollect` with git's last line when it fails."""
    command = ["git", "-c", "advice.detachedHead=false", "clone", "--quiet", "--depth", "1",
               "--no-tags", *(["--branch", ref] if ref else []), "--", clone_url(repository),
               str(into)]
    env = git_environment(token)
    try:
        subprocess.run(command, env=env, capture_output=True, text=True, check=True,
                       timeout=CLONE_SECONDS)
        head = subprocess.run(["git", "-C", str(into), "log", "-1", "--format=%H %ct"],
                              env=env, capture_output=True, text=True, check=True).stdout
    except subprocess.TimeoutExpired:
        raise CannotCollect(f"cloning {shown(repository)} took over {CLONE_SECONDS} s") from None
    except subprocess.CalledProcessError as error:
        lines = [line for line in (error.stderr or "").splitlines()
                 if line.strip() and "--depth is ignored" not in line]
        reason = one_line(lines[-1] if lines else f"git exited with {error.returncode}")
        raise CannotCollect(f"cannot clone {shown(repository)}"
                            f"{' at ' + shown(ref) if ref else ''}: "
                            f"{reason.replace(token, '***') if token else reason}") from None
    commit, seconds = head.split()
    when = datetime.fromtimestamp(int(seconds), timezone.utc).strftime(TIMESTAMP_FORMAT)
    return Checkout(into, commit, when)


def find_notebook(checkout: Path, assignment: str) -> Path:
    """The committed notebook of ``assignment`` in ``checkout`` (the order of preference is in
    the module's docstring); :class:`CannotCollect` when there is none or it is ambiguous."""
    listed = subprocess.run(["git", "-C", str(checkout), "ls-files", "-z"],
                            capture_output=True, check=True).stdout
    found = sorted(name for name in map(os.fsdecode, listed.split(b"\0"))
                   if name.rpartition("/")[2] == f"{assignment}.ipynb")
    preferred = [p for p in (f"{assignment}/{assignment}.ipynb", f"{assignment}.ipynb")
                 if p in found]
    if preferred or len(found) == 1:
        return checkout / (preferred or found)[0]
    if not found:
        raise CannotCollect(f"no {assignment}.ipynb committed (expected {assignment}/"
                            f"{assignment}.ipynb or {assignment}.ipynb)")
    raise CannotCollect(f"{len(found)} notebooks named {assignment}.ipynb "
                        f"({', '.join(shown(p) for p in found)}): keep only one")


def store(class_dir, student: str, assignment: str, notebook: bytes, files=None,
          timestamp: str = "") -> Path:
    """Write one submission into ``class_dir/submitted/<student>/<assignment>/``, replacing
    what a previous run put there; returns that folder."""
    folder = Path(class_dir, "submitted", student, assignment)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / f"{assignment}.ipynb").write_bytes(notebook)
    for name, content in (files or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    if timestamp:
        (folder / "timestamp.txt").write_text(timestamp + "\n")
    return folder


def _from_checkout(checkout: Checkout, student: StudentRepository, repository: str,
                   assignment: str, class_dir) -> Submission:
    """Collect ``assignment`` from a cloned repository: the notebook, and the other regular
    files of its folder unless that folder is the repository's top."""
    notebook = find_notebook(checkout.folder, assignment)
    where = notebook.parent.relative_to(checkout.folder)
    if notebook.parent.resolve() != checkout.folder.resolve() / where:
        raise CannotCollect(f"{shown(notebook.relative_to(checkout.folder))} lies behind a "
                            "symbolic link")
    try:
        data = read_notebook_bytes(notebook, shown(notebook.relative_to(checkout.folder)))
    except CannotGrade as error:
        raise CannotCollect(str(error)) from None
    others = collect_files(notebook.parent) if notebook.parent != checkout.folder else None
    store(class_dir, student.student_id, assignment, data, others and others.files,
          checkout.timestamp)
    return Submission(student.student_id, assignment, repository, checkout.commit,
                      checkout.timestamp, tuple(others.refused) if others else ())


def from_repositories(roster, assignments, class_dir, token: str | None = None) -> Collection:
    """Collect ``assignments`` from every repository of ``roster`` into ``class_dir``
    (:class:`CollectError` when the roster cannot be used)."""
    students = read_repositories(roster)
    collection = Collection()
    with tempfile.TemporaryDirectory(prefix="convgrade-collect-") as tmp:
        clones = {}                    # (repository, ref) -> Checkout, or why it was not cloned

        def checkout_of(repository: str, ref: str) -> Checkout:
            if (repository, ref) not in clones:
                try:
                    clones[repository, ref] = clone(repository, ref, Path(tmp, str(len(clones))),
                                                    token)
                except CannotCollect as error:
                    clones[repository, ref] = error
            if isinstance(clones[repository, ref], CannotCollect):
                raise clones[repository, ref]
            return clones[repository, ref]

        for student in students:
            for assignment in assignments:
                repository = student.repository.replace("{assignment}", assignment)
                try:
                    if not is_folder_name(student.student_id):
                        raise CannotCollect("the student id cannot be a folder name")
                    collection.submissions.append(_from_checkout(
                        checkout_of(repository, student.ref), student, repository, assignment,
                        class_dir))
                except CannotCollect as error:
                    collection.failures.append(Failure(student.student_id, assignment, str(error)))
    return collection


def _canvas_students(roster) -> dict:
    """``{canvas user id: student id}`` from a roster with a ``canvas_id`` column."""
    try:
        rows = read_roster(roster)
    except RosterError as error:
        raise CollectError(str(error)) from None
    students = {}
    for student, row in rows.items():
        if row.get("canvas_id"):
            if row["canvas_id"] in students:
                raise CollectError(f"the roster {roster} gives canvas_id {row['canvas_id']} to "
                                   f"{students[row['canvas_id']]} and {student}")
            students[row["canvas_id"]] = student
    if not students:
        raise CollectError(f"the roster {roster} has no canvas_id for any student")
    return students


def _read_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    """The bytes of a notebook entry, or :class:`CannotCollect`: a link, an empty entry or one
    over ``policy.NOTEBOOK_BYTES`` (as declared or as read) is refused."""
    name = shown(entry.filename)
    if stat.S_ISLNK(entry.external_attr >> 16):
        raise CannotCollect(f"{name} is a symbolic link")
    too_large = CannotCollect(f"{name} is larger than the {policy.NOTEBOOK_BYTES // 2**20} MiB "
                              "a notebook may have")
    if entry.file_size > policy.NOTEBOOK_BYTES:
        raise too_large
    try:
        with archive.open(entry) as handle:
            data = handle.read(policy.NOTEBOOK_BYTES + 1)
    except (OSError, RuntimeError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise CannotCollect(f"{name} cannot be read from the zip ({one_line(error)})") from None
    if len(data) > policy.NOTEBOOK_BYTES:
        raise too_large
    if not data:
        raise CannotCollect(f"{name} is empty")
    return data


def from_canvas_zip(archive_path, roster, assignment: str, class_dir) -> Collection:
    """Collect ``assignment`` from Canvas's "Download Submissions" zip into ``class_dir``, the
    students known by the ``canvas_id`` of ``roster`` (:class:`CollectError` when the zip or
    the roster cannot be used). The zip may hold at most ``policy.SUBMISSION_FILES`` entries
    per student of the roster."""
    students = _canvas_students(roster)
    collection = Collection()
    try:
        archive = zipfile.ZipFile(archive_path)
    except (OSError, zipfile.BadZipFile) as error:
        raise CollectError(f"cannot read the zip {archive_path}: {one_line(error)}") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > policy.SUBMISSION_FILES * len(students):
            raise CollectError(f"the zip {archive_path} has {len(entries)} entries, more than "
                               f"{policy.SUBMISSION_FILES} per student of the roster")
        by_student = {}
        for entry in entries:
            if not entry.filename.lower().endswith(".ipynb"):
                continue
            named = CANVAS_NAME.fullmatch(entry.filename)
            if named is None:
                collection.failures.append(Failure("", assignment, f"{shown(entry.filename)} is "
                                                   "not named as Canvas names a submission"))
            elif named["user"] not in students:
                collection.failures.append(Failure("", assignment, f"{shown(entry.filename)}: "
                                                   f"Canvas user {named['user']} is not in the roster"))
            else:
                by_student.setdefault(students[named["user"]], []).append((entry, named))
        for student, found in sorted(by_student.items()):
            try:
                if len(found) > 1:
                    raise CannotCollect(f"{len(found)} notebooks ("
                                        f"{', '.join(shown(e.filename) for e, _ in found)}): "
                                        "submit only one")
                entry, named = found[0]
                if not is_folder_name(student):
                    raise CannotCollect("the student id cannot be a folder name")
                store(class_dir, student, assignment, _read_entry(archive, entry))
                collection.submissions.append(Submission(student, assignment,
                                                         late=bool(named["late"])))
            except CannotCollect as error:
                collection.failures.append(Failure(student, assignment, str(error)))
    return collection


def write_manifest(class_dir, collection: Collection) -> Path:
    """``class_dir/collected.csv`` with a row per collected submission: this run's rows
    replace earlier ones of the same student and assignment, the others stay."""
    path = Path(class_dir, MANIFEST)
    rows = {}
    if path.exists():
        with open(path, newline="", encoding="utf-8") as handle:
            rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(handle)}
    for done in collection.submissions:
        rows[done.student_id, done.assignment] = {c: getattr(done, c) for c in MANIFEST_COLUMNS}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=MANIFEST_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(row for _, row in sorted(rows.items()))
    return path


def report(collection: Collection) -> list:
    """One line per submission collected (and per file of it not copied) and per failure."""
    lines = []
    for done in collection.submissions:
        source = (f" from {shown(done.repository)} at {done.commit[:12]} ({done.timestamp})"
                  if done.commit else " (late in Canvas)" if done.late else "")
        lines.append(f"collected {shown(done.student_id)}/{done.assignment}{source}")
        lines += [f"  not copied: {line}" for line in done.refused]
    lines += [f"NOT COLLECTED {shown(failure.student_id or '?')}/{failure.assignment}: "
              f"{failure.reason}" for failure in collection.failures]
    return lines
