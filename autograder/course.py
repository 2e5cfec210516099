"""Where the course lives: the folder with ``nbgrader_config.py``, ``solutions/`` and
``assignments/``, found from an explicit path, ``$CONVGRADE_COURSE``, the working directory
or the checkout convgrade was installed from."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


class CourseError(Exception):
    """The course or an assignment in it cannot be found."""


class Course:
    def __init__(self, root):
        self.root = Path(root).resolve()
        self.solutions = self.root / "solutions"
        self.assignments = self.root / "assignments"

    @classmethod
    def find(cls, root=None, installed=True) -> "Course":
        """The course named by ``root``, ``CONVGRADE_COURSE``, or the folders from the working
        directory up; else, when ``installed``, the course this package was installed from
        (commands that write into the course pass ``installed=False``: never silently there)."""
        candidates = [root, os.environ.get("CONVGRADE_COURSE")]
        cwd = Path.cwd().resolve()
        candidates += [cwd, *cwd.parents] + ([PACKAGE_ROOT] if installed else [])
        for place in candidates:
            if place and (Path(place) / "solutions").is_dir() and (Path(place) / "nbgrader_config.py").is_file():
                return cls(place)
        raise CourseError("no course found: run inside the course folder (with nbgrader_config.py "
                          "and solutions/) or pass --course / set CONVGRADE_COURSE")

    def assignment_ids(self) -> list:
        return sorted(p.parent.name for p in self.solutions.glob("*/*.ipynb")
                      if p.stem == p.parent.name)

    def source_notebook(self, assignment: str) -> Path:
        path = self.solutions / assignment / f"{assignment}.ipynb"
        if not path.is_file():
            raise CourseError(f"unknown assignment {assignment!r}; this course has "
                              f"{', '.join(self.assignment_ids()) or 'none'}")
        return path

    def release_notebook(self, assignment: str) -> Path:
        return self.assignments / assignment / f"{assignment}.ipynb"
