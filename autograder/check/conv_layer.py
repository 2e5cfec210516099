"""Hidden checks of the assignment ``conv_layer``: one function per test cell.

Each ``test_<name>(<name>)`` takes the student's function (or the grader's stand-in for it),
compares it with ``convref`` or a brute-force oracle on hypothesis cases drawn fresh for each
submission, and raises ``CheckFailed`` with targeted feedback for the chapter's known misconceptions.
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

import convref

from ..cases import dims, draw, int_array, rng_array, seeds, shapes_of
from ..checks import CheckFailed, run_cases
from ..verdict import (ERRORS, VALUES, Alternatives, Case, Depends, Misconception, judge, must_raise,
                       truncated)

N_CASES = 25


# -- parameter counting ------------------------------------------------------------------

def _shape(st_len):
    return st.lists(dims(1, 2000), min_size=1, max_size=st_len).map(tuple)


def _int64(n):
    """What numpy's 64-bit integers make of the exact count ``n`` (they wrap around silently)."""
    return (n + 2**63) % 2**64 - 2**63


def _count_wrong(want, extra):
    """Misconceptions every count can show, after the ones specific to a layer (``extra``)."""
    wrong = dict(extra)
    if want != _int64(want):
        wrong["the count overflowed numpy's 64-bit integers (np.prod wraps around silently): "
              "multiply Python ints (math.prod, or int() of each size)"] = _int64(want)
    if float(want) != want:
        wrong["return an exact Python int: this count is larger than 2**53, where a float or "
              "numpy number loses its last digits"] = float(want)
    return wrong


def test_dense_param_count(dense_param_count):
    """Weights of a dense layer between two grids: in x out, plus one bias per output."""
    fixed = [((1000, 1000), (1000,), True), ((1999, 1999, 1999), (1999, 1999), False),
             ((2000, 2000, 2000), (2000, 2000, 2000), False)]
    cases = []
    for ins, outs, bias in fixed + draw(st.tuples(_shape(3), _shape(3), st.booleans()), N_CASES):
        n_in, n_out = math.prod(ins), math.prod(outs)
        want = n_in * n_out + (n_out if bias else 0)
        s_in, s_out = sum(ins), sum(outs)
        about = ("the lecture's megapixel example" if (ins, outs, bias) == fixed[0] else
                 f"in_shape {ins}, out_shape {outs}, bias={bias}")
        kwargs = {} if (ins, outs, bias) == fixed[0] else {"bias": bias}   # the default bias=True
        cases.append(Case((ins, outs), want, about, kwargs=kwargs, wrong=_count_wrong(want, {
            "the bias adds one number per output unit, not per input": n_in * n_out + (n_in if bias else 0),
            "bias=True adds one bias per output unit": n_in * n_out,
            "bias=False means no bias: add prod(out_shape) only when bias is true":
            n_in * n_out + n_out,
            "a shape holds as many entries as the PRODUCT of its sizes (a 2x3 grid has 6), not their sum":
            s_in * s_out + (s_out if bias else 0)})))
    return run_cases(dense_param_count, "dense_param_count", cases)


def test_conv_param_count(conv_param_count):
    """Weights of a conv layer: KH x KW x C x D, plus one bias per output channel."""
    cases = []
    strategy = st.tuples(st.one_of(dims(1, 11), st.tuples(dims(1, 11), dims(1, 11))),
                         dims(1, 512), dims(1, 512), st.booleans())
    fixed = [((3, 3), 3, 64, True), (1, 1, 1, False), (5, 3, 16, True)]   # an int size above 1
    for size, c_in, c_out, bias in fixed + draw(strategy, N_CASES):
        taps = size * size if isinstance(size, int) else math.prod(size)
        wrong = {"each output channel has one kernel per INPUT channel: "
                 "multiply by both channel counts": taps * c_out + (c_out if bias else 0),
                 "one bias per output channel, not per input channel":
                 taps * c_in * c_out + (c_in if bias else 0),
                 "bias=True adds one bias per output channel": taps * c_in * c_out,
                 "bias=False means no bias: add out_channels only when bias is true":
                 taps * c_in * c_out + c_out}
        if isinstance(size, int):
            wrong["an int kernel_size k means a k x k kernel: k * k weights per channel pair"] = \
                size * c_in * c_out + (c_out if bias else 0)
        cases.append(Case((size, c_in, c_out), taps * c_in * c_out + (c_out if bias else 0),
                          f"kernel_size {size}, {c_in} -> {c_out} channels, bias={bias}",
                          kwargs={"bias": bias}, wrong=wrong))
    return run_cases(conv_param_count, "conv_param_count", cases)


# -- re-indexing the dense layer ---------------------------------------------------------

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


def _truncated(want):
    """The answer of a float computation stored in an int array (each entry cut to an int)."""
    return {"the output was truncated to integers: build it as a float array "
            "(np.zeros(shape), not dtype=int)": np.trunc(want)}


def test_reindex(reindex):
    """V[i, j, a+h-1, b+w-1] = W[i, j, i+a, j+b]: the lecture's change of index, checked
    against a brute-force loop over all (i, j, k, l)."""
    cases = []
    for h, w, seed in [(1, 1, 0), (2, 3, 1)] + draw(st.tuples(dims(1, 5), dims(1, 5), seeds), 15):
        W = rng_array(seed, (h, w, h, w))
        want = _reindex_oracle(W)
        cases.append(Case((W,), want, f"a {h}x{w} grid (W of shape {h}x{w}x{h}x{w})",
                          wrong={"V is indexed by the offset (a, b) = (k - i, l - j), not by (i - k, j - l)":
                                 want[:, :, ::-1, ::-1],
                                 "offset a belongs at index a + h - 1 (and b at b + w - 1): a negative "
                                 "index wraps around to the end of the axis": _reindex_oracle(W, False),
                                 "W[i, j, k, l] weights input pixel (k, l) for OUTPUT pixel (i, j): "
                                 "the first two axes of W are the output": _reindex_oracle(
                                     W.transpose(2, 3, 0, 1)),
                                 **_truncated(want)}))

    def hint(case, shape):
        h, w = case.args[0].shape[:2]
        if shape == (h, w, h, w):
            return "V needs room for every offset -(h-1)..(h-1): its last axes have 2h-1 and 2w-1 entries"
        if h != w and shape in ((h, w, 2 * h - 1, 2 * h - 1), (h, w, 2 * w - 1, 2 * w - 1)):
            return "on a non-square grid the offset axes differ: 2h-1 row offsets, 2w-1 column offsets"
        return None
    return run_cases(reindex, "reindex", cases, hint)


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
#: Credit groups of the two single-channel functions, and their weights.
CORR_GROUPS = {VALUES: 2, "integer images": 1, ERRORS: 1}


def _valid_shape_hint(case, shape):
    X, K = case.args[-2], case.args[-1]
    (h, w), (kh, kw) = X.shape[-2:], K.shape[-2:]
    oh, ow = h - kh + 1, w - kw + 1
    if kh != kw and shape[-2:] in ((oh, w - kh + 1), (h - kw + 1, ow)):
        return SQUARE_KERNEL
    if shape[-2:] == (oh - 1, ow - 1) or shape[-2:] == (oh - 1, ow) or shape[-2:] == (oh, ow - 1):
        return ONE_SHORT
    if shape[-2:] == (h, w):
        return INPUT_SIZED
    if shape[-2:] == (oh + 1, ow + 1):
        return ONE_TOO_MANY
    if shape[-2:] == (ow, oh) and oh != ow:
        return ROWS_COLUMNS_SWAPPED
    return None


def _corr_cases(reference, wrongs):
    """Values on float images, the same on integer images (a float answer all the same), and
    kernels that do not fit, which must raise ValueError."""
    cases = []
    images = [(X, K, VALUES) for X, K in _image_cases(N_CASES)]
    images += [(int_array(k, X.shape), K, "integer images") for k, (X, K, _) in enumerate(images[:8])]
    for X, K, group in images:
        want = reference(X, K)
        wrong = {**wrongs(X, K), **truncated(want)}
        cases.append(Case((X, K), want, f"a {shapes_of(X)} {'integer ' * (group != VALUES)}image "
                          f"with a {shapes_of(K)} kernel", group=group,
                          magnitude=reference(np.abs(X), np.abs(K)), wrong=wrong))
    for h, w, kh, kw in [(3, 3, 4, 2), (2, 5, 2, 6)]:
        cases.append(must_raise((np.ones((h, w)), np.ones((kh, kw))),
                                f"a {h}x{w} image with a {kh}x{kw} kernel",
                                "the kernel does not fit in the image"))
    return cases


def test_corr2d(corr2d):
    """Valid cross-correlation, H[i, j] = sum_ab K[a, b] X[i + a, j + b], against convref."""
    def wrongs(X, K):
        wrong = {FLIPPED: convref.convolve(X, K)}
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
                                         convref.correlate(X, K[:, ::-1])))}
        if K.shape[0] == K.shape[1]:
            wrong[TRANSPOSED_NOT_FLIPPED] = convref.correlate(X, K.T)
            wrong[ROTATED_90] = Alternatives((convref.correlate(X, np.rot90(K)),
                                              convref.correlate(X, np.rot90(K, -1))))
        return wrong
    on_corr2d = Depends("corr2d", _corr2d_of_flipped, lambda case, results: results[0],
                        groups=(VALUES, "integer images"))
    return judge(conv2d, "conv2d", _corr_cases(convref.convolve, wrongs), CORR_GROUPS,
                 shape_hint=_valid_shape_hint, depends=on_corr2d)


# -- the lecture's local layer and its dense twin ----------------------------------------

def _local_cases(count):
    fixed = [(3, 3, 0, 0.0, 0), (1, 1, 0, 1.5, 1), (2, 5, 1, -0.5, 2), (4, 4, 2, 0.0, 3)]
    drawn = draw(st.tuples(dims(1, 8), dims(1, 8), st.integers(0, 3),
                           st.sampled_from([0.0, 1.0, -2.5]), seeds), count)
    return [(rng_array(s, (h, w)), rng_array(s + 1, (2 * d + 1, 2 * d + 1)), u)
            for h, w, d, u, s in fixed + drawn]


def test_local_layer(local_layer):
    """Delta-local layer with zeros outside X, output shaped like X, plus the scalar bias u."""
    cases = []
    for X, V, u in _local_cases(N_CASES):
        want = u + convref.correlate(X, V, "same")
        magnitude = abs(u) + convref.correlate(np.abs(X), np.abs(V), "same")
        d = V.shape[0] // 2
        wrong = {"V[a + Delta, b + Delta] multiplies X[i + a, j + b]: this "
                 "flips the kernel": u + convref.convolve(X, V, "same"),
                 "the bias u is missing": convref.correlate(X, V, "same"),
                 "values outside X must count as zero, not wrap around":
                 u + convref.correlate(X, V, "same", boundary="circular"),
                 "values outside X must count as zero, not repeat the edge":
                 u + convref.correlate(X, V, "same", boundary="replicate"),
                 "the zero padding must be split: Delta rows and columns on EACH side of X, "
                 "not 2 * Delta on one side": u + convref.correlate(np.pad(X, ((0, 2 * d), (0, 2 * d))), V),
                 "the zero padding must be split: Delta rows and columns on EACH side of X, "
                 "not 2 * Delta on one side ": u + convref.correlate(np.pad(X, ((2 * d, 0), (2 * d, 0))), V),
                 **_truncated(want)}
        if d < min(X.shape):
            wrong["values outside X must count as zero, not mirror the image"] = \
                u + convref.correlate(X, V, "same", boundary="reflect")
        cases.append(Case((X, V), want, f"a {shapes_of(X)} image with a {shapes_of(V)} kernel, u={u}",
                          kwargs={"u": u}, magnitude=magnitude, wrong=wrong))

    def hint(case, shape):
        if shape != case.args[0].shape:
            (h, w), k = case.args[0].shape, case.args[1].shape[0]
            if shape == (h - k + 1, w - k + 1):
                return ("this is the valid output: pad X with Delta zeros on each side so the "
                        "output has the same shape as X")
            return "the output must have the same shape as X (X is zero outside its borders)"
        return None
    run_cases(local_layer, "local_layer", cases, hint)
    bad = [np.ones((2, 2)), np.ones((3, 5)), np.ones((4, 4))]
    outcomes = _raises(local_layer, [((np.ones((5, 5)), V), {}) for V in bad])
    for V, raised in zip(bad, outcomes):
        if not raised:
            raise CheckFailed(f"local_layer must raise ValueError for a {shapes_of(V)} kernel "
                              "(V must be square with an odd side 2*Delta + 1)")
    return len(cases) + len(bad)


def _raises(function, cases):
    from ..remote import StudentError, call_many
    return [isinstance(r, StudentError) and r.args[0].startswith("ValueError")
            for r in call_many(function, cases)]


def test_dense_from_kernel(dense_from_kernel):
    """The (h, w, h, w) dense weights of the local layer, from convref.dense_matrix."""
    cases = []
    for X, V, _ in _local_cases(15):
        h, w = X.shape
        want = convref.dense_matrix(V[None, None], (1, h, w), padding="same").reshape(h, w, h, w)
        cases.append(Case((V, h, w), want, f"a {shapes_of(V)} kernel on a {h}x{w} grid",
                          wrong={"the kernel is flipped: W[i, j, k, l] = V[k - i + Delta, l - j + Delta]":
                                 convref.dense_matrix(V[None, None, ::-1, ::-1], (1, h, w),
                                                      padding="same").reshape(h, w, h, w),
                                 **_truncated(want)}))

    def hint(case, shape):
        _, h, w = case.args
        if shape == (h * w, h * w):
            return "W has four axes (h, w, h, w): reshape the (h*w, h*w) matrix"
        if h != w and shape == (w, h, w, h):
            return "h is the number of rows and w of columns: W has shape (h, w, h, w)"
        return None
    return run_cases(dense_from_kernel, "dense_from_kernel", cases, hint)


# -- channels ------------------------------------------------------------------------------

def _channel_cases(count, batched=False):
    fixed = [(1, 1, 3, 3, 2, 2, 1, 0), (3, 2, 5, 4, 3, 2, 2, 1), (2, 3, 4, 6, 1, 1, 1, 2),
             (1, 4, 1, 7, 1, 3, 3, 3), (3, 3, 4, 4, 4, 4, 2, 4)]
    drawn = draw(st.tuples(dims(1, 4), dims(1, 4), dims(1, 7), dims(1, 7), dims(1, 4), dims(1, 4),
                           dims(1, 3), seeds).filter(lambda t: t[4] <= t[2] and t[5] <= t[3]), count)
    out = []
    for c, d, h, w, kh, kw, n, s in fixed + drawn:
        X = rng_array(s, ((n,) if batched else ()) + (c, h, w))
        out.append((X, rng_array(s + 1, (d, c, kh, kw)), rng_array(s + 2, (d,))))
    return out


def test_corr2d_multi_in(corr2d_multi_in):
    """Sum over input channels of per-channel cross-correlations: (C,H,W), (C,KH,KW) -> (OH,OW)."""
    cases = []
    for X, K, _ in _channel_cases(N_CASES):
        K = K[0]
        want = convref.conv(X, K[None])[0]
        cases.append(Case((X, K), want, f"a {shapes_of(X)} input with a {shapes_of(K)} kernel",
                          magnitude=convref.conv(np.abs(X), np.abs(K)[None])[0],
                          wrong={"channels must be summed, each with its own kernel slice K[c]":
                                 convref.conv(X, np.broadcast_to(K[:1], K.shape)[None])[0]
                                 if X.shape[0] > 1 else None,
                                 "the kernel is flipped": convref.conv(X, K[None], flip=True)[0],
                                 "the channels are averaged: the layer SUMS over input channels":
                                 want / X.shape[0] if X.shape[0] > 1 else None,
                                 "each input channel c pairs with its own kernel slice K[c], not with "
                                 "every slice": convref.correlate(X.sum(0), K.sum(0))
                                 if X.shape[0] > 1 else None,
                                 "the kernel is transposed (K[c, a, b] must multiply X[c, i + a, j + b])":
                                 convref.conv(X, K.transpose(0, 2, 1)[None])[0]
                                 if K.shape[1] == K.shape[2] else None,
                                 **_truncated(want)}))

    def hint(case, shape):
        X = case.args[0]
        if len(shape) == 3 and shape[0] == X.shape[0]:
            return "the channels are not summed: the output is one (OH, OW) map"
        return _valid_shape_hint(case, shape)
    return run_cases(corr2d_multi_in, "corr2d_multi_in", cases, hint)


def test_corr2d_multi_in_out(corr2d_multi_in_out):
    """One summed map per output channel: (C,H,W), (D,C,KH,KW) -> (D,OH,OW)."""
    cases = []
    for X, K, _ in _channel_cases(N_CASES):
        want = convref.conv(X, K)
        cases.append(Case((X, K), want, f"a {shapes_of(X)} input with a {shapes_of(K)} kernel",
                          magnitude=convref.conv(np.abs(X), np.abs(K)),
                          wrong={"the kernel is flipped": convref.conv(X, K, flip=True),
                                 "K is (D, C, KH, KW): its FIRST axis is the output channel, the "
                                 "second the input channel": convref.conv(X, K.transpose(1, 0, 2, 3))
                                 if K.shape[0] == K.shape[1] else None,
                                 "each input channel c pairs with its own kernel slice K[d, c], not with "
                                 "every slice": convref.conv(X.sum(0)[None], K.sum(1)[:, None])
                                 if X.shape[0] > 1 else None,
                                 **_truncated(want)}))

    def hint(case, shape):
        X, K = case.args
        if len(shape) == 4:
            return "the input channels are not summed: the output is (D, OH, OW)"
        if len(shape) == 3 and shape[0] != K.shape[0] and shape[0] == X.shape[0]:
            return "one map per INPUT channel: the output needs one map per output channel (D)"
        if shape == case.expected.shape[1:] + case.expected.shape[:1]:
            return "the output channels come last: the output is (D, OH, OW), channel axis first"
        return _valid_shape_hint(case, shape)
    return run_cases(corr2d_multi_in_out, "corr2d_multi_in_out", cases, hint)


def test_conv_layer(conv_layer):
    """The batched layer with bias: (N,C,H,W), (D,C,KH,KW), (D,) -> (N,D,OH,OW)."""
    # first a layer with D = OH = OW, where a bias added along a spatial axis gives an
    # answer to diagnose rather than a broadcasting error
    layers = [(rng_array(7, (2, 2, 4, 4)), rng_array(8, (3, 2, 2, 2)), rng_array(9, (3,)))]
    layers += [(X, V, None if i % 4 == 3 else u)
               for i, (X, V, u) in enumerate(_channel_cases(N_CASES, batched=True))]
    cases = []
    for X, V, bias in layers:
        want = convref.conv(X, V, bias)
        wrong = {"the kernel is flipped": convref.conv(X, V, bias, flip=True)}
        if bias is not None:
            wrong["the bias is missing"] = convref.conv(X, V)
            if X.shape[2] - V.shape[2] + 1 == V.shape[0]:
                wrong["the bias is added along the wrong axis: u[d] belongs to output channel d "] = \
                    convref.conv(X, V) + bias[None, None, :, None]
            if X.shape[3] - V.shape[3] + 1 == V.shape[0]:
                wrong["the bias is added along the wrong axis: u[d] belongs to output channel d"] = \
                    convref.conv(X, V) + bias
        wrong.update(_truncated(want))
        cases.append(Case((X, V), want, f"a {shapes_of(X)} batch with a {shapes_of(V)} kernel"
                          + (" and a bias" if bias is not None else " and u=None"),
                          kwargs={"u": bias}, magnitude=convref.conv(np.abs(X), np.abs(V)) +
                          (0 if bias is None else np.abs(bias)[:, None, None]), wrong=wrong))

    def hint(case, shape):
        X, V = case.args
        if len(shape) == 4 and shape[:2] == (V.shape[0], X.shape[0]) and V.shape[0] != X.shape[0]:
            return "batch and channel axes are swapped: the output is (N, D, OH, OW)"
        if len(shape) == 3:
            return "the batch axis is missing: the output is (N, D, OH, OW), one stack of maps per image"
        n, d, oh, ow = case.expected.shape
        if shape == (n, oh, ow, d):
            return "the output channels come last: the output is (N, D, OH, OW), channels after the batch"
        if len(shape) == 5:
            return "the input channels are not summed: the output is (N, D, OH, OW)"
        return _valid_shape_hint(case, shape)
    return run_cases(conv_layer, "conv_layer", cases, hint)
