"""Hidden checks of the assignment ``delta_zero`` (exercise 1: a kernel with Delta = 0).

Each ``test_<name>(<name>)`` takes the student's function (or the grader's stand-in for it).
Values are compared with ``convref`` on cases drawn fresh for each submission: a 1x1
convolution is ``convref.conv(X, V[:, :, None, None], u)``, a per-pixel MLP is a stack of such
convolutions with ReLU between them, and the big matrix is ``convref.dense_matrix``. The three layer
functions are also checked for the property that defines the exercise: changing every channel
of one input pixel changes every output channel at that pixel and nothing anywhere else.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import convref

from ..checks import (RTOL, Case, CheckFailed, call_checked, close, dims, draw, fresh_rng, judge,
                      rng_array, run_cases, seeds, shapes_of)
from ..remote import StudentError

N_CASES = 20


# -- references ----------------------------------------------------------------------------

def _relu(z):
    return np.maximum(z, 0.0)


def _mixed_signs(out):
    """A ReLU on ``out`` is only a telling wrong answer if it neither keeps nor zeroes it all."""
    return bool((out > 0).any() and (out < 0).any())


def _layer(X, V, u=None):
    """The 1x1 convolution (D, C) on (C, H, W), from convref: the expected answers."""
    return convref.conv(X, np.asarray(V)[:, :, None, None], u)


def _quick(X, V, u=None):
    """The same layer as one einsum: for wrong answers, magnitudes and probes, where
    convref's generality would only cost time."""
    out = np.einsum("dc,chw->dhw", V, X)
    return out if u is None else out + np.asarray(u)[:, None, None]


def _layer_magnitude(M, V, u=None):
    """Sum of |terms| of each output of the 1x1 layer, given the magnitude M of its input."""
    return _quick(np.abs(M), np.abs(V), None if u is None else np.abs(u))


def _mlp(X, params, relu_after=None, layer=_quick):
    """Stacked 1x1 convolutions; ``relu_after[k]`` says whether a ReLU follows layer k (by
    default every layer but the last). ``layer=_layer`` computes it with convref."""
    last = len(params) - 1
    relu_after = relu_after or [k < last for k in range(len(params))]
    h = X
    for (W, b), relu in zip(params, relu_after):
        h = layer(h, W, b)
        if relu:
            h = _relu(h)
    return h


def _mlp_magnitude(X, params):
    m = np.abs(X)
    for W, b in params:
        m = _layer_magnitude(m, W, b)
    return m


def _channels_last(X, V, u, transpose_back=True):
    """The answer of ``X.reshape(H*W, C)``, which is NOT each pixel's channel vector."""
    C, H, W = X.shape
    rows = X.reshape(H * W, C) @ np.asarray(V).T                  # (H*W, D), scrambled
    out = rows.T.reshape(-1, H, W) if transpose_back else rows.reshape(-1, H, W)
    return out if u is None else out + np.asarray(u)[:, None, None]


# -- running and judging -------------------------------------------------------------------

class Unprobeable(Exception):
    """No replacement of a probe's pixel moves every output channel clearly (with fresh
    weights a ReLU stack can be dead there for every replacement tried)."""


class Probe:
    """The defining property, on one input: ``X`` and copies of it with every channel of
    one pixel replaced. ``rest``: the other arguments; ``reference(X)`` and
    ``magnitude(X)``: the correct output and the sum of |terms| of each of its entries."""

    def __init__(self, X, rest, kwargs, pixels, reference, magnitude, seed):
        self.X, self.rest, self.kwargs, self.pixels = X, tuple(rest), dict(kwargs), list(pixels)
        self.reference, self.magnitude = reference, magnitude
        rng = fresh_rng(seed)
        self.copies = []
        base = reference(X)
        for p, q in self.pixels:
            for _ in range(50):        # a replacement that moves every output channel clearly
                Y = X.copy()
                Y[:, p, q] = 2.0 * rng.standard_normal(X.shape[0])
                moved = np.abs(reference(Y)[:, p, q] - base[:, p, q])
                if np.all(moved > 1e-3 * (magnitude(X)[:, p, q] + magnitude(Y)[:, p, q])):
                    break
            else:
                raise Unprobeable(f"no clear perturbation of pixel {(p, q)}")
            self.copies.append(Y)

    @property
    def calls(self):
        return [((Z,) + self.rest, self.kwargs) for Z in [self.X] + self.copies]

    def verdict(self, name, outs, about):
        """``None`` when the property holds, else the message."""
        want_shape = self.reference(self.X).shape
        for out in outs:
            if isinstance(out, StudentError):
                return f"{name} raised on {about}: {out}"
            if not isinstance(out, np.ndarray) or out.shape != want_shape:
                return (f"{name} is wrong on {about}: output shape {np.shape(out)}, "
                        f"expected {want_shape}")
        base, mag0 = outs[0], self.magnitude(self.X)
        for (p, q), Y, out in zip(self.pixels, self.copies, outs[1:]):
            scale = mag0 + self.magnitude(Y)
            bound = RTOL * scale + 1e-9 * max(1.0, float(scale.max()))
            moved = np.abs(out - base) > bound                       # (D, H, W)
            elsewhere = moved.any(axis=0)
            elsewhere[p, q] = False
            if elsewhere.any():
                n = int(elsewhere.sum())
                return (f"{name} mixes pixels: on {about}, changing every channel of ONE input "
                        f"pixel also changed the output at {n} other pixel{'s' * (n > 1)}. "
                        "The output at pixel (i, j) may depend only on X[:, i, j], the channel "
                        "vector of the same pixel (check how you reshape and reshape back)")
            still = [d for d in range(out.shape[0]) if not moved[d, p, q]]
            if still:
                return (f"{name} is wrong on {about}: changing every channel of one input pixel "
                        f"left output channel{'s' * (len(still) > 1)} {still} at that pixel "
                        "unchanged. Every output channel at a pixel must depend on that "
                        "pixel's input channels")
        return None


SHORTCUT = ("{name} calls {calls}, a library convolution. This task asks you to write it "
            "yourself with numpy (a matrix product, einsum, tensordot and reshaping are all fine).")


def _run(function, name, cases, hint=None, probes=()):
    """Like ``run_cases``, plus the pixel-independence probes, all in one batch. Order of
    verdicts: errors, wrong shapes and known misconceptions first (the most specific
    feedback), then the property, then a generic 'values differ'."""
    calls = [(c.args, c.kwargs) for c in cases]
    for probe, _ in probes:
        calls += probe.calls
    results = call_checked(function, name, calls, SHORTCUT)
    values, rest = results[:len(cases)], results[len(cases):]
    unexplained = None
    for case, got in zip(cases, values):
        if isinstance(got, StudentError):
            raise CheckFailed(f"{name} raised on {case.about}: {got}")
        want = np.asarray(case.expected)
        if not isinstance(got, np.ndarray) or got.shape != want.shape:
            raise CheckFailed(f"{name} is wrong on {case.about}: {judge(got, case, hint)}")
        if close(got, want, case.magnitude):
            continue
        for message, answer in case.wrong.items():
            if answer is not None and np.shape(answer) == got.shape and close(got, answer, case.magnitude):
                raise CheckFailed(f"{name} is wrong on {case.about}: {message}")
        unexplained = unexplained or (case, got)
    for probe, about in probes:
        outs, rest = rest[:len(probe.calls)], rest[len(probe.calls):]
        verdict = probe.verdict(name, outs, about)
        if verdict:
            raise CheckFailed(verdict)
    if unexplained:
        case, got = unexplained
        raise CheckFailed(f"{name} is wrong on {case.about}: {judge(got, case, hint)}")
    return len(cases) + sum(len(p.calls) for p, _ in probes)


def _pixel_shape_hint(case, shape):
    """Diagnoses for a wrong output shape of a per-pixel layer (expected (D, H, W))."""
    D, H, W = case.expected.shape
    C = case.args[0].shape[0]
    if shape == (H, W, D) and (H, W) != (D, H):
        return "the output channels come last: the output is (D, H, W), channel axis first"
    if shape == (D, H * W) and H * W not in (H, W):
        return "reshape the (D, H*W) product back to (D, H, W)"
    if shape == (H * W, D) and (H * W, D) != (D, H * W):
        return "the output is (D, H, W): transpose and reshape the (H*W, D) product"
    if shape in ((D,), (D, 1, 1)) and H * W > 1:
        return ("the pixels were summed: every pixel keeps its own output vector, so the output "
                "is (D, H, W)")
    if shape == (C, H, W) and C != D:
        return "one map per INPUT channel: the output needs one map per output channel (D)"
    return None


# -- the single layer: conv1x1 and pixelwise_dense ----------------------------------------

def _layer_cases(count):
    """(X, V, u): square all-3 first (so axis mix-ups give a wrong answer, not a crash), D
    equal to H, size-1 edges, non-square, large and small values, u=None."""
    fixed = [(3, 3, 3, 3, True, 0), (2, 4, 4, 5, True, 1), (1, 1, 1, 1, True, 2),
             (4, 2, 1, 6, False, 3), (3, 5, 7, 2, True, 4), (2, 3, 5, 5, False, 5),
             (5, 1, 6, 3, True, 6)]
    drawn = draw(st.tuples(dims(1, 5), dims(1, 5), dims(1, 7), dims(1, 7), st.booleans(), seeds),
                 count)
    out = []
    for k, (c, d, h, w, bias, s) in enumerate(fixed + drawn):
        X, V = rng_array(s, (c, h, w)), rng_array(s + 1, (d, c))
        u = rng_array(s + 2, (d,)) if bias else None
        if k == 5:
            X = 1e6 * X                      # extremes: large inputs, small weights
            V = 1e-4 * V
        out.append((X, V, u))
    return out


CHANNELS_LAST = ("X.reshape(H*W, C) does not give each pixel's channel vector (the channel axis "
                 "of a (C, H, W) array comes first): move the axis (X.reshape(C, H*W), or "
                 "np.moveaxis) instead of reshaping")


def _layer_wrong(X, V, u, names):
    """Known mistakes of a per-pixel affine layer; ``names`` = (weights, bias) as the task
    calls them."""
    wt, bs = names
    C, H, W = X.shape
    D = V.shape[0]
    want = _quick(X, V, u)
    plain = _quick(X, V)
    wrong = {
        "a 1x1 layer is linear (plus the bias): there is no ReLU in it":
        _relu(want) if _mixed_signs(want) else None,
        CHANNELS_LAST: _channels_last(X, V, u),
        CHANNELS_LAST + " ": _channels_last(X, V, u, transpose_back=False),
        "the pixels were summed: each pixel keeps its own output vector":
        np.broadcast_to((V @ X.sum(axis=(1, 2)))[:, None, None], (D, H, W))
        + (0 if u is None else u[:, None, None]) if H * W > 1 else None,
    }
    if C == D:
        wrong[f"{wt} is (D, C): row d holds the weights of output channel d, so each pixel's "
              f"output is {wt} @ x, not {wt}.T @ x"] = _quick(X, V.T, u)
    if u is not None:
        wrong[f"the bias {bs} is missing"] = plain
        if W == D:
            wrong[f"the bias is added along the wrong axis: {bs}[d] belongs to output channel d "
                  f"(add {bs}[:, None, None])"] = plain + u
        if H == D:
            wrong[f"the bias is added along the wrong axis: {bs}[d] belongs to output channel d "
                  f"(add {bs}[:, None, None]) "] = plain + u[None, :, None]
    return wrong


def _layer_about(X, V, u, names):
    wt, bs = names
    return (f"a {shapes_of(X)} input with {wt} of shape {shapes_of(V)}"
            + (" and a bias" if u is not None else f" and {bs}=None"))


PROBE_ATTEMPTS = 20


def _probe(make, label):
    """``make(label)`` for the first of successive labels whose inputs admit a clear probe."""
    for attempt in range(PROBE_ATTEMPTS):
        try:
            return make(label + 1000 * attempt)
        except Unprobeable:
            continue
    raise RuntimeError(f"no probe inputs found in {PROBE_ATTEMPTS} attempts")


def _layer_probes(positional_bias, names):
    """``[(probe, about)]``: the pixel-independence property on inputs where every shape has
    several pixels."""
    out = []
    for c, d, h, w, pixels, s in [(3, 2, 4, 5, [(0, 0), (2, 3)], 11), (1, 3, 1, 6, [(0, 4)], 12),
                                  (4, 4, 5, 2, [(4, 1)], 13)]:
        def make(label, c=c, d=d, h=h, w=w, pixels=pixels, bias=positional_bias or s == 12):
            X, V = rng_array(label, (c, h, w)), rng_array(label + 1, (d, c))
            u = rng_array(label + 2, (d,)) if bias else None
            rest, kwargs = ((V, u), {}) if positional_bias else ((V,), {"u": u})
            probe = Probe(X, rest, kwargs, pixels,
                          reference=lambda Z: _quick(Z, V, u),
                          magnitude=lambda Z: _layer_magnitude(Z, V, u), seed=label + 100)
            return probe, _layer_about(X, V, u, names)
        out.append(_probe(make, s))
    return out


def _check_layer(function, name, names, positional_bias):
    """Shared by conv1x1 (bias ``u``, optional) and pixelwise_dense (bias ``b``, required)."""
    wt, bs = names
    cases = []
    for k, (X, V, u) in enumerate(_layer_cases(N_CASES)):
        if u is None and positional_bias:
            u = np.zeros(V.shape[0])
        if positional_bias:
            args, kwargs = (X, V, u), {}
        else:
            args, kwargs = (X, V), ({} if u is None and k % 2 else {"u": u})
        cases.append(Case(args, _layer(X, V, u), _layer_about(X, V, u, names), kwargs=kwargs,
                          magnitude=_layer_magnitude(X, V, u),
                          wrong=_layer_wrong(X, V, u, names)))
    return _run(function, name, cases, _pixel_shape_hint, _layer_probes(positional_bias, names))


def test_conv1x1(conv1x1):
    """H[d, i, j] = u[d] + sum_c V[d, c] X[c, i, j], against convref.conv with a 1x1 kernel;
    plus the property: one input pixel moves exactly its own output pixel."""
    return _check_layer(conv1x1, "conv1x1", ("V", "u"), positional_bias=False)


def test_pixelwise_dense(pixelwise_dense):
    """The dense layer W x + b on every pixel's channel vector: the same values as a 1x1
    convolution, and the same pixel independence."""
    return _check_layer(pixelwise_dense, "pixelwise_dense", ("W", "b"), positional_bias=True)


# -- stacked: the per-pixel MLP ------------------------------------------------------------

def _params(widths, seed):
    """[(W1, b1), ...] for layer widths [C, h1, ..., D]; weights scaled like a real net so
    the ReLUs are neither all on nor all off."""
    rng = fresh_rng(seed)
    return [(rng.standard_normal((n_out, n_in)) / np.sqrt(n_in), 0.5 * rng.standard_normal(n_out))
            for n_in, n_out in zip(widths[:-1], widths[1:])]


def _mlp_cases(count):
    fixed = [([3, 3, 3, 3], 3, 3, 0), ([2, 5, 1], 4, 6, 1), ([1, 1], 1, 1, 2), ([4, 2], 3, 2, 3),
             ([3, 6, 6, 6, 2], 5, 4, 4), ([1, 8, 1], 1, 7, 5), ([5, 4, 4], 2, 2, 6)]
    drawn = draw(st.tuples(st.lists(dims(1, 6), min_size=2, max_size=5), dims(1, 6), dims(1, 6),
                           seeds), count)
    return [(rng_array(s, (widths[0], h, w)), _params(widths, s + 1))
            for widths, h, w, s in fixed + drawn]


def _mlp_about(X, params):
    widths = [X.shape[0]] + [W.shape[0] for W, _ in params]
    return (f"a {shapes_of(X)} input through {len(params)} layer{'s' * (len(params) > 1)} "
            f"of widths {' -> '.join(map(str, widths))}")


def test_pixelwise_mlp(pixelwise_mlp):
    """Dense layers with ReLU between them (none after the last) on each pixel's channel
    vector, against stacked convref 1x1 convolutions; plus pixel independence."""
    cases = []
    for X, params in _mlp_cases(N_CASES):
        L = len(params)
        want = _mlp(X, params, layer=_layer)
        wrong = {"no ReLU after the last layer: the output layer stays linear (ReLU goes only "
                 "BETWEEN layers)": _mlp(X, params, [True] * L) if _mixed_signs(want) else None,
                 "a ReLU belongs after every layer except the last; without it the stack is "
                 "just one linear layer": _mlp(X, params, [False] * L) if L > 1 else None,
                 "the ReLU is applied to the input and between layers, but it belongs after "
                 "each hidden layer: relu(W1 x + b1), not W1 relu(x) + b1":
                 _mlp(_relu(X), params, [k < L - 1 for k in range(L)]),
                 "a ReLU belongs after every layer except the last, not only after the first":
                 _mlp(X, params, [k == 0 for k in range(L)]) if L > 2 else None,
                 CHANNELS_LAST: _mlp_channels_last(X, params)}
        if all(W.shape[0] == W.shape[1] for W, _ in params):
            wrong["each W is (out, in): a layer computes W @ h + b, not W.T @ h + b"] = \
                _mlp(X, [(W.T, b) for W, b in params])
        cases.append(Case((X, params), want, _mlp_about(X, params),
                          magnitude=_mlp_magnitude(X, params), wrong=wrong))
    probes = []
    for widths, h, w, pixels, s in [([3, 4, 2], 4, 5, [(1, 1), (3, 4)], 21),
                                    ([2, 3, 3, 3], 1, 5, [(0, 0)], 22),
                                    ([1, 5, 2], 6, 2, [(5, 0)], 23)]:
        def make(label, widths=widths, h=h, w=w, pixels=pixels):
            X, params = rng_array(label, (widths[0], h, w)), _params(widths, label + 1)
            probe = Probe(X, (params,), {}, pixels, reference=lambda Z: _mlp(Z, params),
                          magnitude=lambda Z: _mlp_magnitude(Z, params), seed=label + 100)
            return probe, _mlp_about(X, params)
        probes.append(_probe(make, s))
    return _run(pixelwise_mlp, "pixelwise_mlp", cases, _pixel_shape_hint, probes)


def _mlp_channels_last(X, params):
    C, H, W = X.shape
    h = X.reshape(H * W, C)
    for k, (Wk, b) in enumerate(params):
        h = h @ Wk.T + b
        if k < len(params) - 1:
            h = _relu(h)
    return h.T.reshape(-1, H, W)


# -- the layer as one big matrix -----------------------------------------------------------

def test_conv1x1_matrix(conv1x1_matrix):
    """M (D*h*w, C*h*w) with M @ X.ravel() == conv1x1(X, V).ravel(): np.kron(V, I), checked
    against convref.dense_matrix (the impulse responses of the 1x1 convolution)."""
    fixed = [(3, 3, 2, 2, 0), (2, 3, 2, 3, 1), (1, 1, 1, 1, 2), (2, 1, 1, 4, 3), (1, 4, 3, 1, 4),
             (4, 2, 3, 3, 5)]
    drawn = draw(st.tuples(dims(1, 4), dims(1, 4), dims(1, 4), dims(1, 4), seeds), N_CASES)
    cases = []
    for c, d, h, w, s in fixed + drawn:
        V = rng_array(s, (d, c))
        want = convref.dense_matrix(V[:, :, None, None], (c, h, w))
        P = h * w
        wrong = {"np.kron(I, V) orders the vector pixel by pixel (all channels of pixel 0 first), "
                 "but X.ravel() of a (C, h, w) array lists the whole image of channel 0 first: "
                 "the blocks of M are indexed by channels, so V comes first: np.kron(V, I)":
                 np.kron(np.eye(P), V) if P > 1 else None,
                 "output pixel p reads only input pixel p: each block is V[d, c] times the "
                 "IDENTITY, not a block of ones (that sums over pixels)":
                 np.kron(V, np.ones((P, P))) if P > 1 else None,
                 "the matrix was truncated to integers: build it as a float array "
                 "(np.zeros(shape), not dtype=int)": np.trunc(want)}
        if c == d:
            wrong["M is built from V (D, C), not V.T: row block d, column block c holds "
                  "V[d, c]"] = np.kron(V.T, np.eye(P))
        cases.append(Case((V, h, w), want, f"V of shape {d}x{c} on a {h}x{w} grid", wrong=wrong))

    def hint(case, shape):
        V, h, w = case.args
        d, c = V.shape
        P = h * w
        if shape == (c * P, d * P) and c != d:
            return ("M is transposed: it maps the C*h*w input to the D*h*w output, so it has "
                    "D*h*w rows and C*h*w columns")
        if len(shape) == 2 and shape in ((d * h, c * h), (d * w, c * w)) and shape != (d * P, c * P):
            return "the identity must run over all h*w pixels (np.eye(h * w)), not over h or w"
        if len(shape) > 2 and int(np.prod(shape)) == d * c * P * P:
            return "M is a matrix: reshape it to (D*h*w, C*h*w)"
        if shape == (d, c):
            return "M is the whole layer as one matrix on the flattened image: (D*h*w, C*h*w)"
        return None
    return run_cases(conv1x1_matrix, "conv1x1_matrix", cases, hint)


# -- parameter counts ----------------------------------------------------------------------

def test_conv1x1_param_count(conv1x1_param_count):
    """C*D weights (one per channel pair; a 1x1 kernel has a single tap) plus D biases."""
    cases = []
    strategy = st.tuples(dims(1, 4096), dims(1, 4096), st.booleans())
    for k, (c, d, bias) in enumerate([(3, 64, True), (256, 64, False), (1, 1, True)]
                                     + draw(strategy, 25)):
        want = c * d + (d if bias else 0)
        cases.append(Case((c, d), want, f"{c} -> {d} channels, bias={bias}",
                          kwargs={} if k == 0 else {"bias": bias}, wrong={
            "one bias per OUTPUT channel, not per input channel": c * d + (c if bias else 0),
            "bias=True adds one bias per output channel": c * d,
            "bias=False means no bias: add out_channels only when bias is true": c * d + d,
            "a 1x1 kernel still has one weight per (input, output) channel pair: multiply the "
            "channel counts, don't add them": c + d + (d if bias else 0),
            "each output channel has one weight per INPUT channel (a 1x1 kernel is one tap, "
            "not one number per output channel)": d + (d if bias else 0)}))
    return run_cases(conv1x1_param_count, "conv1x1_param_count", cases)


def test_mlp_param_count(mlp_param_count):
    """sum over consecutive widths (n_in, n_out) of n_in * n_out, plus n_out per layer with
    bias."""
    cases = []
    strategy = st.tuples(st.lists(dims(1, 1024), min_size=2, max_size=6), st.booleans())
    fixed = [([3, 64, 64, 10], True), ([3, 64, 64, 10], False), ([5, 2], True), ([1, 1], False)]
    for k, (sizes, bias) in enumerate(fixed + draw(strategy, 25)):
        pairs = list(zip(sizes[:-1], sizes[1:]))
        weights = sum(a * b for a, b in pairs)
        want = weights + (sum(sizes[1:]) if bias else 0)
        wrong = {"one bias per OUTPUT unit of each layer, not per input unit":
                 weights + (sum(sizes[:-1]) if bias else 0),
                 "a layer has one bias per output unit, not one per layer":
                 weights + (len(pairs) if bias else 0),
                 "bias=True adds one bias per output unit of every layer": weights,
                 "bias=False means no bias: add the biases only when bias is true":
                 weights + sum(sizes[1:]),
                 "the input has no bias: only the outputs of the layers (every width after the "
                 "first) get one": weights + (sum(sizes) if bias else 0),
                 "widths [C, h1, ..., D] describe len(widths) - 1 layers, one per consecutive "
                 "pair: the last layer is missing": sum(a * b + (b if bias else 0)
                                                        for a, b in pairs[:-1])
                 if len(pairs) > 1 else None}
        wrong = {m: v for m, v in wrong.items() if v is not None}
        cases.append(Case((list(sizes),), want, f"widths {list(sizes)}, bias={bias}",
                          kwargs={} if k == 0 else {"bias": bias}, wrong=wrong))
    return run_cases(mlp_param_count, "mlp_param_count", cases)
