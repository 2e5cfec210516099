"""The symbolic worker (``convgrade.symbolic``): a student's expression is computed with only in
a separate process, under the time, size and memory limits of ``convgrade.policy``; a hostile
expression is a verdict, and the worker serves the next call afterwards."""
from __future__ import annotations

import os
import resource
import time

import numpy as np
import pytest
import sympy

from convgrade import policy, symbolic


def test_an_ordinary_expansion_matches_sympys_own():
    x, y, z = sympy.symbols("x y z")
    expr = sympy.Pow(sympy.Add(x, 2 * y, -z, evaluate=False), 4, evaluate=False)
    got = symbolic.run(sympy.expand, expr)
    want = sympy.expand((x + 2 * y - z) ** 4)
    assert got == want and sympy.expand(got - want) == 0
    assert symbolic.worker_pid() not in (None, os.getpid())


def test_the_worker_is_reused_and_runs_under_the_memory_limit():
    first = symbolic.run(abs, -1)
    pid = symbolic.worker_pid()
    soft, _ = symbolic.run(resource.getrlimit, resource.RLIMIT_AS)
    assert first == 1 and symbolic.worker_pid() == pid
    assert soft == policy.SYMBOLIC_MEMORY


def test_a_hostile_expansion_is_too_slow_and_the_worker_serves_the_next_call(monkeypatch):
    monkeypatch.setattr(policy, "SYMBOLIC_TIMEOUT", 3)   # the expansion needs far longer
    expr = sympy.Pow(sympy.Add(*sympy.symbols("x0:10")), 200, evaluate=False)
    symbolic.run(abs, -1)                                    # a worker is up: time the call alone
    before = symbolic.worker_pid()
    started = time.monotonic()
    with pytest.raises(symbolic.TooSlow, match=f"took longer than {policy.SYMBOLIC_TIMEOUT} s"):
        symbolic.run(sympy.expand, expr)
    elapsed = time.monotonic() - started
    assert policy.SYMBOLIC_TIMEOUT - 0.5 <= elapsed <= policy.SYMBOLIC_TIMEOUT + 5
    x = sympy.Symbol("x")
    assert symbolic.run(sympy.expand, (x + 1) ** 2) == x**2 + 2 * x + 1
    assert symbolic.worker_pid() not in (None, before)


def test_a_too_large_tree_is_refused_without_contacting_the_worker():
    symbolic.stop()
    huge = sympy.Add(*sympy.symbols(f"s0:{policy.SYMBOLIC_NODES}"), evaluate=False)
    hidden = np.empty(2, dtype=object)
    hidden[:] = [sympy.Integer(1), huge]
    for args in [(huge,), ([(1, {"k": hidden})],)]:
        with pytest.raises(symbolic.TooLarge, match="too large to compare"):
            symbolic.run(sympy.expand, *args)
    assert symbolic.worker_pid() is None


def test_an_expression_at_the_node_limit_is_compared():
    at_limit = sympy.Add(*sympy.symbols(f"s0:{policy.SYMBOLIC_NODES - 1}"), evaluate=False)
    assert len(list(sympy.preorder_traversal(at_limit))) == policy.SYMBOLIC_NODES
    assert symbolic.run(symbolic.nodes, at_limit, 10**9) == policy.SYMBOLIC_NODES


def test_expressions_travel_to_the_worker_and_back_unevaluated():
    power = sympy.Pow(3, 10**9, evaluate=False)
    started = time.monotonic()
    back = symbolic.run(min, [power])                  # returns its one argument unchanged
    assert time.monotonic() - started < 5
    assert isinstance(back, sympy.Pow) and back.args == (sympy.Integer(3), sympy.Integer(10**9))
    twice = symbolic.loads(symbolic.dumps(sympy.Mul(2, 3, evaluate=False)))
    assert isinstance(twice, sympy.Mul) and twice.args == (sympy.Integer(2), sympy.Integer(3))


def test_running_out_of_memory_is_too_large_and_the_worker_recovers():
    with pytest.raises(symbolic.TooLarge, match="memory"):
        symbolic.run(bytearray, policy.SYMBOLIC_MEMORY + 2**20)
    assert symbolic.run(abs, -2) == 2


def test_an_exception_of_the_function_is_raised_in_the_grader():
    with pytest.raises(ValueError, match="invalid literal"):
        symbolic.run(int, "not a number")
    assert symbolic.run(int, "12") == 12
