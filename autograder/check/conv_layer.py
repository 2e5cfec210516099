"""Hidden checks of the assignment ``conv_layer``: one function per test cell.

Each ``test_<name>(<name>)`` takes the student's function (or the grader's stand-in for it),
builds cases drawn fresh for each submission (``convgrade.cases``), with the right answer from
``convref`` or a brute-force oracle and the answers of the chapter's known misconceptions, and
hands them to the verdict engine (``convgrade.verdict.judge``), which names the mistake and
gives credit group by group. The weights of each function's credit groups are stated below,
next to its check (``*_GROUPS``).
"""
from __future__ import annotations

import math
from functools import partial

import numpy as np
from hypothesis import strategies as st

import convref

from ..cases import dims, draw, int_array, rng_array, seeds, shapes_of
from ..verdict import (ERRORS, FLOAT_COUNT, PYTHON_INT, VALUES, Alternatives, Case, Depends,
                       Misconception, judge, must_raise, python_int_case, same_number, truncated,
                       with_truncated)

N_CASES = 25

INTEGERS = "integer images"          # the same sums on integer inputs: a float answer comes back
NON_SQUARE = "non-square grids"      # grids with h != w, where rows and columns cannot be confused


# -- parameter counting ------------------------------------------------------------------

#: Credit groups of the two counts: the count with a bias, the count with bias=False, and the
#: type the task asks for (a Python int; the other groups accept any number of the right value).
COUNT_GROUPS = {VALUES: 2, "bias=False": 1, PYTHON_INT: 1}

INT64_OVERFLOW = Misconception("int64_overflow", "the count overflowed numpy's 64-bit integers "
                               "(np.prod wraps around silently): multiply Python ints "
                               "(math.prod, or int() of each size)")
SUM_OF_SIZES = Misconception("sum_of_sizes", "a shape holds as many entries as the PRODUCT of "
                             "its sizes (a 2x3 grid has 6), not their sum")
DENSE_BIAS_PER_INPUT = Misconception("bias_per_input", "the bias adds one number per output "
                                     "unit, not per input")
DENSE_NO_BIAS = Misconception("bias_missing", "bias=True adds one bias per output unit")
DENSE_BIAS_FLAG = Misconception("bias_flag_ignored", "bias=False means no bias: add "
                                "prod(out_shape) only when bias is true")
NO_IN_CHANNELS = Misconception("in_channels_missing", "each output channel has one kernel per "
                               "INPUT channel: multiply by both channel counts")
CONV_BIAS_PER_INPUT = Misconception("bias_per_input", "one bias per output channel, not per "
                                    "input channel")
CONV_NO_BIAS = Misconception("bias_missing", "bias=True adds one bias per output channel")
CONV_BIAS_FLAG = Misconception("bias_flag_ignored", "bias=False means no bias: add "
                               "out_channels only when bias is true")
INT_SIZE_NOT_SQUARED = Misconception("int_size_not_squared", "an int kernel_size k means a "
                                     "k x k kernel: k * k weights per channel pair")


def _shape(max_len, high):
    return st.one_of(dims(1, high), st.lists(dims(1, high), min_size=1, max_size=max_len).map(tuple))


def _size(shape) -> int:
    return shape if isinstance(shape, int) else math.prod(shape)


def _int64(n):
    """What numpy's 64-bit integers make of the exact count ``n`` (they wrap around silently)."""
    return (n + 2**63) % 2**64 - 2**63


def _count_cases(rows, about, wrong):
    """Cases of a count: ``rows`` are ``(args, kwargs, want, group)``; ``wrong(args, kwargs)``
    the misconceptions specific to the layer. Every count also shows the two of exactness."""
    cases = []
    for args, kwargs, want, group in rows:
        answers = {k: v for k, v in wrong(args, kwargs).items() if v is not None and v != want}
        if _int64(want) != want:
            answers[INT64_OVERFLOW] = Alternatives((_int64(want), float(_int64(want))))
        if float(want) != want:
            answers[FLOAT_COUNT] = float(want)
        cases.append(Case(args, want, about(args, kwargs), group=group, kwargs=kwargs,
                          wrong=answers, same=same_number))
    return cases


def _type_cases(rows, about):
    """Cases of the group :data:`PYTHON_INT`: the answer must be a Python int."""
    return [python_int_case(Case(args, want, about(args, kwargs), kwargs=kwargs))
            for args, kwargs, want, _ in rows]


def _dense_count(ins, outs, bias=True):
    n_in, n_out = _size(ins), _size(outs)
    return n_in * n_out + (n_out if bias else 0)


def test_dense_param_count(dense_param_count):
    """Weights of a dense layer between two grids: in x out, plus one bias per output. The
    counts go beyond 2**53 and 2**63, where only Python ints stay exact."""
    def row(ins, outs, bias=None):
        kwargs = {} if bias is None else {"bias": bias}
        return (ins, outs), kwargs, _dense_count(ins, outs, bias is not False), \
            VALUES if bias is not False else "bias=False"

    moderate = _shape(3, 300)              # at most 2.7e7 entries a side: counts below 2**53
    rows = [row((1000, 1000), (1000,)),    # the lecture's megapixel example, default bias
            row((1999, 1999, 1999), (1999, 1999), True), row((2000,) * 3, (2000,) * 3, True),
            row((28, 28), 10, True), row(12, (3, 4), True), row((2, 3), (4, 5), False),
            row(6, 7, False), row((1000, 1000), 1000, False)]
    rows += [row(i, o, b) for i, o, b in draw(st.tuples(moderate, moderate, st.booleans()), N_CASES)]

    def about(args, kwargs):
        ins, outs = args
        return f"in_shape {ins}, out_shape {outs}, bias={kwargs.get('bias', True)}"

    def wrong(args, kwargs):
        (ins, outs), bias = args, kwargs.get("bias", True)
        n_in, n_out = _size(ins), _size(outs)
        s_in, s_out = (sum(s) if isinstance(s, tuple) else s for s in (ins, outs))
        return {DENSE_BIAS_PER_INPUT: n_in * n_out + n_in if bias else None,
                DENSE_NO_BIAS: n_in * n_out if bias else None,
                DENSE_BIAS_FLAG: None if bias else n_in * n_out + n_out,
                SUM_OF_SIZES: s_in * s_out + (s_out if bias else 0)}

    small = [r for r in rows if r[2] < 2**31][:6]
    cases = _count_cases(rows, about, wrong) + _type_cases(small, about)
    return judge(dense_param_count, "dense_param_count", cases, COUNT_GROUPS)


def test_conv_param_count(conv_param_count):
    """Weights of a conv layer: KH x KW x C x D, plus one bias per output channel."""
    def taps(size):
        return size * size if isinstance(size, int) else math.prod(size)

    def row(size, c_in, c_out, bias=None):
        kwargs = {} if bias is None else {"bias": bias}
        with_bias = bias is not False
        return (size, c_in, c_out), kwargs, taps(size) * c_in * c_out + (c_out if with_bias else 0), \
            VALUES if with_bias else "bias=False"

    strategy = st.tuples(st.one_of(dims(1, 11), st.tuples(dims(1, 11), dims(1, 11))),
                         dims(1, 512), dims(1, 512), st.booleans())
    rows = [row(3, 3, 64), row((3, 3), 3, 64, True), row(5, 3, 16, True), row((1, 7), 4, 2, True),
            row(1, 1, 1, False), row((3, 5), 2, 4, False), row(4, 6, 8, False)]
    rows += [row(*example) for example in draw(strategy, N_CASES)]

    def about(args, kwargs):
        size, c_in, c_out = args
        return f"kernel_size {size}, {c_in} -> {c_out} channels, bias={kwargs.get('bias', True)}"

    def wrong(args, kwargs):
        (size, c_in, c_out), bias = args, kwargs.get("bias", True)
        n = taps(size)
        return {NO_IN_CHANNELS: n * c_out + (c_out if bias else 0),
                CONV_BIAS_PER_INPUT: n * c_in * c_out + c_in if bias else None,
                CONV_NO_BIAS: n * c_in * c_out if bias else None,
                CONV_BIAS_FLAG: None if bias else n * c_in * c_out + c_out,
                INT_SIZE_NOT_SQUARED: size * c_in * c_out + (c_out if bias else 0)
                if isinstance(size, int) else None}

    cases = _count_cases(rows, about, wrong) + _type_cases(rows[:6], about)
    return judge(conv_param_count, "conv_param_count", cases, COUNT_GROUPS)


# -- re-indexing the dense layer ---------------------------------------------------------

#: Credit groups of reindex: square grids, and grids with h != w.
REINDEX_GROUPS = {VALUES: 2, NON_SQUARE: 1}

OFFSET_SIGN = Misconception("offset_sign_flipped", "V is indexed by the offset (a, b) = "
                            "(k - i, l - j), not by (i - k, j - l)")
NEGATIVE_INDEX = Misconception("negative_offset_index", "offset a belongs at index a + h - 1 "
                               "(and b at b + w - 1): a negative index wraps around to the end "
                               "of the axis")
W_AXES_SWAPPED = Misconception("output_axes_swapped", "W[i, j, k, l] weights input pixel (k, l) "
                               "for OUTPUT pixel (i, j): the first two axes of W are the output")
NO_ROOM = Misconception("offset_axes_too_short", "V needs room for every offset -(h-1)..(h-1): "
                        "its last axes have 2h-1 and 2w-1 entries")
SQUARE_OFFSETS = Misconception("offset_axes_square", "on a non-square grid the offset axes "
                               "differ: 2h-1 row offsets, 2w-1 column offsets")


def _reindex_oracle(W, shift=True):
    """The definition as a loop; ``shift=False`` stores offset a at index a itself (where a
    negative offset wraps around to the end of the axis, as a numpy index does)."""
    h, w = W.shape[:2]
    V = np.zeros((h, w, 2 * h - 1, 2 * w - 1))
    for i in range(h):
        for j in range(w):
            for k in range(h):
                for m in range(w):
                    V[i, j, k - i + (h - 1) * shift, m - j + (w - 1) * shift] = W[i, j, k, m]
    return V


def _reindex_wrong(W, want):
    return {OFFSET_SIGN: want[:, :, ::-1, ::-1], NEGATIVE_INDEX: _reindex_oracle(W, False),
            W_AXES_SWAPPED: _reindex_oracle(W.transpose(2, 3, 0, 1)), **truncated(want)}


def test_reindex(reindex):
    """V[i, j, a+h-1, b+w-1] = W[i, j, i+a, j+b]: the lecture's change of index, checked
    against a brute-force loop over all (i, j, k, l), on float and integer weights."""
    square = [(1, 1, 0), (2, 2, 1), (3, 3, 2)] + [(n, n, s) for n, s in
                                                    draw(st.tuples(dims(1, 5), seeds), 8)]
    other = [(2, 3, 3), (4, 1, 4), (1, 3, 5), (3, 2, 6)] + draw(
        st.tuples(dims(1, 5), dims(1, 5), seeds).filter(lambda t: t[0] != t[1]), 8)
    cases = []
    for k, (h, w, seed) in enumerate(square + other):
        W = int_array(seed, (h, w, h, w)) if k % 3 == 1 else rng_array(seed, (h, w, h, w))
        want = _reindex_oracle(W)
        kind = "integer " if W.dtype.kind == "i" else ""
        cases.append(Case((W,), want, f"a {h}x{w} grid ({kind}W of shape {h}x{w}x{h}x{w})",
                          group=VALUES if h == w else NON_SQUARE,
                          wrong=partial(_reindex_wrong, W, want)))

    def hint(case, shape):
        h, w = case.args[0].shape[:2]
        if shape == (h, w, h, w):
            return NO_ROOM
        if h != w and shape in ((h, w, 2 * h - 1, 2 * h - 1), (h, w, 2 * w - 1, 2 * w - 1)):
            return SQUARE_OFFSETS
        return None
    return judge(reindex, "reindex", cases, REINDEX_GROUPS, shape_hint=hint)


# -- single-channel cross-correlation and convolution ------------------------------------

def _image_cases(count):
    """(X, K) pairs: non-square, asymmetric kernels, size-1 edges, kernel as large as X."""
    fixed = [(3, 3, 2, 2, 0), (1, 1, 1, 1, 1), (1, 6, 1, 3, 2), (5, 1, 2, 1, 3), (4, 7, 4, 7, 4),
             (6, 8, 3, 2, 5)]
    drawn = draw(st.tuples(dims(1, 9), dims(1, 9), dims(1, 9), dims(1, 9), seeds)
                 .filter(lambda t: t[2] <= t[0] and t[3] <= t[1]), count)
    return [(rng_array(s, (h, w)), rng_array(s + 1, (kh, kw))) for h, w, kh, kw, s in fixed + drawn]


ONE_SHORT = Misconception("output_one_short", "one row or column short: a valid output has "
                          "H - KH + 1 rows and W - KW + 1 columns")
ONE_TOO_MANY = Misconception("output_one_too_many", "one row and column too many: a valid output "
                             "has H - KH + 1 rows and W - KW + 1 columns")
INPUT_SIZED = Misconception("output_input_sized", "the output has the input's size, but a valid "
                            "output is (H - KH + 1, W - KW + 1)")
SQUARE_KERNEL = Misconception("kernel_assumed_square", "both output sizes come from one kernel "
                              "size: take KH from K.shape[0] and KW from K.shape[1]")
ROWS_COLUMNS_SWAPPED = Misconception("rows_columns_swapped", "rows and columns are swapped")
FLIPPED = Misconception("kernel_flipped", "the kernel is flipped: cross-correlation slides K "
                        "as it is, K[a, b] multiplying X[i + a, j + b]")
TRANSPOSED = Misconception("kernel_transposed", "the kernel is transposed (K[a, b] must multiply "
                           "X[i + a, j + b])")
NOT_FLIPPED = Misconception("convolution_not_flipped", "this is cross-correlation: true "
                            "convolution flips the kernel in both axes")
ONE_AXIS = Misconception("kernel_flipped_one_axis", "only one axis of the kernel is flipped: flip "
                         "rows and columns")
TRANSPOSED_NOT_FLIPPED = Misconception("convolution_transposed", "true convolution flips the "
                                       "kernel in both axes (K[::-1, ::-1]); transposing it is not "
                                       "the same")
ROTATED_90 = Misconception("kernel_rotated_90", "the kernel is rotated by 90 degrees: true "
                           "convolution turns it by 180 (flip both axes)")
HARD_CODED = Misconception("worked_example_hard_coded", "the answer is the notebook's worked "
                           "example, whatever the input: compute the output from X and K")
BORDER_NOT_CLIPPED = Misconception("border_not_clipped", "near the border the kernel's window "
                                   "sticks out of the grid: keep only the rows k and columns l "
                                   "inside it (a negative slice start wraps around)")
U_NONE_NOT_HANDLED = Misconception("u_none_not_handled", "u=None means no bias: add u only when "
                                   "it is not None")
#: Credit groups of the two single-channel functions, and their weights.
CORR_GROUPS = {VALUES: 2, INTEGERS: 1, ERRORS: 1}
#: The notebook's worked examples (X = arange(9) as 3x3, K = arange(4) as 2x2): what a
#: function that only reproduces them returns.
CORR2D_EXAMPLE = np.array([[19.0, 25.0], [37.0, 43.0]])
CONV2D_EXAMPLE = np.array([[5.0, 11.0], [23.0, 29.0]])


def _valid_shape_hint(case, shape):
    """The mistake a wrong valid-output shape shows; all of them where several give that shape
    (a 1-row kernel assumed square gives the input's size): the other cases decide."""
    X, K = case.args[-2], case.args[-1]
    (h, w), (kh, kw) = X.shape[-2:], K.shape[-2:]
    oh, ow = h - kh + 1, w - kw + 1
    shape = tuple(shape[-2:])
    found = [m for m, shapes in (
        (SQUARE_KERNEL, ((oh, w - kh + 1), (h - kw + 1, ow)) if kh != kw else ()),
        (ONE_SHORT, ((oh - 1, ow - 1), (oh - 1, ow), (oh, ow - 1))),
        (INPUT_SIZED, ((h, w),)),
        (ONE_TOO_MANY, ((oh + 1, ow + 1),)),
        (ROWS_COLUMNS_SWAPPED, ((ow, oh),) if oh != ow else ())) if shape in shapes]
    return found[0] if len(found) == 1 else tuple(found) or None


def _corr_cases(reference, wrongs):
    """Values on float images, the same on integer images (a float answer all the same), and
    kernels that do not fit, which must raise ValueError."""
    cases = []
    images = [(X, K, VALUES) for X, K in _image_cases(N_CASES)]
    images += [(int_array(k, X.shape), K, INTEGERS) for k, (X, K, _) in enumerate(images[:8])]
    for X, K, group in images:
        want = reference(X, K)
        cases.append(Case((X, K), want, f"a {shapes_of(X)} {'integer ' * (group != VALUES)}image "
                          f"with a {shapes_of(K)} kernel", group=group,
                          magnitude=reference(np.abs(X), np.abs(K)),
                          wrong=partial(with_truncated, wrongs, X, K, want=want)))
    for h, w, kh, kw in [(3, 3, 4, 2), (2, 5, 2, 6)]:
        cases.append(must_raise((np.ones((h, w)), np.ones((kh, kw))),
                                f"a {h}x{w} image with a {kh}x{kw} kernel",
                                "the kernel does not fit in the image"))
    return cases


def test_corr2d(corr2d):
    """Valid cross-correlation, H[i, j] = sum_ab K[a, b] X[i + a, j + b], against convref."""
    def wrongs(X, K):
        wrong = {FLIPPED: convref.convolve(X, K), HARD_CODED: CORR2D_EXAMPLE}
        if K.shape[0] == K.shape[1]:
            wrong[TRANSPOSED] = convref.correlate(X, K.T)
        return wrong
    return judge(corr2d, "corr2d", _corr_cases(convref.correlate, wrongs), CORR_GROUPS,
                 shape_hint=_valid_shape_hint)


def _corr2d_of_flipped(case):
    X, K = case.args
    return [((X, K[::-1, ::-1]), {})]


def test_conv2d(conv2d):
    """Valid true convolution: cross-correlation with the kernel flipped in both axes. A
    conv2d built on the student's corr2d is charged only for its own mistakes."""
    def wrongs(X, K):
        wrong = {NOT_FLIPPED: convref.correlate(X, K),
                 ONE_AXIS: Alternatives((convref.correlate(X, K[::-1, :]),
                                         convref.correlate(X, K[:, ::-1]))),
                 HARD_CODED: CONV2D_EXAMPLE}
        if K.shape[0] == K.shape[1]:
            wrong[TRANSPOSED_NOT_FLIPPED] = convref.correlate(X, K.T)
            wrong[ROTATED_90] = Alternatives((convref.correlate(X, np.rot90(K)),
                                              convref.correlate(X, np.rot90(K, -1))))
        return wrong
    on_corr2d = Depends("corr2d", _corr2d_of_flipped, lambda case, results: results[0],
                        groups=(VALUES, INTEGERS, ERRORS))
    return judge(conv2d, "conv2d", _corr_cases(convref.convolve, wrongs), CORR_GROUPS,
                 shape_hint=_valid_shape_hint, depends=on_corr2d)


# -- the lecture's local layer and its dense twin ----------------------------------------

#: Credit groups of local_layer: the sums (u = 0), the bias u, integer images, the ValueError.
LOCAL_GROUPS = {VALUES: 2, "bias u": 1, INTEGERS: 1, ERRORS: 1}
#: Credit groups of dense_from_kernel: square grids, grids with h != w, the ValueError.
DENSE_FROM_KERNEL_GROUPS = {VALUES: 2, NON_SQUARE: 1, ERRORS: 1}

LOCAL_FLIPPED = Misconception("kernel_flipped", "V[a + Delta, b + Delta] multiplies X[i + a, "
                              "j + b]: this flips the kernel")
LOCAL_NO_BIAS = Misconception("bias_missing", "the bias u is missing")
WRAP_AROUND = Misconception("padding_wraps_around", "values outside X must count as zero, not "
                            "wrap around")
EDGE_PADDING = Misconception("padding_repeats_edge", "values outside X must count as zero, not "
                             "repeat the edge")
MIRROR_PADDING = Misconception("padding_mirrors", "values outside X must count as zero, not "
                               "mirror the image")
PAD_ONE_SIDE = Misconception("padding_one_side", "the zero padding must be split: Delta rows and "
                             "columns on EACH side of X, not 2 * Delta on one side")
VALID_ONLY = Misconception("valid_output_only", "this is the valid output: pad X with Delta zeros "
                           "on each side so the output has the same shape as X")
NOT_SAME_SHAPE = "the output must have the same shape as X (X is zero outside its borders)"
DFK_FLIPPED = Misconception("kernel_flipped", "the kernel is flipped: W[i, j, k, l] = "
                            "V[k - i + Delta, l - j + Delta]")
DFK_NOT_RESHAPED = Misconception("matrix_not_reshaped", "W has four axes (h, w, h, w): reshape "
                                 "the (h*w, h*w) matrix")
DFK_H_W_SWAPPED = Misconception("h_w_swapped", "h is the number of rows and w of columns: W has "
                                "shape (h, w, h, w)")
DFK_NOT_CENTRED = Misconception("kernel_not_centred", "V is centred on the output pixel: "
                                "W[i, j, k, l] = V[k - i + Delta, l - j + Delta], with Delta rows "
                                "and columns of V on each side of (i, j)")
#: Kernels for which local_layer and dense_from_kernel must raise ValueError.
BAD_KERNELS = [((2, 2), "an even side has no centre"),
               ((3, 5), "a kernel that is not square"),
               ((4, 4), "an even side has no centre"),
               ((3, 3, 3), "a 3-D kernel")]


def _local_cases(count):
    fixed = [(3, 3, 0, 0.0, 0), (1, 1, 0, 1.5, 1), (2, 5, 1, -0.5, 2), (4, 4, 2, 0.0, 3),
             (5, 3, 1, 1.0, 4), (6, 7, 3, 0.0, 5)]
    drawn = draw(st.tuples(dims(1, 8), dims(1, 8), st.integers(0, 3),
                           st.sampled_from([0.0, 1.0, -2.5]), seeds), count)
    return [(rng_array(s, (h, w)), rng_array(s + 1, (2 * d + 1, 2 * d + 1)), u)
            for h, w, d, u, s in fixed + drawn]


def _bad_kernel_cases(args_of, about_of):
    return [must_raise(args_of(np.ones(shape)), about_of(shape),
                       f"V must be a square 2-D array with an odd side 2*Delta + 1: {why}")
            for shape, why in BAD_KERNELS]


def _local_wrong(X, V, u, want):
    d = V.shape[0] // 2
    wrong = {LOCAL_FLIPPED: u + convref.convolve(X, V, "same"),
             LOCAL_NO_BIAS: convref.correlate(X, V, "same") if u else None,
             WRAP_AROUND: u + convref.correlate(X, V, "same", boundary="circular"),
             EDGE_PADDING: u + convref.correlate(X, V, "same", boundary="replicate"),
             PAD_ONE_SIDE: Alternatives((
                 u + convref.correlate(np.pad(X, ((0, 2 * d), (0, 2 * d))), V),
                 u + convref.correlate(np.pad(X, ((2 * d, 0), (2 * d, 0))), V)))}
    if d < min(X.shape):
        wrong[MIRROR_PADDING] = u + convref.correlate(X, V, "same", boundary="reflect")
    return {**wrong, **truncated(want)}


def _local_of_corr2d(case):
    X, V = case.args
    d = V.shape[0] // 2
    return [((np.pad(X, d), V), {})]


def test_local_layer(local_layer):
    """Delta-local layer with zeros outside X, output shaped like X, plus the scalar bias u;
    ValueError for a kernel with no centre. A local layer built on the student's corr2d (of
    the zero-padded image) is charged only for its own mistakes."""
    layers = _local_cases(N_CASES)
    rows = [(X, V, u, VALUES if u == 0 else "bias u") for X, V, u in layers]
    rows += [(int_array(k, X.shape), V, 0.0, INTEGERS) for k, (X, V, _) in enumerate(layers[:8])]
    cases = []
    for X, V, u, group in rows:
        want = u + convref.correlate(X, V, "same")
        magnitude = abs(u) + convref.correlate(np.abs(X), np.abs(V), "same")
        kind = "integer " if group == INTEGERS else ""
        kwargs = {"u": u} if u or len(cases) % 2 else {}     # u=0 half the time by default
        cases.append(Case((X, V), want, f"a {shapes_of(X)} {kind}image with a {shapes_of(V)} kernel"
                          + (f", u={u}" if u else ""), group=group, kwargs=kwargs,
                          magnitude=magnitude, wrong=partial(_local_wrong, X, V, u, want)))
    cases += _bad_kernel_cases(lambda V: (np.ones((5, 5)), V),
                               lambda shape: f"a 5x5 image with a {'x'.join(map(str, shape))} kernel")

    def hint(case, shape):
        (h, w), k = case.args[0].shape, case.args[1].shape[0]
        if shape == (h - k + 1, w - k + 1):
            return VALID_ONLY
        return NOT_SAME_SHAPE
    on_corr2d = Depends("corr2d", _local_of_corr2d,
                        lambda case, results: case.kwargs.get("u", 0.0) + results[0],
                        groups=(VALUES, "bias u", INTEGERS))
    return judge(local_layer, "local_layer", cases, LOCAL_GROUPS, shape_hint=hint, depends=on_corr2d)


def _dense_of_kernel(V, h, w):
    """W[i, j, k, l] = V[k - i + Delta, l - j + Delta] where that lies in V, else 0 (a loop)."""
    d = V.shape[0] // 2
    W = np.zeros((h, w, h, w))
    for i in range(h):
        for j in range(w):
            for k in range(max(0, i - d), min(h, i + d + 1)):
                for m in range(max(0, j - d), min(w, j + d + 1)):
                    W[i, j, k, m] = V[k - i + d, m - j + d]
    return W


def _impulses(case):
    """The local layer's response to each unit pixel (k, l) is W[:, :, k, l]."""
    V, h, w = case.args
    calls = []
    for k in range(h):
        for m in range(w):
            impulse = np.zeros((h, w))
            impulse[k, m] = 1.0
            calls.append(((impulse, V), {}))
    return calls


def _stack_impulses(case, results):
    _, h, w = case.args
    return np.stack([np.asarray(r, dtype=float) for r in results], axis=-1).reshape(h, w, h, w)


def _dense_from_kernel_wrong(V, h, w, want):
    d = V.shape[0] // 2
    return {DFK_FLIPPED: convref.dense_matrix(V[None, None, ::-1, ::-1], (1, h, w),
                                              padding="same").reshape(h, w, h, w),
            DFK_NOT_CENTRED: Alternatives((
                _dense_of_kernel(np.pad(V, ((0, 2 * d), (0, 2 * d))), h, w),
                _dense_of_kernel(np.pad(V, ((2 * d, 0), (2 * d, 0))), h, w))),
            **truncated(want)}


def test_dense_from_kernel(dense_from_kernel):
    """The (h, w, h, w) dense weights of the local layer, from convref.dense_matrix; ValueError
    for the kernels local_layer refuses. Built on the student's local_layer (its response to
    each unit pixel), it is charged only for its own mistakes."""
    grids = [(3, 3, 1, 0), (1, 1, 0, 1), (4, 4, 2, 2), (2, 2, 3, 3), (2, 5, 1, 4), (4, 3, 1, 5),
             (1, 4, 2, 6), (6, 2, 0, 7)]
    grids += draw(st.tuples(dims(1, 7), dims(1, 7), st.integers(0, 3), seeds), 14)
    cases = []
    for n, (h, w, d, seed) in enumerate(grids):
        V = int_array(seed, (2 * d + 1,) * 2) if n % 4 == 1 else rng_array(seed, (2 * d + 1,) * 2)
        want = convref.dense_matrix(V[None, None], (1, h, w), padding="same").reshape(h, w, h, w)
        kind = "integer " if V.dtype.kind == "i" else ""
        cases.append(Case((V, h, w), want, f"a {shapes_of(V)} {kind}kernel on a {h}x{w} grid",
                          group=VALUES if h == w else NON_SQUARE,
                          wrong=partial(_dense_from_kernel_wrong, V, h, w, want)))
    cases += _bad_kernel_cases(lambda V: (V, 4, 5),
                               lambda shape: f"a {'x'.join(map(str, shape))} kernel on a 4x5 grid")

    def hint(case, shape):
        _, h, w = case.args
        if shape == (h * w, h * w):
            return DFK_NOT_RESHAPED
        if h != w and shape == (w, h, w, h):
            return DFK_H_W_SWAPPED
        return None
    def raised(case, error):
        if str(error).startswith(("ValueError: could not broadcast", "IndexError")):
            return BORDER_NOT_CLIPPED
        return None
    on_local = Depends("local_layer", _impulses, _stack_impulses, groups=(VALUES, NON_SQUARE))
    return judge(dense_from_kernel, "dense_from_kernel", cases, DENSE_FROM_KERNEL_GROUPS,
                 shape_hint=hint, raised=raised, depends=on_local)


# -- channels ------------------------------------------------------------------------------

#: Credit groups of the multi-channel functions.
MULTI_IN_GROUPS = {VALUES: 2, INTEGERS: 1, ERRORS: 1}
MULTI_IN_OUT_GROUPS = {VALUES: 2, INTEGERS: 1}
LAYER_GROUPS = {VALUES: 2, "u=None": 1, INTEGERS: 1, ERRORS: 1}

CHANNELS_FLIPPED = Misconception("kernel_flipped", "the kernel is flipped")
CHANNELS_TRANSPOSED = Misconception("kernel_transposed", "the kernel is transposed (K[c, a, b] "
                                    "must multiply X[c, i + a, j + b])")
ONE_KERNEL_SLICE = Misconception("one_kernel_slice", "channels must be summed, each with its own "
                                 "kernel slice K[c]")
ONE_CHANNEL = Misconception("one_channel_only", "only one input channel reaches the output (X[0] "
                            "alone, or a loop that overwrites instead of adding): the sum runs "
                            "over EVERY input channel c")
AVERAGED = Misconception("channels_averaged", "the channels are averaged: the layer SUMS over "
                         "input channels")
ALL_PAIRS = Misconception("all_channel_pairs", "each input channel c pairs with its own kernel "
                          "slice K[c], not with every slice")
NOT_SUMMED = Misconception("channels_not_summed", "the channels are not summed: the output is one "
                           "(OH, OW) map")
D_C_SWAPPED = Misconception("kernel_axes_swapped", "K is (D, C, KH, KW): its FIRST axis is the "
                            "output channel, the second the input channel")
INPUTS_NOT_SUMMED = Misconception("channels_not_summed", "the input channels are not summed: the "
                                  "output is (D, OH, OW)")
MAPS_PER_INPUT = Misconception("kernel_axes_swapped", "one map per INPUT channel: the output needs "
                               "one map per output channel (D)")
CHANNELS_LAST = Misconception("channels_last", "the output channels come last: the output is "
                              "(D, OH, OW), channel axis first")
LAYER_NO_BIAS = Misconception("bias_missing", "the bias is missing")
BIAS_AXIS = Misconception("bias_wrong_axis", "the bias is added along the wrong axis: u[d] "
                          "belongs to output channel d (axis 1 of the output)")
BATCH_CHANNEL_SWAPPED = Misconception("batch_channel_swapped", "batch and channel axes are swapped: "
                                      "the output is (N, D, OH, OW)")
BATCH_MISSING = Misconception("batch_missing", "the batch axis is missing: the output is (N, D, "
                              "OH, OW), one stack of maps per image")
LAYER_CHANNELS_LAST = Misconception("channels_last", "the output channels come last: the output is "
                                    "(N, D, OH, OW), channels after the batch")
LAYER_NOT_SUMMED = Misconception("channels_not_summed", "the input channels are not summed: the "
                                 "output is (N, D, OH, OW)")
#: The notebook's worked example of corr2d_multi_in (two channels: the 3x3 example and ones).
MULTI_IN_EXAMPLE = np.array([[23.0, 29.0], [41.0, 47.0]])


def _channel_cases(count, batched=False):
    fixed = [(1, 1, 3, 3, 2, 2, 1, 0), (3, 2, 5, 4, 3, 2, 2, 1), (2, 3, 4, 6, 1, 1, 1, 2),
             (1, 4, 1, 7, 1, 3, 3, 3), (3, 3, 4, 4, 4, 4, 2, 4), (2, 4, 6, 5, 3, 2, 3, 5)]
    drawn = draw(st.tuples(dims(1, 4), dims(1, 4), dims(1, 7), dims(1, 7), dims(1, 4), dims(1, 4),
                           dims(1, 3), seeds).filter(lambda t: t[4] <= t[2] and t[5] <= t[3]), count)
    out = []
    for c, d, h, w, kh, kw, n, s in fixed + drawn:
        X = rng_array(s, ((n,) if batched else ()) + (c, h, w))
        out.append((X, rng_array(s + 1, (d, c, kh, kw)), rng_array(s + 2, (d,))))
    return out


def _with_integers(layers, count=8):
    """``[(X, K, u, group)]``: the float layers, then the first ``count`` on integer inputs."""
    rows = [(X, K, u, VALUES) for X, K, u in layers]
    return rows + [(int_array(k, X.shape), K, u, INTEGERS) for k, (X, K, u) in enumerate(layers[:count])]


def _mismatched(batched):
    """Inputs whose channel counts differ (neither of them 1, so no broadcasting hides it)."""
    lead = (2,) if batched else ()
    return [(np.ones(lead + (2, 5, 5)), 3), (np.ones(lead + (3, 4, 6)), 2)]


def _multi_in_of_corr2d(case):
    X, K = case.args
    return [((X[c], K[c]), {}) for c in range(X.shape[0])]


def _multi_in_wrong(X, K, want):
    several = X.shape[0] > 1
    return {ONE_KERNEL_SLICE: convref.conv(X, np.broadcast_to(K[:1], K.shape)[None])[0]
            if several else None,
            ONE_CHANNEL: Alternatives((convref.correlate(X[0], K[0]),
                                       convref.correlate(X[-1], K[-1]))) if several else None,
            AVERAGED: want / X.shape[0] if several else None,
            ALL_PAIRS: convref.correlate(X.sum(0), K.sum(0)) if several else None,
            CHANNELS_FLIPPED: convref.conv(X, K[None], flip=True)[0],
            CHANNELS_TRANSPOSED: convref.conv(X, K.transpose(0, 2, 1)[None])[0]
            if K.shape[1] == K.shape[2] else None,
            HARD_CODED: MULTI_IN_EXAMPLE,
            **truncated(want)}


def test_corr2d_multi_in(corr2d_multi_in):
    """Sum over input channels of per-channel cross-correlations: (C,H,W), (C,KH,KW) -> (OH,OW);
    ValueError when the channel counts differ. Built on the student's corr2d, it is charged
    only for its own mistakes."""
    cases = []
    for X, K, _, group in _with_integers([(X, K[0], u) for X, K, u in _channel_cases(N_CASES)]):
        want = convref.conv(X, K[None])[0]
        kind = "integer " if group == INTEGERS else ""
        cases.append(Case((X, K), want, f"a {shapes_of(X)} {kind}input with a {shapes_of(K)} kernel",
                          group=group, magnitude=convref.conv(np.abs(X), np.abs(K)[None])[0],
                          wrong=partial(_multi_in_wrong, X, K, want)))
    for X, ck in _mismatched(False):
        K = np.ones((ck, 2, 2))
        cases.append(must_raise((X, K), f"a {shapes_of(X)} input with a {shapes_of(K)} kernel",
                                "the channel counts differ"))

    def hint(case, shape):
        X = case.args[0]
        if len(shape) == 3 and shape[0] == X.shape[0]:
            return NOT_SUMMED
        return _valid_shape_hint(case, shape)
    on_corr2d = Depends("corr2d", _multi_in_of_corr2d, lambda case, results: sum(results),
                        groups=(VALUES, INTEGERS))
    return judge(corr2d_multi_in, "corr2d_multi_in", cases, MULTI_IN_GROUPS, shape_hint=hint,
                 depends=on_corr2d)


def _multi_in_out_of_multi_in(case):
    X, K = case.args
    return [((X, k), {}) for k in K]


def _multi_in_out_wrong(X, K, want):
    several = X.shape[0] > 1
    return {CHANNELS_FLIPPED: convref.conv(X, K, flip=True),
            D_C_SWAPPED: convref.conv(X, K.transpose(1, 0, 2, 3)) if K.shape[0] == K.shape[1] else None,
            ALL_PAIRS: convref.conv(X.sum(0)[None], K.sum(1)[:, None]) if several else None,
            ONE_CHANNEL: Alternatives((convref.conv(X[:1], K[:, :1]),
                                       convref.conv(X[-1:], K[:, -1:]))) if several else None,
            AVERAGED: want / X.shape[0] if several else None,
            **truncated(want)}


def test_corr2d_multi_in_out(corr2d_multi_in_out):
    """One summed map per output channel: (C,H,W), (D,C,KH,KW) -> (D,OH,OW). Built on the
    student's corr2d_multi_in, it is charged only for its own mistakes."""
    cases = []
    for X, K, _, group in _with_integers(_channel_cases(N_CASES)):
        want = convref.conv(X, K)
        kind = "integer " if group == INTEGERS else ""
        cases.append(Case((X, K), want, f"a {shapes_of(X)} {kind}input with a {shapes_of(K)} kernel",
                          group=group, magnitude=convref.conv(np.abs(X), np.abs(K)),
                          wrong=partial(_multi_in_out_wrong, X, K, want)))

    def hint(case, shape):
        X, K = case.args
        found = [m for m, shows in (
            (INPUTS_NOT_SUMMED, len(shape) == 4),
            (MAPS_PER_INPUT, len(shape) == 3 and shape[0] != K.shape[0] and shape[0] == X.shape[0]),
            (CHANNELS_LAST, shape == case.expected.shape[1:] + case.expected.shape[:1])) if shows]
        if found:                        # a shape two mistakes give names neither
            return found[0] if len(found) == 1 else tuple(found) or None
        return _valid_shape_hint(case, shape)
    on_multi_in = Depends("corr2d_multi_in", _multi_in_out_of_multi_in,
                          lambda case, results: np.stack([np.asarray(r, dtype=float) for r in results]),
                          groups=(VALUES, INTEGERS))
    return judge(corr2d_multi_in_out, "corr2d_multi_in_out", cases, MULTI_IN_OUT_GROUPS,
                 shape_hint=hint, depends=on_multi_in)


def _layer_of_multi_in_out(case):
    X, V = case.args
    return [((x, V), {}) for x in X]


def _layer_from_maps(case, results):
    out = np.stack([np.asarray(r, dtype=float) for r in results])
    u = case.kwargs.get("u")
    return out if u is None else out + np.asarray(u)[None, :, None, None]


def _bias_elsewhere(plain, u):
    """The layer's sums with u added along an axis of the output other than the channel axis,
    where numpy broadcasts it without complaint (that axis has D entries, or one, which the
    bias then stretches to D)."""
    answers = []
    for axis in (0, 2, 3):
        if plain.shape[axis] in (1, len(u)):
            shape = [1] * 4
            shape[axis] = len(u)
            answers.append(plain + u.reshape(shape))
    return Alternatives(answers) if answers else None


def _layer_wrong(X, V, bias, plain, want):
    several = X.shape[1] > 1
    wrong = {CHANNELS_FLIPPED: convref.conv(X, V, bias, flip=True),
             ONE_CHANNEL: Alternatives((convref.conv(X[:, :1], V[:, :1], bias),
                                        convref.conv(X[:, -1:], V[:, -1:], bias)))
             if several else None,
             AVERAGED: plain / X.shape[1] + (0 if bias is None else bias[:, None, None])
             if several else None,
             **truncated(want)}
    if bias is not None:
        wrong[LAYER_NO_BIAS] = plain
        wrong[BIAS_AXIS] = _bias_elsewhere(plain, bias)
    return wrong


def test_conv_layer(conv_layer):
    """The batched layer with bias: (N,C,H,W), (D,C,KH,KW), (D,) -> (N,D,OH,OW); u=None for no
    bias; ValueError when the channel counts differ. Built on the student's
    corr2d_multi_in_out (one call per image), it is charged only for its own mistakes."""
    # first layers with D = OH = OW (and D = N), where a bias added along another axis gives an
    # answer to diagnose rather than a broadcasting error
    layers = [(rng_array(7, (2, 2, 4, 4)), rng_array(8, (3, 2, 2, 2)), rng_array(9, (3,))),
              (rng_array(10, (3, 2, 4, 5)), rng_array(11, (3, 2, 2, 3)), rng_array(12, (3,)))]
    layers += _channel_cases(N_CASES, batched=True)
    rows = [(X, V, u, VALUES) for X, V, u in layers]
    rows += [(X, V, None, "u=None") for X, V, _ in layers[2:12]]
    rows += [(int_array(k, X.shape), V, u, INTEGERS) for k, (X, V, u) in enumerate(layers[2:10])]
    cases = []
    for X, V, bias, group in rows:
        plain = convref.conv(X, V)
        want = plain if bias is None else plain + bias[:, None, None]
        kind = "integer " if group == INTEGERS else ""
        cases.append(Case((X, V), want, f"a {shapes_of(X)} {kind}batch with a {shapes_of(V)} kernel"
                          + (" and a bias" if bias is not None else " and u=None"), group=group,
                          kwargs={"u": bias}, magnitude=convref.conv(np.abs(X), np.abs(V)) +
                          (0 if bias is None else np.abs(bias)[:, None, None]),
                          wrong=partial(_layer_wrong, X, V, bias, plain, want)))
    for X, cv in _mismatched(True):
        V, u = np.ones((2, cv, 2, 2)), np.zeros(2)
        cases.append(must_raise((X, V), f"a {shapes_of(X)} batch with a {shapes_of(V)} kernel",
                                "the channel counts differ", kwargs={"u": u}))

    def hint(case, shape):
        X, V = case.args
        if len(shape) == 4 and shape[:2] == (V.shape[0], X.shape[0]) and V.shape[0] != X.shape[0]:
            return BATCH_CHANNEL_SWAPPED
        if len(shape) == 3:
            return BATCH_MISSING
        n, d, oh, ow = case.expected.shape
        if shape == (n, oh, ow, d):
            return LAYER_CHANNELS_LAST
        if len(shape) == 5:
            return LAYER_NOT_SUMMED
        return _valid_shape_hint(case, shape)
    on_maps = Depends("corr2d_multi_in_out", _layer_of_multi_in_out, _layer_from_maps,
                      groups=(VALUES, "u=None", INTEGERS))
    def raised(case, error):
        return U_NONE_NOT_HANDLED if case.group == "u=None" else None
    return judge(conv_layer, "conv_layer", cases, LAYER_GROUPS, shape_hint=hint, raised=raised,
                 depends=on_maps)
