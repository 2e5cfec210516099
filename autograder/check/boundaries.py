"""Hidden checks of the assignment ``boundaries``: one function per test cell.

Each ``test_<name>(<name>)`` builds its cases (``convref`` or a brute-force oracle written
here on hypothesis cases drawn fresh for each submission, among fixed cases that isolate the
chapter's misconceptions: non-square images, even and asymmetric kernels, size-1 edges,
padding wider than the kernel, integer images) and hands them to the verdict engine
(:func:`convgrade.verdict.judge`), which names the misconception a wrong answer shows and
gives partial credit by the credit groups below.

Credit groups and their weights, per function:

* ``output_size``: values 3, Python int 1, ValueError 1.
* ``pad2d``: one group per mode (zeros, reflect, replicate, circular) 1 each, ValueError 1.
* ``corr2d_pad``: valid padding 1, 'same' and 'full' 2, int and (ph, pw) padding 1,
  padding modes 2, integer images 1, ValueError 1.
* ``border_mask``: named paddings ('valid', 'same', 'full') 2, int and (ph, pw) padding 1.
* ``equivariance_error``: zeros padding 2, other padding modes 2, integer images 1.
* ``border_fraction``: values 3, kernel larger than the image 1.

A ``corr2d_pad`` built on the student's ``pad2d`` and an ``equivariance_error`` built on the
student's ``corr2d_pad`` are charged only for their own mistakes (:class:`Depends`).
"""
from __future__ import annotations

import numbers
from functools import partial

import numpy as np
from hypothesis import strategies as st

import convref

from ..cases import dims, draw, int_array, rng_array, seeds, shapes_of
from ..verdict import (ERRORS, PYTHON_INT, TRUNCATED, VALUES, Alternatives, Case, Depends,
                       Misconception, is_python_int, judge, must_raise,
                       with_truncated)

N_CASES = 25
MODES = ("zeros", "reflect", "replicate", "circular")
SHORTCUT = ("{name} calls {calls}, a library convolution. This task asks you to write it "
            "yourself (numpy slicing, np.pad, einsum, tensordot, stride tricks and numpy.fft are "
            "all fine).")
INTEGERS = "integer images"


# -- misconceptions shared by several functions ----------------------------------------------

REFLECT_REPEATS_EDGE = Misconception(
    "reflect_repeats_edge", "reflect mirrors WITHOUT repeating the edge pixel ([1 2 3] -> "
    "3 2 | 1 2 3 | 2 1); this repeats it, which is numpy's mode 'symmetric'")
CIRCULAR_WRONG_SIDE = Misconception(
    "circular_wrong_side", "circular padding wraps around: the rows added at the top come from "
    "the BOTTOM of the image (and the columns on the left from its right side)")
MODE_IGNORED = Misconception(
    "mode_ignored", "the mode is ignored: 'reflect', 'replicate' and 'circular' must not fill "
    "the border with zeros")
SAME_LARGER_FIRST = Misconception(
    "same_larger_half_first", "'same' puts the SMALLER half of the padding first: (k-1)//2 rows "
    "above and k//2 below (PyTorch's rule, which scipy.signal.correlate2d follows too); this "
    "pads the larger half first, as scipy.signal.correlate, scipy.ndimage.correlate and "
    "np.correlate do, which only differs for even kernels")
SAME_HALF_BOTH = Misconception(
    "same_half_kernel_both_sides", "with 'same', padding k//2 on both sides is one row or column "
    "too many for an even kernel: pad (k-1)//2 before and k//2 after")


# -- output sizes ----------------------------------------------------------------------------

OUTPUT_SIZE_GROUPS = {VALUES: 3, PYTHON_INT: 1, ERRORS: 1}

COUNT_ONE_SHORT = Misconception(
    "count_one_short", "one short: there are (n + 2p - span) // stride + 1 window positions "
    "(count the first one too)")
DILATION_IGNORED = Misconception(
    "dilation_ignored", "the dilation is ignored: a kernel of k taps with dilation d spans "
    "d*(k-1) + 1 pixels")
SPAN_DILATION_TIMES_K = Misconception(
    "span_dilation_times_k", "a dilated kernel spans dilation*(k-1) + 1 pixels, not dilation*k")
ROUNDS_UP = Misconception(
    "rounds_up", "this rounds up: a window that would stick out past the end does not count, "
    "so round the division DOWN")
PADDING_ONCE = Misconception(
    "padding_one_side", "the padding goes on BOTH sides: the padded length is n + 2*padding")
TRUE_DIVISION = Misconception(
    "true_division", "use floor division (//): the number of positions is a whole number")
STRIDE_DIVIDES_LENGTH = Misconception(
    "stride_divides_padded_length", "the stride divides the number of steps, (n + 2p - span), "
    "not the padded length itself")
def _out(n, k, p=0, s=1, d=1):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _size_about(n, k, p, s, d):
    return f"n={n}, k={k}, padding={p}, stride={s}, dilation={d}"


def _size_wrongs(n, k, p, s, d):
    """The answers each misconception of the output size gives."""
    span, total = d * (k - 1) + 1, n + 2 * p
    return {
        COUNT_ONE_SHORT: _out(n, k, p, s, d) - 1,
        DILATION_IGNORED: _out(n, k, p, s, 1),
        SPAN_DILATION_TIMES_K: (total - d * k) // s + 1,
        ROUNDS_UP: -(-(total - span) // s) + 1,
        PADDING_ONCE: (n + p - span) // s + 1,
        TRUE_DIVISION: (total - span) / s + 1,
        STRIDE_DIVIDES_LENGTH: total // s - span + 1 if s > 1 else None,
    }


def test_output_size(output_size):
    """floor((n + 2p - d(k-1) - 1)/s) + 1 against convref.output_shape, as a Python int;
    ValueError when the dilated kernel is longer than the padded input."""
    # fixed cases tell mistakes apart: with dilation 3 a span of dilation*k is two short
    # of "one short", with padding 2 padding one side only is two short; (6, 3) with dilation
    # 3 does not fit although its 3 taps would
    fixed = [(5, 3, 0, 1, 1), (7, 3, 1, 2, 1), (8, 3, 1, 2, 1), (10, 3, 0, 1, 2), (1, 1, 0, 1, 1),
             (4, 4, 0, 1, 1), (6, 2, 0, 4, 1), (3, 5, 1, 1, 1), (28, 5, 2, 3, 2), (2, 7, 0, 1, 1),
             (13, 4, 1, 1, 3), (9, 3, 2, 1, 1), (6, 3, 0, 1, 3)]
    strategy = st.tuples(dims(1, 40), dims(1, 9), st.integers(0, 5), dims(1, 5), dims(1, 3))
    fits, misfits = [], []
    for n, k, p, s, d in fixed + draw(strategy, 60):
        (fits if d * (k - 1) + 1 <= n + 2 * p else misfits).append((n, k, p, s, d))
    cases = []
    for n, k, p, s, d in fits[:N_CASES + 5]:
        (want,) = convref.output_shape((n,), (k,), s, p, d)
        # the value, whatever its type: the Python int group judges the type
        cases.append(Case((n, k), float(want), _size_about(n, k, p, s, d),
                          kwargs={"padding": p, "stride": s, "dilation": d},
                          wrong=_size_wrongs(n, k, p, s, d)))
    # the defaults padding=0, stride=1, dilation=1
    cases.append(Case((9, 4), 6.0, "n=9, k=4 with the default padding, stride and dilation",
                      wrong=_size_wrongs(9, 4, 0, 1, 1)))
    # the type, on cases where the kernel fits without padding (so that no mistake of the
    # padding rule raises there)
    for n, k, p, s, d in [(10, 3, 0, 3, 1), (9, 4, 0, 1, 1), (13, 4, 1, 1, 3), (20, 3, 2, 2, 2)]:
        cases.append(Case((n, k), _out(n, k, p, s, d), _size_about(n, k, p, s, d),
                          group=PYTHON_INT, kwargs={"padding": p, "stride": s, "dilation": d},
                          same=is_python_int))
    why = "the kernel does not fit in the padded input"
    for n, k, p, s, d in misfits[:8]:
        cases.append(must_raise((n, k), _size_about(n, k, p, s, d), why,
                                kwargs={"padding": p, "stride": s, "dilation": d}))
    cases.append(must_raise((3, 4), "n=3, k=4 with the default padding, stride and dilation", why))
    return judge(output_size, "output_size", cases, OUTPUT_SIZE_GROUPS)


# -- padding ---------------------------------------------------------------------------------

PAD_GROUPS = {**{f"mode {m!r}": 1 for m in MODES}, ERRORS: 1}

REPLICATE_MIRRORS = Misconception(
    "replicate_mirrors", "replicate repeats the edge pixel itself ([1 2 3] -> 1 1 | 1 2 3 | 3 3); "
    "this mirrors the image")
PAD_AXES_SWAPPED = Misconception(
    "pad_axes_swapped", "the axes are swapped: pad = ((top, bottom), (left, right)), the first "
    "pair for the rows, the second for the columns")
BEFORE_AFTER_SWAPPED = Misconception(
    "before_after_swapped", "before and after are swapped: in each pair the first number pads "
    "the top (or left), the second the bottom (or right)")
PADS_BEFORE_ONLY = Misconception(
    "pads_before_only", "every pair pads both sides: the second number adds rows at the bottom "
    "(or columns on the right)")
PADS_AFTER_ONLY = Misconception(
    "pads_after_only", "every pair pads both sides: the first number adds rows at the top (or "
    "columns on the left)")
INT_PADS_ONE_AXIS = Misconception(
    "int_pads_one_axis", "an int pads all four sides: rows above and below AND columns left "
    "and right")


def _pairs_of(pad):
    if isinstance(pad, numbers.Integral):
        return ((pad, pad), (pad, pad))
    return tuple(tuple(p) for p in pad)


_NUMPY_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap",
               "symmetric": "symmetric"}


def _np_pad(X, pairs, mode):
    """What numpy's np.pad gives for ``mode``; unlike convref.pad it accepts reflect or wrap
    padding longer than the image (mistaken answers often go there)."""
    return np.pad(X, pairs, _NUMPY_MODE[mode])


def _wrap_wrong_side(X, pairs):
    """'circular' that copies each side's own edge rows instead of the opposite side's."""
    (t, b), (l, r) = pairs
    X = np.concatenate([X[:t], X, X[X.shape[0] - b:]], axis=0)
    return np.concatenate([X[:, :l], X, X[:, X.shape[1] - r:]], axis=1)


def _pad_allowed(shape, pairs, mode):
    if mode == "reflect":
        return all(max(p) < n for p, n in zip(pairs, shape))
    if mode == "circular":
        return all(max(p) <= n for p, n in zip(pairs, shape))
    return True


def _pad_wrongs(X, pad, mode):
    """Misconceptions for padding X by ``pad`` in ``mode`` (answers of the padded array)."""
    pairs = _pairs_of(pad)
    (t, b), (l, r) = pairs
    wrong = {}
    if mode == "reflect":
        wrong[REFLECT_REPEATS_EDGE] = _np_pad(X, pairs, "symmetric")
    if mode == "circular":
        wrong[CIRCULAR_WRONG_SIDE] = _wrap_wrong_side(X, pairs)
    if mode == "replicate":
        wrong[REPLICATE_MIRRORS] = Alternatives((_np_pad(X, pairs, "reflect"),
                                                 _np_pad(X, pairs, "symmetric")))
    if mode != "zeros":
        wrong[MODE_IGNORED] = _np_pad(X, pairs, "zeros")
    swapped = ((l, r), (t, b))
    if swapped != pairs:
        wrong[PAD_AXES_SWAPPED] = _np_pad(X, swapped, mode)
    flipped = ((b, t), (r, l))
    if flipped != pairs:
        wrong[BEFORE_AFTER_SWAPPED] = _np_pad(X, flipped, mode)
    if b or r:
        wrong[PADS_BEFORE_ONLY] = _np_pad(X, ((t, 0), (l, 0)), mode)
    if t or l:
        wrong[PADS_AFTER_ONLY] = _np_pad(X, ((0, b), (0, r)), mode)
    if isinstance(pad, numbers.Integral) and pad:
        wrong[INT_PADS_ONE_AXIS] = Alternatives((_np_pad(X, ((pad, pad), (0, 0)), mode),
                                                 _np_pad(X, ((0, 0), (pad, pad)), mode)))
    return wrong


def _pad_cases():
    """``(X, pad, mode)``: every mode on an int pad and on uneven pairs, integer images in
    every mode, size-1 images, padding as large as the image."""
    fixed = [((2, 3), 1, "zeros", 0), ((2, 3), 1, "reflect", 1), ((2, 3), 1, "replicate", 2),
             ((2, 3), 1, "circular", 3), ((3, 4), ((1, 0), (0, 2)), "zeros", 4),
             ((4, 5), ((2, 1), (0, 3)), "reflect", 5), ((5, 3), ((0, 2), (1, 2)), "circular", 6),
             ((1, 4), ((0, 0), (2, 3)), "reflect", 7), ((1, 1), 3, "replicate", 8),
             ((3, 3), ((2, 0), (1, 0)), "replicate", 9), ((4, 6), 0, "circular", 10),
             ((6, 4), ((3, 1), (2, 0)), "circular", 11), ((6, 7), 2, "zeros", 12)]
    integer = [((3, 4), ((1, 2), (2, 0)), mode, 13 + i) for i, mode in enumerate(MODES)]
    pad_strategy = st.one_of(st.integers(0, 4), st.tuples(st.tuples(st.integers(0, 4), st.integers(0, 4)),
                                                          st.tuples(st.integers(0, 4), st.integers(0, 4))))
    drawn = draw(st.tuples(st.tuples(dims(1, 7), dims(1, 7)), pad_strategy, st.sampled_from(MODES), seeds)
                 .filter(lambda c: _pad_allowed(c[0], _pairs_of(c[1]), c[2])), N_CASES)
    return ([(rng_array(s, shape), pad, mode) for shape, pad, mode, s in fixed + drawn]
            + [(int_array(s, shape), pad, mode) for shape, pad, mode, s in integer])


def _pad_hint(case, shape):
    X, pad = case.args
    (t, b), (l, r) = _pairs_of(pad)
    h, w = X.shape
    if shape == (h + l + r, w + t + b) and (t + b != l + r):
        return PAD_AXES_SWAPPED
    if shape == (h + t, w + l) and (b or r):
        return PADS_BEFORE_ONLY
    if shape == (h + b, w + r) and (t or l):
        return PADS_AFTER_ONLY
    return f"output shape {shape}, expected (H + top + bottom, W + left + right) = {case.expected.shape}"


def test_pad2d(pad2d):
    """Each mode against convref.pad, on int and ((top, bottom), (left, right)) paddings and
    integer images; the default mode is zeros; ValueError for an unknown mode and for reflect
    padding as large as the image."""
    cases = []
    for X, pad, mode in _pad_cases():
        want = convref.pad(X, _pairs_of(pad), mode)
        kind = "integer image" if X.dtype.kind in "iu" else "image"
        kwargs = {} if mode == "zeros" and len(cases) % 2 else {"mode": mode}
        about = f"a {shapes_of(X)} {kind}, pad={pad!r}, mode={mode!r}"
        cases.append(Case((X, pad), want, about + ("" if kwargs else " (mode left at its default)"),
                          group=f"mode {mode!r}", kwargs=kwargs, wrong=_pad_wrongs(X, pad, mode)))
    too_big = "reflect padding must be smaller than the axis it pads"
    cases += [must_raise((np.ones((3, 4)), 1), "mode='mirror'", "only the four modes exist",
                         kwargs={"mode": "mirror"}),
              must_raise((np.ones((3, 4)), ((0, 0), (4, 0))),
                         "a 3x4 image with reflect padding of 4 columns on the left", too_big,
                         kwargs={"mode": "reflect"}),
              must_raise((np.ones((2, 5)), 2), "a 2x5 image with reflect padding 2", too_big,
                         kwargs={"mode": "reflect"}),
              must_raise((np.ones((3, 4)), ((0, 5), (0, 0))),
                         "a 3x4 image with reflect padding of 5 rows at the bottom", too_big,
                         kwargs={"mode": "reflect"})]
    return judge(pad2d, "pad2d", cases, PAD_GROUPS, shape_hint=_pad_hint)


# -- padded cross-correlation -----------------------------------------------------------------

VALID = "valid padding"
NAMED = "'same' and 'full'"
NUMBERS = "int and (ph, pw) padding"
PADDING_MODES = "padding modes"
CORR_GROUPS = {VALID: 1, NAMED: 2, NUMBERS: 1, PADDING_MODES: 2, INTEGERS: 1, ERRORS: 1}

FULL_PADS_K = Misconception(
    "full_pads_k", "'full' pads k-1 rows and columns on each side (every position where kernel "
    "and image overlap at least one pixel), not k")
PAIR_SWAPPED = Misconception(
    "padding_pair_swapped", "padding=(ph, pw) pads ph rows above and below and pw columns left "
    "and right; these are swapped")
PADDING_ALL_AFTER = Misconception(
    "padding_all_after", "the padding must go on both sides: this puts all of it after (at the "
    "bottom and the right)")
PADDING_BEFORE_ONLY = Misconception(
    "padding_before_only", "the padding must go on both sides: this adds only the rows and "
    "columns that belong before the image")
INT_PADDING_ONCE = Misconception(
    "int_padding_one_side", "an int padding p adds p rows and columns on EVERY side (2p per axis)")
KERNEL_FLIPPED = Misconception(
    "kernel_flipped", "the kernel is flipped: corr2d_pad is a cross-correlation, K[a, b] "
    "multiplies the padded X[i + a, j + b]")


def _resolve(padding, kh, kw):
    """((top, bottom), (left, right)) of corr2d_pad's ``padding`` for a (kh, kw) kernel."""
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "same":
        return (((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2))
    if padding == "full":
        return ((kh - 1, kh - 1), (kw - 1, kw - 1))
    if isinstance(padding, numbers.Integral):
        return ((padding, padding), (padding, padding))
    ph, pw = padding
    return ((ph, ph), (pw, pw))


def _padded_corr(X, K, pairs, mode="zeros", pad=None):
    """Valid correlation of X padded by ``pairs`` (None when the kernel does not fit)."""
    Xp = (pad or _np_pad)(X, pairs, mode)
    if any(k > n for k, n in zip(K.shape, Xp.shape)):
        return None
    return convref.correlate(Xp, K)


def _corr_ok(c):
    shape, (kh, kw), padding, mode = c[:4]
    pairs = _resolve(padding, kh, kw)
    fits = all(n + a + b >= k for n, (a, b), k in zip(shape, pairs, (kh, kw)))
    return fits and _pad_allowed(shape, pairs, mode)


def _corr_group(padding, mode):
    if padding == "valid":
        return VALID
    if mode != "zeros":
        return PADDING_MODES
    return NAMED if padding in ("same", "full") else NUMBERS


def _corr_cases():
    """``(X, K, padding, mode, group)``. Integer images (with float kernels) take 'valid'
    padding, 'same' with odd kernels and zeros, so that only the correlation itself and the
    type of its output decide that group."""
    fixed = [((3, 3), (2, 2), "valid", "zeros", 0), ((3, 3), (2, 2), "same", "zeros", 1),
             ((3, 3), (2, 2), "full", "zeros", 2), ((3, 3), (2, 2), "same", "circular", 3),
             ((5, 6), (3, 2), "same", "reflect", 4), ((4, 7), (2, 4), "same", "replicate", 5),
             ((6, 5), (4, 3), "full", "zeros", 6), ((5, 5), (3, 3), (2, 1), "zeros", 7),
             ((4, 6), (1, 3), (0, 2), "circular", 8), ((1, 6), (1, 3), "same", "reflect", 9),
             ((6, 1), (2, 1), "same", "zeros", 10), ((5, 4), (3, 3), 1, "replicate", 11),
             ((2, 2), (4, 4), "same", "zeros", 12), ((7, 5), (2, 2), "same", "reflect", 13),
             ((6, 6), (2, 2), "same", "circular", 14), ((4, 5), (3, 2), "full", "replicate", 15),
             ((5, 7), (3, 2), "valid", "reflect", 16), ((4, 4), (4, 4), "valid", "zeros", 17),
             ((1, 5), (1, 2), "valid", "circular", 18), ((4, 6), (2, 3), 1, "zeros", 19),
             ((3, 5), (2, 2), (1, 0), "zeros", 20), ((6, 4), (3, 3), (0, 2), "zeros", 21),
             ((3, 4), (2, 2), 0, "zeros", 22)]
    padding = st.one_of(st.sampled_from(["valid", "same", "full"]), st.integers(0, 3),
                        st.tuples(st.integers(0, 3), st.integers(0, 3)))
    drawn = draw(st.tuples(st.tuples(dims(1, 8), dims(1, 8)), st.tuples(dims(1, 5), dims(1, 5)), padding,
                           st.sampled_from(MODES), seeds).filter(_corr_ok), N_CASES)
    cases = [(rng_array(s, xs), rng_array(s + 1, ks), p, m, _corr_group(p, m))
             for xs, ks, p, m, s in fixed + drawn]
    integer = [((4, 5), (2, 3), "valid", 30), ((5, 6), (3, 3), "same", 31),
               ((6, 4), (3, 1), "same", 32), ((3, 3), (1, 1), "valid", 33)]
    cases += [(int_array(s, xs), rng_array(s + 1, ks), p, "zeros", INTEGERS)
              for xs, ks, p, s in integer]
    return cases


def _corr_wrongs(X, K, padding, mode):
    kh, kw = K.shape
    pairs = _resolve(padding, kh, kw)
    (t, b), (l, r) = pairs
    wrong = {}

    def add(misconception, new_pairs, new_mode=mode, pad=None):
        answer = _padded_corr(X, K, new_pairs, new_mode, pad)
        if answer is not None:
            wrong.setdefault(misconception, answer)

    if padding == "same":
        add(SAME_LARGER_FIRST, ((kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2)))
        add(SAME_HALF_BOTH, ((kh // 2, kh // 2), (kw // 2, kw // 2)))
    if padding == "full":
        add(FULL_PADS_K, ((kh, kh), (kw, kw)))
    if isinstance(padding, tuple) and padding[0] != padding[1]:
        add(PAIR_SWAPPED, ((padding[1], padding[1]), (padding[0], padding[0])))
    if b or r:
        add(PADDING_ALL_AFTER, ((0, t + b), (0, l + r)))
        add(PADDING_BEFORE_ONLY, ((t, 0), (l, 0)))
    if mode == "reflect":
        add(REFLECT_REPEATS_EDGE, pairs, "symmetric")
    if mode == "circular":
        add(CIRCULAR_WRONG_SIDE, pairs, pad=lambda x, p, m: _wrap_wrong_side(x, p))
    if mode != "zeros":
        add(MODE_IGNORED, pairs, "zeros")
    flipped = _padded_corr(X, K[::-1, ::-1], pairs, mode)
    if flipped is not None:
        wrong[KERNEL_FLIPPED] = flipped
    return wrong


def _corr_about(X, K, padding, mode):
    kind = "integer image" if X.dtype.kind in "iu" else "image"
    return f"a {shapes_of(X)} {kind} with a {shapes_of(K)} kernel, padding={padding!r}, mode={mode!r}"


def _corr_hint(case, shape):
    X, K = case.args
    padding = case.kwargs.get("padding", "valid")
    (h, w), (kh, kw) = X.shape, K.shape
    if padding == "same":
        return f"'same' keeps the image's shape: expected {X.shape}"
    if padding == "full" and shape == (h + kh + 1, w + kw + 1):
        return FULL_PADS_K
    if padding == "full" and shape == (h, w):
        return "'full' is larger than the image: (H + KH - 1, W + KW - 1)"
    if isinstance(padding, tuple) and shape == (h + 2 * padding[1] - kh + 1, w + 2 * padding[0] - kw + 1):
        return PAIR_SWAPPED
    if isinstance(padding, numbers.Integral) and padding and \
            shape == (h + padding - kh + 1, w + padding - kw + 1):
        return INT_PADDING_ONCE
    return None


def _pad2d_of(case):
    """The call of pad2d a corr2d_pad built on it makes for ``case``."""
    X, K = case.args
    padding = case.kwargs.get("padding", "valid")
    mode = case.kwargs.get("mode", "zeros")
    return [((X, _resolve(padding, *K.shape), mode), {})]


def _correlate_padded(case, results):
    """The valid correlation of the padded image a pad2d returned with the case's kernel."""
    try:
        return convref.correlate(np.asarray(results[0], dtype=float), case.args[1])
    except Exception:  # noqa: BLE001 - a padded image the kernel does not fit: no excuse
        return None


def test_corr2d_pad(corr2d_pad):
    """Valid/same/full/int/(ph, pw) padding in four modes against convref.conv, integer
    images; defaults padding='valid', mode='zeros'; ValueError when the kernel does not fit in
    the padded image. A corr2d_pad built on the student's pad2d is charged only for its own
    mistakes."""
    cases = []
    for index, (X, K, padding, mode, group) in enumerate(_corr_cases()):
        Xf = X.astype(float)
        want = convref.conv(Xf[None], K[None, None], padding=padding, padding_mode=mode)[0]
        magnitude = convref.conv(np.abs(Xf)[None], np.abs(K)[None, None], padding=padding,
                                 padding_mode=mode)[0]
        if index == 0:
            kwargs, about = {}, f"a {shapes_of(X)} image with a {shapes_of(K)} kernel and the defaults"
        else:
            kwargs, about = {"padding": padding, "mode": mode}, _corr_about(X, K, padding, mode)
        cases.append(Case((X, K), want, about, group=group, kwargs=kwargs, magnitude=magnitude,
                          wrong=partial(with_truncated, _corr_wrongs, Xf, K, padding, mode,
                                        want=want if group == INTEGERS else None)))
    why = "the kernel does not fit in the padded image"
    cases += [must_raise((rng_array(101, (3, 5)), rng_array(102, (4, 2))),
                         "a 3x5 image with a 4x2 kernel and padding='valid'", why),
              must_raise((rng_array(103, (4, 2)), rng_array(104, (2, 3))),
                         "a 4x2 image with a 2x3 kernel and padding='valid'", why,
                         kwargs={"padding": "valid"}),
              must_raise((rng_array(105, (2, 2)), rng_array(106, (5, 5))),
                         "a 2x2 image with a 5x5 kernel and padding=1", why,
                         kwargs={"padding": 1, "mode": "zeros"})]
    on_pad2d = Depends("pad2d", _pad2d_of, _correlate_padded,
                       groups=(VALID, NAMED, NUMBERS, PADDING_MODES, INTEGERS))
    return judge(corr2d_pad, "corr2d_pad", cases, CORR_GROUPS, shape_hint=_corr_hint,
                 depends=on_pad2d, shortcut=SHORTCUT)


# -- which outputs read the border ------------------------------------------------------------

WORDS = "named paddings"            # 'valid', 'same' and 'full'
MASK_GROUPS = {WORDS: 2, NUMBERS: 1}

MASK_INVERTED = Misconception(
    "mask_inverted", "True must mark the outputs whose window reads padding; this marks the "
    "ones that only read the image")
MASK_LARGER_FIRST = Misconception(
    "same_larger_half_first", "'same' pads (k-1)//2 before and k//2 after (PyTorch's rule), so "
    "the border is (k-1)//2 rows thick at the top and k//2 at the bottom; this puts the thicker "
    "side first")
MASK_KERNEL_RADIUS = Misconception(
    "border_kernel_radius", "the border is as thick as the padding on that side, not k//2 rows "
    "and columns everywhere")
MASK_TOP_LEFT_ONLY = Misconception(
    "border_top_left_only", "the border runs along every side that has padding: this only marks "
    "the top and left")
MASK_BOTTOM_RIGHT_ONLY = Misconception(
    "border_bottom_right_only", "the border runs along every side that has padding: this only "
    "marks the bottom and right")
MASK_IMAGE_SHAPED = Misconception(
    "mask_image_shaped", "the mask has one entry per OUTPUT pixel: its shape is the output's "
    "(the shape corr2d_pad returns), not the image's")


def _mask_oracle(shape, kernel_shape, padding):
    """Brute force via convref: an all-ones image correlated with an all-ones kernel reaches
    KH*KW exactly where the window lies inside the image."""
    ones = convref.conv(np.ones((1,) + tuple(shape)), np.ones((1, 1) + tuple(kernel_shape)), padding=padding)[0]
    return ones < np.prod(kernel_shape) - 0.5


def _mask_of_widths(out_shape, pairs):
    """True on the first ``before`` and last ``after`` rows/columns of each axis."""
    (t, b), (l, r) = pairs
    oh, ow = out_shape
    rows, cols = np.arange(oh), np.arange(ow)
    return ((rows < t) | (rows >= oh - b))[:, None] | ((cols < l) | (cols >= ow - r))[None, :]


def _mask_cases():
    fixed = [((4, 5), (3, 3), "same"), ((4, 5), (2, 2), "same"), ((4, 5), (3, 3), "valid"),
             ((4, 5), (3, 3), "full"), ((6, 3), (4, 1), "same"), ((5, 7), (2, 3), 1),
             ((3, 8), (3, 2), (2, 0)), ((1, 1), (1, 1), "same"), ((2, 2), (5, 4), "same"),
             ((6, 6), (4, 4), "full"), ((7, 4), (2, 2), 3), ((5, 5), (1, 1), 2)]
    padding = st.one_of(st.sampled_from(["valid", "same", "full"]), st.integers(0, 3),
                        st.tuples(st.integers(0, 3), st.integers(0, 3)))
    drawn = draw(st.tuples(st.tuples(dims(1, 9), dims(1, 9)), st.tuples(dims(1, 5), dims(1, 5)), padding)
                 .filter(lambda c: _corr_ok(c + ("zeros",))), N_CASES)
    return fixed + drawn


def _mask_hint(case, shape):
    (h, w), _, _ = case.args
    if shape == (h, w) and case.expected.shape != (h, w):
        return MASK_IMAGE_SHAPED
    return None


def test_border_mask(border_mask):
    """The (OH, OW) boolean map of outputs whose window reads padding, against a brute-force
    convref oracle, for every padding word, ints and (ph, pw)."""
    cases = []
    for shape, kernel_shape, padding in _mask_cases():
        want = _mask_oracle(shape, kernel_shape, padding)
        kh, kw = kernel_shape
        pairs = _resolve(padding, kh, kw)
        wrong = {MASK_INVERTED: ~want if want.any() and not want.all() else None}
        if padding == "same":
            wrong[MASK_LARGER_FIRST] = _mask_of_widths(
                want.shape, ((kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2)))
        wrong[MASK_KERNEL_RADIUS] = _mask_of_widths(want.shape, ((kh // 2,) * 2, (kw // 2,) * 2))
        wrong[MASK_TOP_LEFT_ONLY] = _mask_of_widths(want.shape, ((pairs[0][0], 0), (pairs[1][0], 0)))
        wrong[MASK_BOTTOM_RIGHT_ONLY] = _mask_of_widths(want.shape, ((0, pairs[0][1]), (0, pairs[1][1])))
        group = WORDS if isinstance(padding, str) else NUMBERS
        cases.append(Case((tuple(shape), tuple(kernel_shape), padding), want,
                          f"a {shape[0]}x{shape[1]} image, a {kh}x{kw} kernel and padding={padding!r}",
                          group=group, wrong=wrong))
    return judge(border_mask, "border_mask", cases, MASK_GROUPS, shape_hint=_mask_hint,
                 shortcut=SHORTCUT)


# -- shift equivariance -----------------------------------------------------------------------

ZEROS = "zeros padding"
OTHER_MODES = "other padding modes"     # reflect, replicate and circular
EQUIVARIANCE_GROUPS = {ZEROS: 2, OTHER_MODES: 2, INTEGERS: 1}

SIGNED = Misconception(
    "signed_difference", "the error map is the ABSOLUTE difference |corr(shift(X)) - shift(corr(X))|")
OUTPUT_SHIFTED_BACK = Misconception(
    "output_shifted_back", "shift the output the same way as the input: roll both by (dy, dx), "
    "with the same signs")
OUTPUT_NOT_SHIFTED = Misconception(
    "output_not_shifted", "shift the output too: the error compares corr(shift(X)) with "
    "shift(corr(X)), not with corr(X)")
SHIFT_SWAPPED = Misconception(
    "shift_axes_swapped", "shift = (dy, dx): dy rows down along axis 0, dx columns right along "
    "axis 1; the two are swapped")
FLAT_ROLL = Misconception(
    "roll_without_axis", "np.roll needs axis=(0, 1): without it numpy shifts the flattened array "
    "by dy + dx")
EQ_MODE_IGNORED = Misconception(
    "mode_ignored", "the correlation must use the requested boundary mode; this one pads with zeros")
EQ_KERNEL_FLIPPED = Misconception(
    "kernel_flipped", "the kernel is flipped: the correlation is H[i, j] = sum K[a, b] "
    "X[i + a, j + b] with 'same' padding")
VALID_NOT_SAME = Misconception(
    "valid_not_same", "use 'same' padding, so that the error map has the image's shape")


def _same(X, K, mode):
    return convref.correlate(X, K, "same", boundary=mode)


def _roll(A, shift):
    return np.roll(A, shift, axis=(0, 1))


def _equivariance(X, K, shift, mode, roll_in=_roll, roll_out=_roll, signed=False, corr=_same):
    diff = corr(roll_in(X, shift), K, mode) - roll_out(corr(X, K, mode), shift)
    return diff if signed else np.abs(diff)


def _equi_cases():
    """``(X, K, shift, mode, group)``; integer images (with float kernels) use zero padding."""
    fixed = [((8, 8), (3, 3), (2, 0), "zeros", 0), ((8, 8), (3, 3), (2, 0), "circular", 1),
             ((6, 9), (3, 2), (1, -3), "zeros", 2), ((7, 5), (2, 3), (-2, 1), "circular", 3),
             ((5, 6), (3, 3), (1, 2), "reflect", 4), ((9, 4), (4, 2), (3, 3), "replicate", 5),
             ((1, 7), (1, 3), (0, 2), "zeros", 6), ((5, 5), (1, 1), (2, 2), "zeros", 7),
             ((6, 6), (5, 5), (0, 0), "zeros", 8), ((4, 7), (2, 2), (-1, 5), "zeros", 9),
             ((7, 6), (2, 3), (2, -1), "reflect", 10), ((5, 8), (3, 2), (-1, 3), "replicate", 11)]
    drawn = draw(st.tuples(st.tuples(dims(1, 9), dims(1, 9)), st.tuples(dims(1, 5), dims(1, 5)),
                           st.tuples(st.integers(-8, 8), st.integers(-8, 8)), st.sampled_from(MODES), seeds)
                 .filter(lambda c: _pad_allowed(c[0], _resolve("same", *c[1]), c[3])), N_CASES)
    cases = [(rng_array(s, xs), rng_array(s + 1, ks), shift, mode,
              ZEROS if mode == "zeros" else OTHER_MODES) for xs, ks, shift, mode, s in fixed + drawn]
    integer = [((8, 8), (3, 3), (2, 1), 40), ((6, 9), (3, 2), (1, -3), 41)]
    cases += [(int_array(s, xs), rng_array(s + 1, ks), shift, "zeros", INTEGERS)
              for xs, ks, shift, s in integer]
    return cases


def _truncating_corr(X, K, mode):
    """A 'same' correlation stored in an array of the image's integer type."""
    return np.trunc(_same(X, K, mode))


def _equi_hint(case, shape):
    X, K, _ = case.args
    (h, w), (kh, kw) = X.shape, K.shape
    if shape == (h - kh + 1, w - kw + 1):
        return VALID_NOT_SAME
    return f"the error map has the image's shape {X.shape}"


def _corr2d_pad_calls(case):
    X, K, shift = case.args
    mode = case.kwargs.get("mode", "zeros")
    return [((_roll(X, shift), K, "same", mode), {}), ((X, K, "same", mode), {})]


def _error_of(case, results):
    """The error map of the two correlations a corr2d_pad returned."""
    try:
        moved, plain = (np.asarray(r, dtype=float) for r in results)
        return np.abs(moved - _roll(plain, case.args[2]))
    except Exception:  # noqa: BLE001 - answers that cannot be combined: no excuse
        return None


def _equivariance_wrong(Xf, K, shift, mode, group, want):
    dy, dx = shift
    signed = _equivariance(Xf, K, shift, mode, signed=True)
    wrong = {
        SIGNED: Alternatives((signed, -signed)),
        OUTPUT_SHIFTED_BACK: _equivariance(Xf, K, shift, mode, roll_out=lambda A, s: _roll(A, (-dy, -dx))),
        OUTPUT_NOT_SHIFTED: _equivariance(Xf, K, shift, mode, roll_out=lambda A, s: A),
        SHIFT_SWAPPED: _equivariance(Xf, K, (dx, dy), mode),
        FLAT_ROLL: _equivariance(Xf, K, shift, mode, roll_in=lambda A, s: np.roll(A, sum(s)),
                                 roll_out=lambda A, s: np.roll(A, sum(s))),
        EQ_MODE_IGNORED: _equivariance(Xf, K, shift, "zeros") if mode != "zeros" else None,
        EQ_KERNEL_FLIPPED: _equivariance(Xf, K[::-1, ::-1], shift, mode),
    }
    if group == INTEGERS:
        # the map, or also each correlation, stored in an array of the image's integer type
        wrong[TRUNCATED] = Alternatives((np.trunc(want),
                                         _equivariance(Xf, K, shift, mode, corr=_truncating_corr)))
    return wrong


def test_equivariance_error(equivariance_error):
    """|corr_same(shift(X)) - shift(corr_same(X))| per pixel against convref and np.roll, in
    all four modes (exactly zero for circular, nonzero near the edges for the others), and on
    integer images. An equivariance_error built on the student's corr2d_pad is charged only
    for its own mistakes."""
    cases = []
    for index, (X, K, shift, mode, group) in enumerate(_equi_cases()):
        Xf = X.astype(float)
        want = _equivariance(Xf, K, shift, mode)
        magnitude = (_same(np.abs(_roll(Xf, shift)), np.abs(K), mode)
                     + _roll(_same(np.abs(Xf), np.abs(K), mode), shift))
        kwargs = {} if index == 0 else {"mode": mode}
        kind = "integer image" if X.dtype.kind in "iu" else "image"
        about = (f"a {shapes_of(X)} {kind} with a {shapes_of(K)} kernel, shift={shift}, "
                 + (f"mode={mode!r}" if kwargs else "the default mode"))
        cases.append(Case((X, K, shift), want, about, group=group, kwargs=kwargs,
                          magnitude=magnitude,
                          wrong=partial(_equivariance_wrong, Xf, K, shift, mode, group, want)))
    on_corr2d_pad = Depends("corr2d_pad", _corr2d_pad_calls, _error_of,
                            groups=(ZEROS, OTHER_MODES, INTEGERS))
    return judge(equivariance_error, "equivariance_error", cases, EQUIVARIANCE_GROUPS,
                 shape_hint=_equi_hint, depends=on_corr2d_pad, shortcut=SHORTCUT)


# -- how much of a 'same' output is border ---------------------------------------------------

LARGE_KERNEL = "kernel larger than the image"
FRACTION_GROUPS = {VALUES: 3, LARGE_KERNEL: 1}

ONE_DIMENSIONAL = Misconception(
    "one_dimensional", "a 'same' output is n x n: the fraction of TWO-dimensional positions, 1 "
    "minus the interior square's share")
UNCLAMPED = Misconception(
    "unclamped_interior", "when the kernel is wider than the image no window fits inside, so "
    "every output reads padding")
FRACTION_HALF_BOTH = Misconception(
    "same_half_kernel_both_sides", "for an even kernel 'same' pads (k-1)//2 before and k//2 "
    "after, k-1 in total, not k//2 on both sides")
COUNT_NOT_FRACTION = Misconception(
    "count_not_fraction", "return the FRACTION of the n*n outputs (between 0 and 1), not their number")
PERCENTAGE = Misconception("percentage", "return a fraction between 0 and 1, not a percentage")
K_MINUS_ONE_EACH_SIDE = Misconception(
    "k_minus_one_each_side", "'same' pads k-1 rows in total, (k-1)//2 above and k//2 below, not "
    "k-1 on each side")
COMPLEMENT = Misconception(
    "complement", "the fraction counts the outputs that read padding, not the ones that do not")
INTERIOR_ONE_SHORT = Misconception(
    "interior_one_short", "the windows that fit inside are as many per axis as a valid output "
    "has, n - k + 1, not n - k")


def _fraction(n, k):
    inside = max(n - k + 1, 0)
    return 1 - (inside / n) ** 2


def test_border_fraction(border_fraction):
    """1 - (max(n-k+1, 0)/n)^2, against a brute-force count on convref's mask."""
    fixed = [(10, 1), (10, 3), (10, 2), (4, 5), (1, 1), (1, 2), (3, 6), (32, 4), (100, 7), (5, 5),
             (6, 7), (2, 2), (50, 64), (12, 30)]
    pairs = fixed + draw(st.tuples(dims(1, 60), dims(1, 70)), N_CASES)
    cases = []
    for n, k in pairs:
        want = float(np.mean(_mask_oracle((n, n), (k, k), "same"))) if n <= 40 else _fraction(n, k)
        inside = max(n - k + 1, 0)
        wrong = {
            ONE_DIMENSIONAL: 1 - inside / n,
            UNCLAMPED: 1 - ((n - k + 1) / n) ** 2,
            FRACTION_HALF_BOTH: 1 - (max(n - 2 * (k // 2), 0) / n) ** 2,
            COUNT_NOT_FRACTION: n * n - inside * inside,
            PERCENTAGE: 100 * (1 - (inside / n) ** 2),
            K_MINUS_ONE_EACH_SIDE: 1 - (max(n - 2 * (k - 1), 0) / n) ** 2,
            COMPLEMENT: (inside / n) ** 2,
            INTERIOR_ONE_SHORT: 1 - (max(n - k, 0) / n) ** 2,
        }
        cases.append(Case((n, k), want, f"n={n}, k={k}", group=LARGE_KERNEL if k > n else VALUES,
                          wrong=wrong))
    return judge(border_fraction, "border_fraction", cases, FRACTION_GROUPS, shortcut=SHORTCUT)
