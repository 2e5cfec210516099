"""A graded submission as data: what a worker hands back and a shard writes to a file.

It holds the scores and comments nbgrader computed for each notebook, the autograded
notebook's files and the feedback pages, or why the submission could not be graded. The
coordinator alone turns one into gradebook rows and files (``convgrade.recording``), so the
same object serves a Dask worker's return value and ``convgrade autograde --shard``'s file
that ``convgrade gather`` reads, perhaps on another machine. A file is read with a bound on
its size and the files it carries, and every name in it is checked before it names a path.
"""
from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import policy
from .ledger import fingerprint, is_folder_name, write_atomically

FORMAT = "convgrade-graded-submission/1"


class ResultError(Exception):
    """A result file that is not a graded submission this version can record."""


@dataclass(frozen=True)
class GradedNotebook:
    """One notebook's gradebook entries: ``scores`` maps each graded cell's id to its
    automatic score (None where a person must score it), ``comments`` each answer cell's id to
    its automatic comment, ``late_penalty`` the points taken for lateness (None: on time)."""
    name: str
    scores: dict
    comments: dict
    late_penalty: float | None = None


@dataclass(frozen=True)
class GradedSubmission:
    """The outcome of grading ``student``'s ``assignment``: the submitted files' digest
    (``fingerprint``), whether the kernel ran sandboxed, nbgrader's submission time (ISO text,
    None when none was given), and either the graded notebooks with the autograded and feedback
    files (relative path -> bytes), or ``error``, why nothing could be graded."""
    assignment: str
    student: str
    fingerprint: str
    sandboxed: bool = True
    timestamp: str | None = None
    notebooks: tuple = ()
    autograded: dict = field(default_factory=dict)
    feedback: dict = field(default_factory=dict)
    error: str | None = None

    @property
    def job(self) -> tuple:
        return self.assignment, self.student

    @classmethod
    def failed(cls, assignment, student, fingerprint, reason, sandboxed=True):
        return cls(assignment, student, fingerprint, sandboxed, error=str(reason)[-300:])

    def to_json(self) -> bytes:
        return json.dumps({
            "format": FORMAT, "assignment": self.assignment, "student": self.student,
            "fingerprint": self.fingerprint, "sandboxed": self.sandboxed,
            "timestamp": self.timestamp, "error": self.error,
            "notebooks": [{"name": n.name, "scores": n.scores, "comments": n.comments,
                           "late_penalty": n.late_penalty} for n in self.notebooks],
            "autograded": _encode(self.autograded), "feedback": _encode(self.feedback),
        }, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> "GradedSubmission":
        """The submission ``to_json`` wrote; ResultError for anything else."""
        if len(data) > policy.GRADED_FILE_BYTES:
            raise ResultError(f"larger than {policy.GRADED_FILE_BYTES} bytes")
        try:
            found = json.loads(data)
        except (ValueError, RecursionError) as error:
            raise ResultError(f"not JSON ({type(error).__name__})") from None
        if not isinstance(found, dict) or found.get("format") != FORMAT:
            raise ResultError(f"not a {FORMAT} file")
        error = _optional(found.get("error"), str, "error")
        return cls(
            assignment=_name(found.get("assignment"), "assignment"),
            student=_name(found.get("student"), "student"),
            fingerprint=_typed(found.get("fingerprint"), str, "fingerprint"),
            sandboxed=_typed(found.get("sandboxed"), bool, "sandboxed"),
            timestamp=_optional(found.get("timestamp"), str, "timestamp"),
            error=error,
            notebooks=tuple(_notebook(n) for n in _typed(found.get("notebooks"), list, "notebooks")),
            autograded=_decode(found.get("autograded"), "autograded"),
            feedback=_decode(found.get("feedback"), "feedback"),
        )


def path_for(results_dir, assignment: str, student: str) -> Path:
    return Path(results_dir, assignment, f"{student}.json")


def write(result: GradedSubmission, results_dir) -> Path:
    """Write ``result`` to ``<results_dir>/<assignment>/<student>.json``, atomically."""
    path = path_for(results_dir, result.assignment, result.student)
    write_atomically(path, result.to_json())
    return path


def read(path) -> GradedSubmission:
    """The result in ``path``; ResultError when it is not one (or cannot be read)."""
    path = Path(path)
    try:
        if not path.is_file() or path.is_symlink():
            raise ResultError("not a regular file")
        if path.stat().st_size > policy.GRADED_FILE_BYTES:
            raise ResultError(f"larger than {policy.GRADED_FILE_BYTES} bytes")
        return GradedSubmission.from_json(path.read_bytes())
    except OSError as error:
        raise ResultError(f"cannot be read ({error.strerror or error})") from None


def is_written(results_dir, class_dir, assignment: str, student: str) -> bool:
    """Is the submission as now submitted graded into a result file in ``results_dir``?"""
    try:
        written = read(path_for(results_dir, assignment, student))
    except ResultError:
        return False
    return written.error is None and written.fingerprint == fingerprint(class_dir, assignment, student)


def find(results_dirs) -> list:
    """Every ``*.json`` result file under the folders ``results_dirs``, in a fixed order."""
    found = []
    for folder in results_dirs:
        found += [p for p in Path(folder).rglob("*.json") if not p.name.startswith(".")]
    return sorted(set(found))


# -- checking what a file holds ---------------------------------------------------------------

def _typed(value, kind, what):
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ResultError(f"{what}: expected {kind.__name__}")
    return value


def _optional(value, kind, what):
    return None if value is None else _typed(value, kind, what)


def _name(value, what) -> str:
    """An assignment or student id: one path component, as nbgrader's folders use them."""
    value = _typed(value, str, what)
    if not is_folder_name(value):
        raise ResultError(f"{what}: {value[:80]!r} is not a valid id")
    return value


def _number(value, what):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ResultError(f"{what}: expected a finite number")
    return float(value)


def _notebook(found) -> GradedNotebook:
    found = _typed(found, dict, "notebook")
    scores = _typed(found.get("scores"), dict, "scores")
    comments = _typed(found.get("comments"), dict, "comments")
    return GradedNotebook(
        name=_name(found.get("name"), "notebook"),
        scores={_typed(k, str, "cell id"): _number(v, f"score of {k}") for k, v in scores.items()},
        comments={_typed(k, str, "cell id"): _optional(v, str, f"comment of {k}")
                  for k, v in comments.items()},
        late_penalty=_number(found.get("late_penalty"), "late_penalty"))


def relative_path(name) -> str:
    """``name`` if it is a relative path inside its folder ("a/b.html"), else ResultError."""
    name = _typed(name, str, "file name")
    parts = PurePosixPath(name).parts
    if not parts or name.startswith("/") or "\\" in name or "\0" in name or \
            any(p in (".", "..") for p in parts) or len(name) > 1024:
        raise ResultError(f"file name {name[:80]!r} is not a path inside the submission")
    return name


def _encode(files: dict) -> dict:
    return {name: base64.b64encode(content).decode() for name, content in sorted(files.items())}


def _decode(found, what) -> dict:
    found = _typed(found, dict, what)
    if len(found) > policy.GRADED_FILE_COUNT:
        raise ResultError(f"{what}: more than {policy.GRADED_FILE_COUNT} files")
    try:
        return {relative_path(name): base64.b64decode(_typed(text, str, name), validate=True)
                for name, text in found.items()}
    except (binascii.Error, ValueError):
        raise ResultError(f"{what}: a file is not base64") from None
