"""Where the hidden inputs of a check come from: the course's secret, the submission, the check.

A hidden check draws its inputs from a seed (``convgrade.cases.seeded``). Were the seed the
same for every submission, a student could record the inputs through one submission (print
them, raise them in an exception message the feedback shows, write them to a file) and answer
them from a table in the next: full marks for a wrong function. So each test cell's seed is

    HMAC-SHA256(course secret, fingerprint of the submission + "\\0" + check name)

cut to 64 bits. A regrade of the same submission sees the same inputs (grades are
reproducible), any change to the student's part of it gives new ones, and without the secret
nobody can compute them ahead of time. The secret is ``$CONVGRADE_SECRET`` (e.g. a CI secret)
or else ``<course>/.convgrade/secret``, made on first use; a course without either (a
read-only folder) is still graded, with predictable inputs and a note saying so.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from . import policy
from .restore import is_student_cell

#: The environment variable that holds the course secret, when it is not kept in the course.
SECRET_ENV = "CONVGRADE_SECRET"
#: Where the course keeps its run data (never committed), and the secret within it.
RUN_FOLDER = ".convgrade"
SECRET_FILE = "secret"
#: The note a grade carries when nobody could make its hidden inputs unpredictable.
PREDICTABLE = "hidden inputs are predictable (no course secret)"

_FINGERPRINT_VERSION = b"convgrade submission fingerprint 1\0"


# -- the secret -------------------------------------------------------------------------------

def secret_path(course_root) -> Path:
    return Path(course_root) / RUN_FOLDER / SECRET_FILE


def course_secret(course_root) -> bytes | None:
    """The course's secret: ``$CONVGRADE_SECRET`` when set, else the bytes of the secret file,
    which is created on first use. None when neither exists and the file cannot be made (a
    read-only course folder, something else in its way), when the file cannot be read, or
    when there is no course folder at all."""
    from_env = os.environ.get(SECRET_ENV)
    if from_env:
        return from_env.encode()
    if course_root is None:
        return None
    path = secret_path(course_root)
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    except OSError:              # in the way of the secret (a file for its folder), unreadable
        return None
    try:
        return _create(path)
    except OSError:
        return None


def _read(path: Path) -> bytes | None:
    data = path.read_bytes()
    return data or None          # an empty file holds no secret


def _create(path: Path) -> bytes | None:
    """Write a new secret beside its final place, then link it into place: a link fails when
    the name exists, so of two graders creating the secret at once exactly one wins, and both
    read the winner's secret back. Nobody ever sees a half-written file."""
    path.parent.mkdir(mode=0o700, exist_ok=True)
    fd, draft = tempfile.mkstemp(prefix=f".{SECRET_FILE}-", dir=path.parent)   # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(policy.SECRET_BYTES))
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass                 # another grader was first: use its secret
        _sync_folder(path.parent)
    finally:
        os.unlink(draft)
    return _read(path)


def _sync_folder(folder: Path) -> None:
    """Make the new name durable: a secret lost in a crash would change every regrade."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- the submission and the seeds -------------------------------------------------------------

def fingerprint(cells, files) -> str:
    """SHA-256 (hex) of the student's part of a submission: ``cells``, the source texts of its
    student-editable cells in order, and ``files``, ``{relative name: bytes}`` of the other
    files that reach the kernel. Each text and file is length-prefixed and files are taken in
    order of name, so the encoding is canonical: two submissions that differ in any of these
    differ in fingerprint, and nothing else (outputs, metadata, cell ids) counts."""
    digest = hashlib.sha256(_FINGERPRINT_VERSION)

    def field(data: bytes) -> None:
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)

    cells = list(cells)
    digest.update(b"cells")
    field(str(len(cells)).encode())
    for text in cells:
        field(text.encode("utf-8", "surrogatepass"))
    named = sorted((str(name).encode("utf-8", "surrogatepass"), bytes(data))
                   for name, data in files.items())
    digest.update(b"files")
    field(str(len(named)).encode())
    for name, data in named:
        field(name)
        field(data)
    return digest.hexdigest()


def check_seed(secret: bytes | None, fingerprint: str, check: str) -> int:
    """The seed of one check on one submission: HMAC-SHA256(secret, fingerprint + "\\0" +
    check) cut to 64 bits; with no secret, plain SHA-256 of the same (predictable)."""
    message = f"{fingerprint}\0{check}".encode()
    if secret is None:
        digest = hashlib.sha256(message).digest()
    else:
        digest = hmac.new(secret, message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def student_cells(nb) -> list:
    """Source texts of the cells a student writes, in order (``restore.is_student_cell``)."""
    return [cell.source for cell in nb.cells
            if cell.cell_type in ("code", "markdown") and is_student_cell(cell)]


@dataclass(frozen=True)
class SubmissionSeeds:
    """What the seeds of one submission's checks derive from."""

    secret: bytes | None
    fingerprint: str

    @property
    def predictable(self) -> bool:
        return self.secret is None

    def for_check(self, check: str) -> int:
        return check_seed(self.secret, self.fingerprint, check)


def submission_seeds(nb, files, course_root) -> SubmissionSeeds:
    """The seeds of the restored notebook ``nb`` whose other files reaching the kernel are
    ``files`` (``{name: bytes}``), under the secret of the course at ``course_root``."""
    return SubmissionSeeds(course_secret(course_root), fingerprint(student_cells(nb), files))


_warned = False


def warn_predictable() -> None:
    """Say once per process that grades go out with predictable hidden inputs."""
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(f"convgrade: {PREDICTABLE}: set {SECRET_ENV} or make the course folder "
                      "writable", stacklevel=3)
