"""nbgrader's Python API, configured from the course's own ``nbgrader_config.py``."""
from __future__ import annotations

import functools
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import nbgrader.api
import sqlalchemy
import nbgrader.nbgraderformat.common
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.dbutil import ALEMBIC_DIR
from traitlets.config.loader import PyFileConfigLoader


def alembic_head() -> str:
    """The gradebook schema's newest revision, which nbgrader stamps on every new gradebook:
    read from nbgrader's own migration scripts with alembic's Python API. nbgrader runs the
    ``alembic`` program for it instead, which takes seconds and needs the virtual
    environment's ``bin`` on PATH."""
    from alembic.script import ScriptDirectory
    return ScriptDirectory(ALEMBIC_DIR).get_current_head()


nbgrader.api.get_alembic_version = alembic_head


@functools.lru_cache(maxsize=8)
def _metadata_validator(schema_json: str):
    schema = json.loads(schema_json)
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    return validator(schema)


def validate_metadata(instance, schema) -> None:
    """``jsonschema.validate`` with the schema checked and its validator built once.
    nbgrader validates every cell's nbgrader metadata against its one schema, and
    ``jsonschema.validate`` checks the schema itself again on every call: a tenth of a
    second per notebook. Raises the error ``jsonschema.validate`` would raise."""
    validator = _metadata_validator(json.dumps(schema, sort_keys=True))
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


# the only use nbgrader's metadata validators make of jsonschema
nbgrader.nbgraderformat.common.jsonschema = SimpleNamespace(validate=validate_metadata)

_ENGINES: dict = {}


def shared_engine(url, **options):
    """The one SQLAlchemy engine of this process for a gradebook. nbgrader opens a new
    ``Gradebook`` several times per notebook, and each made an engine of its own, which
    compiles every query again (SQLAlchemy caches compiled queries per engine): a quarter of a
    second per notebook. ``Gradebook.close`` still disposes it, which only closes its pooled
    connections. Keyed by process, so that a forked worker never uses its parent's, and by the
    SQLite file itself, so that a gradebook deleted and made anew at the same path is a new
    database."""
    key = (os.getpid(), str(url), _sqlite_file(url), tuple(sorted(options.items())))
    if key not in _ENGINES:
        _ENGINES[key] = sqlalchemy.create_engine(url, **options)
    return _ENGINES[key]


def forget_engine(url) -> None:
    """Drop this process's engines for ``url`` (a gradebook that is about to be deleted)."""
    for key in [k for k in _ENGINES if k[0] == os.getpid() and k[1] == str(url)]:
        _ENGINES.pop(key).dispose()


def _sqlite_file(url):
    """``(device, inode)`` of an SQLite gradebook's file; None for a file not made yet or
    another database."""
    database = sqlalchemy.engine.make_url(url)
    if database.get_backend_name() != "sqlite" or not database.database:
        return None
    try:
        found = os.stat(database.database)
    except OSError:
        return None
    return found.st_dev, found.st_ino


# the only engines nbgrader makes are its gradebooks'
nbgrader.api.create_engine = shared_engine


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


def graded_cells(gradebook, notebook) -> tuple:
    """A submitted notebook's grades and comments, each as ``{cell name: row}``, in two
    queries: reading ``grade.name`` loads each grade's cell with a query of its own."""
    from nbgrader.api import Comment, Grade
    from sqlalchemy.orm import joinedload
    grades = gradebook.db.query(Grade).options(joinedload(Grade.cell)) \
        .filter(Grade.notebook_id == notebook.id)
    comments = gradebook.db.query(Comment).options(joinedload(Comment.cell)) \
        .filter(Comment.notebook_id == notebook.id)
    return {g.cell.name: g for g in grades}, {c.cell.name: c for c in comments}
