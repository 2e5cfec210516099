"""Compute with a student's sympy expression only in a worker process, under time and memory
limits.

A student's expression reaches the grader unevaluated (``convgrade.wire`` rebuilds it with
``evaluate=False``), so nothing was computed when it was read; but expanding, subtracting or
summing it (``expand``, ``x - y``, ``.doit()``, ``xreplace``) may run for hours or exhaust memory:
``Pow(Add(*symbols(10)), 200, evaluate=False)`` expanded has billions of terms. Every such
computation therefore runs here, in one long-lived worker per grader process.

Contract: ``run(function, *args)`` returns ``function(*args)`` computed in the worker.

* ``function`` is a module-level function (pickled by reference) that returns plain data;
  ``args`` may hold sympy expressions anywhere in lists, tuples, sets, dicts and numpy object
  arrays. Sympy trees travel to the worker and back unevaluated (``Add``, ``Mul`` and ``Pow``
  are rebuilt with ``evaluate=False``), so a hostile tree is not computed on unpickling.
* An expression of more than ``policy.SYMBOLIC_NODES`` nodes raises :class:`TooLarge` before
  the worker is contacted; a computation longer than ``policy.SYMBOLIC_TIMEOUT`` seconds
  raises :class:`TooSlow` (the worker is killed and a new one started on the next call); one
  that needs more than ``policy.SYMBOLIC_MEMORY`` bytes raises :class:`TooLarge`. Both are
  :class:`Refused`: a verdict on the student's expression. An exception raised by
  ``function`` is raised again here; a worker that cannot start raises :class:`WorkerFailed`.
* The worker is started lazily as a fresh interpreter (nothing of the grader's state is
  copied into it, and the grader's main script is not run again there) that imports sympy
  once and serves every later call; one call per batch of comparisons keeps round trips few.
  It talks over a socket pair and ends when the grader closes its end (or exits).
"""
from __future__ import annotations

import io
import itertools
import os
import pickle
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection

import numpy as np
import sympy

from . import policy


class Refused(Exception):
    """A student's expression that cannot be compared within the limits: the check's verdict."""


class TooLarge(Refused):
    """Too many nodes to compare, or the comparison ran out of memory."""


class TooSlow(Refused):
    """The comparison took longer than ``policy.SYMBOLIC_TIMEOUT`` seconds."""


class WorkerFailed(RuntimeError):
    """The worker could not be started or stopped answering for reasons of its own."""


# -- unevaluated pickling ---------------------------------------------------------------------

#: Classes whose constructor computes: rebuilt with ``evaluate=False`` on unpickling.
UNEVALUATED = (sympy.Add, sympy.Mul, sympy.Pow)


def _rebuild(kind, args):
    return kind(*args, evaluate=False)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        if type(obj) in UNEVALUATED:
            return _rebuild, (type(obj), obj.args)
        return NotImplemented


def dumps(value) -> bytes:
    """``value`` pickled so that its sympy trees unpickle exactly as they are (unevaluated)."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


loads = pickle.loads


# -- the size check ---------------------------------------------------------------------------

def expressions(value):
    """Every sympy expression in ``value`` and the containers and object arrays it holds."""
    stack, seen = [value], set()
    while stack:
        item = stack.pop()
        if isinstance(item, sympy.Basic):
            yield item
        elif isinstance(item, (list, tuple, set, frozenset, dict, np.ndarray)):
            if id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, np.ndarray):
                if item.dtype == object:
                    stack.extend(item.ravel())
            else:
                stack.extend(item)


def nodes(expr, limit: int) -> int:
    """Nodes of ``expr`` (``sympy.preorder_traversal``), counted up to ``limit + 1`` at most."""
    try:
        return sum(1 for _ in itertools.islice(sympy.preorder_traversal(expr), limit + 1))
    except RecursionError:
        return limit + 1


def check_size(args):
    """Raise :class:`TooLarge` if an expression in ``args`` has more than
    ``policy.SYMBOLIC_NODES`` nodes."""
    limit = policy.SYMBOLIC_NODES
    for expr in expressions(args):
        if nodes(expr, limit) > limit:
            raise TooLarge(f"the expression is too large to compare (more than {limit} parts)")


# -- the worker -------------------------------------------------------------------------------

READY, LOADED = b"ready", b"loaded"


def serve(descriptor: int):
    """The worker's program: serve the grader on the socket ``descriptor`` until it closes."""
    _serve(Connection(descriptor), policy.SYMBOLIC_MEMORY)


def _serve(connection: Connection, memory: int):
    """The worker's loop: one request ``(function, args)`` at a time, answered by ``LOADED``
    once it is unpickled, then by ``(status, payload)``: ``("value", result)``,
    ``("raised", exception)`` or ``("memory", None)`` (after which the worker ends)."""
    import resource
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    connection.send_bytes(READY)
    while True:
        try:
            request = connection.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            function, args = loads(request)
        except Exception as error:  # noqa: BLE001 - reported to the grader, who raises it
            connection.send_bytes(LOADED)
            connection.send_bytes(_answer("raised", error))
            continue
        connection.send_bytes(LOADED)
        try:
            status, payload = "value", function(*args)
        except MemoryError:
            status, payload = "memory", None
        except Exception as error:  # noqa: BLE001 - reported to the grader, who raises it
            status, payload = "raised", error
        connection.send_bytes(_answer(status, payload))
        if status == "memory":
            return


def _answer(status: str, payload) -> bytes:
    try:
        return dumps((status, payload))
    except Exception as error:  # noqa: BLE001 - an answer that cannot be pickled is a failure
        return dumps(("raised", WorkerFailed(f"the answer cannot be sent back: "
                                             f"{type(error).__name__}: {error}")))


@dataclass
class _Worker:
    process: subprocess.Popen
    connection: Connection


_lock = threading.Lock()
_worker: _Worker | None = None

#: The worker's program: a fresh interpreter that serves on the socket it is handed.
WORKER_MAIN = "import sys; from convgrade.symbolic import serve; serve(int(sys.argv[1]))"


def _forget_after_fork():
    """A forked grader process starts its own worker; the parent's stays the parent's."""
    global _lock, _worker
    _lock = threading.Lock()
    if _worker is not None:
        _worker.connection.close()
    _worker = None


os.register_at_fork(after_in_child=_forget_after_fork)


def _wait(connection: Connection, seconds: float) -> bool:
    """Is there something to read (or has the worker gone) within ``seconds``?"""
    try:
        return connection.poll(seconds)
    except (EOFError, OSError):
        return True


def _start() -> _Worker:
    ours, theirs = socket.socketpair()
    with theirs:
        process = subprocess.Popen([sys.executable, "-c", WORKER_MAIN, str(theirs.fileno())],
                                   pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
    worker = _Worker(process, Connection(ours.detach()))
    try:
        if _wait(worker.connection, policy.SYMBOLIC_START_TIMEOUT) and \
                worker.connection.recv_bytes() == READY:
            return worker
    except (EOFError, OSError):
        pass
    _kill(worker)
    raise WorkerFailed(f"the symbolic worker did not start within "
                       f"{policy.SYMBOLIC_START_TIMEOUT} s")


def _kill(worker: _Worker):
    worker.process.kill()
    worker.process.wait(10)
    worker.connection.close()


def stop():
    """Stop the worker (the next :func:`run` starts a new one)."""
    global _worker
    with _lock:
        if _worker is not None:
            _kill(_worker)
            _worker = None


def worker_pid() -> int | None:
    """The running worker's process id, or ``None`` when there is none."""
    worker = _worker
    return worker.process.pid if worker is not None and worker.process.poll() is None else None


def _ask(request: bytes):
    """Send one request to the worker (started if need be); ``(status, payload)``."""
    global _worker
    if _worker is None or _worker.process.poll() is not None:
        if _worker is not None:
            _kill(_worker)
        _worker = None
        _worker = _start()
    worker = _worker
    try:
        worker.connection.send_bytes(request)
        if not _wait(worker.connection, policy.SYMBOLIC_START_TIMEOUT) or \
                worker.connection.recv_bytes() != LOADED:
            raise WorkerFailed(f"the symbolic worker did not load a comparison within "
                               f"{policy.SYMBOLIC_START_TIMEOUT} s")
    except (EOFError, OSError):
        _kill(worker)
        _worker = None
        raise WorkerFailed("the symbolic worker stopped while loading a comparison") from None
    except WorkerFailed:
        _kill(worker)
        _worker = None
        raise
    try:
        if not _wait(worker.connection, policy.SYMBOLIC_TIMEOUT):
            _kill(worker)
            _worker = None
            raise TooSlow(f"comparing the expression took longer than {policy.SYMBOLIC_TIMEOUT} s")
        return loads(worker.connection.recv_bytes())
    except (EOFError, OSError):        # it died computing: out of memory beyond Python's reach
        _kill(worker)
        _worker = None
        return "memory", None


def run(function, *args):
    """``function(*args)`` computed in the worker, under the limits described above."""
    check_size(args)
    request = dumps((function, args))
    with _lock:
        status, payload = _ask(request)
    if status == "value":
        return payload
    if status == "memory":
        stop()
        raise TooLarge(f"comparing the expression needed more than "
                       f"{policy.SYMBOLIC_MEMORY // 2**20} MiB of memory")
    raise payload
