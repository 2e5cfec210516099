"""Assignment ``commutativity``: its hidden checks against independent oracles, and every
catalogue entry judged in-process (the library-shortcut entries are caught only in the
student's kernel, so here they are merely run)."""
from __future__ import annotations

import time

import numpy as np
import pytest
import sympy

import convref
from convgrade.catalogue import commutativity as catalogue
from convgrade.check import commutativity as check
from convgrade.checks import CheckFailed

LENGTHS = [(n, m) for n in range(1, 8) for m in range(1, 8)] + [(1, 20), (20, 1), (13, 4)]


def _pair(n, m, seed=0):
    rng = np.random.default_rng(seed + 31 * n + m)
    return rng.standard_normal(n), rng.standard_normal(m)


@pytest.mark.parametrize("n,m", LENGTHS)
def test_full_correlation_has_numpys_order(n, m):
    """The oracle of corr1d_full (convref, 'full') is numpy.correlate(f, g, 'full') itself,
    for a shorter f as well as a shorter g, and so is the plain-loop oracle."""
    f, g = _pair(n, m)
    want = np.correlate(f, g, "full")
    np.testing.assert_allclose(convref.correlate(f, g, "full"), want, atol=1e-12)
    np.testing.assert_allclose(check.corr_loops(f, g).astype(float), want, atol=1e-12)
    # numpy's definition written out: c[k] = sum_t f[t + k - (m - 1)] * g[t]
    by_hand = [sum(f[t + k - (m - 1)] * g[t] for t in range(m) if 0 <= t + k - (m - 1) < n)
               for k in range(n + m - 1)]
    np.testing.assert_allclose(want, by_hand, atol=1e-12)
    # ... and it is the swapped correlation reversed
    np.testing.assert_allclose(want, np.correlate(g, f, "full")[::-1], atol=1e-12)


@pytest.mark.parametrize("n,m", LENGTHS)
def test_full_convolution_oracles_agree(n, m):
    f, g = _pair(n, m, 1)
    want = np.convolve(f, g, "full")
    np.testing.assert_allclose(convref.convolve(f, g, "full"), want, atol=1e-12)
    np.testing.assert_allclose(check.conv_loops(f, g).astype(float), want, atol=1e-12)


@pytest.mark.parametrize("shapes", [((1, 1), (1, 1)), ((3, 4), (2, 2)), ((2, 5), (4, 1)),
                                    ((1, 3), (3, 1)), ((4, 4), (5, 5))])
def test_2d_oracles_agree(shapes):
    signal = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(7)
    F, G = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    want = signal.convolve2d(F, G, mode="full")
    np.testing.assert_allclose(convref.convolve(F, G, "full"), want, atol=1e-12)
    np.testing.assert_allclose(check.conv2d_loops(F, G).astype(float), want, atol=1e-12)
    np.testing.assert_allclose(check._corr2d_loops(F, G).astype(float),
                               signal.correlate2d(F, G, mode="full"), atol=1e-12)


@pytest.mark.parametrize("n,m", [(1, 1), (2, 3), (4, 2), (5, 5)])
def test_symbolic_oracles_match_convref_on_object_arrays(n, m):
    f, g = check._symbols("a", (n,)), check._symbols("b", (m,))
    for mine, ref in ((check.conv_loops(f, g), convref.convolve(f, g, "full")),
                      (check.corr_loops(f, g), convref.correlate(f, g, "full"))):
        assert check._sym_equal(mine, ref)
    # the property the assignment proves, and the one it disproves
    assert check._sym_equal(check.conv_loops(f, g), check.conv_loops(g, f))
    assert check._sym_equal(check.corr_loops(f, g), check.corr_loops(g, f)[::-1])
    assert check._sym_equal(check.corr_loops(f, g), check.corr_loops(g, f)) == (n == m == 1)


def test_wrapped_oracle_is_what_numpy_indexing_does():
    f, g = _pair(4, 3, 2)
    y = np.zeros(6)
    for i in range(6):
        for a in range(4):
            if i - a < 3:
                y[i] += f[a] * g[i - a]
    np.testing.assert_allclose(check._wrapped(f, g), y)
    assert check._wrapped(*_pair(6, 2)) is None


# -- the change of index ---------------------------------------------------------------------

f, g = sympy.IndexedBase("f"), sympy.IndexedBase("g")
a, b, c, i, n = (sympy.Symbol(s, integer=True) for s in "abcin")
S = sympy.Sum(f[a] * g[i - a], (a, 0, n - 1))
EQUIVALENT = {
    "direct": sympy.Sum(f[i - b] * g[b], (b, i - n + 1, i)),
    "sympy change_index": S.change_index(a, i - a, b),
    "other index name": sympy.Sum(g[c] * f[i - c], (c, 1 - n + i, i)),
    "old index name reused": sympy.Sum(f[i - a] * g[a], (a, i - n + 1, i)),
    "minus sum, reversed limits": -sympy.Sum(f[i - b] * g[b], (b, i + 1, i - n)),
    "plain symbol without assumptions": sympy.Sum(f[i - sympy.Symbol("b")] * g[sympy.Symbol("b")],
                                                  (sympy.Symbol("b"), i - n + 1, i)),
}
NOT_EQUIVALENT = {
    "limits swapped": (sympy.Sum(f[i - b] * g[b], (b, i, i - n + 1)), "wrong order"),
    "not substituted": (sympy.Sum(f[b] * g[i - b], (b, i - n + 1, i)), "merely renamed"),
    "old limits": (sympy.Sum(f[i - b] * g[b], (b, 0, n - 1)), "still describe a"),
    "evaluated": (f[0] * g[i], "unevaluated sympy Sum"),
    "summand": (f[i - b] * g[b], "not just the summand"),
    "two indices": (sympy.Sum(f[i - b] * g[b], (b, i - n + 1, i), (c, 0, 1)), "exactly one index"),
}


@pytest.mark.parametrize("form", sorted(EQUIVALENT))
def test_change_of_index_accepts_equivalent_forms(form):
    assert check._index_verdict(EQUIVALENT[form], S, i, b) is None
    for n_value in (1, 2, 5):
        for i_value in (-2, 0, 3, 7):
            subs = {n: n_value, i: i_value}
            assert sympy.expand(EQUIVALENT[form].subs(subs).doit() - S.subs(subs).doit()) == 0


@pytest.mark.parametrize("form", sorted(NOT_EQUIVALENT))
def test_change_of_index_rejects_other_forms(form):
    got, message = NOT_EQUIVALENT[form]
    assert message in check._index_verdict(got, S, i, b)


def test_evaluate_follows_sympys_convention():
    x = sympy.IndexedBase("x")
    for low, high in [(0, 3), (2, 1), (5, 1), (-2, -2)]:
        total = sympy.Sum(x[a] * a, (a, low, high))
        assert sympy.expand(check._evaluate(total) - total.doit()) == 0


# -- the catalogue, in-process -------------------------------------------------------------

def _function(code, name):
    namespace = {}
    exec(compile(code, f"<{name}>", "exec"), namespace)
    return namespace[name]


WRONG = [(fn, variant) for fn, variants in catalogue.WRONG.items() for variant in variants]
CORRECT = [(fn, variant) for fn, variants in catalogue.CORRECT.items() for variant in variants]


@pytest.mark.parametrize("fn,variant", WRONG)
def test_wrong_answers_get_their_feedback(fn, variant):
    code, message = catalogue.WRONG[fn][variant]
    test = getattr(check, f"test_{fn}")
    if message == catalogue.SHORTCUT:        # caught by the kernel's tripwire, not here
        return
    with pytest.raises(CheckFailed) as failure:
        test(_function(code, fn))
    assert message in str(failure.value)


@pytest.mark.parametrize("fn,variant", CORRECT)
def test_correct_answers_pass(fn, variant):
    getattr(check, f"test_{fn}")(_function(catalogue.CORRECT[fn][variant], fn))


@pytest.mark.parametrize("fn", sorted(catalogue.CORRECT))
def test_checks_are_fast(fn):
    function = _function(next(iter(catalogue.CORRECT[fn].values())), fn)
    test = getattr(check, f"test_{fn}")
    test(function)                           # warm up: hypothesis draws, sympy caches
    started = time.process_time()
    test(function)
    assert time.process_time() - started < 1.0      # CPU time: the machine may be busy


# -- a student's expression is compared only in the symbolic worker, under its limits ----------

BLOW_UP_INDEX = """\
import sympy


def change_of_index(S, i, b):
    a, lo, hi = S.limits[0]
    blow_up = sympy.Pow(sympy.Add(*sympy.symbols("x0:10")), 200, evaluate=False)
    return sympy.Sum(S.function.xreplace({a: i - b}) * blow_up, (b, i - hi, i - lo))
"""

HUGE_ENTRY_CONV = """\
import numpy as np
import sympy


def conv1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    y = np.zeros(n + m - 1, dtype=np.result_type(f, g))
    for i in range(n + m - 1):
        for a in range(n):
            if 0 <= i - a < m:
                y[i] = y[i] + f[a] * g[i - a]
    if y.dtype == object and n == m == 1:
        y[0] = y[0] + HUGE
    return y


HUGE = sympy.Add(*sympy.symbols("z0:20500"))
"""


def test_an_expression_too_slow_to_compare_fails_the_check_in_time(monkeypatch):
    from convgrade import policy
    monkeypatch.setattr(policy, "SYMBOLIC_TIMEOUT", 3)   # the expansion needs far longer
    started = time.monotonic()
    with pytest.raises(CheckFailed) as failure:
        check.test_change_of_index(_function(BLOW_UP_INDEX, "change_of_index"))
    assert str(failure.value) == ("change_of_index could not be checked: comparing the "
                                  f"expression took longer than {policy.SYMBOLIC_TIMEOUT} s")
    assert time.monotonic() - started < policy.SYMBOLIC_TIMEOUT + 15
    # the next student is checked as usual
    check.test_change_of_index(_function(catalogue.CORRECT["change_of_index"][
        next(iter(catalogue.CORRECT["change_of_index"]))], "change_of_index"))


def test_an_expression_too_large_to_compare_fails_the_check():
    from convgrade import policy
    with pytest.raises(CheckFailed) as failure:
        check.test_conv1d_full(_function(HUGE_ENTRY_CONV, "conv1d_full"))
    assert str(failure.value) == ("conv1d_full could not be checked: the expression is too "
                                  f"large to compare (more than {policy.SYMBOLIC_NODES} parts)")
