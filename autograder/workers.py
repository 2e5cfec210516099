"""The grading workers of a class run: one long-lived process per job, each with its next
kernel already starting before it has a submission.

This module is light on purpose (the sandbox and the standard library): ``convgrade
autograde`` starts the workers first, so that their kernels boot while the grader is still
importing nbgrader. A worker imports the grading code itself, on its first submission.
"""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from multiprocessing.util import Finalize

from .sandbox import Jail, Limits, missing, start_standby, stop_standby


def _warm(sandboxed: bool) -> None:
    """Worker start: launch the first kernel (default limits; a class whose nbgrader config
    sets other limits gets a fresh kernel instead, as ``take_standby`` compares them). A
    worker's last kernel, if no submission took it, is stopped when the worker exits (a
    worker process runs no ``atexit`` handlers, only multiprocessing's finalizers)."""
    Finalize(None, stop_standby, exitpriority=10)
    if sandboxed and missing():
        return                       # grading says why, once, before any submission
    try:
        start_standby(Jail(Limits(), sandboxed=sandboxed))
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

    fork: a worker starts with what this process imported, and fork-context semaphores are
    unlinked at once, so a batch killed outright leaves nothing in /dev/shm."""
    pool = ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=get_context("fork"),
                               initializer=_warm, initargs=(sandboxed,))
    for _ in range(max(1, jobs)):
        pool.submit(_started)
    return pool
