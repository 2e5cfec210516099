"""Grading processes forked after the imports, each with its next kernel already starting
before it has a notebook: ``convgrade validate``'s pool, and what a class batch's Dask workers
(``convgrade.cluster``) inherit and run at their start.

The grader imports what grading needs first (:func:`preload`) and then forks the workers, so
that every worker shares one copy of those imports instead of paying for them again (about
1.5 CPU-seconds each); their first kernels boot while the grader readies the gradebook.
"""
from __future__ import annotations

import gc
import importlib
import pkgutil
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from multiprocessing.util import Finalize

from .sandbox import Jail, Limits, missing, start_standby, stop_standby

#: The modules a worker grades with (nbgrader's pipeline with convgrade's steps, the feedback
#: page, the verdict engine); the hidden checks of each assignment come on top.
GRADING_MODULES = ("convgrade.classroom", "convgrade.nbgrader_wiring")


def preload(assignments=()) -> None:
    """Import the grading modules and the hidden checks of ``assignments`` (every assignment's
    when empty) in this process, before it forks its workers."""
    from . import check
    names = [info.name for info in pkgutil.iter_modules(check.__path__)]
    for name in GRADING_MODULES:
        importlib.import_module(name)
    for name in names:
        if not assignments or name in assignments:
            importlib.import_module(f"{check.__name__}.{name}")


def boot_first_kernel(sandboxed: bool) -> None:
    """A worker's start: launch its first kernel (default limits; a class whose nbgrader config
    sets other limits gets a fresh kernel instead, as ``take_standby`` compares them). A
    worker's last kernel, if no submission took it, is stopped when the worker exits (a
    worker process runs no ``atexit`` handlers, only multiprocessing's finalizers)."""
    Finalize(None, stop_standby, exitpriority=10)
    if sandboxed and missing():
        return                       # grading says why, once, before any submission
    try:
        start_standby(Jail(Limits(), sandboxed=sandboxed), warm=True)
    except Exception:  # noqa: BLE001 - grading starts a kernel itself, and says what failed
        pass


def starts_next_kernel(count: int, jobs: int) -> list:
    """For ``count`` tasks on ``jobs`` workers, in order: whether a task's worker should start
    a kernel for its next task when done. The last ``jobs`` tasks have no next one (each
    worker takes at most one of them), so theirs would only be stopped unused."""
    return [index < count - max(1, jobs) for index in range(count)]


def _started() -> None:
    """A task that does nothing: submitting it makes the pool start a worker now."""


def start_workers(jobs: int, sandboxed: bool = True) -> ProcessPoolExecutor:
    """``jobs`` worker processes, started now, each booting a kernel.

    fork: a worker starts with what this process imported (frozen for the fork, so that a
    worker's garbage collections leave those shared objects alone and its memory stays
    shared), and fork-context semaphores are unlinked at once, so a batch killed outright
    leaves nothing in /dev/shm."""
    gc.freeze()
    try:
        pool = ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=get_context("fork"),
                                   initializer=boot_first_kernel, initargs=(sandboxed,))
        for _ in range(max(1, jobs)):
            pool.submit(_started)            # forks every worker now
    finally:
        gc.unfreeze()                        # this process collects as before
    return pool
