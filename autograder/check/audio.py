"""Hidden checks of the assignment ``audio``: one function per test cell.

The layers are compared with ``convref.conv`` (PyTorch's semantics) on hypothesis cases
drawn fresh for each submission; ``causal_conv1d`` is also probed for causality with
perturbed copies of its input; ``estimate_delay`` runs on synthetic recordings whose delay is
known by construction (and is the one clear peak of the full cross-correlation: the case
builder makes fresh noise until it is).
Messages name shapes and parameters, never the values of hidden inputs.
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

import convref

from ..checks import (Case, CheckFailed, call_checked, close, dims, draw, fresh_rng, rng_array,
                      run_cases, seeds, shapes_of)
from ..remote import StudentError

N_CASES = 20


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


# -- the lecture's layer, written for sound ---------------------------------------------

def _audio_ref(X, V, u=None):
    return convref.conv(X.T, V.transpose(2, 1, 0), u).T


def test_audio_layer(audio_layer):
    """H[t, d] = u[d] + sum_a sum_c V[a, c, d] X[t + a, c], time-major, valid, a = 0..A-1."""
    # first a layer with T - A + 1 == D and C == D, where a bias along the time axis or a
    # kernel read as (A, D, C) gives an answer to diagnose rather than a broadcasting error
    fixed = [(7, 3, 3, 5, True, 0), (9, 2, 4, 3, True, 1), (6, 1, 1, 6, False, 2),
             (1, 2, 3, 1, True, 3), (12, 3, 2, 1, False, 4)]
    drawn = draw(st.tuples(dims(1, 24), dims(1, 4), dims(1, 4), dims(1, 6), st.booleans(), seeds)
                 .filter(lambda c: c[3] <= c[0]), N_CASES)
    cases = []
    for T, C, D, A, bias, seed in fixed + drawn:
        X, V = rng_array(seed, (T, C)), rng_array(seed + 1, (A, C, D))
        u = rng_array(seed + 2, (D,)) if bias else None
        want = _audio_ref(X, V, u)
        plain = _audio_ref(X, V)
        wrong = {"the kernel is flipped in time: V[a] must multiply X[t + a] (cross-correlation, "
                 "a = 0 first)": _audio_ref(X, V[::-1], u)}
        if C == D and C > 1:
            wrong["V[a, c, d] takes input channel c (axis 1) to output channel d (axis 2): the "
                  "two channel axes are swapped"] = _audio_ref(X, V.transpose(0, 2, 1), u)
        if u is not None:
            wrong["the bias u is missing"] = plain
            if T - A + 1 == D and D > 1:
                wrong["the bias is added along the wrong axis: u[d] belongs to output channel d, "
                      "the last axis of H"] = plain + u[:, None]
        if T - A + 1 == D and D > 1:
            wrong["the output is time-major, H[t, d]: this is H transposed (D, T - A + 1)"] = want.T
        cases.append(Case((X, V), want,
                          f"a {shapes_of(X)} recording (T x C) with a {shapes_of(V)} kernel "
                          f"(A x C x D){' and a bias u' if bias else ' and u=None'}",
                          kwargs={"u": u}, magnitude=_mag(X.T, V.transpose(2, 1, 0), u).T,
                          wrong=wrong))

    def hint(case, shape):
        X, V = case.args
        (T, C), (A, _, D) = X.shape, V.shape
        if shape == (D, T - A + 1):
            return "the output is time-major: H has shape (T - A + 1, D), time first"
        if len(shape) == 2 and shape[1] == D:
            if shape[0] == T:
                return ("this output has T rows, but the layer is valid: only T - A + 1 windows "
                        "of A samples fit in the recording")
            if shape[0] == T - A:
                return "one step short: a valid output has T - A + 1 time steps"
            if shape[0] == T - A + 2:
                return "one step too many: a valid output has T - A + 1 time steps"
        if len(shape) == 3:
            return "the input channels are not summed: H has shape (T - A + 1, D)"
        if len(shape) == 2 and shape[1] == C and C != D:
            return "H has one column per OUTPUT channel: its shape is (T - A + 1, D)"
        return None
    return run_cases(audio_layer, "audio_layer", cases, hint)


# -- conv1d with PyTorch's arguments ----------------------------------------------------

def _conv1d_case(x, w, b, s, p, d, about_prefix):
    """A conv1d Case with the answers of the usual misconceptions."""
    ref = dict(stride=s, padding=p, dilation=d)
    want = convref.conv(x, w, b, **ref)
    L = want.shape[-1]
    K = w.shape[-1]
    lead = ((0, 0),) * (x.ndim - 1)
    wrong = {"the kernel is flipped: conv1d is a cross-correlation, w[d, c, k] multiplies "
             "x[c, t*stride + k*dilation]": convref.conv(x, w, b, flip=True, **ref)}
    if d > 1:
        xp = np.pad(x, lead + ((p, p),))
        undilated = convref.conv(xp, w, b, stride=s)[..., :L]
        wrong["the dilation is ignored: with dilation d the kernel taps are d samples apart "
              "(x[t*stride + k*dilation])"] = undilated
    if p > 0:
        one_side = "padding=p puts p zeros at EACH end of the signal (not 2p at one end)"
        for key, pair in ((one_side, (2 * p, 0)), (one_side + " ", (0, 2 * p))):
            wrong[key] = convref.conv(np.pad(x, lead + (pair,)), w, b, stride=s, dilation=d)
    if s > 1:
        xs = np.pad(x[..., ::s], lead + ((p, p),))
        if _length(xs.shape[-1], K, 1, 0, 0, d) == L:
            wrong["stride keeps every stride-th window of the padded signal (windows start at "
                   "0, s, 2s, ...); it does not subsample the input first"] = \
                convref.conv(xs, w, b, dilation=d)
    if b is not None:
        plain = convref.conv(x, w, **ref)
        wrong["the bias b is missing"] = plain
        if L == w.shape[0] and L > 1:
            wrong["the bias is added along the wrong axis: b[d] belongs to output channel d, "
                  "the axis of length D, not the time axis"] = plain + b
    case = Case((x, w), want,
                f"{about_prefix} of shape {shapes_of(x)} with a {shapes_of(w)} kernel, stride={s}, "
                f"padding={p}, dilation={d}{_bias_text(b)}",
                kwargs={"b": b, **ref}, magnitude=_mag(x, w, b, **ref), wrong=wrong)
    case.params = (s, p, d)
    return case


def _conv1d_hint(case, shape):
    x, w = case.args
    s, p, d = case.params
    T, K = x.shape[-1], w.shape[-1]
    want = case.expected.shape
    if len(shape) != len(want):
        if len(want) == 2:
            return ("an unbatched input (C, T) gives an unbatched output (D, T_out): drop the "
                    "batch axis you added")
        return "a batch (N, C, T) gives a batch (N, D, T_out), one output per signal"
    if shape[:-1] != want[:-1]:
        if len(want) == 3 and shape[:2] == (want[1], want[0]):
            return "batch and channel axes are swapped: the output is (N, D, T_out)"
        return f"the output has {len(want)} axes, (N, D, T_out) for a batch or (D, T_out) for one signal"
    got = shape[-1]
    candidates = []
    if s > 1:
        candidates.append((_length(T, K, 1, p, p, d),
                           "the stride is ignored: keep only every stride-th window (window t "
                           "starts at t*stride of the padded signal)"))
    if d > 1:
        candidates.append((_length(T, K, s, p, p, 1),
                           "the dilation is ignored: a kernel of size K with dilation d spans "
                           "d*(K-1) + 1 samples"))
    if p > 0:
        candidates.append((_length(T, K, s, 0, 0, d),
                           "the padding is missing: padding=p adds p zeros at each end of the signal"))
        candidates.append((_length(T, K, s, p, 0, d),
                           "padding=p puts p zeros at EACH end of the signal, not only at one"))
    if s > 1:
        candidates.append((_length(-(-T // s), K, 1, p, p, d),
                           "stride keeps every stride-th window of the padded signal (windows start "
                           "at 0, s, 2s, ...); it does not subsample the input first"))
    for length, message in candidates:
        if length is not None and got == length:
            return message
    if abs(got - want[-1]) == 1:
        return ("off by one: the output length is "
                "floor((T + 2*padding - dilation*(K-1) - 1) / stride) + 1")
    return None


def _conv1d_cases():
    """Unbatched cases first, each fixed one switching on one option, so that a mistake shows
    up in the case that isolates it; the first has T_out == D and a bias (bias-axis diagnosis).
    Rows: (x shape, w shape, bias, stride, padding, dilation, seed)."""
    unbatched = [((2, 6), (4, 2, 3), True, 1, 0, 1, 100), ((3, 9), (2, 3, 3), True, 1, 0, 1, 101),
                 ((2, 8), (3, 2, 3), False, 1, 2, 1, 102), ((1, 11), (2, 1, 3), True, 3, 0, 1, 103),
                 ((2, 12), (3, 2, 3), False, 1, 0, 3, 104), ((1, 1), (1, 1, 1), True, 1, 0, 1, 105),
                 ((2, 5), (2, 2, 5), True, 1, 0, 1, 106), ((1, 3), (2, 1, 4), False, 1, 1, 1, 107)]
    batched = [((2, 3, 10), (2, 3, 4), True, 2, 1, 1, 108), ((3, 2, 17), (4, 2, 3), True, 2, 3, 2, 109),
               ((1, 1, 7), (1, 1, 2), False, 1, 0, 6, 110)]
    strategy = st.tuples(dims(0, 3), dims(1, 4), dims(1, 4), dims(1, 5), dims(1, 24),
                         dims(1, 4), st.integers(0, 3), dims(1, 4), st.booleans(), seeds) \
        .filter(lambda c: c[7] * (c[3] - 1) + 1 <= c[4] + 2 * c[6])
    for n, c, dd, k, t, s, p, d, bias, seed in draw(strategy, 2 * N_CASES):
        row = ((n, c, t) if n else (c, t), (dd, c, k), bias, s, p, d, seed)
        (batched if n else unbatched).append(row)
    cases = []
    for xs, ws, bias, s, p, d, seed in unbatched + batched:
        x, w = rng_array(seed, xs), rng_array(seed + 1, ws)
        b = rng_array(seed + 2, (ws[0],)) if bias else None
        cases.append(_conv1d_case(x, w, b, s, p, d, "a batch (N, C, T)" if len(xs) == 3
                                  else "a signal (C, T)"))
    return cases


def _value_errors(function, name, bad):
    """``bad``: [(args, kwargs, what)]; each call must raise ValueError."""
    results = call_checked(function, name, [(a, k) for a, k, _ in bad])
    for (_a, _k, what), got in zip(bad, results):
        if not (isinstance(got, StudentError) and str(got).startswith("ValueError")):
            did = f"it raised {got}" if isinstance(got, StudentError) else "it returned a result"
            raise CheckFailed(f"{name} must raise ValueError when {what} ({did})")


def test_conv1d(conv1d):
    """torch.nn.functional.conv1d's semantics (int zero padding), single signal or batch."""
    cases = _conv1d_cases()
    unbatched = [c for c in cases if c.args[0].ndim == 2]
    batched = [c for c in cases if c.args[0].ndim == 3]
    count = run_cases(conv1d, "conv1d", unbatched, _conv1d_hint)
    try:
        count += run_cases(conv1d, "conv1d", batched, _conv1d_hint)
    except CheckFailed as failure:
        if " raised on " in str(failure):
            raise CheckFailed(f"{failure} (conv1d must accept a batch (N, C, T) as well as a "
                              "single signal (C, T))") from None
        raise
    _value_errors(conv1d, "conv1d", [
        ((np.ones((3, 8)), np.ones((2, 2, 3))), {}, "the kernel's channel count differs from the input's"),
        ((np.ones((1, 4)), np.ones((1, 1, 5))), {}, "the kernel is longer than the signal"),
        ((np.ones((1, 6)), np.ones((1, 1, 3))), {"dilation": 3},
         "the dilated kernel (span dilation*(K-1) + 1) is longer than the padded signal"),
    ])
    return count + 3


# -- causal convolution ---------------------------------------------------------------

def _causal_ref(x, w, b, d, flip=False):
    span = d * (w.shape[-1] - 1)
    return convref.conv(x, w, b, padding=((span, 0),), dilation=d, flip=flip)


def _causal_cases():
    fixed = [((2, 9), (3, 2, 3), True, 1), ((1, 12), (2, 1, 2), False, 3), ((3, 10), (2, 3, 4), True, 2),
             ((2, 2, 11), (3, 2, 3), True, 2), ((1, 1), (1, 1, 1), True, 1), ((1, 4), (1, 1, 5), False, 1),
             ((1, 3), (2, 1, 3), True, 4)]
    strategy = st.tuples(dims(0, 3), dims(1, 3), dims(1, 3), dims(1, 5), dims(1, 20), dims(1, 4),
                         st.booleans(), seeds)
    rows = [(xs, ws, bias, d, 3000 + i) for i, (xs, ws, bias, d) in enumerate(fixed)]
    for n, c, dd, k, t, d, bias, seed in draw(strategy, N_CASES):
        rows.append(((n, c, t) if n else (c, t), (dd, c, k), bias, d, seed))
    cases = []
    for xs, ws, bias, d, seed in rows:
        x, w = rng_array(seed, xs), rng_array(seed + 1, ws)
        b = rng_array(seed + 2, (ws[0],)) if bias else None
        K, T = ws[-1], xs[-1]
        span = d * (K - 1)
        lead = ((0, 0),) * (x.ndim - 1)
        want = _causal_ref(x, w, b, d)
        wrong = {}
        if span:
            wrong["causal_conv1d reads the future: the zeros go on the LEFT (before x[..., 0]), "
                  "so out[..., t] uses only x[..., :t+1]"] = \
                convref.conv(x, w, b, padding=((0, span),), dilation=d)
            wrong["the kernel is flipped: w[..., K-1] weights the present sample x[..., t] and "
                  "w[..., 0] the oldest, x[..., t - dilation*(K-1)]"] = _causal_ref(x, w, b, d, flip=True)
            wrong["causal_conv1d reads the future: centred ('same') padding looks ahead; put "
                  "all dilation*(K-1) zeros on the left"] = \
                convref.conv(x, w, b, padding="same", dilation=d)
        if d > 1 and K > 1:
            wrong["the dilation is ignored: the taps are dilation samples apart, "
                  "x[..., t - dilation*(K-1-k)]"] = _causal_ref(x, w, b, 1)
            wrong["the dilation is ignored: the taps are dilation samples apart, "
                  "x[..., t - dilation*(K-1-k)] "] = \
                convref.conv(np.pad(x, lead + ((span, 0),)), w, b)[..., :T]
        if b is not None:
            plain = _causal_ref(x, w, None, d)
            wrong["the bias b is missing"] = plain
            if T == ws[0] and T > 1:
                wrong["the bias is added along the wrong axis: b[d] belongs to output channel d, "
                      "the axis of length D, not the time axis"] = plain + b
        case = Case((x, w), want,
                    f"{'a batch (N, C, T)' if x.ndim == 3 else 'a signal (C, T)'} of shape "
                    f"{shapes_of(x)} with a {shapes_of(w)} kernel, dilation={d}{_bias_text(b)}",
                    kwargs={"b": b, "dilation": d},
                    magnitude=_mag(x, w, b, padding=((span, 0),), dilation=d), wrong=wrong)
        cases.append(case)
    return cases


def _causal_hint(case, shape):
    x, w = case.args
    d = case.kwargs["dilation"]
    T, K = x.shape[-1], w.shape[-1]
    span = d * (K - 1)
    want = case.expected.shape
    if len(shape) != len(want):
        return ("the output has the input's rank: (D, T) for a signal (C, T), (N, D, T) for a "
                "batch (N, C, T)")
    if shape[:-1] != want[:-1]:
        return "the output is (D, T) or (N, D, T): one row per output channel"
    got = shape[-1]
    if span and got == T + span:
        return ("the output has T + dilation*(K-1) samples: that is the full correlation; pad "
                "dilation*(K-1) zeros on the left only, so the output has length T")
    if span and got == T - span:
        return "this is the valid output: pad dilation*(K-1) zeros on the left so the output has length T"
    if d > 1 and K > 1 and got == T - span + (K - 1):
        return ("pad dilation*(K-1) zeros on the left, not K-1: the dilated kernel spans "
                "dilation*(K-1) + 1 samples")
    if d > 1 and K > 1 and got == T + span - (K - 1):
        return "the dilation is ignored: the taps are dilation samples apart"
    return "the output of a causal convolution has as many samples as the input (length T)"


def _causality(causal_conv1d):
    """Perturb x at time t0 (and later); outputs before t0 must not move."""
    probes = []
    for seed, xs, ws, d in [(11, (2, 16), (3, 2, 3), 1), (12, (1, 14), (2, 1, 2), 4),
                            (13, (2, 3, 15), (2, 3, 4), 2)]:
        x, w = rng_array(seed, xs), rng_array(seed + 1, ws)
        b = rng_array(seed + 2, (ws[0],))
        T = xs[-1]
        for t0 in (T // 2, T - 1):
            moved = x.copy()
            moved[..., t0:] += 2.0 + rng_array(seed + t0, moved[..., t0:].shape)
            probes.append((x, moved, w, b, d, t0))
    calls = []
    for x, moved, w, b, d, _ in probes:
        calls += [((x, w), {"b": b, "dilation": d}), ((moved, w), {"b": b, "dilation": d})]
    results = call_checked(causal_conv1d, "causal_conv1d", calls)
    for index, (x, moved, w, b, d, t0) in enumerate(probes):
        before, after = results[2 * index], results[2 * index + 1]
        if isinstance(before, StudentError) or isinstance(after, StudentError):
            return          # the value checks report the error with its case
        want_shape = x.shape[:-2] + (w.shape[0], x.shape[-1])
        if not (isinstance(before, np.ndarray) and isinstance(after, np.ndarray)
                and before.shape == after.shape == want_shape):
            return          # the value checks report the shape
        span = d * (w.shape[-1] - 1)
        scale = _mag(np.maximum(np.abs(x), np.abs(moved)), w, b, padding=((span, 0),), dilation=d)
        if not close(after[..., :t0], before[..., :t0], scale[..., :t0]):
            raise CheckFailed(
                f"causal_conv1d reads the future: on a {shapes_of(x)} input with a "
                f"{shapes_of(w)} kernel (dilation={d}), changing only x[..., {t0}:] changed "
                f"outputs before time {t0}. out[..., t] may use x[..., :t+1] only: pad on the left")


def test_causal_conv1d(causal_conv1d):
    """Left padding dilation*(K-1): length T, and out[..., t] reads only x[..., :t+1]."""
    _causality(causal_conv1d)
    cases = _causal_cases()
    return run_cases(causal_conv1d, "causal_conv1d", cases, _causal_hint) + 12


# -- receptive field -------------------------------------------------------------------

def test_receptive_field(receptive_field):
    """1 + sum over layers of (k - 1) * dilation."""
    fixed = [(2, [1, 2, 4, 8]), (3, [1, 1, 1]), (3, []), (1, [5, 7]), ([3, 5], [1, 2]),
             (2, [1]), ([2, 3, 2], [4, 1, 16]), (5, (1, 2, 4, 8, 16, 32, 64, 128, 256, 512))]
    sizes = st.one_of(dims(1, 7), st.lists(dims(1, 7), min_size=1, max_size=8))
    strategy = st.tuples(sizes, st.lists(dims(1, 64), min_size=0, max_size=8))
    drawn = [(k if isinstance(k, int) else k[:len(dl)] + [k[-1]] * (len(dl) - len(k)), dl)
             for k, dl in draw(strategy, N_CASES)]
    cases = []
    for kernel, dilations in fixed + drawn:
        ks = [kernel] * len(dilations) if isinstance(kernel, int) else list(kernel)
        if len(ks) != len(dilations):
            continue
        want = 1 + sum((k - 1) * d for k, d in zip(ks, dilations))
        wrong = {
            "each layer adds (k - 1) * dilation samples to the reach: the taps of a kernel "
            "span (k-1)*dilation + 1 samples, not k*dilation": 1 + sum(k * d for k, d in zip(ks, dilations)),
            "each layer adds (k - 1) * dilation samples to the reach: the taps of a kernel "
            "span (k-1)*dilation + 1 samples, not k*dilation ": sum(k * d for k, d in zip(ks, dilations)),
            "the output sample itself counts: a stack of 1-tap layers sees 1 sample, so "
            "start from 1": want - 1,
            "the dilation is ignored: a layer with dilation d puts its taps d samples apart":
            1 + sum(k - 1 for k in ks),
            "the layers share their end samples: add (k - 1) * dilation per layer and 1 once, "
            "not (k - 1) * dilation + 1 per layer": sum((k - 1) * d + 1 for k, d in zip(ks, dilations)),
            "stacked layers add their reach, they do not multiply it":
            math.prod((k - 1) * d + 1 for k, d in zip(ks, dilations)),
        }
        cases.append(Case((kernel, dilations), want,
                          f"kernel_size={kernel!r}, dilations={dilations!r}", wrong=wrong))
    return run_cases(receptive_field, "receptive_field", cases)


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


def test_estimate_delay(estimate_delay):
    """The lag L maximising sum_t x[t] y[t + L] (so y[t] ~ x[t - L]), any lengths."""
    cases = []
    for x, y, lag, about in _delay_cases():
        m, n = len(x), len(y)
        wrong = {
            "the sign is wrong: y trails x by L when y[t] ~ x[t - L], so a delayed y gives a "
            "positive lag": -lag,
            "this is the index of the peak in the 'full' correlation: subtract len(x) - 1 to "
            "turn it into a lag": lag + m - 1,
            "subtract len(x) - 1, not len(y) - 1: in np.correlate(y, x, 'full') entry k is "
            "lag k - (len(x) - 1)": lag + m - n,
            "the sign is wrong (the arguments of the correlation are swapped): y trails x by L "
            "when y[t] ~ x[t - L]": -lag + n - m,
            "the index of the peak in the 'full' correlation of (x, y) is not the lag: "
            "correlate y with x and subtract len(x) - 1": -lag + n - 1,
        }
        if lag < 0:
            # an FFT correlation of length len(y): negative lags wrap around to the end (and a
            # longer x is cut short); the mistake computed exactly as it is usually written
            size = len(y)
            circular = np.fft.irfft(np.fft.rfft(y, size) * np.conj(np.fft.rfft(x, size)), size)
            wrong["a negative lag came back as a large positive one: a circular (FFT) "
                  "correlation of length len(y) wraps negative lags around to the end; zero-pad "
                  "both signals to len(x) + len(y) - 1"] = int(np.argmax(circular))
            wrong["a negative lag came back as a large positive one: in a correlation computed "
                  "with the FFT (zero-padded to len(x) + len(y) - 1), the upper indices hold the "
                  "negative lags; map index k >= len(y) to k - (len(x) + len(y) - 1)"] = lag + m + n - 1
        cases.append(Case((x, y), lag, about, wrong=wrong))
    return run_cases(estimate_delay, "estimate_delay", cases)
