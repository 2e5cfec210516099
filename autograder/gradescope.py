"""Gradescope's autograder package for one assignment, and what it runs there.

``convgrade gradescope ASSIGNMENT -o autograder.zip`` writes the zip Gradescope asks for:
``setup.sh`` (run once when Gradescope builds the image: bubblewrap and a virtual
environment with the pinned dependencies), ``run_autograder`` (run once per submission), and
the snapshot it needs: ``lib/`` (the ``convgrade`` and ``convref`` packages as they are now)
and ``course/`` (``nbgrader_config.py``, the assignment's source and release folders, and the
course secret, so hidden inputs stay unpredictable). Gradescope unpacks it into
``/autograder/source``, puts the student's files in ``/autograder/submission`` and reads
``/autograder/results/results.json``.

The package holds the solutions and hidden checks: share it with instructors only. Each
submission is still graded in the sandbox (Gradescope's container alone would let student
code read the solutions or write ``results.json`` itself); where the sandbox cannot start,
the result says "not graded" and why, and scores 0 points until it is fixed.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from .course import Course
from .hidden_inputs import RUN_FOLDER, SECRET_FILE, course_secret

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq bubblewrap python3 python3-venv
python3 -m venv /autograder/source/.venv
/autograder/source/.venv/bin/pip install --quiet -r /autograder/source/requirements.txt
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this once per submission: grade it into results/results.json.
here="$(cd "$(dirname "$0")" && pwd)"
root="$here"; [ -d "$root/source" ] || root="$(dirname "$here")"
python="$root/source/.venv/bin/python"; [ -x "$python" ] || python="${{CONVGRADE_PYTHON:-python3}}"
PYTHONPATH="$root/source/lib" exec "$python" -m convgrade.gradescope run "$root" {assignment}
"""


def requirements() -> list:
    """convgrade's runtime dependencies, pinned to the versions installed here (the grade
    Gradescope gives must not depend on the day its image was built)."""
    pins = []
    for requirement in metadata.requires("convgrade") or []:
        if "extra ==" in requirement:
            continue
        name = requirement.split(";")[0].split("[")[0]
        for sep in "<>=!~ ":
            name = name.split(sep)[0]
        pins.append(f"{name}=={metadata.version(name)}")
    return sorted(pins)


def build(course: Course, assignment: str, out) -> Path:
    """Write the autograder zip of ``assignment`` to ``out``."""
    source = course.source_notebook(assignment)            # CourseError for an unknown id
    out = Path(out)
    secret = course_secret(course.root)
    package = Path(__file__).resolve().parent
    files = {"setup.sh": SETUP, "run_autograder": RUN.format(assignment=assignment),
             "requirements.txt": "\n".join(requirements()) + "\n",
             "course/nbgrader_config.py": (course.root / "nbgrader_config.py").read_text()}
    if secret:
        files[f"course/{RUN_FOLDER}/{SECRET_FILE}"] = secret
    trees = {"lib/convgrade": package, "lib/convref": package.parent / "reference",
             f"course/solutions/{assignment}": source.parent,
             f"course/assignments/{assignment}": course.assignments / assignment}
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o755 if name in ("setup.sh", "run_autograder") else 0o600) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
        for prefix, folder in trees.items():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts \
                        and ".ipynb_checkpoints" not in path.parts:
                    archive.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")
    return out


def _not_graded(results: Path, reason: str) -> None:
    results.write_text(json.dumps({"score": 0.0, "output": f"not graded: {reason}",
                                   "tests": []}, indent=1))


def run(root, assignment: str) -> int:
    """Grade the notebook in ``root/submission`` into ``root/results/results.json``: the
    assignment's own file name first, else the only notebook there."""
    from .grade import CannotGrade, grade_notebook
    from .report import write_results
    root = Path(root)
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    found = sorted(p for p in (root / "submission").rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
    named = [p for p in found if p.name == f"{assignment}.ipynb"]
    if not (named or len(found) == 1):
        _not_graded(results, f"expected one notebook, {assignment}.ipynb, in the submission "
                             f"(found {len(found)})")
        return 0
    course = Course(root / "source" / "course")
    with tempfile.TemporaryDirectory() as work:          # never graded where it was uploaded
        notebook = Path(work, f"{assignment}.ipynb")
        shutil.copyfile((named or found)[0], notebook)
        try:
            graded, _ = grade_notebook(notebook, assignment, course)
        except CannotGrade as error:
            _not_graded(results, str(error).replace(work, "submission"))
            return 0
    write_results(graded, results)
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 3 and argv[0] == "run":
        return run(argv[1], argv[2])
    print("usage: python -m convgrade.gradescope run ROOT ASSIGNMENT", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
