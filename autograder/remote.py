"""Grader-side half of the protocol: student functions seen from the grader process.

A :class:`KernelFunction` looks like the student's function to a hidden check, but each call
runs in the student's kernel, and what comes back is rebuilt here from raw ``.npy`` bytes
(``allow_pickle=False``) into a plain float array. An object that lies in comparisons never
reaches the grader; only numbers do.
"""
from __future__ import annotations

import base64
import io
import json

import numpy as np

MIME = "application/vnd.convgrade.results+json"


class StudentError(Exception):
    """The student's function raised, returned a non-number, or could not be run at all."""


class ShortcutUsed(Exception):
    """The student's function entered a library convolution that SPEC forbids."""

    def __init__(self, calls):
        super().__init__(", ".join(calls))
        self.calls = list(calls)


def encode(value):
    """One argument as the kernel harness decodes it."""
    if isinstance(value, np.ndarray):
        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        return {"npy": base64.b64encode(buffer.getvalue()).decode("ascii")}
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return {"list": [encode(v) for v in value]}
    if isinstance(value, np.generic):
        value = value.item()
    return {"json": value}


def decode(item):
    """One raw result -> a float array, an int/float/list, or a :class:`StudentError`."""
    if "error" in item:
        return StudentError(str(item["error"]))
    if "npy" in item:
        array = np.load(io.BytesIO(base64.b64decode(item["npy"])), allow_pickle=False)
        return np.array(array, dtype=np.float64) if array.dtype.kind in "biuf" else \
            StudentError(f"returned an array of dtype {array.dtype}")
    return item.get("json")


class KernelFunction:
    """Calls ``name`` in the student's kernel through ``run(code) -> list of raw results``.

    ``many(cases)`` sends a whole batch in one round trip; ``policy_free`` switches the
    shortcut check off for functions SPEC lets use library convolutions.
    """

    def __init__(self, name, run, policy_free=False):
        self.name = name
        self._run = run
        self.policy_free = policy_free

    def many(self, cases):
        """``cases``: list of ``(args, kwargs)``. Returns one value or StudentError per case."""
        request = json.dumps([{"args": [encode(a) for a in args],
                               "kwargs": {k: encode(v) for k, v in kwargs.items()}}
                              for args, kwargs in cases])
        raw = self._run(f"__convgrade__.call({self.name!r}, {request!r})")
        if not isinstance(raw, list) or len(raw) != len(cases):
            raise StudentError(f"could not call {self.name} in the notebook's kernel")
        results = []
        for item in raw:
            calls = item.get("shortcuts") or []
            if calls and not self.policy_free:
                raise ShortcutUsed(calls)
            results.append(decode(item))
        return results

    def __call__(self, *args, **kwargs):
        (result,) = self.many([(args, kwargs)])
        if isinstance(result, StudentError):
            raise result
        return result

    def __repr__(self):
        return f"<student function {self.name}>"


def call_many(function, cases):
    """Batch-call a KernelFunction, or a plain local function (an instructor running the
    source notebook), with the same result conventions."""
    if isinstance(function, KernelFunction):
        return function.many(cases)
    results = []
    for args, kwargs in cases:
        try:
            out = function(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - a student's error is a verdict, not a crash
            results.append(StudentError(f"{type(error).__name__}: {error}"))
            continue
        if isinstance(out, (bool, int, float)) or out is None:
            results.append(out)
            continue
        array = np.asarray(out)
        results.append(np.array(array, dtype=np.float64) if array.dtype.kind in "biuf"
                       else StudentError(f"returned {type(out).__name__} of dtype {array.dtype}"))
    return results
