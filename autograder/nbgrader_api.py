"""nbgrader's Python API, configured from the course's own ``nbgrader_config.py``."""
from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader


def course_config(course_root, db_path=None, **course_dir):
    """The course's nbgrader config, rooted at ``course_root`` (a class run may live
    elsewhere than the course: ``course_dir`` overrides e.g. ``source_directory``)."""
    root = Path(course_root)
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    config.Exchange.root = tempfile.gettempdir()   # unused here; keeps nbgrader quiet
    for key, value in course_dir.items():
        setattr(config.CourseDirectory, key, value)
    if db_path is not None:
        config.CourseDirectory.db_url = f"sqlite:///{Path(db_path).resolve()}"
    return config


def scripts_on_path() -> None:
    """nbgrader runs ``alembic`` as a program: make this interpreter's scripts findable, or
    the first gradebook command dies and leaves a half-made gradebook."""
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def api(config) -> NbGraderAPI:
    scripts_on_path()
    quiet = logging.getLogger("convgrade.nbgrader")
    quiet.setLevel(logging.ERROR)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config, log=quiet)


def require(result: dict, what: str) -> None:
    """Raise with nbgrader's own log when an API call failed."""
    if not result.get("success"):
        raise RuntimeError(f"{what} failed:\n{result.get('error') or ''}\n{result.get('log') or ''}")
