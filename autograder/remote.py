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
import sympy

MIME = "application/vnd.convgrade.results+json"


class StudentError(Exception):
    """The student's function raised, returned a non-number, or could not be run at all."""


class ShortcutUsed(Exception):
    """The student's function entered a library convolution that SPEC forbids."""

    def __init__(self, calls):
        self.calls = list(calls)
        super().__init__(self.calls)        # the list itself, so the error pickles whole

    def __str__(self):
        return ", ".join(self.calls)


def encode(value):
    """One argument as the kernel harness decodes it (mirror of the harness's ``encode``)."""
    if isinstance(value, np.ndarray) and value.dtype == object:
        return {"objarray": list(value.shape), "items": [encode(v) for v in value.ravel()]}
    if isinstance(value, (np.ndarray, np.generic)):
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(value), allow_pickle=False)
        return {"npy": base64.b64encode(buffer.getvalue()).decode("ascii")}
    if isinstance(value, (list, tuple, set, frozenset)):
        kind = {list: "list", tuple: "tuple"}.get(type(value), "set")
        return {kind: [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"dict": {str(k): encode(v) for k, v in value.items()}}
    if isinstance(value, sympy.Basic):
        return {"sym": sym_tree(value)}
    return {"json": value}


ASSUME = ("integer", "real", "positive", "nonnegative")
_OPS = {sympy.Add: "+", sympy.Mul: "*", sympy.Pow: "^"}
_MAKE = {"+": sympy.Add, "*": sympy.Mul, "^": sympy.Pow}


def sym_tree(expr):
    if isinstance(expr, sympy.Symbol):
        return ["S", expr.name] + sorted(k for k in ASSUME
                                          if expr.assumptions0.get(k))
    if isinstance(expr, sympy.Integer):
        return ["I", str(int(expr))]
    if isinstance(expr, sympy.Rational):
        return ["Q", str(expr.p), str(expr.q)]
    if isinstance(expr, sympy.Float):
        return ["F", str(expr)]
    if type(expr) in _OPS:
        return [_OPS[type(expr)]] + [sym_tree(a) for a in expr.args]
    if isinstance(expr, sympy.Indexed):
        return ["X", str(expr.base.label)] + [sym_tree(i) for i in expr.indices]
    if isinstance(expr, sympy.Sum):
        return ["Σ", sym_tree(expr.function)] + [[sym_tree(v) for v in lim] for lim in expr.limits]
    if isinstance(expr, sympy.core.function.AppliedUndef):
        return ["A", expr.func.__name__] + [sym_tree(a) for a in expr.args]
    raise TypeError(f"cannot send a sympy {type(expr).__name__}")


def from_tree(tree, depth=0):
    """Rebuild a sympy expression from the kernel's tree: symbols, numbers, ``+``, ``*``,
    powers, undefined functions ``f(x)``, ``x[i]`` and ``Sum``; never by parsing text
    (``sympify`` would evaluate it)."""
    if depth > 200 or not isinstance(tree, list) or not tree:
        raise StudentError("returned an expression nested too deeply")
    head = tree[0]
    if head == "S":
        return sympy.Symbol(str(tree[1]), **{str(k): True for k in tree[2:] if k in ASSUME})
    if head == "I":
        return sympy.Integer(int(tree[1]))
    if head == "Q":
        return sympy.Rational(int(tree[1]), int(tree[2]))
    if head == "F":
        return sympy.Float(str(tree[1]))
    if head in _MAKE:
        return _MAKE[head](*[from_tree(t, depth + 1) for t in tree[1:]])
    if head == "X":
        return sympy.IndexedBase(str(tree[1]))[tuple(from_tree(t, depth + 1) for t in tree[2:])]
    if head == "A":
        return sympy.Function(str(tree[1]))(*[from_tree(t, depth + 1) for t in tree[2:]])
    if head == "Σ":
        return sympy.Sum(from_tree(tree[1], depth + 1),
                         *[tuple(from_tree(t, depth + 1) for t in lim) for lim in tree[2:]])
    raise StudentError(f"returned an expression with an unknown part {head!r}")


def decode(item):
    """One raw result -> plain data: float arrays, Python numbers, strings, containers, sympy
    object arrays; or a :class:`StudentError`."""
    if not isinstance(item, dict):
        return StudentError("the kernel sent something that is not a result")
    if "error" in item:
        return StudentError(str(item["error"]))
    if "value" in item:
        try:
            return _plain(item["value"])
        except (StudentError, ValueError, TypeError, KeyError, IndexError) as error:
            return error if isinstance(error, StudentError) else StudentError(f"unreadable result: {error}")
    return StudentError("the kernel sent no value")


def _plain(item):
    if "npy" in item:
        array = np.load(io.BytesIO(base64.b64decode(item["npy"])), allow_pickle=False)
        if array.dtype.kind not in "biuf":
            raise StudentError(f"returned an array of dtype {array.dtype}")
        return np.array(array, dtype=np.float64)
    if "objarray" in item:
        out = np.empty(len(item["items"]), dtype=object)
        out[:] = [_plain(v) for v in item["items"]]
        return out.reshape([int(n) for n in item["objarray"]])
    if "sym" in item:
        return from_tree(item["sym"])
    for kind, make in (("tuple", tuple), ("list", list), ("set", frozenset)):
        if kind in item:
            return make(_plain(v) for v in item[kind])
    if "dict" in item:
        return {str(k): _plain(v) for k, v in item["dict"].items()}
    value = item["json"]
    if value is None or type(value) in (bool, int, float, str):
        return value
    raise StudentError("returned data of an unexpected kind")


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
        try:
            results.append(decode({"value": encode(out)}))
        except (TypeError, ValueError) as error:
            results.append(StudentError(f"the result cannot be graded: {error}"))
    return results
