"""Which submissions of a class are graded: one completion marker per submission in
``<class>/.convgrade/``, the source of truth when a batch is run again.

A marker names the digest of the files that were graded (a changed resubmission is graded
again) and is written last, atomically, once the gradebook holds the grades and the feedback
is written: a batch killed at any point, or a scheduler lost, leaves the submission to be
graded by the next run. A submission that could not be graded has a marker of its own with
the reason, for the table and the CSV.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def is_folder_name(name: str) -> bool:
    """Can ``name`` (a student or assignment id) be one folder of the class folder? Not empty,
    at most 255 characters, no path separator or NUL, and no leading dot (``.`` and ``..``
    climb; the class's ``submitted/*/*`` never lists a hidden folder)."""
    return 0 < len(name) <= 255 and not name.startswith(".") and \
        not any(c in name for c in "/\\\0")


def submission_folder(class_dir, assignment: str, student: str) -> Path:
    return Path(class_dir, "submitted", student, assignment)


def fingerprint(class_dir, assignment: str, student: str) -> str:
    """A digest of a submission's files, so a changed resubmission is graded again."""
    digest = hashlib.sha256()
    for path in sorted(submission_folder(class_dir, assignment, student).rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def marker(class_dir, assignment: str, student: str) -> Path:
    return Path(class_dir, ".convgrade", "done", assignment, f"{student}.json")


def failure_marker(class_dir, assignment: str, student: str) -> Path:
    return Path(class_dir, ".convgrade", "not-graded", assignment, f"{student}.json")


def is_done(class_dir, assignment: str, student: str) -> bool:
    """Graded, and from the files now submitted (a class folder that holds no submitted
    files, such as one a ``gather`` fills from shards, trusts its markers)."""
    try:
        graded = json.loads(marker(class_dir, assignment, student).read_text())["fingerprint"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if not submission_folder(class_dir, assignment, student).is_dir():
        return True
    return graded == fingerprint(class_dir, assignment, student)


def mark_done(class_dir, assignment: str, student: str, graded: str, sandboxed=True) -> None:
    """Record that the files with digest ``graded`` are graded; written last, atomically."""
    failure_marker(class_dir, assignment, student).unlink(missing_ok=True)
    _write(marker(class_dir, assignment, student),
           {"fingerprint": graded, "sandboxed": sandboxed})


def mark_failed(class_dir, assignment: str, student: str, reason: str) -> None:
    """Remember why a submission could not be graded, for the table and the CSV of later runs."""
    _write(failure_marker(class_dir, assignment, student), {"reason": reason})


def was_sandboxed(class_dir, assignment: str, student: str):
    """True or False from the marker; None when the submission is not marked graded."""
    try:
        return bool(json.loads(marker(class_dir, assignment, student).read_text())
                    .get("sandboxed", True))
    except (OSError, ValueError, AttributeError):
        return None


def status(class_dir, assignment: str, student: str) -> str:
    """"graded", "not graded: <reason>", or "no submission"."""
    if is_done(class_dir, assignment, student):
        return "graded"
    failed = failure_marker(class_dir, assignment, student)
    if not submission_folder(class_dir, assignment, student).is_dir() and not failed.exists():
        return "no submission"
    try:
        reason = json.loads(failed.read_text())["reason"]
    except (OSError, ValueError, KeyError, TypeError):
        reason = "not graded yet"
    return f"not graded: {reason}"


def _write(path: Path, content: dict) -> None:
    write_atomically(path, json.dumps(content).encode())


def write_atomically(path: Path, data: bytes) -> None:
    """``path`` holding ``data``, or as it was: never a half-written file (its folders made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
