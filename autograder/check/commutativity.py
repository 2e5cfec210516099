"""Hidden checks of the assignment ``commutativity`` (exercise 6: f * g = g * f).

Each ``test_<name>(<name>)`` takes the student's function (or the grader's stand-in for it) and
checks it three ways:

* numerically, against ``convref`` on derandomized hypothesis cases, with targeted feedback for
  the known misconceptions (correlation for convolution, 'valid' or 'same' lengths, one-axis
  flips, negative indices that wrap around);
* as a property, on a second draw of integer sequences: convolution commutes, full
  cross-correlation does not, and ``corr(f, g)`` is ``corr(g, f)`` reversed;
* symbolically, on numpy object arrays of sympy symbols ``a0..a{n-1}``, ``b0..b{m-1}``: each
  output entry must equal a plain-loop oracle after ``sympy.expand``, and
  ``expand(conv(f, g) - conv(g, f)) == 0`` entry by entry for every length pair 1..5 (a
  computer-checked proof of commutativity for those lengths).

``test_change_of_index`` checks the key step of the proof on paper: the student turns the
unevaluated ``Sum(f[a]*g[i - a], (a, lo, hi))`` into a Sum over b = i - a. The verdict does
not depend on the name of the new index, on the order of the factors, or on how the limits
are written (a ``-Sum`` with reversed limits in sympy's convention is the same sum); it needs
(1) the summand to be the old summand at a = i - b (for the convolution sum: g[b] f[i - b],
one term of g * f), (2) the limits i - hi .. i - lo, and (3) the same value as the original
for concrete sizes and output positions, after ``.doit()``.

Every computation on a student's expression (``expand``, subtraction, ``.doit()``,
``xreplace``) runs in the symbolic worker (``convgrade.symbolic``), under a time and a memory
limit, one batch per check; only the shape of a result is looked at here, and the instructor's
oracles are computed here. An expression too large or too slow to compare fails the check.
"""
from __future__ import annotations

import itertools

import numpy as np
import sympy
from hypothesis import strategies as st

import convref

from .. import symbolic
from ..checks import (Case, CheckFailed, call_checked, close, dims, draw, fresh_rng, judge, rng_array,
                      run_cases, seeds, shapes_of)
from ..remote import StudentError

N_CASES = 16
SYMBOLIC_LENGTHS = range(1, 6)
SYMBOLIC_SHAPES_2D = [((1, 1), (1, 1)), ((2, 3), (2, 2)), ((1, 3), (2, 1)), ((3, 2), (2, 3)),
                      ((2, 2), (3, 1)), ((3, 3), (2, 2))]


# -- plain-loop oracles (any dtype, including object arrays of sympy expressions) ---------

def conv_loops(f, g):
    """``y[i] = sum_a f[a] g[i - a]``, i = 0 .. n+m-2, by brute force."""
    n, m = len(f), len(g)
    out = np.empty(n + m - 1, dtype=object)
    for i in range(n + m - 1):
        out[i] = sum((f[a] * g[i - a] for a in range(n) if 0 <= i - a < m), sympy.Integer(0))
    return out


def corr_loops(f, g):
    """numpy.correlate(f, g, 'full') written out: ``y[k] = sum_t f[t + k - (m-1)] g[t]``."""
    n, m = len(f), len(g)
    out = np.empty(n + m - 1, dtype=object)
    for k in range(n + m - 1):
        out[k] = sum((f[t + k - (m - 1)] * g[t] for t in range(m) if 0 <= t + k - (m - 1) < n),
                     sympy.Integer(0))
    return out


def conv2d_loops(F, G):
    """``Y[i, j] = sum_{a, b} F[a, b] G[i - a, j - b]`` over the full output, by brute force."""
    (n1, n2), (m1, m2) = F.shape, G.shape
    out = np.empty((n1 + m1 - 1, n2 + m2 - 1), dtype=object)
    for i, j in np.ndindex(*out.shape):
        out[i, j] = sum((F[a, b] * G[i - a, j - b] for a in range(n1) for b in range(n2)
                         if 0 <= i - a < m1 and 0 <= j - b < m2), sympy.Integer(0))
    return out


def _wrapped(f, g):
    """What a loop that forgets ``i - a >= 0`` computes: numpy reads g[-1], g[-2], ... from
    the end of g. ``None`` where that loop would raise IndexError instead."""
    n, m = len(f), len(g)
    if n - 1 > m:
        return None
    return np.array([sum(f[a] * g[i - a] for a in range(n) if i - a < m)
                     for i in range(n + m - 1)], dtype=float)


# -- running and judging ----------------------------------------------------------------

OBJECT_HINT = ("The inputs were numpy object arrays of sympy symbols: build the output so it can "
               "hold them (for example np.zeros(shape, dtype=np.result_type(f, g)), which is "
               "object for object inputs) and do not convert the inputs to float. numpy.fft "
               "cannot handle symbols, so an FFT answer needs a plain-sum path for object arrays.")


def _as_sym(value):
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return sympy.Integer(value)
    if isinstance(value, float):
        return sympy.Float(value)
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        return sympy.Float(float(value))
    return None


def _sym_array(got):
    """The student's symbolic result as an object array, or ``None`` when it is not one."""
    if isinstance(got, (list, tuple)):
        try:
            got = np.array(got, dtype=object)
        except ValueError:
            return None
    if not isinstance(got, np.ndarray):
        return None
    return got.astype(object)


def _sym_equal(got, want) -> bool:
    """Same shape and every entry equal after ``sympy.expand`` (evaluates: worker side)."""
    if got.shape != want.shape:
        return False
    for x, y in zip(got.ravel(), want.ravel()):
        x, y = _as_sym(x), _as_sym(y)
        if x is None or y is None or sympy.expand(x - y) != 0:
            return False
    return True


DIFFERS = ("the symbolic entries differ from the definition (compare expand() of each entry "
           "with the sum written out)")


def _first_wrong_output(outputs, wrongs):
    """``(position, reason)`` of the first ``(f, g, got, want)`` whose ``got`` is not ``want``
    entry by entry, the reason naming the first misconception of ``wrongs(f, g)`` that ``got``
    equals; ``None`` when every output is right. Runs in the symbolic worker."""
    for position, (f, g, got, want) in enumerate(outputs):
        if _sym_equal(got, want):
            continue
        for message, wrong in wrongs(f, g).items():
            if wrong is not None and _sym_equal(got, wrong):
                return position, message
        return position, DIFFERS
    return None


def _first_unequal(pairs):
    """Position of the first pair of object arrays that are not equal entry by entry
    (``_sym_equal``), or ``None``. Runs in the symbolic worker."""
    for position, (x, y) in enumerate(pairs):
        if not _sym_equal(x, y):
            return position
    return None


def _in_worker(name, function, *args):
    """``function(*args)`` in the symbolic worker; a student's expression too large or too
    slow to compare is the check's verdict."""
    try:
        return symbolic.run(function, *args)
    except symbolic.Refused as refused:
        raise CheckFailed(f"{name} could not be checked: {refused}") from None


def _symbols(prefix, shape):
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        out[index] = sympy.Symbol(prefix + "_".join(map(str, index)), real=True)
    return out


def _describe_sym(f, g):
    if f.ndim == 1:
        return (f"symbolic sequences of lengths {len(f)} and {len(g)} (numpy object arrays of "
                "sympy symbols)")
    return (f"symbolic arrays of shapes {shapes_of(f)} and {shapes_of(g)} (numpy object arrays "
            "of sympy symbols)")


def _shape_failure(name, f, g, got, want, shape_hint):
    """Why ``got`` cannot be the symbolic output ``want`` by its kind or shape alone, or
    ``None`` (no evaluation: grader side)."""
    about = _describe_sym(f, g)
    if isinstance(got, StudentError):
        return f"{name} raised on {about}: {got}. {OBJECT_HINT}"
    array = _sym_array(got)
    if array is None:
        return (f"{name} is wrong on {about}: expected an array of shape {want.shape}, got "
                f"{type(got).__name__}")
    if array.shape != want.shape:
        hint = shape_hint(f, g, array.shape)
        return (f"{name} is wrong on {about}: "
                + (hint or f"output shape {array.shape}, expected {want.shape}"))
    return None


def _symbolic(function, name, pairs, oracle, wrongs, shape_hint):
    """Call ``function`` on every pair of symbol arrays in both orders, compare each output with
    ``oracle`` entry by entry (``sympy.expand``, in the worker), and return
    ``{(shape_f, shape_g, first letter): output}``. The first output that is wrong, in call
    order, gives the verdict."""
    args = []
    for sf, sg in pairs:
        f, g = _symbols("a", sf), _symbols("b", sg)
        args += [(f, g), (g, f)]
    results = call_checked(function, name, [(pair, {}) for pair in args], symbolic=True)
    checked, failure = [], None
    for (f, g), got in zip(args, results):
        want = oracle(f, g)
        failure = _shape_failure(name, f, g, got, want, shape_hint)
        if failure:
            break
        checked.append((f, g, _sym_array(got), want))
    wrong = _in_worker(name, _first_wrong_output, checked, wrongs) if checked else None
    if wrong is not None:
        position, reason = wrong
        f, g = checked[position][:2]
        raise CheckFailed(f"{name} is wrong on {_describe_sym(f, g)}: {reason}")
    if failure:
        raise CheckFailed(failure)
    return {(f.shape, g.shape, f.flat[0].name[0]): array for f, g, array, _want in checked}


def _proves_commutativity(name, outputs, pairs):
    """``expand(conv(f, g) - conv(g, f)) == 0`` entry by entry, for every pair tried."""
    position = _in_worker(name, _first_unequal,
                          [(outputs[(sf, sg, "a")], outputs[(sg, sf, "b")]) for sf, sg in pairs])
    if position is not None:
        sf, sg = pairs[position]
        raise CheckFailed(f"{name}(f, g) and {name}(g, f) differ symbolically for "
                          f"{shapes_of(np.empty(sf), np.empty(sg))} arrays of symbols: "
                          "convolution commutes, so they must agree entry by entry")


def _int_pairs(count, high=40):
    """Integer sequences for the property checks: lengths 1..high, values -9..9."""
    out = []
    for n, m, seed in draw(st.tuples(dims(1, high), dims(1, high), seeds), count):
        rng = np.random.default_rng(seed)
        out.append((rng.integers(-9, 10, n), rng.integers(-9, 10, m)))
    return out


def _both_orders(function, name, pairs, reference, hint):
    """Call ``function`` on every integer pair in both orders; judge ``function(f, g)`` against
    ``reference`` and return ``[(f, g, about, f_g, g_f, magnitude)]`` for the property checks."""
    results = call_checked(function, name, [((f, g), {}) for f, g in pairs] +
                           [((g, f), {}) for f, g in pairs])
    out = []
    for (f, g), fg, gf in zip(pairs, results[:len(pairs)], results[len(pairs):]):
        kind = "sequences of lengths" if f.ndim == 1 else "arrays of shapes"
        about = f"integer {kind} {' and '.join(str(len(x)) if x.ndim == 1 else shapes_of(x) for x in (f, g))}"
        for got in (fg, gf):
            if isinstance(got, StudentError):
                raise CheckFailed(f"{name} raised on {about}: {got}")
        magnitude = reference(np.abs(f), np.abs(g))
        verdict = judge(fg, Case((f, g), reference(f, g), about, magnitude=magnitude), hint)
        if verdict:
            raise CheckFailed(f"{name} is wrong on {about}: {verdict}")
        if np.shape(gf) != np.shape(fg):
            raise CheckFailed(f"{name}(g, f) has shape {np.shape(gf)} but {name}(f, g) has shape "
                              f"{np.shape(fg)} on {about}: both are full outputs of the same shape")
        out.append((f, g, about, fg, gf, magnitude))
    return out


def _numeric_pairs(count, fixed):
    drawn = draw(st.tuples(dims(1, 12), dims(1, 12), seeds), count)
    pairs = []
    for n, m, seed in fixed + drawn:
        f, g = rng_array(seed, n), rng_array(seed + 1, m)
        pairs += [(f, g), (g, f)]
    return pairs


# -- 1-D full convolution -----------------------------------------------------------------

FIXED_1D = [(4, 3, 11), (1, 1, 12), (1, 6, 13), (2, 9, 14), (5, 5, 15), (30, 4, 16)]


def _full_hint(what):
    def hint(f, g, shape):
        n, m = len(f), len(g)
        if len(shape) != 1:
            return f"expected a 1-D array of n + m - 1 = {n + m - 1} entries, got shape {shape}"
        length = shape[0]
        if length == abs(n - m) + 1:
            return ("this keeps only the lags where one sequence lies wholly inside the other "
                    "('valid', |n - m| + 1 entries); the full output also keeps the partial "
                    "overlaps at both ends: n + m - 1 entries")
        if length == max(n, m):
            return ("the output has the length of the longer input ('same'); the full "
                    f"{what} has n + m - 1 entries, one for every shift where the two overlap")
        if length == n + m - 2:
            return (f"one entry short: the full {what} has n + m - 1 entries (the last one is "
                    "f[n-1] g[m-1] alone)" if what == "convolution" else
                    f"one entry short: the full {what} has n + m - 1 entries")
        if length == n + m:
            return f"one entry too many: the full {what} has n + m - 1 entries"
        return None
    return hint


def _case_hint(hint):
    return lambda case, shape: hint(case.args[0], case.args[1], shape)


def _conv1d_wrongs(f, g):
    symbolic = f.dtype == object
    corr = corr_loops if symbolic else (lambda x, y: convref.correlate(x, y, "full"))
    conv = conv_loops(f, g) if symbolic else convref.convolve(f, g, "full")
    wrong = {"this is the cross-correlation of f and g: convolution pairs f[a] with g[i - a], so "
             "g is read backwards (flipped) as it slides": corr(f, g),
             "this is the cross-correlation of g and f: convolution pairs f[a] with g[i - a], so "
             "g is read backwards (flipped) as it slides": corr(g, f),
             "the output runs backwards: entry 0 must be f[0] g[0] and the last entry "
             "f[n-1] g[m-1]": conv[::-1]}
    if not symbolic:
        wrong.update({"a negative index wraps around in numpy: g[i - a] with a > i reads g from "
                      "its end. Leave out the terms whose index falls outside 0..m-1 (or pad "
                      "with zeros)": _wrapped(f, g),
                      "a negative index wraps around in numpy: f[i - b] with b > i reads f from "
                      "its end. Leave out the terms whose index falls outside 0..n-1 (or pad "
                      "with zeros) ": _wrapped(g, f)})
    return wrong


def test_conv1d_full(conv1d_full):
    """Full 1-D convolution: numerically against convref, as a commuting operation on integer
    sequences, and symbolically (every entry, and f * g = g * f) for lengths 1..5."""
    cases = []
    for f, g in _numeric_pairs(N_CASES, FIXED_1D):
        cases.append(Case((f, g), convref.convolve(f, g, "full"),
                          f"sequences of lengths {len(f)} and {len(g)}",
                          magnitude=convref.convolve(np.abs(f), np.abs(g), "full"),
                          wrong=_conv1d_wrongs(f, g)))
    checked = run_cases(conv1d_full, "conv1d_full", cases, _case_hint(_full_hint("convolution")))

    full_conv = lambda x, y: convref.convolve(x, y, "full")  # noqa: E731
    for f, g, about, fg, gf, scale in _both_orders(conv1d_full, "conv1d_full", _int_pairs(12),
                                                  full_conv, _case_hint(_full_hint("convolution"))):
        if not close(fg, gf, scale):
            raise CheckFailed(f"conv1d_full(f, g) and conv1d_full(g, f) differ on {about}: "
                              "convolution commutes, so they must agree")

    pairs = [((n,), (m,)) for n in SYMBOLIC_LENGTHS for m in SYMBOLIC_LENGTHS if n <= m]
    outputs = _symbolic(conv1d_full, "conv1d_full", pairs, conv_loops, _conv1d_wrongs,
                        _full_hint("convolution"))
    _proves_commutativity("conv1d_full", outputs, pairs)
    return checked + 2 * len(pairs)


# -- 1-D full cross-correlation -----------------------------------------------------------

def _corr1d_wrongs(f, g):
    symbolic = f.dtype == object
    want = corr_loops(f, g) if symbolic else convref.correlate(f, g, "full")
    conv = conv_loops if symbolic else (lambda x, y: convref.convolve(x, y, "full"))
    return {"the output is reversed (this is corr1d_full(g, f)): numpy.correlate(f, g, 'full') "
            "starts at the lag where only f[0] meets g[m-1], so entry 0 is f[0] g[m-1]": want[::-1],
            "this is the true convolution of f and g: cross-correlation slides g as it is, "
            "without flipping it": conv(f, g),
            "this is the true convolution of f and g reversed: cross-correlation slides g as it "
            "is, without flipping it": conv(f, g)[::-1]}


def test_corr1d_full(corr1d_full):
    """numpy.correlate(f, g, 'full') without numpy.correlate: against convref (whose 'full'
    correlation has numpy's order), then corr(f, g) == corr(g, f)[::-1] and, in general,
    corr(f, g) != corr(g, f); then symbolically for lengths 1..5."""
    cases = []
    for f, g in _numeric_pairs(N_CASES, FIXED_1D):
        cases.append(Case((f, g), convref.correlate(f, g, "full"),
                          f"sequences of lengths {len(f)} and {len(g)}",
                          magnitude=convref.correlate(np.abs(f), np.abs(g), "full"),
                          wrong=_corr1d_wrongs(f, g)))
    checked = run_cases(corr1d_full, "corr1d_full", cases,
                        _case_hint(_full_hint("cross-correlation")))

    full_corr = lambda x, y: convref.correlate(x, y, "full")  # noqa: E731
    for f, g, about, fg, gf, scale in _both_orders(corr1d_full, "corr1d_full", _int_pairs(12),
                                                  full_corr,
                                                  _case_hint(_full_hint("cross-correlation"))):
        if not close(gf[::-1], fg, scale):
            raise CheckFailed(f"corr1d_full(g, f) reversed is not corr1d_full(f, g) on {about}: "
                              "swapping the arguments of a cross-correlation reverses its output")
        want = full_corr(f, g)
        if not close(want, want[::-1], scale) and close(fg, gf, scale):
            raise CheckFailed(f"corr1d_full(f, g) equals corr1d_full(g, f) on {about}: "
                              "cross-correlation does not commute in general")

    pairs = [((n,), (m,)) for n in SYMBOLIC_LENGTHS for m in SYMBOLIC_LENGTHS if n <= m]
    outputs = _symbolic(corr1d_full, "corr1d_full", pairs, corr_loops, _corr1d_wrongs,
                        _full_hint("cross-correlation"))
    position = _in_worker("corr1d_full", _first_unequal,
                          [(outputs[(sf, sg, "a")], outputs[(sg, sf, "b")][::-1])
                           for sf, sg in pairs])
    if position is not None:
        sf, sg = pairs[position]
        raise CheckFailed("corr1d_full(f, g) is not corr1d_full(g, f) reversed for symbolic "
                          f"sequences of lengths {sf[0]} and {sg[0]}")
    return checked + 2 * len(pairs)


# -- 2-D full convolution -----------------------------------------------------------------

FIXED_2D = [(4, 5, 2, 3, 21), (1, 1, 1, 1, 22), (1, 4, 3, 1, 23), (3, 3, 3, 3, 24),
            (6, 2, 2, 5, 25)]


def _hint_2d(F, G, shape):
    (n1, n2), (m1, m2) = F.shape, G.shape
    full = (n1 + m1 - 1, n2 + m2 - 1)
    if len(shape) != 2:
        return f"expected a 2-D array of shape {full}, got {len(shape)} axes"
    if shape == (abs(n1 - m1) + 1, abs(n2 - m2) + 1):
        return ("this keeps only the shifts where one array lies wholly inside the other "
                "('valid'); the full output also keeps every partial overlap: "
                "(n1 + m1 - 1, n2 + m2 - 1)")
    if shape == (max(n1, m1), max(n2, m2)):
        return ("the output has the size of the larger input ('same'); the full convolution "
                "has shape (n1 + m1 - 1, n2 + m2 - 1)")
    if shape in ((full[0] - 1, full[1]), (full[0], full[1] - 1), (full[0] - 1, full[1] - 1)):
        return "one row or column short: the full output has shape (n1 + m1 - 1, n2 + m2 - 1)"
    if shape == full[::-1]:
        return "rows and columns are swapped: the output has shape (n1 + m1 - 1, n2 + m2 - 1)"
    return None


def _conv2d_wrongs(F, G):
    symbolic = F.dtype == object

    def corr(x, k):
        return _corr2d_loops(x, k) if symbolic else convref.correlate(x, k, "full")
    conv = conv2d_loops(F, G) if symbolic else convref.convolve(F, G, "full")
    wrong = {"this is the cross-correlation of F and G: true convolution flips G along both "
             "axes": corr(F, G),
             "this is the cross-correlation of G and F: true convolution flips G along both "
             "axes ": corr(G, F),
             "only one axis of G is flipped: true convolution flips rows and columns": corr(F, G[:, ::-1]),
             "only one axis of G is flipped: true convolution flips rows and columns ": corr(F, G[::-1, :]),
             "only one axis of the output is in the right order: entry [0, 0] is F[0, 0] G[0, 0] "
             "and the last entry F[-1, -1] G[-1, -1]": conv[::-1, :],
             "only one axis of the output is in the right order: entry [0, 0] is F[0, 0] G[0, 0] "
             "and the last entry F[-1, -1] G[-1, -1] ": conv[:, ::-1],
             "the output is upside down and back to front: entry [0, 0] is F[0, 0] G[0, 0]":
             conv[::-1, ::-1]}
    if G.shape[0] == G.shape[1]:
        wrong["G is transposed, not flipped: true convolution turns G by 180 degrees"] = \
            corr(F, G.T)
    return wrong


def _corr2d_loops(F, G):
    """Full 2-D cross-correlation (the symbolic wrong answers of the feedback)."""
    return conv2d_loops(F, G[::-1, ::-1])


def test_conv2d_full(conv2d_full):
    """Full 2-D convolution: against convref, then F * G = G * F numerically and symbolically."""
    drawn = draw(st.tuples(dims(1, 7), dims(1, 7), dims(1, 7), dims(1, 7), seeds), N_CASES)
    cases = []
    for n1, n2, m1, m2, seed in FIXED_2D + drawn:
        F, G = rng_array(seed, (n1, n2)), rng_array(seed + 1, (m1, m2))
        for X, K in ((F, G), (G, F)):
            cases.append(Case((X, K), convref.convolve(X, K, "full"),
                              f"arrays of shapes {shapes_of(X)} and {shapes_of(K)}",
                              magnitude=convref.convolve(np.abs(X), np.abs(K), "full"),
                              wrong=_conv2d_wrongs(X, K)))
    checked = run_cases(conv2d_full, "conv2d_full", cases, _case_hint(_hint_2d))

    props = []
    for n1, n2, m1, m2, seed in draw(st.tuples(dims(1, 9), dims(1, 9), dims(1, 9), dims(1, 9),
                                               seeds), 8):
        rng = np.random.default_rng(seed)
        props.append((rng.integers(-9, 10, (n1, n2)), rng.integers(-9, 10, (m1, m2))))
    full_conv = lambda x, y: convref.convolve(x, y, "full")  # noqa: E731
    for F, G, about, fg, gf, scale in _both_orders(conv2d_full, "conv2d_full", props, full_conv,
                                                  _case_hint(_hint_2d)):
        if not close(fg, gf, scale):
            raise CheckFailed(f"conv2d_full(F, G) and conv2d_full(G, F) differ on {about}: "
                              "convolution commutes, so they must agree")

    outputs = _symbolic(conv2d_full, "conv2d_full", SYMBOLIC_SHAPES_2D, conv2d_loops,
                        _conv2d_wrongs, _hint_2d)
    _proves_commutativity("conv2d_full", outputs, SYMBOLIC_SHAPES_2D)
    return checked + 2 * len(SYMBOLIC_SHAPES_2D)


# -- the change of index a -> i - b -----------------------------------------------------------

def _integer(name):
    return sympy.Symbol(name, integer=True)


def _index_cases():
    """``(S, i, b, about, values)``: the sum to transform, its output index, the new index the
    student is asked to use, a description, and concrete values for the other free symbols.
    The notebook's own sum comes first; the others have the same shapes (functions u(k)v(j-k),
    a symmetric range, numbers as limits) but names and limits fresh for every submission, so
    no table of answers recorded from an earlier run fits them."""
    rng = fresh_rng("change of index")
    pick = lambda pool, n: [str(c) for c in rng.choice(list(pool), size=n, replace=False)]
    seqs = pick("dehpqxyzw", 6)                # the pools are disjoint, and leave out the
    # notebook's own names (f, g, a, b, i, n) and the c students tend to take as a fresh index
    base = [sympy.IndexedBase(name) for name in seqs]
    u, v = (sympy.Function(name) for name in pick("FGHRUV", 2))
    idx = [_integer(name) for name in pick("jklmorstuv", 10) + ["j1", "k1"]]
    top = [_integer(name) for name in pick("JKLMNT", 4)]
    f, g = sympy.IndexedBase("f"), sympy.IndexedBase("g")
    a, b, i, n = (_integer(name) for name in ("a", "b", "i", "n"))
    last = int(rng.integers(2, 7))
    lengths, radii = [1, 3], [0, 2]
    names = lambda *xs: ", ".join(map(str, xs))
    return [
        (sympy.Sum(f[a] * g[i - a], (a, 0, n - 1)), i, b,
         "the notebook's sum Sum(f[a]*g[i - a], (a, 0, n - 1))", {n: lengths}),
        (sympy.Sum(base[1][idx[0]] * base[0][idx[1] - idx[0]], (idx[0], 0, top[0] - 1)), idx[1],
         idx[2], f"the same sum with the sequences swapped ({names(base[1], base[0])})",
         {top[0]: lengths}),
        (sympy.Sum(u(idx[3]) * v(idx[4] - idx[3]), (idx[3], 0, top[1] - 1)), idx[4], idx[5],
         f"a sum written with sympy functions {u}({idx[3]}) {v}({idx[4]} - {idx[3]})",
         {top[1]: lengths}),
        (sympy.Sum(base[2][idx[6]] * base[3][idx[7] - idx[6]], (idx[6], 0, top[2] - 1)), idx[7],
         idx[8], f"a sum with other symbol names ({names(base[2], base[3], idx[6], idx[7], top[2])})",
         {top[2]: lengths}),
        (sympy.Sum(base[4][idx[9]] * base[5][idx[10] - idx[9]], (idx[9], -top[3], top[3])),
         idx[10], idx[11], f"a sum over a symmetric range {idx[9]} = -{top[3]}..{top[3]}",
         {top[3]: radii}),
        (sympy.Sum(f[a] * g[i - a], (a, 0, last)), i, b,
         f"a sum with numbers as limits, a = 0..{last}", {}),
    ]


def _canon(expr):
    """``expr`` expanded, with every index and function argument expanded too."""
    expr = expr.replace(lambda e: isinstance(e, sympy.Indexed),
                        lambda e: e.base[tuple(sympy.expand(ix) for ix in e.indices)])
    expr = expr.replace(lambda e: isinstance(e, sympy.core.function.AppliedUndef),
                        lambda e: e.func(*[sympy.expand(arg) for arg in e.args]))
    return sympy.expand(expr)


def _same(x, y) -> bool:
    return _canon(x - y) == 0


def _as_single_sum(got):
    """A ``Sum`` over one index, or ``-Sum(...)`` rewritten by sympy's (Karr's) convention
    ``-Sum(F, (v, L, U)) == Sum(F, (v, U + 1, L - 1))``; else ``None``."""
    if isinstance(got, sympy.Sum):
        return got
    if isinstance(got, sympy.Mul):
        coeff, rest = got.as_coeff_Mul()
        if coeff == -1 and isinstance(rest, sympy.Sum) and len(rest.limits) == 1 \
                and len(rest.limits[0]) == 3:
            var, low, high = rest.limits[0]
            return sympy.Sum(rest.function, (var, high + 1, low - 1))
    return None


def _evaluate(total):
    """A one-index Sum with integer limits added up term by term, in sympy's (Karr's)
    convention: an empty sum when upper = lower - 1, and ``Sum(F, (v, L, U)) ==
    -Sum(F, (v, U + 1, L - 1))`` when upper < lower - 1. (The student's sum goes through
    ``.doit()``; this is the independent value it is compared with.)"""
    var, low, high = total.limits[0]
    low, high = int(low), int(high)
    if high >= low - 1:
        return sympy.Add(*[total.function.xreplace({var: k}) for k in range(low, high + 1)])
    return -sympy.Add(*[total.function.xreplace({var: k}) for k in range(high + 1, low)])


def _index_verdict(got, S, i, b):
    """``None`` when ``got`` is S written over the index b = i - a, else the reason
    (evaluates: worker side)."""
    term, (a, lo, hi) = S.function, S.limits[0]
    if isinstance(got, StudentError):
        return f"it raised {got}"
    total = _as_single_sum(got) if isinstance(got, sympy.Basic) else None
    if total is None:
        if isinstance(got, sympy.Basic) and not got.has(sympy.Sum) and b in got.free_symbols:
            return ("return a sympy Sum (the summand together with its index and limits), not "
                    "just the summand: sympy.Sum(expr, (b, lower, upper))")
        return (f"expected an unevaluated sympy Sum, got {type(got).__name__}: build it with "
                "sympy.Sum(expr, (b, lower, upper)) and do not call .doit()")
    if len(total.limits) != 1 or len(total.limits[0]) != 3:
        return "expected a Sum over exactly one index, with both limits: Sum(expr, (b, lower, upper))"
    var, low, high = total.limits[0]
    d = sympy.Dummy("d", integer=True)
    summand = total.function.xreplace({var: d})
    if not _same(summand, term.xreplace({a: i - d})):
        if _same(summand, term.xreplace({a: d})):
            return ("the summand is the old one with a merely renamed: substitute a = i - b, so "
                    "that f[a] g[i - a] becomes f[i - b] g[b]")
        if _same(summand, term.xreplace({a: i + d})) or _same(summand, term.xreplace({a: d - i})):
            return ("a sign is wrong in the substitution: the new index is b = i - a, so "
                    "a = i - b (not i + b or b - i), and f[a] g[i - a] becomes f[i - b] g[b]")
        return ("the summand must be the old summand with a replaced by i - b (for the "
                "convolution sum: f[i - b] g[b], one term of g * f)")
    if var in low.free_symbols or var in high.free_symbols:
        return "the limits of the new sum must not contain its own index"
    want_low, want_high = i - hi, i - lo
    if not (_same(low, want_low) and _same(high, want_high)):
        if _same(low, want_high) and _same(high, want_low):
            return ("the limits are in the wrong order: as a goes up from lo to hi, b = i - a "
                    "goes down from i - lo to i - hi, so the new sum runs from i - hi (lower) "
                    "to i - lo (upper). A sympy Sum whose lower limit is above its upper limit "
                    "is not the same sum read backwards")
        if _same(low, lo) and _same(high, hi):
            return ("the limits still describe a: as a runs from lo to hi, the new index "
                    "b = i - a runs from i - hi to i - lo")
        if any(_same(low - want_low, e) for e in (1, -1)) or \
                any(_same(high - want_high, e) for e in (1, -1)):
            return ("a limit is off by one: as a runs from lo to hi (both included), b = i - a "
                    "runs from i - hi to i - lo (both included)")
        return ("the new limits are wrong: read lo and hi from the sum itself "
                "(S.limits[0] is (a, lo, hi)); b = i - a then runs from i - hi to i - lo")
    return None


def test_change_of_index(change_of_index):
    """``change_of_index(S, i, b)``: S = Sum(term, (a, lo, hi)) rewritten over b = i - a.

    Checked structurally (summand and limits, up to the name of the index, the order of the
    factors and sympy's reversed-limits convention) and by value: for concrete sizes and
    output positions, ``.doit()`` of the result equals S added up term by term."""
    cases = _index_cases()
    results = call_checked(change_of_index, "change_of_index",
                           [((S, i, b), {}) for S, i, b, _about, _values in cases], symbolic=True)
    failure = _in_worker("change_of_index", _change_of_index_failure, cases, results)
    if failure:
        raise CheckFailed(failure)
    return len(cases)


def _change_of_index_failure(cases, results):
    """The verdict on the first case whose result is not its sum over the new index, by
    structure (``_index_verdict``) or by value at concrete sizes and output positions; ``None``
    when every case is right. Runs in the symbolic worker."""
    for (S, i, b, about, values), got in zip(cases, results):
        verdict = _index_verdict(got, S, i, b)
        if verdict:
            return f"change_of_index is wrong on {about}: {verdict}"
        symbols = list(values)
        for combo in itertools.product([-1, 0, 3], *values.values()):
            subs = {i: combo[0], **dict(zip(symbols, combo[1:]))}
            if not _same(got.xreplace(subs).doit(), _evaluate(S.xreplace(subs))):
                shown = ", ".join(f"{symbol} = {value}" for symbol, value in subs.items())
                return (f"change_of_index is wrong on {about}: evaluated with .doit() at "
                        f"{shown}, the new sum differs from the original one")
    return None
