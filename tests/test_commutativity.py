"""Assignment ``commutativity``: its hidden checks against independent oracles (numpy, scipy,
sums written out), every catalogue entry judged in-process (the library shortcuts are caught
from the source or in the student's kernel, see ``test_shortcuts``, so here they are left
out), the credit groups, the holes closed (integer inputs, symbols, the unevaluated Sum), a
mistake charged once, and the symbolic worker's limits."""
from __future__ import annotations

import time

import nbformat
import numpy as np
import pytest
import sympy

import convref
from conftest import ROOT
from convgrade.catalogue import LIBRARY
from convgrade.catalogue import commutativity as catalogue
from convgrade.check import commutativity as check
from convgrade.course import Course
from convgrade.students import solution_answers
from convgrade.verdict import UNANSWERED, VALUES, CheckFailed, judging

LENGTHS = [(n, m) for n in range(1, 8) for m in range(1, 8)] + [(1, 20), (20, 1), (13, 4)]
INTEGERS, SYMBOLS = check.INTEGERS, check.SYMBOLS
ARRAY_FUNCTIONS = ("conv1d_full", "corr1d_full", "conv2d_full")


def _pair(n, m, seed=0):
    rng = np.random.default_rng(seed + 31 * n + m)
    return rng.standard_normal(n), rng.standard_normal(m)


# -- the oracles --------------------------------------------------------------------------------

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


@pytest.mark.parametrize("n,m", LENGTHS)
def test_valid_part_is_numpys(n, m):
    f, g = _pair(n, m, 2)
    for full, mode in ((np.convolve, np.convolve), (np.correlate, np.correlate)):
        got = check._valid(full(f, g, "full"), f, g)
        if min(n, m) == 1:
            assert got is None                  # 'valid' is the whole output then
        else:
            np.testing.assert_allclose(got, mode(f, g, "valid"), atol=1e-12)


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
    # the property the assignment proves, and the one it disproves: a student's function that
    # equals these oracles in both orders has them too
    assert check._sym_equal(check.conv_loops(f, g), check.conv_loops(g, f))
    assert check._sym_equal(check.corr_loops(f, g), check.corr_loops(g, f)[::-1])
    assert check._sym_equal(check.corr_loops(f, g), check.corr_loops(g, f)) == (n == m == 1)


@pytest.mark.parametrize("sf,sg", check.SYMBOLIC_SHAPES_2D)
def test_the_2d_symbolic_oracle_commutes(sf, sg):
    F, G = check._symbols("a", sf), check._symbols("b", sg)
    assert check._sym_equal(check.conv2d_loops(F, G), check.conv2d_loops(G, F))


def test_wrapped_oracles_are_what_numpy_indexing_does():
    f, g = _pair(4, 3, 2)
    y = np.zeros(6)
    for i in range(6):
        for a in range(4):
            if i - a < 3:
                y[i] += f[a] * g[i - a]
    np.testing.assert_allclose(check._wrapped(f, g), y)
    assert check._wrapped(*_pair(6, 2)) is None
    f, g = _pair(3, 4, 3)
    c = np.zeros(6)
    for k in range(6):
        for t in range(4):
            if t + k - 3 < 3:
                c[k] += f[t + k - 3] * g[t]
    np.testing.assert_allclose(check._corr_wrapped(f, g), c)
    assert check._corr_wrapped(*_pair(2, 6)) is None


# -- the change of index ---------------------------------------------------------------------

f, g = sympy.IndexedBase("f"), sympy.IndexedBase("g")
a, b, c, i, n = (sympy.Symbol(s, integer=True) for s in "abcin")
S = sympy.Sum(f[a] * g[i - a], (a, 0, n - 1))
RIGHT = check._is(check.EXPECTED)
EQUIVALENT = {
    "direct": sympy.Sum(f[i - b] * g[b], (b, i - n + 1, i)),
    "sympy change_index": S.change_index(a, i - a, b),
    "other index name": sympy.Sum(g[c] * f[i - c], (c, 1 - n + i, i)),
    "old index name reused": sympy.Sum(f[i - a] * g[a], (a, i - n + 1, i)),
    "minus sum, reversed limits": -sympy.Sum(f[i - b] * g[b], (b, i + 1, i - n)),
    "plain symbol without assumptions": sympy.Sum(f[i - sympy.Symbol("b")] * g[sympy.Symbol("b")],
                                                  (sympy.Symbol("b"), i - n + 1, i)),
}
NOT_EQUIVALENT = {          # form: (summand verdict, limits verdict)
    "limits swapped": (sympy.Sum(f[i - b] * g[b], (b, i, i - n + 1)),
                       (RIGHT, check._is(check.SWAPPED_LIMITS.key))),
    "not substituted": (sympy.Sum(f[b] * g[i - b], (b, i - n + 1, i)),
                        (check._is(check.RENAMED_ONLY.key), RIGHT)),
    "old limits": (sympy.Sum(f[i - b] * g[b], (b, 0, n - 1)),
                   (RIGHT, check._is(check.LIMITS_UNCHANGED.key))),
    "sign": (sympy.Sum(f[i + b] * g[-b], (b, -i, n - 1 - i)),
             (check._is(check.SIGN.key), check._is(check.SIGN.key))),
    "off by one": (sympy.Sum(f[i - b] * g[b], (b, i - n, i)),
                   (RIGHT, check._is(check.OFF_BY_ONE.key))),
    "foreign limit": (sympy.Sum(f[i - b] * g[b], (b, i - sympy.Symbol("N") + 1, i)),
                      (RIGHT, check._is(check.LIMITS_NOT_FROM_S.key))),
    "foreign summand": (sympy.Sum(sympy.IndexedBase("p")[i - b] * g[b], (b, i - n + 1, i)),
                        (check._is(check.SUMMAND_NOT_FROM_S.key), RIGHT)),
    "S itself": (S, (check._is(check.SUM_UNCHANGED.key), check._is(check.SUM_UNCHANGED.key))),
    "evaluated": (f[0] * g[i], (check._is(check.NOT_A_SUM.key), check._is(check.NOT_A_SUM.key))),
    "summand": (f[i - b] * g[b], (RIGHT, check._is(check.SUMMAND_ONLY.key))),
}


@pytest.mark.parametrize("form", sorted(EQUIVALENT))
def test_change_of_index_accepts_equivalent_forms(form):
    assert check._index_verdict(EQUIVALENT[form], S, i, b, {n: [1, 3]}) == (RIGHT, RIGHT)
    for n_value in (1, 2, 5):
        for i_value in (-2, 0, 3, 7):
            subs = {n: n_value, i: i_value}
            assert sympy.expand(EQUIVALENT[form].subs(subs).doit() - S.subs(subs).doit()) == 0


@pytest.mark.parametrize("form", sorted(NOT_EQUIVALENT))
def test_change_of_index_names_what_is_wrong_per_group(form):
    got, verdicts = NOT_EQUIVALENT[form]
    assert check._index_verdict(got, S, i, b) == verdicts


def test_change_of_index_reasons_without_a_misconception():
    two = check._index_verdict(sympy.Sum(f[i - b] * g[b], (b, i - n + 1, i), (c, 0, 1)), S, i, b)
    assert all(v[0] == "text" and "exactly one index" in v[1] for v in two)
    own = check._index_verdict(sympy.Sum(f[i - b] * g[b], (b, b - n + 1, i)), S, i, b)
    assert own == (RIGHT, ("text", "the limits of the new sum must not contain its own index"))


def test_evaluate_follows_sympys_convention():
    x = sympy.IndexedBase("x")
    for low, high in [(0, 3), (2, 1), (5, 1), (-2, -2)]:
        total = sympy.Sum(x[a] * a, (a, low, high))
        assert sympy.expand(check._evaluate(total) - total.doit()) == 0


# -- the catalogue, in-process -------------------------------------------------------------

def _function(code, name):
    namespace = {"np": np, "sp": sympy}     # what the instructor's own cells import
    exec(compile(code, f"<{name}>", "exec"), namespace)
    return namespace[name]


def _failure(fn, code) -> CheckFailed:
    with pytest.raises(CheckFailed) as failure:
        getattr(check, f"test_{fn}")(_function(code, fn))
    return failure.value


def _lost(judgement) -> set:
    return {group.name for group in judgement.groups if not group.passed}


WRONG = [(fn, variant) for fn, variants in catalogue.WRONG.items() for variant in variants
         if variants[variant].misconception != LIBRARY]
CORRECT = [(fn, variant) for fn, variants in catalogue.CORRECT.items() for variant in variants]


@pytest.mark.parametrize("fn,variant", WRONG)
def test_a_catalogued_mistake_is_named_and_loses_exactly_its_groups(fn, variant):
    mistake = catalogue.WRONG[fn][variant]
    failure = _failure(fn, mistake.code)
    assert failure.judgement.misconception == mistake.misconception, str(failure)
    assert _lost(failure.judgement) == set(mistake.breaks), str(failure)
    assert mistake.message in str(failure)


def test_every_shortcut_of_the_catalogue_loses_every_group():
    groups = {fn: {"change_of_index": set(check.INDEX_GROUPS)}.get(fn, set(check.ARRAY_GROUPS))
              for fn in catalogue.WRONG}
    shortcuts = [(fn, m) for fn, table in catalogue.WRONG.items() for m in table.values()
                 if m.misconception == LIBRARY]
    assert {fn for fn, _ in shortcuts} == set(catalogue.WRONG)
    assert all(set(m.breaks) == groups[fn] for fn, m in shortcuts)


@pytest.mark.parametrize("fn,variant", CORRECT)
def test_correct_answers_pass(fn, variant):
    judgement = getattr(check, f"test_{fn}")(_function(catalogue.CORRECT[fn][variant], fn))
    assert judgement.passed and judgement.fraction == 1


def test_the_solution_passes_with_every_group():
    source = nbformat.read(Course(ROOT).source_notebook("commutativity"), 4)
    answers = solution_answers(source)
    assert set(answers) == set(catalogue.WRONG)
    for fn, code in answers.items():
        judgement = getattr(check, f"test_{fn}")(_function(code, fn))
        want = check.INDEX_GROUPS if fn == "change_of_index" else check.ARRAY_GROUPS
        assert [(g.name, g.weight, g.passed) for g in judgement.groups] == \
            [(name, weight, True) for name, weight in want.items()]


def test_enough_variants_and_most_mistakes_named():
    for fn in catalogue.WRONG:
        assert len(catalogue.WRONG[fn]) >= 4 and len(catalogue.CORRECT[fn]) >= 3, fn
    named = [m for table in catalogue.WRONG.values() for m in table.values() if m.misconception]
    assert len(named) == sum(map(len, catalogue.WRONG.values()))


# -- credit groups and holes -------------------------------------------------------------------

def test_weights_are_stated_and_values_weigh_most():
    assert check.ARRAY_GROUPS == {VALUES: 3, INTEGERS: 1, SYMBOLS: 2}
    assert check.INDEX_GROUPS == {"summand": 1, "limits": 1}


def test_a_function_right_on_numbers_only_keeps_two_thirds():
    failure = _failure("conv1d_full", catalogue.CONV1D_FLOAT_ZEROS)
    assert failure.judgement.fraction == pytest.approx(4 / 6)
    assert "Credit kept for: values, integer inputs" in str(failure)


def test_integer_inputs_are_mixed_with_floats_in_both_orders():
    pairs = check._integer_pairs(check.INTEGER_PAIRS_1D, 3)
    kinds = [(x.dtype.kind, y.dtype.kind) for x, y in pairs]
    assert kinds == [("i", "f"), ("f", "i"), ("i", "i")] * 3


STEPWISE_TRUNCATION_2D = """\
import numpy as np


def conv2d_full(F, G):
    F, G = np.asarray(F), np.asarray(G)
    (n1, n2), (m1, m2) = F.shape, G.shape
    Y = np.zeros_like(F, shape=(n1 + m1 - 1, n2 + m2 - 1))
    for a in range(n1):
        for b in range(n2):
            for c in range(m1):
                for d in range(m2):
                    Y[a + c, b + d] += F[a, b] * G[c, d]
    return Y
"""


def test_an_output_truncated_step_by_step_is_named_too():
    failure = _failure("conv2d_full", STEPWISE_TRUNCATION_2D)
    assert failure.judgement.misconception == "truncated_to_integers"
    assert _lost(failure.judgement) == {INTEGERS}


RAISES_ON_SYMBOLS = """\
import numpy as np


def corr1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    if f.dtype == object:
        raise IndexError("no symbols here")
    n, m = len(f), len(g)
    c = np.zeros(n + m - 1)
    for t in range(m):
        c[m - 1 - t:m - 1 - t + n] += g[t] * f
    return c
"""


def test_a_function_that_raises_on_symbols_loses_that_group_only():
    failure = _failure("corr1d_full", RAISES_ON_SYMBOLS)
    assert _lost(failure.judgement) == {SYMBOLS}
    assert failure.judgement.misconception is None          # not a TypeError of numbers only
    assert "it raised IndexError: no symbols here" in str(failure)


NOT_AN_ARRAY_FOR_SYMBOLS = """\
import numpy as np


def conv1d_full(f, g):
    n, m = len(f), len(g)
    y = [0] * (n + m - 1)
    for a in range(n):
        for b in range(m):
            y[a + b] = y[a + b] + f[a] * g[b]
    return np.array(y, dtype=float) if np.asarray(f).dtype != object else {"y": y}
"""


def test_a_symbolic_answer_that_is_not_an_array_says_so():
    failure = _failure("conv1d_full", NOT_AN_ARRAY_FOR_SYMBOLS)
    assert _lost(failure.judgement) == {SYMBOLS}
    assert "expected an array of shape (1,), got dict" in str(failure)


@pytest.mark.parametrize("fn", ARRAY_FUNCTIONS + ("change_of_index",))
def test_a_blank_answer_loses_everything_as_unanswered(fn):
    failure = _failure(fn, f"def {fn}(*args):\n    raise NotImplementedError()\n")
    assert failure.judgement.misconception == UNANSWERED.key
    assert failure.judgement.fraction == 0
    assert str(failure).startswith(f"{fn} is not answered yet")


MIXED_MISTAKES = """\
import numpy as np


def conv1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    y = np.zeros(n + m - 1, dtype=np.result_type(f, g, float))
    for a in range(n):
        y[a:a + m] += f[a] * g
    return y[::-1] if n % 2 else 2 * y          # reversed, or doubled (no misconception)
"""


def test_two_mistakes_are_not_confused_on_symbols_either():
    failure = _failure("conv1d_full", MIXED_MISTAKES)
    assert failure.judgement.misconception is None
    assert _lost(failure.judgement) == {VALUES, INTEGERS, SYMBOLS}


def test_a_correlation_either_way_round_is_one_misconception():
    """A 1-D correlation handed in as a convolution is named whichever sequence slides."""
    for code in (catalogue.CONV1D_CORRELATION, catalogue.CONV1D_CORRELATION_G_ON_F):
        failure = _failure("conv1d_full", code)
        assert failure.judgement.misconception == check.CORRELATION_FOR_CONVOLUTION.key
        assert str(failure).count("this is a cross-correlation") == 1


def test_the_change_of_index_groups_are_judged_separately():
    failure = _failure("change_of_index", catalogue.CHANGE_SWAPPED_LIMITS)
    assert [(g.name, g.passed) for g in failure.judgement.groups] == \
        [("summand", True), ("limits", False)]
    assert failure.judgement.fraction == 0.5


# -- a mistake charged once -------------------------------------------------------------------

def _on_wrong_conv1d(reaches):
    conv = _function(catalogue.CONV1D_CORRELATION, "conv1d_full")

    def corr1d_full(f, g):
        return conv(f, np.asarray(g)[::-1])
    corr1d_full.reaches = reaches
    with judging(lookup={"conv1d_full": conv}.__getitem__):
        with pytest.raises(CheckFailed):
            check.test_conv1d_full(conv)
        with pytest.raises(CheckFailed) as failure:
            check.test_corr1d_full(corr1d_full)
    return failure.value


def test_corr1d_full_on_a_wrong_conv1d_full_keeps_its_numeric_groups():
    failure = _on_wrong_conv1d(frozenset({"conv1d_full"}))
    assert _lost(failure.judgement) == {SYMBOLS}       # the engine excuses numbers only
    assert "fix conv1d_full first" in str(failure)


def test_without_evidence_of_the_call_nothing_is_excused():
    failure = _on_wrong_conv1d(frozenset())
    assert _lost(failure.judgement) == {VALUES, INTEGERS, SYMBOLS}
    assert failure.judgement.misconception == check.CONVOLUTION_FOR_CORRELATION.key


# -- speed -------------------------------------------------------------------------------------

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
    failure = _failure("change_of_index", BLOW_UP_INDEX)
    assert str(failure) == ("change_of_index could not be checked: comparing the "
                            f"expression took longer than {policy.SYMBOLIC_TIMEOUT} s.")
    assert failure.judgement.fraction == 0
    assert time.monotonic() - started < policy.SYMBOLIC_TIMEOUT + 15
    # the next student is checked as usual
    check.test_change_of_index(_function(catalogue.CHANGE_XREPLACE, "change_of_index"))


def test_an_expression_too_large_to_compare_loses_the_symbols_group():
    from convgrade import policy
    failure = _failure("conv1d_full", HUGE_ENTRY_CONV)
    assert str(failure).startswith("conv1d_full could not be checked: the expression is too "
                                   f"large to compare (more than {policy.SYMBOLIC_NODES} parts)")
    assert _lost(failure.judgement) == {SYMBOLS}
