"""Hidden checks of the assignment ``commutativity`` (exercise 6: f * g = g * f).

Each ``test_<name>(<name>)`` builds its cases and hands them to the verdict engine
(:func:`convgrade.verdict.evaluate`, merged with :func:`convgrade.verdict.finish`), which
names the misconception a wrong answer shows and gives partial credit by credit group.

Credit groups and their weights, per function:

* ``conv1d_full``, ``corr1d_full``, ``conv2d_full`` (:data:`ARRAY_GROUPS`): values 3, integer
  inputs 1, sympy symbols 2.

  - *values*: float arrays of drawn lengths (shapes), in both argument orders, against
    ``convref``, with the chapter's misconceptions (a cross-correlation handed in as a
    convolution and back, 'valid' or 'same' lengths, one entry short, one-axis flips, reversed
    outputs, negative indices that wrap around);
  - *integer inputs*: an integer array with a float one (in either order) and two integer
    ones: the answer is the float one, which an output built like the integer input
    truncates (or cannot take, when the products are added into slices of it);
  - *sympy symbols*: numpy object arrays of sympy symbols ``a0..``, ``b0..`` for every pair
    of lengths 1..5 (six pairs of shapes in 2-D), in both orders: every output entry must
    equal a plain-loop oracle after ``sympy.expand``. The oracles commute (the tests check
    it), so a function that passes in both orders has f * g = g * f proved entry by entry for
    those sizes (a computer-checked proof), and ``corr1d_full(f, g)`` equal to
    ``corr1d_full(g, f)`` reversed.

  A ``corr1d_full`` built on the student's ``conv1d_full`` (g reversed) is charged only for
  its own mistakes on numbers (:data:`ON_CONV1D`).

* ``change_of_index`` (:data:`INDEX_GROUPS`): summand 1, limits 1. The student turns the
  unevaluated ``Sum(f[a]*g[i - a], (a, lo, hi))`` into a Sum over b = i - a; the notebook's
  sum comes first, then sums with other names, sympy functions, a symmetric range and numbers
  as limits. *summand*: the summand is the old one at a = i - b (for the convolution sum
  g[b] f[i - b], one term of g * f), whatever the name of the new index and the order of the
  factors. *limits*: the limits are i - hi .. i - lo (a ``-Sum`` with reversed limits in
  sympy's convention is the same sum), and the sum has the original's value at concrete sizes
  and output positions, after ``.doit()``. sympy's own ``Sum.change_index`` is a shortcut the
  grader sees in the source (``policy.FORBIDDEN_METHODS``).

Every computation on a student's expression (``expand``, subtraction, ``.doit()``,
``xreplace``) runs in the symbolic worker (``convgrade.symbolic``), under its time and memory
limits, in one batch per check; the instructor's oracles are computed here. The engine
compares answers here, one at a time, so the worker first reduces each symbolic answer to what
the engine needs: which of the right answer and the misconceptions' answers it equals, or why
it is none of them (:func:`_reduce_arrays`, :func:`_reduce_sums`). The engine then judges
these reductions, handed to it by :class:`_Answers` in place of the student's function,
which is called only once. An expression too large or too slow to compare loses the group.
"""
from __future__ import annotations

import itertools
from functools import partial

import numpy as np
import sympy
from hypothesis import strategies as st

import convref

from .. import symbolic
from ..cases import dims, draw, fresh_rng, int_array, rng_array, seeds, shapes_of
from ..verdict import (TRUNCATED, UNANSWERED, VALUES, Alternatives, Case, Depends, GroupResult,
                       Judgement, Misconception, StudentError, call_student, evaluate,
                       everything_failed, finish, is_blank, with_truncated)

N_CASES = 16
N_INTEGER_CASES = 6
SYMBOLIC_LENGTHS = range(1, 6)
SYMBOLIC_PAIRS_1D = [((n,), (m,)) for n in SYMBOLIC_LENGTHS for m in SYMBOLIC_LENGTHS if n <= m]
SYMBOLIC_SHAPES_2D = [((1, 1), (1, 1)), ((2, 3), (2, 2)), ((1, 3), (2, 1)), ((3, 2), (2, 3)),
                      ((2, 2), (3, 1)), ((3, 3), (2, 2))]

INTEGERS = "integer inputs"
SYMBOLS = "sympy symbols"
#: Credit groups of conv1d_full, corr1d_full and conv2d_full, and their weights.
ARRAY_GROUPS = {VALUES: 3, INTEGERS: 1, SYMBOLS: 2}
SUMMAND, LIMITS = "summand", "limits"
#: Credit groups of change_of_index, and their weights.
INDEX_GROUPS = {SUMMAND: 1, LIMITS: 1}


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


def _corr2d_loops(F, G):
    """Full 2-D cross-correlation (the symbolic wrong answers of the feedback)."""
    return conv2d_loops(F, G[::-1, ::-1])


def _zero(*arrays):
    return sympy.Integer(0) if any(x.dtype == object for x in arrays) else 0.0


def _as_array(values, *arrays):
    return np.array(values, dtype=object if any(x.dtype == object for x in arrays) else float)


def _wrapped(f, g):
    """What a convolution loop that forgets ``i - a >= 0`` computes: numpy reads g[-1],
    g[-2], ... from the end of g. ``None`` where that loop would raise IndexError instead."""
    n, m = len(f), len(g)
    if n - 1 > m:
        return None
    return _as_array([sum((f[a] * g[i - a] for a in range(n) if i - a < m), _zero(f, g))
                      for i in range(n + m - 1)], f, g)


def _corr_wrapped(f, g):
    """What a correlation loop that forgets ``t + k - (m-1) >= 0`` computes (f read from its
    end); ``None`` where it would raise IndexError."""
    n, m = len(f), len(g)
    if m - 1 > n:
        return None
    return _as_array([sum((f[t + k - (m - 1)] * g[t] for t in range(m) if t + k - (m - 1) < n),
                          _zero(f, g)) for k in range(n + m - 1)], f, g)


def _valid(full, f, g):
    """The 'valid' part of a full 1-D output (numpy's: the longer sequence slides), or
    ``None`` when it is the whole output."""
    short, long = sorted((len(f), len(g)))
    return None if short == 1 else full[short - 1:long]


def _one_short(full):
    """A full output without its last (or its first) entry."""
    return Alternatives((full[:-1], full[1:])) if len(full) > 1 else None


def _options(*answers):
    """One misconception's possible answers, the ``None`` ones (does not apply) left out."""
    kept = tuple(a for a in answers if a is not None)
    return None if not kept else kept[0] if len(kept) == 1 else Alternatives(kept)


# -- misconceptions ---------------------------------------------------------------------------

CORRELATION_FOR_CONVOLUTION = Misconception(
    "correlation_not_convolution", "this is a cross-correlation: convolution pairs f[a] with "
    "g[i - a], so one sequence is read backwards (flipped) as it slides along the other")
CONV_REVERSED = Misconception(
    "output_reversed", "the output runs backwards: entry 0 must be f[0] g[0] and the last entry "
    "f[n-1] g[m-1]")
WRAPS = Misconception(
    "negative_index_wraps", "a negative index wraps around in numpy: g[i - a] with a > i reads g "
    "from its end. Leave out the terms whose index falls outside the array, or pad with zeros")
CORR_REVERSED = Misconception(
    "output_reversed", "the output is reversed (this is corr1d_full(g, f)): "
    "numpy.correlate(f, g, 'full') starts at the lag where only f[0] meets g[m-1], so entry 0 "
    "is f[0] g[m-1]")
CONVOLUTION_FOR_CORRELATION = Misconception(
    "convolution_not_correlation", "this is a true convolution: cross-correlation slides g "
    "along f as it is, without flipping it")
CORR_WRAPS = Misconception(
    "negative_index_wraps", "a negative index wraps around in numpy: f[t + k - (m-1)] with a "
    "negative index reads f from its end. Leave out the terms whose index falls outside the "
    "array, or pad with zeros")
CORRELATION_2D = Misconception(
    "correlation_not_convolution", "this is a cross-correlation: true convolution flips G along "
    "both axes: G[i - a, j - b]")
ONE_AXIS_2D = Misconception(
    "kernel_flipped_one_axis", "only one axis is flipped: true convolution flips rows and "
    "columns")
OUTPUT_ONE_AXIS_2D = Misconception(
    "output_flipped_one_axis", "only one axis of the output is in the right order: entry [0, 0] "
    "is F[0, 0] G[0, 0] and the last entry F[-1, -1] G[-1, -1]")
OUTPUT_REVERSED_2D = Misconception(
    "output_reversed", "the output is upside down and back to front: entry [0, 0] is "
    "F[0, 0] G[0, 0]")
TRANSPOSED_2D = Misconception(
    "kernel_transposed", "G is transposed, not flipped: true convolution turns G by 180 "
    "degrees, G[::-1, ::-1]")
NUMBERS_ONLY = Misconception(
    "numbers_only", "it raised a TypeError: the output must be able to hold sympy expressions "
    "(np.zeros(shape, dtype=np.result_type(f, g, float)) is an object array for object inputs), "
    "the inputs must not be converted to float, and numpy.fft cannot handle symbols, so an FFT "
    "answer needs a plain-sum path for object arrays")


def _shape_misconceptions(what, one_short):
    """The misconceptions a wrong length of a full 1-D ``what`` shows."""
    return {
        "valid": Misconception("valid_only", "this keeps only the lags where one sequence lies "
                               "wholly inside the other ('valid', |n - m| + 1 entries); the full "
                               f"{what} also keeps the partial overlaps at both ends: n + m - 1 "
                               "entries"),
        "same": Misconception("same_length", "the output has the length of the longer input "
                              f"('same'); the full {what} has n + m - 1 entries, one for every "
                              "shift where the two overlap"),
        "short": Misconception("output_one_short", f"one entry short: the full {what} has "
                               f"n + m - 1 entries, {one_short}"),
        "long": Misconception("output_one_too_many", f"one entry too many: the full {what} has "
                              "n + m - 1 entries"),
    }


CONV_SHAPES = _shape_misconceptions("convolution", "the last one is f[n-1] g[m-1] alone")
CORR_SHAPES = _shape_misconceptions("cross-correlation", "the first one is f[0] g[m-1] alone")
SHAPES_2D = {
    "valid": Misconception("valid_only", "this keeps only the shifts where one array lies wholly "
                           "inside the other ('valid'); the full output also keeps every partial "
                           "overlap: (n1 + m1 - 1, n2 + m2 - 1)"),
    "same": Misconception("same_length", "the output has the size of the larger input ('same'); "
                          "the full convolution has shape (n1 + m1 - 1, n2 + m2 - 1)"),
    "short": Misconception("output_one_short", "one row or column short: the full output has "
                           "shape (n1 + m1 - 1, n2 + m2 - 1)"),
    "swapped": Misconception("rows_columns_swapped", "rows and columns are swapped: the output "
                             "has shape (n1 + m1 - 1, n2 + m2 - 1)"),
}

OBJECT_HINT = ("The inputs were numpy object arrays of sympy symbols: build the output so it can "
               "hold them (for example np.zeros(shape, dtype=np.result_type(f, g, float)), which "
               "is object for object inputs) and do not convert the inputs to float. numpy.fft "
               "cannot handle symbols, so an FFT answer needs a plain-sum path for object arrays.")
DIFFERS = ("the symbolic entries differ from the definition (compare expand() of each entry "
           "with the sum written out)")


# -- shape hints ------------------------------------------------------------------------------

def _full_shape(f, g):
    return tuple(a + b - 1 for a, b in zip(np.shape(f), np.shape(g)))


def _hint_1d(shapes):
    def hint(f, g, shape):
        n, m = len(f), len(g)
        if len(shape) != 1:
            return f"expected a 1-D array of n + m - 1 = {n + m - 1} entries, got shape {shape}"
        length = shape[0]
        if length in (abs(n - m) + 1, max(0, n - m + 1)):
            return shapes["valid"]
        if length == max(n, m):
            return shapes["same"]
        if length == n + m - 2:
            return shapes["short"]
        if length == n + m:
            return shapes["long"]
        return None
    return hint


def _hint_2d(F, G, shape):
    (n1, n2), (m1, m2) = F.shape, G.shape
    full = (n1 + m1 - 1, n2 + m2 - 1)
    if len(shape) != 2:
        return f"expected a 2-D array of shape {full}, got {len(shape)} axes"
    if shape in ((abs(n1 - m1) + 1, abs(n2 - m2) + 1),
                 (max(0, n1 - m1 + 1), max(0, n2 - m2 + 1))):
        return SHAPES_2D["valid"]
    if shape == (max(n1, m1), max(n2, m2)):
        return SHAPES_2D["same"]
    if shape in ((full[0] - 1, full[1]), (full[0], full[1] - 1), (full[0] - 1, full[1] - 1)):
        return SHAPES_2D["short"]
    if shape == full[::-1]:
        return SHAPES_2D["swapped"]
    if m1 != m2 and shape == (n1 + m2 - 1, n2 + m1 - 1):
        return TRANSPOSED_2D
    return None


def _case_hint(hint):
    return lambda case, shape: hint(case.args[0], case.args[1], shape)


INTEGER_OUTPUT = Misconception(
    "integer_output_array", "numpy cannot add float products into an integer array: build the "
    "output as a float array (np.zeros(shape, dtype=np.result_type(f, g, float))), not with the "
    "type of an integer input")


def _integer_output(case, error):
    """An integer input whose output array, built with the input's integer type, cannot take
    the float products (numpy's ``+=`` on a slice refuses to cast them)."""
    text = str(error)
    if case.group == INTEGERS and text.startswith("UFuncTypeError") and "to dtype('int" in text:
        return INTEGER_OUTPUT
    return None


def _whole_numbers(case, got):
    """An integer-input answer whose every entry is a whole number where the right answer has
    fractions was stored in an integer array (truncated, step by step or at the end)."""
    if case.group != INTEGERS or not isinstance(got, np.ndarray) or got.dtype == object \
            or got.shape != np.shape(case.expected):
        return None
    want = np.asarray(case.expected)
    if np.all(got == np.trunc(got)) and not np.all(want == np.trunc(want)):
        return TRUNCATED
    return None


# -- the wrong answers of each function (numbers or symbols) --------------------------------

def _symbolic(*arrays):
    return any(x.dtype == object for x in arrays)


def _conv1d_wrongs(f, g):
    symbolic_ = _symbolic(f, g)
    corr = corr_loops if symbolic_ else (lambda x, y: convref.correlate(x, y, "full"))
    full = conv_loops(f, g) if symbolic_ else convref.convolve(f, g, "full")
    return {CORRELATION_FOR_CONVOLUTION: Alternatives((corr(f, g), corr(g, f))),
            CONV_REVERSED: full[::-1],
            WRAPS: _options(_wrapped(f, g), _wrapped(g, f)),
            CONV_SHAPES["valid"]: _valid(full, f, g),
            CONV_SHAPES["short"]: _one_short(full)}


def _corr1d_wrongs(f, g):
    symbolic_ = _symbolic(f, g)
    conv = conv_loops if symbolic_ else (lambda x, y: convref.convolve(x, y, "full"))
    full = corr_loops(f, g) if symbolic_ else convref.correlate(f, g, "full")
    return {CORR_REVERSED: full[::-1],
            CONVOLUTION_FOR_CORRELATION: Alternatives((conv(f, g), conv(f, g)[::-1])),
            CORR_WRAPS: _corr_wrapped(f, g),
            CORR_SHAPES["valid"]: _valid(full, f, g),
            CORR_SHAPES["short"]: _one_short(full)}


def _conv2d_wrongs(F, G):
    symbolic_ = _symbolic(F, G)

    def corr(x, k):
        return _corr2d_loops(x, k) if symbolic_ else convref.correlate(x, k, "full")
    full = conv2d_loops(F, G) if symbolic_ else convref.convolve(F, G, "full")
    return {CORRELATION_2D: Alternatives((corr(F, G), corr(G, F))),
            ONE_AXIS_2D: Alternatives((corr(F, G[:, ::-1]), corr(F, G[::-1, :]),
                                       corr(G, F[:, ::-1]), corr(G, F[::-1, :]))),
            OUTPUT_ONE_AXIS_2D: Alternatives((full[::-1, :], full[:, ::-1])),
            OUTPUT_REVERSED_2D: full[::-1, ::-1],
            TRANSPOSED_2D: corr(F, G.T) if G.shape[0] == G.shape[1] else None}


# -- numeric cases ------------------------------------------------------------------------------

def _describe(x, y):
    """``"integer and float sequences of lengths 5 and 3"``: a case by its kinds and shapes."""
    what = (f"sequences of lengths {len(x)} and {len(y)}" if x.ndim == 1 else
            f"arrays of shapes {shapes_of(x)} and {shapes_of(y)}")
    kinds = ["integer" if a.dtype.kind in "iu" else "float" for a in (x, y)]
    if kinds[0] == kinds[1]:
        return ("integer " if kinds[0] == "integer" else "") + what
    return f"{kinds[0]} and {kinds[1]} {what}"


def _numeric_cases(pairs, reference, wrongs, group=VALUES):
    """A case per pair: ``reference`` is the answer, ``wrongs`` the misconceptions' answers
    (and, for integer inputs, the truncated answer)."""
    cases = []
    for x, y in pairs:
        want = reference(x, y)
        cases.append(Case((x, y), want, _describe(x, y), group=group,
                          magnitude=reference(np.abs(x), np.abs(y)),
                          wrong=partial(with_truncated, wrongs, x, y,
                                        want=want if group == INTEGERS else None)))
    return cases


def _float_pairs(strategy, fixed, count):
    """Float arrays of the fixed and drawn shapes ``(shape_f, shape_g, seed)``, in both orders."""
    pairs = []
    for shape_f, shape_g, seed in fixed + [(s[:len(s) // 2], s[len(s) // 2:-1], s[-1])
                                           for s in draw(strategy, count)]:
        f, g = rng_array(seed, shape_f), rng_array(seed + 1, shape_g)
        pairs += [(f, g), (g, f)]
    return pairs


def _integer_pairs(strategy, count):
    """Per drawn shape pair: an integer f with a float g, a float f with an integer g, and
    two integer arrays."""
    pairs = []
    for s in draw(strategy, count):
        shape_f, shape_g, seed = s[:len(s) // 2], s[len(s) // 2:-1], s[-1]
        fi, gi = int_array(seed, shape_f), int_array(seed + 1, shape_g)
        ff, gf = rng_array(seed, shape_f), rng_array(seed + 1, shape_g)
        pairs += [(fi, gf), (ff, gi), (fi, gi)]
    return pairs


# -- symbolic cases: reduced in the worker, judged by the engine ------------------------------

EXPECTED = "expected"       # the key of the right answer among a symbolic case's candidates


def _holds(got, want) -> bool:
    """``Case.same`` of a reduced symbolic answer (:func:`_reduce_arrays`,
    :func:`_reduce_sums`): is it ``want``, the right answer (:data:`EXPECTED`) or a
    misconception's key?"""
    if not isinstance(got, tuple) or not got:
        return False
    if got[0] == "matches":
        return want in got[1]
    return got[0] == "raised" and want == NUMBERS_ONLY.key and \
        str(got[1]).startswith(("TypeError", "UFuncTypeError"))


class _Answers:
    """The reduced answers of a student's function, handed out in the order of the cases: the
    engine judges them in place of the function, which has been called once already."""

    def __init__(self, answers):
        self._next = iter(answers).__next__

    def __call__(self, *args, **kwargs):
        return self._next()


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


def _reduce_arrays(items):
    """For each ``(got, candidates)``: ``("matches", keys, shape)``, the keys of the candidates
    ``[(key, [answers])]`` that the object array ``got`` equals entry by entry (the right
    answer first: when it matches, nothing else is looked at), and its shape. Runs in the
    symbolic worker."""
    out = []
    for got, candidates in items:
        keys = []
        for key, answers in candidates:
            if any(_sym_equal(got, answer) for answer in answers):
                keys.append(key)
                if key == EXPECTED:
                    break
        out.append(("matches", tuple(keys), tuple(got.shape)))
    return out


def _in_worker(function, *args):
    """``function(*args)`` in the symbolic worker (raises :class:`symbolic.Refused` for an
    expression too large or too slow to compare)."""
    return symbolic.run(function, *args)


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


def _candidates(want, wrong):
    """``[(key, [answers])]``: the right answer, then each misconception that applies."""
    out = [(EXPECTED, [want])]
    for misconception, answer in wrong.items():
        if answer is not None:
            answers = list(answer) if isinstance(answer, Alternatives) else [answer]
            out.append((misconception.key, answers))
    return out


def _symbolic_group(function, name, pairs, oracle, wrongs, hint, weights):
    """The ``sympy symbols`` group: ``function`` on every pair of symbol arrays in both
    orders, each output compared with ``oracle`` entry by entry in the worker. A
    :class:`Judgement` instead when the function may not be graded at all."""
    cases = []
    for sf, sg in pairs:
        f, g = _symbols("a", sf), _symbols("b", sg)
        cases += [Case((f, g), about=_describe_sym(f, g), group=SYMBOLS),
                  Case((g, f), about=_describe_sym(g, f), group=SYMBOLS)]
    results = call_student(function, name, cases, weights, symbolic=True)
    if isinstance(results, Judgement):
        return results
    answers, todo, judged = [], [], []
    for case, got in zip(cases, results):
        f, g = case.args
        wrong = wrongs(f, g)
        array = None if isinstance(got, StudentError) else _sym_array(got)
        if isinstance(got, StudentError):
            answers.append(("raised", str(got)))
            wrong = {NUMBERS_ONLY: NUMBERS_ONLY.key}    # nothing else applies to a call that raised
        elif array is None:
            answers.append(("type", type(got).__name__))
        else:
            answers.append(None)
            todo.append((array, _candidates(oracle(f, g), wrong)))
        judged.append(Case(case.args, EXPECTED, case.about, group=SYMBOLS, same=_holds,
                           wrong={m: m.key for m, a in wrong.items() if a is not None}))
    try:
        reduced = iter(_in_worker(_reduce_arrays, todo) if todo else ())
    except symbolic.Refused as refused:
        return GroupResult(SYMBOLS, weights[SYMBOLS], False,
                           f"{name} could not be checked: {refused}")
    answers = [next(reduced) if answer is None else answer for answer in answers]

    def inspect(case, got):
        f, g = case.args
        kind = got[0] if isinstance(got, tuple) and got else None
        if kind == "raised":
            return f"it raised {got[1]}. {OBJECT_HINT}"
        if kind == "type":
            return f"expected an array of shape {_full_shape(f, g)}, got {got[1]}"
        if kind == "matches" and tuple(got[2]) != _full_shape(f, g):
            shape = tuple(got[2])
            return hint(f, g, shape) or f"output shape {shape}, expected {_full_shape(f, g)}"
        known = {m.key: m.message for m in wrongs(f, g)}
        if kind == "matches" and got[1] and got[1][0] in known:    # not every case agrees
            return known[got[1][0]]
        return DIFFERS
    part = evaluate(_Answers(answers), name, judged, {SYMBOLS: weights[SYMBOLS]}, inspect=inspect)
    return part.groups[0]


def _judge_arrays(function, name, numeric_cases, pairs, oracle, wrongs, hint, depends=None):
    """Values and integer inputs judged on numbers, then the symbols group (when the function
    can be graded at all), as one judgement."""
    numeric = evaluate(function, name, numeric_cases, ARRAY_GROUPS, shape_hint=_case_hint(hint),
                       inspect=_whole_numbers, raised=_integer_output, depends=depends)
    if not next(g for g in numeric.groups if g.name == SYMBOLS).passed:
        return finish(numeric)      # no symbolic case there: blank, a shortcut, cannot be run
    group = _symbolic_group(function, name, pairs, oracle, wrongs, hint, ARRAY_GROUPS)
    if isinstance(group, Judgement):
        return finish(group)
    return finish(Judgement(name, tuple(group if g.name == SYMBOLS else g for g in numeric.groups),
                            numeric.note))


# -- 1-D full convolution -----------------------------------------------------------------

FIXED_1D = [((4,), (3,), 11), ((1,), (1,), 12), ((1,), (6,), 13), ((2,), (9,), 14),
            ((5,), (5,), 15), ((30,), (4,), 16)]
PAIRS_1D = st.tuples(dims(1, 12), dims(1, 12), seeds)
INTEGER_PAIRS_1D = st.tuples(dims(1, 20), dims(1, 20), seeds)


def _full_conv(x, y):
    return convref.convolve(x, y, "full")


def _full_corr(x, y):
    return convref.correlate(x, y, "full")


def test_conv1d_full(conv1d_full):
    """Full 1-D convolution: on floats and integers against convref, and on symbols entry by
    entry for every pair of lengths 1..5, in both orders (f * g = g * f for those lengths)."""
    cases = _numeric_cases(_float_pairs(PAIRS_1D, FIXED_1D, N_CASES), _full_conv, _conv1d_wrongs)
    cases += _numeric_cases(_integer_pairs(INTEGER_PAIRS_1D, N_INTEGER_CASES), _full_conv,
                            _conv1d_wrongs, INTEGERS)
    return _judge_arrays(conv1d_full, "conv1d_full", cases, SYMBOLIC_PAIRS_1D, conv_loops,
                         _conv1d_wrongs, _hint_1d(CONV_SHAPES))


# -- 1-D full cross-correlation -----------------------------------------------------------

def _conv1d_of_reversed(case):
    f, g = case.args
    return [((f, g[::-1]), {})]


#: corr(f, g) is the convolution of f with g reversed: a corr1d_full built that way on the
#: student's conv1d_full is charged only for its own mistakes (on numbers: the engine calls the
#: dependency on numbers only, so the symbols group is judged as it is).
ON_CONV1D = Depends("conv1d_full", _conv1d_of_reversed, lambda case, results: results[0],
                    groups=(VALUES, INTEGERS))


def test_corr1d_full(corr1d_full):
    """numpy.correlate(f, g, 'full') without numpy.correlate: on floats and integers against
    convref (whose 'full' correlation has numpy's order), in both orders (so that
    corr(f, g) == corr(g, f)[::-1] and, in general, corr(f, g) != corr(g, f)); then on symbols
    for every pair of lengths 1..5."""
    cases = _numeric_cases(_float_pairs(PAIRS_1D, FIXED_1D, N_CASES), _full_corr, _corr1d_wrongs)
    cases += _numeric_cases(_integer_pairs(INTEGER_PAIRS_1D, N_INTEGER_CASES), _full_corr,
                            _corr1d_wrongs, INTEGERS)
    return _judge_arrays(corr1d_full, "corr1d_full", cases, SYMBOLIC_PAIRS_1D, corr_loops,
                         _corr1d_wrongs, _hint_1d(CORR_SHAPES), ON_CONV1D)


# -- 2-D full convolution -----------------------------------------------------------------

FIXED_2D = [((4, 5), (2, 3), 21), ((1, 1), (1, 1), 22), ((1, 4), (3, 1), 23),
            ((3, 3), (3, 3), 24), ((6, 2), (2, 5), 25)]
PAIRS_2D = st.tuples(dims(1, 7), dims(1, 7), dims(1, 7), dims(1, 7), seeds)
INTEGER_PAIRS_2D = st.tuples(dims(1, 9), dims(1, 9), dims(1, 9), dims(1, 9), seeds)


def test_conv2d_full(conv2d_full):
    """Full 2-D convolution: on floats and integers against convref in both orders, then
    F * G = G * F on symbols for six pairs of shapes."""
    cases = _numeric_cases(_float_pairs(PAIRS_2D, FIXED_2D, N_CASES), _full_conv, _conv2d_wrongs)
    cases += _numeric_cases(_integer_pairs(INTEGER_PAIRS_2D, N_INTEGER_CASES), _full_conv,
                            _conv2d_wrongs, INTEGERS)
    return _judge_arrays(conv2d_full, "conv2d_full", cases, SYMBOLIC_SHAPES_2D, conv2d_loops,
                         _conv2d_wrongs, _hint_2d)


# -- the change of index a -> i - b -----------------------------------------------------------

NOT_A_SUM = Misconception(
    "not_an_unevaluated_sum", "expected an unevaluated sympy Sum: build it with "
    "sympy.Sum(expr, (b, lower, upper)) and do not call .doit()")
SUMMAND_ONLY = Misconception(
    "summand_without_sum", "return a sympy Sum (the summand together with its index and "
    "limits), not just the summand: sympy.Sum(expr, (b, lower, upper)).")
SUM_UNCHANGED = Misconception(
    "sum_unchanged", "this is S itself: S.subs(a, ...) leaves a sum unchanged, since a is the "
    "sum's own (bound) index. Build a new Sum from S.function, with a replaced by i - b, and "
    "the new limits")
RENAMED_ONLY = Misconception(
    "index_renamed_only", "the summand is the old one with a merely renamed: substitute "
    "a = i - b, so that f[a] g[i - a] becomes f[i - b] g[b]")
SIGN = Misconception(
    "substitution_sign", "a sign is wrong in the substitution: the new index is b = i - a, so "
    "a = i - b (not i + b or b - i); f[a] g[i - a] becomes f[i - b] g[b], and as a runs from lo "
    "to hi, b runs from i - hi to i - lo")
SUMMAND_NOT_FROM_S = Misconception(
    "summand_not_read_from_S", "build the summand from S itself (S.function, with a replaced by "
    "i - b): the grader also sends sums with other names and with sympy functions u(a) v(i - a)")
SWAPPED_LIMITS = Misconception(
    "limits_swapped", "the limits are in the wrong order: as a goes up from lo to hi, b = i - a "
    "goes down from i - lo to i - hi, so the new sum runs from i - hi (lower) to i - lo (upper). "
    "A sympy Sum whose lower limit is above its upper limit is not the same sum read backwards")
LIMITS_UNCHANGED = Misconception(
    "limits_unchanged", "the limits still describe a: as a runs from lo to hi, the new index "
    "b = i - a runs from i - hi to i - lo")
OFF_BY_ONE = Misconception(
    "limit_off_by_one", "a limit is off by one: as a runs from lo to hi (both included), "
    "b = i - a runs from i - hi to i - lo, both included")
LIMITS_NOT_FROM_S = Misconception(
    "limits_not_read_from_S", "read lo and hi from the sum itself (a, lo, hi = S.limits[0]); "
    "b = i - a then runs from i - hi to i - lo. The grader also sends sums with other names "
    "and with limits such as -K..K or numbers")
SUMMAND_MISCONCEPTIONS = (NOT_A_SUM, SUM_UNCHANGED, RENAMED_ONLY, SIGN, SUMMAND_NOT_FROM_S)
LIMIT_MISCONCEPTIONS = (NOT_A_SUM, SUMMAND_ONLY, SUM_UNCHANGED, SWAPPED_LIMITS, LIMITS_UNCHANGED,
                        SIGN, OFF_BY_ONE, LIMITS_NOT_FROM_S)
BY_KEY = {m.key: m for m in SUMMAND_MISCONCEPTIONS + LIMIT_MISCONCEPTIONS}


def _integer(name):
    return sympy.Symbol(name, integer=True)


def _index_cases():
    """``(S, i, b, about, values)``: the sum to transform, its output index, the new index the
    student is asked to use, a description, and concrete values for the other free symbols.
    The notebook's own sum comes first; the others have the same shapes (functions u(k)v(j-k),
    a symmetric range, numbers as limits) but names and limits fresh for every submission, so
    no table of answers recorded from an earlier run fits them."""
    rng = fresh_rng("change of index")
    pick = lambda pool, n: [str(c) for c in rng.choice(list(pool), size=n, replace=False)]  # noqa: E731
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
    names = lambda *xs: ", ".join(map(str, xs))  # noqa: E731
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


def _names(expr) -> set:
    """The names of the symbols, indexed arrays and undefined functions in ``expr``."""
    return {str(s) for s in expr.free_symbols if isinstance(s, sympy.Symbol)} | \
        {str(e.func) for e in expr.atoms(sympy.core.function.AppliedUndef)}


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


def _is(key):
    return ("matches", (key,))


def _summand_verdict(expr, var, S, i):
    """What the summand ``expr`` (over the index ``var``) is: the right one, a misconception's,
    or the reason why not (evaluates: worker side)."""
    term, a = S.function, S.limits[0][0]
    d = sympy.Dummy("d", integer=True)
    summand = expr.xreplace({var: d})
    if _same(summand, term.xreplace({a: i - d})):
        return _is(EXPECTED)
    if _same(summand, term.xreplace({a: d})):
        return _is(RENAMED_ONLY.key)
    if _same(summand, term.xreplace({a: i + d})) or _same(summand, term.xreplace({a: d - i})):
        return _is(SIGN.key)
    if _names(summand) - _names(term) - {str(i), str(d)}:
        return _is(SUMMAND_NOT_FROM_S.key)
    return ("text", "the summand must be the old summand with a replaced by i - b (for the "
            "convolution sum: f[i - b] g[b], one term of g * f)")


def _limits_verdict(total, S, i):
    """What the limits of the one-index Sum ``total`` are, as :func:`_summand_verdict`."""
    (_, lo, hi), (var, low, high) = S.limits[0], total.limits[0]
    if var in low.free_symbols or var in high.free_symbols:
        return ("text", "the limits of the new sum must not contain its own index")
    want_low, want_high = i - hi, i - lo
    if _same(low, want_low) and _same(high, want_high):
        return _is(EXPECTED)
    if _same(low, want_high) and _same(high, want_low):
        return _is(SWAPPED_LIMITS.key)
    if _same(low, lo) and _same(high, hi):
        return _is(LIMITS_UNCHANGED.key)
    if _same(low, -want_high) and _same(high, -want_low):
        return _is(SIGN.key)
    if any(_same(low - want_low, e) for e in (1, -1)) or \
            any(_same(high - want_high, e) for e in (1, -1)):
        return _is(OFF_BY_ONE.key)
    if (_names(low) | _names(high)) - _names(S) - {str(i)}:
        return _is(LIMITS_NOT_FROM_S.key)
    return ("text", "the new limits are wrong: read lo and hi from the sum itself "
            "(S.limits[0] is (a, lo, hi)); b = i - a then runs from i - hi to i - lo")


def _index_verdict(got, S, i, b, values=None):
    """``(summand, limits)``: what ``got`` is as S written over the index b = i - a, for each
    credit group: ``("matches", (key,))`` (:data:`EXPECTED` or a misconception's key) or
    ``("text", reason)``. With ``values`` (concrete values for the free symbols other than
    i), a sum right in form is also added up at those values and at several i (evaluates:
    worker side)."""
    term, (a, lo, hi) = S.function, S.limits[0]
    total = _as_single_sum(got) if isinstance(got, sympy.Basic) else None
    if total is None:
        if isinstance(got, sympy.Basic) and not got.has(sympy.Sum) and b in got.free_symbols:
            return _summand_verdict(got, b, S, i), _is(SUMMAND_ONLY.key)
        return _is(NOT_A_SUM.key), _is(NOT_A_SUM.key)
    if len(total.limits) != 1 or len(total.limits[0]) != 3:
        reason = ("text", "expected a Sum over exactly one index, with both limits: "
                  "Sum(expr, (b, lower, upper))")
        return reason, reason
    var, low, high = total.limits[0]
    if var == a and _same(total.function, term) and _same(low, lo) and _same(high, hi):
        return _is(SUM_UNCHANGED.key), _is(SUM_UNCHANGED.key)
    summand, limits = _summand_verdict(total.function, var, S, i), _limits_verdict(total, S, i)
    if summand == limits == _is(EXPECTED) and values is not None:
        symbols = list(values)
        for combo in itertools.product([-1, 0, 3], *values.values()):
            subs = {i: combo[0], **dict(zip(symbols, combo[1:]))}
            if not _same(got.xreplace(subs).doit(), _evaluate(S.xreplace(subs))):
                return summand, ("text", "evaluated with .doit() for concrete sizes and output "
                                 "positions, the new sum differs from the original one")
    return summand, limits


def _reduce_sums(items):
    """:func:`_index_verdict` of each ``(got, S, i, b, values)``. Runs in the symbolic worker."""
    return [_index_verdict(*item) for item in items]


def _index_inspect(case, got):
    """The reason a reduced answer of change_of_index gives by itself."""
    kind = got[0] if isinstance(got, tuple) and got else None
    if kind == "raised":
        return f"it raised {got[1]}"
    if kind == "text":
        return got[1]
    if kind == "matches" and got[1] and got[1][0] in BY_KEY:
        return BY_KEY[got[1][0]].message
    return "the answer differs from the correct one"


def test_change_of_index(change_of_index):
    """``change_of_index(S, i, b)``: S = Sum(term, (a, lo, hi)) rewritten over b = i - a.

    Checked structurally (summand and limits, up to the name of the index, the order of the
    factors and sympy's reversed-limits convention) and by value: for concrete sizes and
    output positions, ``.doit()`` of the result equals S added up term by term."""
    name = "change_of_index"
    sums = _index_cases()
    calls = [Case((S, i, b), about=about) for S, i, b, about, _values in sums]
    results = call_student(change_of_index, name, calls, INDEX_GROUPS, symbolic=True)
    if isinstance(results, Judgement):
        return finish(results)
    if all(is_blank(r) for r in results):
        return finish(everything_failed(name, INDEX_GROUPS, UNANSWERED.message.format(name=name),
                                        UNANSWERED.key))
    todo = [(got, S, i, b, values) for (S, i, b, _about, values), got in zip(sums, results)
            if not isinstance(got, StudentError)]
    try:
        reduced = iter(_in_worker(_reduce_sums, todo) if todo else ())
    except symbolic.Refused as refused:
        return finish(everything_failed(name, INDEX_GROUPS,
                                        f"{name} could not be checked: {refused}"))
    cases, answers = [], []
    for (S, i, b, about, _values), got in zip(sums, results):
        raised = isinstance(got, StudentError)
        verdicts = (("raised", str(got)),) * 2 if raised else next(reduced)
        for group, verdict, misconceptions in zip((SUMMAND, LIMITS), verdicts,
                                                  (SUMMAND_MISCONCEPTIONS, LIMIT_MISCONCEPTIONS)):
            wrong = {} if raised else {m: m.key for m in misconceptions}
            cases.append(Case((S, i, b), EXPECTED, about, group=group, wrong=wrong, same=_holds))
            answers.append(verdict)
    return finish(evaluate(_Answers(answers), name, cases, INDEX_GROUPS, inspect=_index_inspect))
