"""Hidden checks of the assignment ``audio``: one function per test cell.

The layers are compared with ``convref.conv`` (PyTorch's semantics) on hypothesis cases
drawn fresh for each submission; ``causal_conv1d`` is also probed for causality with
perturbed copies of its input (a part judged by hand); ``estimate_delay`` runs on synthetic
recordings whose delay is known by construction (and is the one clear peak of the full
cross-correlation: the case builder makes fresh noise until it is).

Every function's credit groups and their weights are stated below (``*_GROUPS``): one
group per requirement of its task, each exercising that requirement on top of the plain
case, so that a mistake in one option costs that option's credit only.
Messages name shapes and parameters, never the values of hidden inputs.
"""
from __future__ import annotations

import math
from functools import partial

import numpy as np
from hypothesis import strategies as st

import convref

from ..cases import dims, draw, fresh_rng, int_array, rng_array, seeds, shapes_of
from ..verdict import (ERRORS, PYTHON_INT, SHORTCUT, UNANSWERED, VALUES, Alternatives, Case,
                       CheckFailed, Depends, GroupResult, Judgement, Misconception, StudentError,
                       call_checked, close, evaluate, finish, judge, must_raise, python_int_case,
                       with_truncated)

N_CASES = 20

BIAS = "bias"
BIAS_U = "bias u"
RECORDINGS = "integer recordings"
OPTIONS = "padding, stride and dilation"
DILATION = "dilation"
BATCH = "batch"
INTEGERS = "integer inputs"
CAUSALITY = "causality"
NEGATIVE = "negative lags"
PER_LAYER = "kernel sizes per layer"

#: Credit groups of each function and their weights (the cell's points are shared in this
#: proportion): the plain values weigh most, each further requirement of the task its share.
AUDIO_GROUPS = {VALUES: 3, BIAS_U: 1, RECORDINGS: 1}
CONV1D_GROUPS = {VALUES: 3, BIAS: 1, OPTIONS: 3, BATCH: 1, INTEGERS: 1, ERRORS: 1}
CAUSAL_GROUPS = {VALUES: 3, BIAS: 1, DILATION: 2, BATCH: 1, INTEGERS: 1, CAUSALITY: 2}
RF_GROUPS = {VALUES: 2, PER_LAYER: 1, PYTHON_INT: 1}
DELAY_GROUPS = {VALUES: 3, NEGATIVE: 2, PYTHON_INT: 1}


def _mag(x, w, b=None, **options):
    """Sum of |terms| of every output of ``convref.conv(x, w, b, **options)``."""
    return convref.conv(np.abs(x), np.abs(w), None if b is None else np.abs(b), **options)


def _length(t, k, stride=1, before=0, after=0, dilation=1):
    """Output length of a 1-D layer, or None where the kernel does not fit."""
    span = dilation * (k - 1) + 1
    if span > t + before + after:
        return None
    return (t + before + after - span) // stride + 1


def _bias_text(b):
    return " and a bias" if b is not None else " and b=None"


def _named_batch(judgement: Judgement, misconception: Misconception) -> Judgement:
    """``judgement`` with a batch group that failed only by raising named as ``misconception``.

    The engine names misconceptions from wrong answers; a function written for one signal
    raises on a batch instead (unpacking ``C, T = x.shape``), so its batch group would get the
    bare error. The engine's message for a group whose failing calls all raised starts with
    "<name> raised on"; that group gets the misconception's explanation after it."""
    groups = []
    for g in judgement.groups:
        if (g.name == BATCH and not g.passed and g.misconception is None
                and g.message.startswith(f"{judgement.function} raised on ")):
            g = GroupResult(g.name, g.weight, False, f"{g.message.rstrip('.')}. "
                            f"{misconception.message}", misconception.key)
        groups.append(g)
    return Judgement(judgement.function, tuple(groups), judgement.note)


# -- the lecture's layer, written for sound ---------------------------------------------

AUDIO_FLIPPED = Misconception("kernel_flipped", "the kernel is flipped in time: V[a] must "
                              "multiply X[t + a] (cross-correlation, a = 0 first)")
AUDIO_CHANNELS_SWAPPED = Misconception("channel_axes_swapped", "V[a, c, d] takes input channel c "
                                       "(axis 1) to output channel d (axis 2): the two channel "
                                       "axes are swapped")
AUDIO_FIRST_CHANNEL = Misconception("first_channel_only", "only the first input channel is used: "
                                    "H[t, d] sums over EVERY input channel c")
AUDIO_AVERAGED = Misconception("channels_averaged", "the input channels are averaged: the layer "
                               "SUMS over c, with no division")
AUDIO_NO_BIAS = Misconception("bias_missing", "the bias u is missing")
AUDIO_BIAS_AXIS = Misconception("bias_wrong_axis", "the bias is added along the wrong axis: u[d] "
                                "belongs to output channel d, the last axis of H")
AUDIO_TRANSPOSED = Misconception("output_transposed", "the output is time-major, H[t, d]: this is "
                                 "H transposed, (D, T - A + 1)")
AUDIO_NOT_VALID = Misconception("output_not_valid", "this output has T rows, but the layer is "
                                "valid: only T - A + 1 windows of A samples fit in the recording")
AUDIO_ONE_SHORT = Misconception("output_one_short", "one step short: a valid output has T - A + 1 "
                                "time steps")
AUDIO_ONE_TOO_MANY = Misconception("output_one_too_many", "one step too many: a valid output has "
                                   "T - A + 1 time steps")
AUDIO_NOT_SUMMED = Misconception("channels_not_summed", "the input channels are not summed: H has "
                                 "shape (T - A + 1, D)")
AUDIO_COLUMNS = Misconception("columns_per_input_channel", "H has one column per OUTPUT channel: "
                              "its shape is (T - A + 1, D)")


def _audio_ref(X, V, u=None):
    return convref.conv(X.T, V.transpose(2, 1, 0), u).T


def _audio_rows():
    """(group, T, C, D, A, bias, label): the first layer has T - A + 1 == D and C == D, where a
    bias along the time axis or a kernel read as (A, D, C) gives an answer to diagnose rather
    than a broadcasting error; then A == T, T == 1, A == 1, one channel in or out."""
    fixed = [(VALUES, 7, 3, 3, 5, False, 0), (VALUES, 9, 2, 4, 3, False, 1),
             (VALUES, 6, 1, 1, 6, False, 2), (VALUES, 1, 2, 3, 1, False, 3),
             (VALUES, 12, 3, 2, 1, False, 4), (VALUES, 8, 2, 1, 4, False, 5),
             (BIAS_U, 7, 3, 3, 5, True, 10), (BIAS_U, 9, 2, 4, 3, True, 11),
             (BIAS_U, 5, 1, 1, 2, True, 12), (BIAS_U, 6, 2, 3, 6, True, 13),
             (RECORDINGS, 7, 3, 3, 5, False, 20),
             (RECORDINGS, 9, 2, 4, 3, False, 21),
             (RECORDINGS, 10, 1, 2, 4, False, 22)]
    shapes = st.tuples(dims(1, 24), dims(1, 4), dims(1, 4), dims(1, 6), seeds) \
        .filter(lambda c: c[3] <= c[0])
    rows = list(fixed)
    for group, count, bias in ((VALUES, N_CASES, False), (BIAS_U, 8, True),
                               (RECORDINGS, 5, False)):
        rows += [(group, T, C, D, A, bias, seed) for T, C, D, A, seed in draw(shapes, count)]
    return rows


def _audio_wrong(X, V, u, want):
    """The misconceptions of an audio-layer case: X (T, C), V (A, C, D), u (D,) or None."""
    (T, C), (A, _, D) = X.shape, V.shape
    plain = _audio_ref(X, V)
    h = (A - 1) // 2
    wrong = {AUDIO_FLIPPED: _audio_ref(X, V[::-1], u),
             AUDIO_TRANSPOSED: want.T,
             AUDIO_NOT_VALID: Alternatives(
                 _audio_ref(np.pad(X, (split, (0, 0))), V, u)
                 for split in {(0, A - 1), (A - 1, 0), (h, A - 1 - h), (A - 1 - h, h)})
             if A > 1 else None,
             AUDIO_FIRST_CHANNEL: _audio_ref(X[:, :1], V[:, :1], u) if C > 1 else None,
             AUDIO_AVERAGED: plain / C + (0 if u is None else u) if C > 1 else None,
             AUDIO_CHANNELS_SWAPPED: _audio_ref(X, V.transpose(0, 2, 1), u)
             if C == D > 1 else None}
    if u is not None:
        wrong[AUDIO_NO_BIAS] = plain
        if T - A + 1 == D > 1:
            wrong[AUDIO_BIAS_AXIS] = plain + u[:, None]
    return wrong


def _audio_cases():
    cases = []
    for group, T, C, D, A, bias, seed in _audio_rows():
        integer = group == RECORDINGS
        X = int_array(seed, (T, C)) if integer else rng_array(seed, (T, C))
        V, u = rng_array(seed + 1, (A, C, D)), rng_array(seed + 2, (D,)) if bias else None
        want = _audio_ref(X, V, u)
        cases.append(Case((X, V), want,
                          f"a{'n integer' if integer else ''} {shapes_of(X)} recording (T x C) with "
                          f"a {shapes_of(V)} kernel (A x C x D)"
                          f"{' and a bias u' if bias else ' and u=None'}",
                          group=group, kwargs={"u": u},
                          magnitude=_mag(X.T, V.transpose(2, 1, 0), u).T,
                          wrong=partial(with_truncated, _audio_wrong, X, V, u, want,
                                        want=want if integer else None)))
    return cases


def _audio_hint(case, shape):
    X, V = case.args
    (T, C), (A, _, D) = X.shape, V.shape
    if shape == (D, T - A + 1):
        return AUDIO_TRANSPOSED
    if len(shape) == 2 and shape[1] == D:
        if shape[0] == T:
            return AUDIO_NOT_VALID
        if shape[0] == T - A:
            return AUDIO_ONE_SHORT
        if shape[0] == T - A + 2:
            return AUDIO_ONE_TOO_MANY
    if len(shape) == 3:
        return AUDIO_NOT_SUMMED
    if len(shape) == 2 and shape[1] == C and C != D:
        return AUDIO_COLUMNS
    return None


def test_audio_layer(audio_layer):
    """H[t, d] = u[d] + sum_a sum_c V[a, c, d] X[t + a, c], time-major, valid, a = 0..A-1."""
    return judge(audio_layer, "audio_layer", _audio_cases(), AUDIO_GROUPS, shape_hint=_audio_hint)


# -- conv1d with PyTorch's arguments ----------------------------------------------------

CONV_FLIPPED = Misconception("kernel_flipped", "the kernel is flipped: conv1d is a "
                             "cross-correlation, w[d, c, k] multiplies x[c, t*stride + k*dilation]")
NO_DILATION = Misconception("dilation_ignored", "the dilation is ignored: with dilation d the "
                            "kernel taps are d samples apart (x[t*stride + k*dilation]), and a "
                            "kernel of K taps spans d*(K-1) + 1 samples")
PAD_ONE_SIDE = Misconception("padding_one_side", "padding=p puts p zeros at EACH end of the "
                             "signal (not 2p at one end)")
PAD_ONE_END = Misconception("padding_one_end", "padding=p puts p zeros at EACH end of the signal, "
                            "not only at one")
NO_PADDING = Misconception("padding_ignored", "the padding is missing: padding=p adds p zeros at "
                           "each end of the signal")
SUBSAMPLED = Misconception("stride_subsamples_input", "stride keeps every stride-th window of the "
                           "padded signal (windows start at 0, s, 2s, ...); it does not subsample "
                           "the input first")
NO_STRIDE = Misconception("stride_ignored", "the stride is ignored: keep only every stride-th "
                          "window (window t starts at t*stride of the padded signal)")
NO_BIAS = Misconception("bias_missing", "the bias b is missing")
BIAS_AXIS = Misconception("bias_wrong_axis", "the bias is added along the wrong axis: b[d] belongs "
                          "to output channel d, the axis of length D, not the time axis")
LENGTH_OFF_BY_ONE = Misconception("output_length_off_by_one", "off by one: the output length is "
                                  "floor((T + 2*padding - dilation*(K-1) - 1) / stride) + 1")
NO_BATCH = Misconception("batch_not_accepted", "conv1d must accept a batch (N, C, T) as well as a "
                         "single signal (C, T), and return (N, D, T_out)")
BATCH_ADDED = Misconception("batch_axis_kept", "an unbatched input (C, T) gives an unbatched output "
                            "(D, T_out): drop the batch axis you added")
BATCH_DROPPED = Misconception("batch_axis_lost", "a batch (N, C, T) gives a batch (N, D, T_out), "
                              "one output per signal")
BATCH_SWAPPED = Misconception("batch_channel_swapped", "batch and channel axes are swapped: the "
                              "output is (N, D, T_out)")


def _conv1d_wrong(x, w, b, s, p, d, want):
    """The misconceptions of a conv1d case: x (C, T) or (N, C, T), w (D, C, K)."""
    ref = dict(stride=s, padding=p, dilation=d)
    L = want.shape[-1]
    lead = ((0, 0),) * (x.ndim - 1)
    wrong = {CONV_FLIPPED: convref.conv(x, w, b, flip=True, **ref)}
    if d > 1:
        undilated = convref.conv(x, w, b, stride=s, padding=p)
        wrong[NO_DILATION] = Alternatives((undilated, undilated[..., :L]))
    if p > 0:
        wrong[PAD_ONE_SIDE] = Alternatives(convref.conv(np.pad(x, lead + (pair,)), w, b, stride=s,
                                                        dilation=d) for pair in ((2 * p, 0), (0, 2 * p)))
        if _length(x.shape[-1], w.shape[-1], s, 0, 0, d) is not None:
            wrong[NO_PADDING] = convref.conv(x, w, b, stride=s, dilation=d)
    if s > 1:
        xs = np.pad(x[..., ::s], lead + ((p, p),))
        if _length(xs.shape[-1], w.shape[-1], 1, 0, 0, d) is not None:
            wrong[SUBSAMPLED] = convref.conv(xs, w, b, dilation=d)
        wrong[NO_STRIDE] = convref.conv(x, w, b, padding=p, dilation=d)
    if b is not None:
        wrong.update(_bias_wrongs(convref.conv(x, w, **ref), b))
    return wrong


def _bias_wrongs(plain, b):
    """The bias mistakes of a layer whose output without the bias is ``plain`` (..., D, L):
    left out, or added along time, where numpy broadcasts it when L equals D."""
    length = plain.shape[-1]
    wrong = {NO_BIAS: plain}
    if length == len(b) and length > 1:
        wrong[BIAS_AXIS] = plain + b
    return wrong


def _conv1d_case(x, w, b, s, p, d, group):
    """A conv1d Case with the answers of the usual misconceptions."""
    ref = dict(stride=s, padding=p, dilation=d)
    want = convref.conv(x, w, b, **ref)
    integer = group == INTEGERS
    what = "a batch (N, C, T)" if x.ndim == 3 else "a signal (C, T)"
    return Case((x, w), want,
                f"{'an integer ' + what[2:] if integer else what} of shape {shapes_of(x)} with a "
                f"{shapes_of(w)} kernel, stride={s}, padding={p}, dilation={d}{_bias_text(b)}",
                group=group, kwargs={"b": b, **ref}, magnitude=_mag(x, w, b, **ref),
                wrong=partial(with_truncated, _conv1d_wrong, x, w, b, s, p, d, want,
                              want=want if integer else None))


def _conv1d_hint(case, shape):
    x, w = case.args
    s, p, d = (case.kwargs[k] for k in ("stride", "padding", "dilation"))
    T, K = x.shape[-1], w.shape[-1]
    want = case.expected.shape
    if len(shape) != len(want):
        return BATCH_ADDED if len(want) == 2 else BATCH_DROPPED
    if shape[:-1] != want[:-1]:
        if len(want) == 3 and shape[:2] == (want[1], want[0]):
            return BATCH_SWAPPED
        return f"the output has {len(want)} axes, (N, D, T_out) for a batch or (D, T_out) for one signal"
    got = shape[-1]
    candidates = []
    if s > 1:
        candidates.append((_length(T, K, 1, p, p, d), NO_STRIDE))
    if d > 1:
        candidates.append((_length(T, K, s, p, p, 1), NO_DILATION))
    if p > 0:
        candidates.append((_length(T, K, s, 0, 0, d), NO_PADDING))
        candidates.append((_length(T, K, s, p, 0, d), PAD_ONE_END))
    if s > 1:
        candidates.append((_length(-(-T // s), K, 1, p, p, d), SUBSAMPLED))
    for length, misconception in candidates:
        if length is not None and got == length:
            return misconception
    if abs(got - want[-1]) == 1:
        return LENGTH_OFF_BY_ONE
    return None


def _conv1d_rows():
    """``(group, x shape, w shape, bias, stride, padding, dilation, label)``. Each group
    switches on its one requirement over the plain case (b=None, stride 1, no padding, no
    dilation, one float signal), so that a mistake shows in the group of its requirement only.
    Fixed rows: T_out == D with a bias (the bias-axis diagnosis), a kernel as long as the
    signal, one that fits only thanks to the padding, each option alone, all at once."""
    fixed = [(VALUES, (3, 9), (2, 3, 3), 1, 0, 1), (VALUES, (1, 1), (1, 1, 1), 1, 0, 1),
             (VALUES, (2, 5), (2, 2, 5), 1, 0, 1), (VALUES, (1, 7), (3, 1, 1), 1, 0, 1),
             (VALUES, (2, 6), (4, 2, 3), 1, 0, 1),
             (BIAS, (2, 6), (4, 2, 3), 1, 0, 1), (BIAS, (3, 9), (2, 3, 3), 1, 0, 1),
             (BIAS, (1, 5), (1, 1, 2), 1, 0, 1),
             (OPTIONS, (2, 8), (3, 2, 3), 1, 2, 1), (OPTIONS, (1, 11), (2, 1, 3), 3, 0, 1),
             (OPTIONS, (2, 12), (3, 2, 3), 1, 0, 3), (OPTIONS, (1, 3), (2, 1, 4), 1, 1, 1),
             (OPTIONS, (2, 10), (2, 2, 4), 2, 1, 1), (OPTIONS, (2, 17), (4, 2, 3), 2, 3, 2),
             (OPTIONS, (1, 7), (1, 1, 2), 1, 0, 6),
             (BATCH, (2, 3, 10), (2, 3, 4), 1, 0, 1), (BATCH, (3, 2, 17), (4, 2, 3), 1, 0, 1),
             (BATCH, (1, 1, 7), (1, 1, 2), 1, 0, 1), (BATCH, (2, 1, 1), (3, 1, 1), 1, 0, 1),
             (INTEGERS, (2, 6), (4, 2, 3), 1, 0, 1), (INTEGERS, (1, 9), (2, 1, 3), 1, 0, 1),
             (INTEGERS, (3, 5), (2, 3, 2), 1, 0, 1)]
    rows = [(group, xs, ws, group == BIAS, s, p, d, 100 + i)
            for i, (group, xs, ws, s, p, d) in enumerate(fixed)]
    plain = st.tuples(dims(1, 4), dims(1, 4), dims(1, 5), dims(1, 24), seeds) \
        .filter(lambda c: c[2] <= c[3])
    for group, count in ((VALUES, 8), (BIAS, 5), (INTEGERS, 4)):
        rows += [(group, (c, t), (dd, c, k), group == BIAS, 1, 0, 1, seed)
                 for c, dd, k, t, seed in draw(plain, count)]
    batches = st.tuples(dims(1, 3), dims(1, 4), dims(1, 4), dims(1, 5), dims(1, 24), seeds) \
        .filter(lambda c: c[3] <= c[4])
    rows += [(BATCH, (n, c, t), (dd, c, k), False, 1, 0, 1, seed)
             for n, c, dd, k, t, seed in draw(batches, 5)]
    options = st.tuples(dims(1, 4), dims(1, 4), dims(1, 5), dims(1, 24), dims(1, 4),
                        st.integers(0, 3), dims(1, 4), seeds) \
        .filter(lambda c: c[6] * (c[2] - 1) + 1 <= c[3] + 2 * c[5] and (c[4], c[5], c[6]) != (1, 0, 1))
    rows += [(OPTIONS, (c, t), (dd, c, k), False, s, p, d, seed)
             for c, dd, k, t, s, p, d, seed in draw(options, 24)]
    return rows


def _conv1d_cases():
    cases = []
    for group, xs, ws, bias, s, p, d, seed in _conv1d_rows():
        x = int_array(seed, xs) if group == INTEGERS else rng_array(seed, xs)
        w = rng_array(seed + 1, ws)
        b = rng_array(seed + 2, (ws[0],)) if bias else None
        cases.append(_conv1d_case(x, w, b, s, p, d, group))
    cases += [must_raise((np.ones((3, 8)), np.ones((2, 2, 3))), "a 3x8 signal with a 2x2x3 kernel",
                         "the kernel's channel count differs from the input's"),
              must_raise((np.ones((1, 8)), np.ones((1, 2, 3))), "a 1x8 signal with a 1x2x3 kernel",
                         "the kernel's channel count differs from the input's"),
              must_raise((np.ones((1, 4)), np.ones((1, 1, 5))), "a 1x4 signal with a 1x1x5 kernel",
                         "the kernel is longer than the signal"),
              must_raise((np.ones((2, 3, 4)), np.ones((1, 3, 6))), "a 2x3x4 batch with a 1x3x6 kernel",
                         "the kernel is longer than the signal"),
              must_raise((np.ones((1, 6)), np.ones((1, 1, 3))), "a 1x6 signal with a 1x1x3 kernel, "
                         "dilation=3", "the dilated kernel (span dilation*(K-1) + 1) is longer than "
                         "the padded signal", kwargs={"dilation": 3}),
              must_raise((np.ones((1, 2)), np.ones((1, 1, 5))), "a 1x2 signal with a 1x1x5 kernel, "
                         "padding=1", "the kernel is longer than the padded signal",
                         kwargs={"padding": 1})]
    return cases


def test_conv1d(conv1d):
    """torch.nn.functional.conv1d's semantics (int zero padding), single signal or batch."""
    judgement = evaluate(conv1d, "conv1d", _conv1d_cases(), CONV1D_GROUPS, shape_hint=_conv1d_hint)
    return finish(_named_batch(judgement, NO_BATCH))


# -- causal convolution ---------------------------------------------------------------

CAUSAL_PAD_RIGHT = Misconception("padded_on_the_right", "it reads the future: the zeros go on the "
                                 "LEFT (before x[..., 0]), so out[..., t] uses only x[..., :t+1]")
CAUSAL_PAD_CENTRED = Misconception("padded_on_both_sides", "it reads the future: centred ('same') "
                                   "padding looks ahead; put all dilation*(K-1) zeros on the left")
CAUSAL_FLIPPED = Misconception("kernel_flipped", "the kernel is flipped: w[..., K-1] weights the "
                               "present sample x[..., t] and w[..., 0] the oldest, "
                               "x[..., t - dilation*(K-1)]")
CAUSAL_NO_DILATION = Misconception("dilation_ignored", "the dilation is ignored: the taps are "
                                   "dilation samples apart, x[..., t - dilation*(K-1-k)]")
CAUSAL_FULL = Misconception("full_length_output", "the output has T + dilation*(K-1) samples: "
                            "that is the full correlation; pad dilation*(K-1) zeros on the left "
                            "only, so the output has length T")
CAUSAL_VALID = Misconception("valid_output", "this is the valid output: pad dilation*(K-1) zeros "
                             "on the left so the output has length T")
CAUSAL_PAD_K = Misconception("padded_k_minus_1", "pad dilation*(K-1) zeros on the left, not K-1: "
                             "the dilated kernel spans dilation*(K-1) + 1 samples")
CAUSAL_RANK = Misconception("output_rank", "the output has the input's rank: (D, T) for a signal "
                            "(C, T), (N, D, T) for a batch (N, C, T)")
CAUSAL_NO_BATCH = Misconception("batch_not_accepted", "causal_conv1d must accept a batch (N, C, T) "
                                "as well as a single signal (C, T), and return (N, D, T)")
READS_FUTURE = Misconception("reads_the_future", "causal_conv1d reads the future: {what}. "
                             "out[..., t] may use x[..., :t+1] only: pad on the left")
DEAF = Misconception("ignores_its_input", "causal_conv1d does not hear its input: {what}. "
                     "out[..., t] must depend on the present sample x[..., t]")


def _causal_ref(x, w, b, d, flip=False):
    span = d * (w.shape[-1] - 1)
    return convref.conv(x, w, b, padding=((span, 0),), dilation=d, flip=flip)


def _causal_rows():
    """``(group, x shape, w shape, bias, dilation, label)``: each group switches on its one
    requirement over the plain case (one float signal, b=None, dilation 1)."""
    rows = [(VALUES, (2, 9), (3, 2, 3), False, 1, 200), (VALUES, (1, 1), (1, 1, 1), False, 1, 201),
            (VALUES, (1, 4), (1, 1, 5), False, 1, 202), (VALUES, (2, 8), (2, 2, 2), False, 1, 203),
            (BIAS, (2, 9), (3, 2, 3), True, 1, 210), (BIAS, (3, 3), (3, 3, 2), True, 1, 211),
            (BIAS, (1, 6), (1, 1, 4), True, 1, 212),
            (DILATION, (1, 12), (2, 1, 2), False, 3, 220), (DILATION, (3, 10), (2, 3, 4), False, 2, 221),
            (DILATION, (1, 3), (2, 1, 3), False, 4, 222),
            (BATCH, (2, 2, 11), (3, 2, 3), False, 1, 230), (BATCH, (1, 3, 7), (2, 3, 2), False, 1, 231),
            (INTEGERS, (2, 9), (3, 2, 3), False, 1, 240), (INTEGERS, (1, 8), (2, 1, 2), False, 1, 241)]
    plain = st.tuples(dims(1, 3), dims(1, 3), dims(1, 5), dims(1, 20), seeds)
    for group, count, bias in ((VALUES, 8, False), (BIAS, 4, True), (INTEGERS, 3, False)):
        rows += [(group, (c, t), (dd, c, k), bias, 1, seed) for c, dd, k, t, seed in draw(plain, count)]
    rows += [(DILATION, (c, t), (dd, c, k), False, d, seed) for c, dd, k, t, d, seed in
             draw(st.tuples(dims(1, 3), dims(1, 3), dims(2, 5), dims(1, 20), dims(2, 4), seeds), 8)]
    rows += [(BATCH, (n, c, t), (dd, c, k), False, 1, seed) for n, c, dd, k, t, seed in
             draw(st.tuples(dims(1, 3), dims(1, 3), dims(1, 3), dims(1, 5), dims(1, 20), seeds), 4)]
    return rows


def _causal_wrong(x, w, b, d):
    """The misconceptions of a causal-conv case: x (C, T) or (N, C, T), w (D, C, K)."""
    K, T = w.shape[-1], x.shape[-1]
    span = d * (K - 1)
    lead = ((0, 0),) * (x.ndim - 1)
    wrong = {}
    if span:
        wrong[CAUSAL_PAD_RIGHT] = convref.conv(x, w, b, padding=((0, span),), dilation=d)
        wrong[CAUSAL_FLIPPED] = _causal_ref(x, w, b, d, flip=True)
        wrong[CAUSAL_PAD_CENTRED] = Alternatives(
            convref.conv(x, w, b, padding=(pair,), dilation=d)
            for pair in {(span // 2, span - span // 2), (span - span // 2, span // 2)})
    if d > 1 and K > 1:
        wrong[CAUSAL_NO_DILATION] = Alternatives((
            _causal_ref(x, w, b, 1), convref.conv(np.pad(x, lead + ((span, 0),)), w, b)[..., :T]))
    if b is not None:
        wrong.update(_bias_wrongs(_causal_ref(x, w, None, d), b))
    return wrong


def _causal_cases():
    cases = []
    for group, xs, ws, bias, d, seed in _causal_rows():
        integer = group == INTEGERS
        x = int_array(seed, xs) if integer else rng_array(seed, xs)
        w = rng_array(seed + 1, ws)
        b = rng_array(seed + 2, (ws[0],)) if bias else None
        span = d * (ws[-1] - 1)
        want = _causal_ref(x, w, b, d)
        what = "a batch (N, C, T)" if x.ndim == 3 else "a signal (C, T)"
        cases.append(Case((x, w), want,
                          f"{'an integer ' + what[2:] if integer else what} of shape {shapes_of(x)} "
                          f"with a {shapes_of(w)} kernel, dilation={d}{_bias_text(b)}",
                          group=group, kwargs={"b": b, "dilation": d},
                          magnitude=_mag(x, w, b, padding=((span, 0),), dilation=d),
                          wrong=partial(with_truncated, _causal_wrong, x, w, b, d,
                                        want=want if integer else None)))
    return cases


def _causal_hint(case, shape):
    x, w = case.args
    d = case.kwargs["dilation"]
    T, K = x.shape[-1], w.shape[-1]
    span = d * (K - 1)
    want = case.expected.shape
    if len(shape) != len(want):
        return CAUSAL_RANK
    if shape[:-1] != want[:-1]:
        return "the output is (D, T) or (N, D, T): one row per output channel"
    got = shape[-1]
    if span and got == T + span:
        return CAUSAL_FULL
    if span and got == T - span:
        return CAUSAL_VALID
    if d > 1 and K > 1 and got == T - span + (K - 1):
        return CAUSAL_PAD_K
    if d > 1 and K > 1 and got == T + span - (K - 1):
        return CAUSAL_NO_DILATION
    return "the output of a causal convolution has as many samples as the input (length T)"


def _causality_probes():
    """``(x, moved, w, b, dilation, t0)``: ``moved`` is ``x`` changed from time t0 on."""
    probes = []
    for label, xs, ws, d in [(300, (2, 16), (3, 2, 3), 1), (301, (1, 14), (2, 1, 2), 4),
                             (302, (2, 3, 15), (2, 3, 4), 2)]:
        x, w = rng_array(label, xs), rng_array(label + 1, ws)
        b = rng_array(label + 2, (ws[0],))
        T = xs[-1]
        for t0 in (T // 2, T - 1):
            moved = x.copy()
            moved[..., t0:] += 2.0 + rng_array((label, t0), moved[..., t0:].shape)
            probes.append((x, moved, w, b, d, t0))
    return probes


def _causality(causal_conv1d, values: Judgement) -> Judgement:
    """The causality group, judged by hand: on every probe the student's function answers,
    the outputs before t0 must not move when the input moves from t0 on, and the outputs from
    t0 on must (the layer hears the present). A blank answer or a shortcut loses it as well."""
    def verdict(passed, message="", misconception=None):
        group = GroupResult(CAUSALITY, CAUSAL_GROUPS[CAUSALITY], passed, message, misconception)
        return Judgement(values.function, (group,))

    lost = {g.misconception for g in values.groups} & {UNANSWERED.key, SHORTCUT.key}
    if lost and not any(g.passed for g in values.groups):
        return verdict(False, "", lost.pop())
    probes = _causality_probes()
    calls = []
    for x, moved, w, b, d, _ in probes:
        calls += [((x, w), {"b": b, "dilation": d}), ((moved, w), {"b": b, "dilation": d})]
    try:
        results = call_checked(causal_conv1d, "causal_conv1d", calls)
    except CheckFailed as failure:
        return verdict(False, str(failure))
    judged, error = 0, None
    for index, (x, moved, w, b, d, t0) in enumerate(probes):
        before, after = results[2 * index], results[2 * index + 1]
        raised = next((r for r in (before, after) if isinstance(r, StudentError)), None)
        if raised is not None:
            error = error or (f"causal_conv1d raised on a {shapes_of(x)} input with a "
                              f"{shapes_of(w)} kernel, so its causality could not be tested: {raised}")
            continue
        if not (isinstance(before, np.ndarray) and isinstance(after, np.ndarray)
                and before.shape == after.shape and before.ndim >= 1 and before.dtype != object):
            continue            # the value groups report the shape
        judged += 1
        span = d * (w.shape[-1] - 1)
        scale = _mag(np.maximum(np.abs(x), np.abs(moved)), w, b, padding=((span, 0),), dilation=d)
        magnitude = scale[..., :t0]
        if magnitude.shape != before[..., :t0].shape:
            magnitude = np.max(scale)
        what = (f"on a {shapes_of(x)} input with a {shapes_of(w)} kernel (dilation={d}), changing "
                f"only the samples from time t0 = {t0} on")
        if not close(after[..., :t0], before[..., :t0], magnitude):
            return verdict(False, READS_FUTURE.message.format(what=f"{what} changed outputs before t0"),
                           READS_FUTURE.key)
        if after[..., t0:].size and np.array_equal(after[..., t0:], before[..., t0:]):
            return verdict(False, DEAF.message.format(what=f"{what} changed no output from t0 on"),
                           DEAF.key)
    if not judged:
        return verdict(False, error or "causal_conv1d returned no output of a shape its "
                       "causality could be tested on")
    return verdict(True)


def _conv1d_of_left_padded(case):
    """The call of conv1d a causal layer built on it makes: the signal with dilation*(K-1)
    zeros on the left, no padding, stride 1."""
    x, w = case.args
    d = case.kwargs["dilation"]
    span = d * (w.shape[-1] - 1)
    return [((np.pad(x, ((0, 0),) * (x.ndim - 1) + ((span, 0),)), w),
             {"b": case.kwargs["b"], "dilation": d})]


def test_causal_conv1d(causal_conv1d):
    """Left padding dilation*(K-1): length T, and out[..., t] reads only x[..., :t+1]. A causal
    layer built on the student's conv1d (left-padded signal, no padding) is charged only for its
    own mistakes."""
    weights = {g: w for g, w in CAUSAL_GROUPS.items() if g != CAUSALITY}
    on_conv1d = Depends("conv1d", _conv1d_of_left_padded, lambda case, results: results[0],
                        groups=tuple(weights))
    values = _named_batch(evaluate(causal_conv1d, "causal_conv1d", _causal_cases(), weights,
                                   shape_hint=_causal_hint, depends=on_conv1d), CAUSAL_NO_BATCH)
    return finish(values, _causality(causal_conv1d, values))


# -- receptive field -------------------------------------------------------------------

RF_NO_PLUS_ONE = Misconception("output_sample_not_counted", "the output sample itself counts: a "
                               "stack of 1-tap layers sees 1 sample, so start from 1")
RF_K_TIMES_D = Misconception("reach_k_times_dilation", "each layer adds (k - 1) * dilation samples "
                             "to the reach: the taps of a kernel span (k-1)*dilation + 1 samples, "
                             "not k*dilation")
RF_NO_DILATION = Misconception("dilation_ignored", "the dilation is ignored: a layer with dilation "
                               "d puts its taps d samples apart")
RF_SPANS = Misconception("span_counted_per_layer", "the layers share their end samples: add "
                         "(k - 1) * dilation per layer and 1 once, not (k - 1) * dilation + 1 per layer")
RF_PRODUCT = Misconception("reach_multiplied", "stacked layers add their reach, they do not "
                           "multiply it")
RF_LAYER_MISSED = Misconception("layer_count_off_by_one", "one layer is left out: the sum runs "
                                "over EVERY layer, one term per entry of dilations (check the "
                                "range of your loop)")


def _rf_rows():
    fixed = [(2, [1, 2, 4, 8]), (3, [1, 1, 1]), (3, []), (1, [5, 7]), ([3, 5], [1, 2]),
             (2, [1]), ([2, 3, 2], [4, 1, 16]), (5, (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)),
             ([], []), ([4, 1, 3], [2, 8, 1])]
    sizes = st.one_of(dims(1, 7), st.lists(dims(1, 7), min_size=1, max_size=8))
    strategy = st.tuples(sizes, st.lists(dims(1, 64), min_size=0, max_size=8))
    drawn = [(k if isinstance(k, int) else k[:len(dl)] + [k[-1]] * (len(dl) - len(k)), dl)
             for k, dl in draw(strategy, N_CASES)]
    return fixed + drawn


def _rf_about(kernel, dilations):
    n = len(dilations)
    layers = "no layer (empty dilations)" if not n else f"{n} layer{'s' * (n != 1)}"
    return f"{layers}, " + ("one int kernel_size" if isinstance(kernel, int) else
                            "a list of kernel sizes")


def test_receptive_field(receptive_field):
    """1 + sum over layers of (k - 1) * dilation, as a Python int."""
    cases = []
    for kernel, dilations in _rf_rows():
        ks = [kernel] * len(dilations) if isinstance(kernel, int) else list(kernel)
        pairs = list(zip(ks, dilations))
        want = 1 + sum((k - 1) * d for k, d in pairs)
        wrong = {RF_NO_PLUS_ONE: want - 1,
                 RF_K_TIMES_D: Alternatives((1 + sum(k * d for k, d in pairs),
                                             sum(k * d for k, d in pairs))),
                 RF_NO_DILATION: 1 + sum(k - 1 for k in ks),
                 RF_SPANS: sum((k - 1) * d + 1 for k, d in pairs),
                 RF_PRODUCT: math.prod((k - 1) * d + 1 for k, d in pairs),
                 RF_LAYER_MISSED: Alternatives((want - (pairs[0][0] - 1) * pairs[0][1],
                                                want - (pairs[-1][0] - 1) * pairs[-1][1]))
                 if pairs else None}
        # the value as any number: the "Python int" group judges the type
        cases.append(Case((kernel, dilations), float(want), _rf_about(kernel, dilations),
                          group=VALUES if isinstance(kernel, int) else PER_LAYER, wrong=wrong))
    cases += [python_int_case(c) for c in (cases[0], cases[2], cases[4])]
    return judge(receptive_field, "receptive_field", cases, RF_GROUPS)


# -- delay estimation -----------------------------------------------------------------

def _chirp(n, f0=0.01, f1=0.35):
    t = np.arange(n)
    return np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t ** 2 / (2 * n))) * np.hanning(n + 2)[1:-1]


def _place(n, parts):
    """A recording of length n holding ``gain * signal`` at each ``(start, gain, signal)``."""
    out = np.zeros(n)
    for start, gain, signal in parts:
        out[start:start + len(signal)] += gain * signal
    return out


PEAK_MARGIN = 1e-6   # a delay case's peak beats the runner-up by this fraction of itself


def _clear_peak(x, y, lag) -> bool:
    """Is ``lag`` the one clear peak of sum_t x[t] y[t + L] (no near tie)?"""
    r = convref.correlate(y, x, "full")
    if int(np.argmax(r)) - (len(x) - 1) != lag:
        return False
    top = np.sort(r)[-2:]
    return len(r) == 1 or bool(top[1] - top[0] > PEAK_MARGIN * abs(top[1]))


def _delay_situations():
    """Builders of the worked situations, each ``rng -> (x, y, lag, about)``: their sizes
    and kinds are fixed (the edge cases), their lags and noise fresh."""
    def noise(rng, n, s=1.0):
        return s * rng.standard_normal(n)

    def delayed(rng):
        x, lag = noise(rng, 200), int(rng.integers(5, 41))
        return (x, np.concatenate([np.zeros(lag), x[:-lag]]) + noise(rng, 200, 0.1), lag,
                "y is x delayed (noise, both 200 samples)")

    def copy(rng):
        x = noise(rng, 150)
        return x, x + noise(rng, 150, 0.3), 0, "y is a noisy copy of x with no delay (150 samples each)"

    def echo(rng):
        burst = noise(rng, 120)
        direct = int(rng.integers(0, 290))
        later = direct + int(rng.integers(30, 91))
        return (burst, _place(500, [(direct, 0.8, burst), (later, 0.4, burst)]) + noise(rng, 500, 0.2),
                direct, "y (500 samples) holds the 120-sample x twice: a direct sound and a weaker echo")

    def chirp_in_noise(rng):
        chirp, lag = _chirp(256), int(rng.integers(0, 345))
        return (chirp, _place(600, [(lag, 1.0, chirp)]) + noise(rng, 600, 0.5), lag,
                "x is a 256-sample chirp, y a noisy 600-sample recording containing it")

    def at_the_end(rng):
        x = noise(rng, 64)
        return (x, _place(300, [(236, 1.0, x)]) + noise(rng, 300, 0.2), 236,
                "x (64 samples) sits at the very end of y (300 samples): the largest lag possible")

    def impulse(rng):
        lag = int(rng.integers(1, 60))
        return (np.array([1.0]), _place(60, [(lag, 1.0, np.array([1.0]))]), lag,
                "x is a single sample (an impulse), y an impulse response of 60 samples")

    def leading(rng):
        ahead = int(rng.integers(3, 31))
        s = noise(rng, 180 + ahead)
        return (s[:180], s[ahead:] + noise(rng, 180, 0.1), -ahead,
                "y leads x (a negative lag): the same noise, but y starts further into it; "
                "180 samples each")

    def excerpt(rng):
        x, start = noise(rng, 300), int(rng.integers(1, 200))
        return (x, x[start:start + 100] + noise(rng, 100, 0.2), -start,
                "y is shorter than x: a 100-sample excerpt of the 300-sample x (a negative lag)")

    def first_part(rng):
        x = noise(rng, 250)
        return x, x[:50] + noise(rng, 50, 0.2), 0, "y is the first 50 samples of the 250-sample x"

    def last_part(rng):
        x = noise(rng, 250)
        return (x, x[210:] + noise(rng, 40, 0.2), -210,
                "y is the last 40 samples of the 250-sample x: the most negative lag possible")

    def single(rng):
        return noise(rng, 1), noise(rng, 1), 0, "x and y are one sample each"

    def strong_noise(rng):
        x, lag = noise(rng, 256), int(rng.integers(40, 101))
        return (x, _place(256, [(lag, 1.0, x[:256 - lag])]) + noise(rng, 256, 1.0), lag,
                "y is x delayed in strong noise (signal-to-noise ratio 1, 256 samples each)")

    def short_chirp(rng):
        chirp, lag = _chirp(128, 0.05, 0.45), int(rng.integers(0, 13))
        return (chirp, _place(140, [(lag, 1.0, chirp)]) + noise(rng, 140, 0.3), lag,
                "x is a 128-sample chirp, y a noisy 140-sample recording containing it")

    def silent_start(rng):
        x = noise(rng, 90)
        return (np.concatenate([np.zeros(30), x]), x + noise(rng, 90, 0.1), -30,
                "y (90 samples) leads x (120 samples, silent at first): a negative lag")

    return [delayed, copy, echo, chirp_in_noise, at_the_end, impulse, leading, excerpt,
            first_part, last_part, single, strong_noise, short_chirp, silent_start]


def _delay_cases():
    rng = fresh_rng("delay recordings")
    rows = []
    for build in _delay_situations():
        for _ in range(20):                 # fresh noise until the peak is unambiguous
            row = build(rng)
            if _clear_peak(*row[:3]):
                rows.append(row)
                break
        else:
            raise RuntimeError(f"no recording with a clear peak for {build.__name__}")
    # drawn: a noise snippet placed in (or cut from) a longer noisy recording
    strategy = st.tuples(dims(8, 120), dims(8, 120), st.floats(0, 1), seeds)
    for m, n, where, seed in draw(strategy, N_CASES):
        r = fresh_rng(seed)
        if n >= m:
            x = r.standard_normal(m)
            lag = int(round(where * (n - m)))
            y = _place(n, [(lag, 1.0, x)]) + 0.2 * r.standard_normal(n)
            about = f"x ({m} samples) placed in y ({n} samples)"
        else:
            x = r.standard_normal(m)
            start = int(round(where * (m - n)))
            lag = -start
            y = x[start:start + n] + 0.2 * r.standard_normal(n)
            about = f"y ({n} samples) cut from x ({m} samples): a lag <= 0"
        if _clear_peak(x, y, lag):
            rows.append((x, y, lag, about))
    return rows


DELAY_SIGN = Misconception("lag_sign_flipped", "the sign is wrong: y trails x by L when "
                           "y[t] ~ x[t - L], so a delayed y gives a positive lag")
DELAY_FULL_INDEX = Misconception("full_index_not_shifted", "this is the index of the peak in the "
                                 "'full' correlation: subtract len(x) - 1 to turn it into a lag")
DELAY_LEN_Y = Misconception("shifted_by_len_y", "subtract len(x) - 1, not len(y) - 1: in "
                            "np.correlate(y, x, 'full') entry k is lag k - (len(x) - 1)")
DELAY_ARGS_SWAPPED = Misconception("correlation_arguments_swapped", "the sign is wrong (the "
                                   "arguments of the correlation are swapped): y trails x by L "
                                   "when y[t] ~ x[t - L]")
DELAY_XY_INDEX = Misconception("full_index_of_swapped_correlation", "the index of the peak in the "
                               "'full' correlation of (x, y) is not the lag: correlate y with x "
                               "and subtract len(x) - 1")
DELAY_CIRCULAR = Misconception("circular_correlation", "a negative lag came back as a large "
                               "positive one: a circular (FFT) correlation of length len(y) wraps "
                               "negative lags around to the end; zero-pad both signals to "
                               "len(x) + len(y) - 1")
DELAY_NOT_UNWRAPPED = Misconception("fft_lags_not_unwrapped", "a negative lag came back as a large "
                                    "positive one: in a correlation computed with the FFT "
                                    "(zero-padded to len(x) + len(y) - 1), the upper indices hold "
                                    "the negative lags; map index k >= len(y) to "
                                    "k - (len(x) + len(y) - 1)")


def test_estimate_delay(estimate_delay):
    """The lag L maximising sum_t x[t] y[t + L] (so y[t] ~ x[t - L]), any lengths, as a Python
    int: lags >= 0 and negative lags are groups of their own, and so is the type."""
    cases = []
    for x, y, lag, about in _delay_cases():
        m, n = len(x), len(y)
        wrong = {DELAY_SIGN: -lag, DELAY_FULL_INDEX: lag + m - 1, DELAY_LEN_Y: lag + m - n,
                 DELAY_ARGS_SWAPPED: -lag + n - m, DELAY_XY_INDEX: -lag + n - 1}
        if lag < 0:
            # an FFT correlation of length len(y): negative lags wrap around to the end (and a
            # longer x is cut short); the mistake computed exactly as it is usually written
            size = len(y)
            circular = np.fft.irfft(np.fft.rfft(y, size) * np.conj(np.fft.rfft(x, size)), size)
            wrong[DELAY_CIRCULAR] = int(np.argmax(circular))
            wrong[DELAY_NOT_UNWRAPPED] = lag + m + n - 1
        # the value as any number: the "Python int" group judges the type
        cases.append(Case((x, y), float(lag), about, group=VALUES if lag >= 0 else NEGATIVE,
                          wrong=wrong))
    cases += [python_int_case(c) for c in cases[:3]]
    return judge(estimate_delay, "estimate_delay", cases, DELAY_GROUPS)
