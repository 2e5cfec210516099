"""The grader's half of the grading protocol: student functions seen from the grader process.

A :class:`KernelFunction` looks like the student's function to a hidden check, but each batch
of calls travels to the student's kernel as one ``wire.Call`` over a Jupyter comm
(:class:`Connection`), and what comes back is decoded under ``policy``'s bounds into plain
data: numeric arrays become float arrays, an object that lies in comparisons never reaches
the grader, a result too large or too deep is that call's error, and a kernel that breaks the
protocol, floods the grader or stops answering gets a verdict, never a grader failure.
"""
from __future__ import annotations

import asyncio
import queue
import time

import numpy as np

from . import policy, wire

TARGET = "convgrade"


class StudentError(Exception):
    """The student's function raised, returned something that cannot be graded, or could not
    be run at all; the message is the verdict."""


class ShortcutUsed(Exception):
    """The student's function may not be graded: it reaches a library convolution (or could
    hide one). ``calls`` names what; ``message``, when set, is the whole verdict."""

    def __init__(self, calls, message=""):
        self.calls = list(calls)
        self.message = message
        super().__init__(self.calls, message)     # both, so the error pickles whole

    def __str__(self):
        return self.message or ", ".join(self.calls)


class KernelGone(StudentError):
    """The kernel died or stopped answering: no later call can be made."""


def bounds() -> wire.Bounds:
    return wire.Bounds(depth=policy.RESULT_DEPTH, items=policy.RESULT_ITEMS,
                       string_chars=policy.RESULT_STRING_CHARS,
                       int_digits=policy.RESULT_INT_DIGITS, bytes=policy.RESULT_BYTES)


class Connection:
    """The comm between the grader and one kernel's harness: ``open`` once, then ``call``.
    A call over ``timeout`` seconds is interrupted; a kernel not back ``grace`` seconds later
    is stopped."""

    def __init__(self, km, kc, timeout: float, grace: float = policy.INTERRUPT_GRACE):
        self.km, self.kc, self.timeout, self.grace = km, kc, timeout, grace
        self.bounds = bounds()
        self.comm_id = None
        self.calls = 0

    def _send(self, msg_type: str, content: dict, buffers=()) -> str:
        msg = self.kc.session.msg(msg_type, content)
        msg["buffers"] = list(buffers)
        self.kc.shell_channel.send(msg)
        return msg["header"]["msg_id"]

    async def open(self, files: dict = None) -> None:
        """Open the comm, hand the kernel the submission's ``files`` (``{relative name:
        bytes}``, written into its home), and wait for the harness to say it is ready;
        RuntimeError if it never does (the kernel could not load its half of the protocol:
        a grader problem)."""
        import uuid
        self.comm_id = uuid.uuid4().hex
        names = sorted(files or {})
        settings = {"bounds": self.bounds.to_json(), "convolutions": list(policy.CONVOLUTIONS),
                    "c_functions": list(policy.CONVOLUTION_C_FUNCTIONS),
                    "files": [[name, index] for index, name in enumerate(names)]}
        msg_id = self._send("comm_open", {"comm_id": self.comm_id, "target_name": TARGET,
                                          "data": settings}, [files[name] for name in names])
        try:
            data, _ = await self._wait(msg_id, policy.KERNEL_START_TIMEOUT)
        except StudentError as error:
            raise RuntimeError(f"the kernel did not start the grader's connection ({error})") from None
        if data != {"ready": True}:
            raise RuntimeError("the kernel did not start the grader's connection")

    async def call(self, function: str, cases: list) -> wire.Reply:
        """Call ``function`` on every ``(args, kwargs)`` of ``cases`` in one round trip."""
        self.calls += 1
        call = wire.Call(id=self.calls, function=function, cases=list(cases))
        data, buffers = wire.pack_call(call, self.bounds)
        msg_id = self._send("comm_msg", {"comm_id": self.comm_id, "data": data}, buffers)
        data, buffers = await self._wait(msg_id, self.timeout, interrupt=True)
        try:
            return wire.unpack_reply(data, buffers, self.bounds, call.id, len(call.cases))
        except wire.WireError as error:
            raise StudentError(str(error)) from None

    async def _wait(self, msg_id: str, timeout: float, interrupt: bool = False):
        """``(data, buffers)`` of the comm message answering ``msg_id``."""
        deadline, seen = time.monotonic() + timeout, 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if interrupt:
                    await self._interrupt(msg_id)
                raise StudentError(f"did not finish within {timeout:g} s")
            try:
                msg = await self.kc.get_iopub_msg(timeout=min(1.0, remaining))
            except (queue.Empty, asyncio.TimeoutError, TimeoutError):
                if not await self.km.is_alive():
                    raise KernelGone("the kernel died while the grader called it") from None
                continue
            except Exception as error:  # noqa: BLE001 - a message that cannot even be read
                raise StudentError(f"the kernel broke the message protocol ({type(error).__name__})") from None
            seen += 1
            if seen > policy.MESSAGES_PER_CALL:      # stop the flood, not just this wait
                if interrupt:
                    await self._interrupt(msg_id)
                raise StudentError(f"the kernel sent more than {policy.MESSAGES_PER_CALL} messages "
                                   "during one call (flooding the grader)")
            found = _answer(msg, msg_id, self.comm_id)
            if found == "idle":
                raise StudentError("the kernel broke the message protocol: it finished the call "
                                   "without answering")
            if found is not None:
                return found

    async def _interrupt(self, msg_id: str) -> None:
        """Interrupt a call that ran out of time; stop the kernel if it does not come back."""
        try:
            await self.km.interrupt_kernel()
            deadline = time.monotonic() + self.grace
            while time.monotonic() < deadline:
                msg = await self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
                if _answer(msg, msg_id, self.comm_id) is not None:
                    return            # the call ended: its late answer or the kernel's idle
        except Exception:  # noqa: BLE001 - a kernel that ignores interrupts is stopped instead
            pass
        await self.km.shutdown_kernel(now=True)
        raise KernelGone("the kernel did not respond after a time-out and was stopped")


def _answer(msg, msg_id: str, comm_id: str):
    """What ``msg`` means for the call ``msg_id``: its answer ``(data, buffers)``, ``"idle"``
    (the kernel is done with it), or None (unrelated). Any shape of message is safe here."""
    if not isinstance(msg, dict):
        return None
    parent, content = msg.get("parent_header"), msg.get("content")
    if not isinstance(parent, dict) or parent.get("msg_id") != msg_id or not isinstance(content, dict):
        return None
    kind = msg.get("msg_type")
    if kind == "comm_msg" and content.get("comm_id") == comm_id:
        buffers = msg.get("buffers") or []
        return content.get("data"), [bytes(b) for b in buffers] if isinstance(buffers, list) else []
    if kind == "status" and content.get("execution_state") == "idle":
        return "idle"
    return None


class _Symbolic(Exception):
    pass


def plain(value, symbolic: bool = False):
    """A decoded result in the form checks compare: numeric arrays (and numpy scalars) as
    float64 arrays, containers rebuilt, Python scalars and strings as they are; sympy trees
    only where the check asked for them (``symbolic``): anywhere else a comparison could
    evaluate one, and a student's tree can be made to take forever to evaluate."""
    try:
        return _plain(value, symbolic)
    except _Symbolic:
        raise StudentError("returned a symbolic (sympy) value where numbers are expected") from None


def _plain(value, symbolic):
    if type(value).__module__.split(".")[0] == "sympy":
        if not symbolic:
            raise _Symbolic()
        return value
    if isinstance(value, np.generic):            # a numpy scalar: a 0-d array, as numpy makes it
        value = np.asarray(value)
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            out = np.empty(value.shape, dtype=object)
            for index, item in np.ndenumerate(value):
                out[index] = _plain(item, symbolic)
            numbers = all(type(x) in (int, float, bool) or isinstance(x, np.ndarray) and
                          x.ndim == 0 and x.dtype.kind in "biuf" for x in out.flat)
            return out.astype(np.float64) if numbers and out.size else out
        if value.dtype.kind not in "biuf":
            raise StudentError(f"returned an array of dtype {value.dtype}, not real numbers")
        return np.array(value, dtype=np.float64)
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v, symbolic) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(_plain(v, symbolic) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v, symbolic) for k, v in value.items()}
    return value


def outcome_value(outcome: wire.Outcome, memory: str = "", symbolic: bool = False):
    """One call's result for a check: plain data, or a :class:`StudentError`."""
    if outcome.error_type:
        if outcome.error_type == "MemoryError":
            return StudentError(f"memory limit {memory} exceeded (MemoryError)")
        return StudentError(f"{outcome.error_type}: {outcome.error_message}".rstrip(": "))
    try:
        return plain(outcome.value, symbolic)
    except StudentError as error:
        return error


class KernelFunction:
    """A student's function as a hidden check sees it. ``findings`` is the grader's evidence
    (from the source) that it may not be graded; ``policy_free`` exempts it from the shortcut
    rule (``policy.library_convolution_allowed``); ``reaches`` the globals its source uses
    (other graded functions among them)."""

    def __init__(self, name, connection, call_sync, findings=(), policy_free=False, memory="",
                 reaches=frozenset()):
        self.name = name
        self.reaches = frozenset(reaches)
        self.memory = memory
        self._connection = connection
        self._call_sync = call_sync
        self.findings = list(findings)
        self.policy_free = policy_free

    def many(self, cases, symbolic=False):
        """``cases``: list of ``(args, kwargs)``; one result or StudentError per case
        (``symbolic``: sympy results are expected)."""
        if self.findings and not self.policy_free:
            first = next((f for f in self.findings if f.kind == "library"), self.findings[0])
            raise ShortcutUsed([f.reached for f in self.findings], first.message())
        reply = self._call_sync(self._connection.call, self.name,
                                [(tuple(args), dict(kwargs)) for args, kwargs in cases])
        if reply.shortcuts and not self.policy_free:
            named = dict.fromkeys(policy.PUBLIC_NAMES.get(n, n) for n in reply.shortcuts)
            raise ShortcutUsed(list(named), (
                f"{self.name} entered {', '.join(named)} while the grader called it: "
                "library convolutions are not allowed here"))
        return [outcome_value(outcome, self.memory, symbolic) for outcome in reply.outcomes]

    def __call__(self, *args, **kwargs):
        (result,) = self.many([(args, kwargs)])
        if isinstance(result, StudentError):
            raise result
        return result

    def __repr__(self):
        return f"<student function {self.name}>"


def call_many(function, cases, symbolic=False):
    """Batch-call a KernelFunction, or a plain local function (an instructor running the
    source notebook, the tests), with the same result conventions."""
    if isinstance(function, KernelFunction):
        return function.many(cases, symbolic)
    limits, results = bounds(), []
    for args, kwargs in cases:
        try:
            out = function(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - a student's error is a verdict, not a crash
            results.append(StudentError(f"{type(error).__name__}: {error}"))
            continue
        try:
            tree, buffers = wire.encode(out, limits)
            results.append(plain(wire.decode(tree, buffers, limits), symbolic))
        except (wire.WireError, StudentError) as error:
            results.append(StudentError(f"the result cannot be graded: {error}"))
    return results
