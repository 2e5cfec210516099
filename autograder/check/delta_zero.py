"""Hidden checks of the assignment ``delta_zero`` (exercise 1: a kernel with Delta = 0).

Each ``test_<name>(<name>)`` takes the student's function (or the grader's stand-in for it)
and judges it with the one verdict engine (``convgrade.verdict``): cases in credit groups,
named misconceptions, the weights of each function's groups stated below.

Values are compared with ``convref`` on cases drawn fresh for each submission: a 1x1
convolution is ``convref.conv(X, V[:, :, None, None], u)``, a per-pixel MLP is a stack of such
convolutions with ReLU between them, and the big matrix is ``convref.dense_matrix``. The three
layer functions also earn a group for the property that defines the exercise, "pixels
independent": changing every channel of one input pixel changes the output at that pixel and
nowhere else. That property needs two calls compared with each other (the input and a copy
with one pixel changed), which no single case can judge, so it is a part judged here from a
second batch of calls (:class:`Probe`) and merged with the engine's judgement of the values
(:func:`_judge_with_probes`).
"""
from __future__ import annotations

from functools import partial

import numpy as np
from hypothesis import strategies as st

import convref

from ..cases import dims, draw, fresh_rng, int_array, rng_array, seeds, shapes_of
from ..verdict import (PYTHON_INT, RTOL, SHORTCUT, UNANSWERED, VALUES, Alternatives, Case,
                       Depends, GroupResult, Judgement, Misconception, StudentError, call_student,
                       evaluate, everything_failed, finish, is_python_int, judge, same_number,
                       truncated)

N_CASES = 20

# -- credit groups and their weights ----------------------------------------------------------

INTEGER = "integer images"          # integer X (float weights): a float answer, not truncated
NO_BIAS = "u=None"                  # conv1x1 without a bias (u omitted or None)
U_NONE_NOT_HANDLED = Misconception("u_none_not_handled", "u=None means no bias: add u only when "
                                   "it is not None")
PIXELS = "pixels independent"       # the probes: one input pixel moves its own output only
ONE_LAYER = "one layer"             # an MLP of a single layer: no ReLU at all
ONE_PIXEL = "one pixel"             # conv1x1_matrix on a 1x1 grid, where M is V itself
BIAS_OFF = "bias=False"             # the parameter counts without biases

CONV1X1_GROUPS = {VALUES: 3, NO_BIAS: 1, INTEGER: 1, PIXELS: 1}
DENSE_GROUPS = {VALUES: 3, INTEGER: 1, PIXELS: 1}
MLP_GROUPS = {VALUES: 3, ONE_LAYER: 1, INTEGER: 1, PIXELS: 1}
MATRIX_GROUPS = {VALUES: 3, ONE_PIXEL: 1}
COUNT_GROUPS = {VALUES: 2, BIAS_OFF: 1, PYTHON_INT: 1}

SHORTCUT_MESSAGE = ("{name} calls {calls}, a library convolution. This task asks you to write "
                    "it yourself with numpy (a matrix product, einsum, tensordot and reshaping "
                    "are all fine).")

# -- misconceptions -----------------------------------------------------------------------------

# the per-pixel layers (conv1x1, pixelwise_dense, pixelwise_mlp)
RELU_IN_LAYER = Misconception("relu_in_layer", "a 1x1 layer is linear (plus the bias): there "
                              "is no ReLU in it")
CHANNELS_LAST = Misconception("channels_last_reshape", "X.reshape(H*W, C) does not give each "
                              "pixel's channel vector (the channel axis of a (C, H, W) array "
                              "comes first): move the axis (X.reshape(C, H*W), or np.moveaxis) "
                              "instead of reshaping")
MIXES_PIXELS = Misconception("mixes_pixels", "it mixes pixels: the output at pixel (i, j) may "
                             "depend only on X[:, i, j], the channel vector of the same pixel "
                             "(check how you reshape and reshape back: the same order both ways).")
PIXELS_SUMMED = Misconception("pixels_summed", "the pixels were summed: every pixel keeps its "
                              "own output vector, so the output is (D, H, W).")
PIXEL_IGNORED = Misconception("pixel_ignored", "changing every channel of one input pixel never "
                              "changed the output at that pixel: each output pixel must be "
                              "computed from the channels of its own input pixel")
OUTPUT_CHANNELS_LAST = Misconception("output_channels_last", "the output channels come last: "
                                     "the output is (D, H, W), channel axis first")
NOT_RESHAPED_BACK = Misconception("not_reshaped_back", "reshape the (D, H*W) product back to "
                                  "(D, H, W).")
PIXEL_ROWS = Misconception("pixel_rows_not_transposed", "the output is (D, H, W): transpose "
                           "and reshape the (H*W, D) product")
MAPS_PER_INPUT = Misconception("one_map_per_input_channel", "one map per INPUT channel: the "
                               "output needs one map per output channel (D)")
#: the misconceptions that mix pixels, which the probes of a layer show as well
MIXING = {m.key: m for m in (CHANNELS_LAST, MIXES_PIXELS, PIXELS_SUMMED)}


class LayerMistakes:
    """The misconceptions of a per-pixel affine layer, worded with the names its task uses for
    the weights and the bias (V and u for conv1x1, W and b for pixelwise_dense)."""

    def __init__(self, wt, bs):
        self.transposed = Misconception("weights_transposed", f"{wt} is (D, C): row d holds "
                                        f"the weights of output channel d, so each pixel's "
                                        f"output is {wt} @ x, not {wt}.T @ x")
        self.bias_missing = Misconception("bias_missing", f"the bias {bs} is missing")
        self.bias_axis = Misconception("bias_wrong_axis", f"the bias is added along the wrong "
                                       f"axis: {bs}[d] belongs to output channel d (add "
                                       f"{bs}[:, None, None]).")


CONV1X1 = LayerMistakes("V", "u")
DENSE = LayerMistakes("W", "b")

# the per-pixel MLP
RELU_AFTER_LAST = Misconception("relu_after_last_layer", "no ReLU after the last layer: the "
                                "output layer stays linear (ReLU goes only BETWEEN layers)")
RELU_MISSING = Misconception("relu_missing", "a ReLU belongs after every layer except the "
                             "last; without it the stack is just one linear layer")
RELU_ON_INPUT = Misconception("relu_on_input", "the ReLU is applied to the input and between "
                              "layers, but it belongs after each hidden layer: relu(W1 x + b1), "
                              "not W1 relu(x) + b1")
RELU_FIRST_ONLY = Misconception("relu_after_first_only", "a ReLU belongs after every layer "
                                "except the last, not only after the first")
MLP_TRANSPOSED = Misconception("weights_transposed", "each W is (out, in): a layer computes "
                               "W @ h + b, not W.T @ h + b")

# the layer as one matrix
KRON_ORDER = Misconception("kron_order", "np.kron(I, V) orders the vector pixel by pixel (all "
                           "channels of pixel 0 first), but X.ravel() of a (C, h, w) array lists "
                           "the whole image of channel 0 first: the blocks of M are indexed by "
                           "channels, so V comes first: np.kron(V, I).")
ONES_BLOCKS = Misconception("blocks_of_ones", "output pixel p reads only input pixel p: each "
                            "block is V[d, c] times the IDENTITY, not a block of ones (that sums "
                            "over pixels).")
MATRIX_TRANSPOSED = Misconception("matrix_transposed", "M is built from V (D, C), not V.T: it "
                                  "maps the C*h*w input to the D*h*w output, so it has D*h*w "
                                  "rows and C*h*w columns, and block (d, c) holds V[d, c]")
IDENTITY_TOO_SMALL = Misconception("identity_not_over_all_pixels", "the identity must run over "
                                   "all h*w pixels (np.eye(h * w)), not over h or w")
MATRIX_AXES = Misconception("matrix_not_reshaped", "M is a matrix: reshape it to "
                            "(D*h*w, C*h*w).")
MATRIX_IS_V = Misconception("matrix_is_v", "M is the whole layer as one matrix on the "
                            "flattened image: (D*h*w, C*h*w), not V itself")

# the parameter counts
BIAS_PER_INPUT = Misconception("bias_per_input", "one bias per OUTPUT channel, not per input "
                               "channel")
BIAS_NOT_COUNTED = Misconception("bias_not_counted", "bias=True adds one bias per output "
                                 "channel")
BIAS_FLAG_IGNORED = Misconception("bias_flag_ignored", "bias=False means no bias: add "
                                  "out_channels only when bias is true")
CHANNELS_ADDED = Misconception("channels_added", "a 1x1 kernel still has one weight per "
                               "(input, output) channel pair: multiply the channel counts, "
                               "don't add them")
ONE_WEIGHT_PER_OUTPUT = Misconception("one_weight_per_output", "each output channel has one "
                                      "weight per INPUT channel (a 1x1 kernel is one tap, not "
                                      "one number per output channel).")
MLP_BIAS_PER_INPUT = Misconception("bias_per_input", "one bias per OUTPUT unit of each layer, "
                                   "not per input unit")
ONE_BIAS_PER_LAYER = Misconception("one_bias_per_layer", "a layer has one bias per output "
                                   "unit, not one per layer")
MLP_BIAS_NOT_COUNTED = Misconception("bias_not_counted", "bias=True adds one bias per output "
                                     "unit of every layer")
MLP_BIAS_FLAG_IGNORED = Misconception("bias_flag_ignored", "bias=False means no bias: add the "
                                      "biases only when bias is true")
INPUT_BIAS = Misconception("input_bias", "the input has no bias: only the outputs of the layers "
                           "(every width after the first) get one")
LAST_LAYER_MISSING = Misconception("last_layer_missing", "widths [C, h1, ..., D] describe "
                                   "len(widths) - 1 layers, one per consecutive pair: the last "
                                   "layer is missing")

# -- references ------------------------------------------------------------------------------

def _relu(z):
    return np.maximum(z, 0.0)


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


def _column_major(X, V, u):
    """The answer of ``X.reshape(C, H*W, order="F")`` put back in row-major order."""
    C, H, W = X.shape
    out = (np.asarray(V) @ X.reshape(C, H * W, order="F")).reshape(-1, H, W)
    return out if u is None else out + np.asarray(u)[:, None, None]


def _mlp_channels_last(X, params):
    C, H, W = X.shape
    h = X.reshape(H * W, C)
    for k, (Wk, b) in enumerate(params):
        h = h @ Wk.T + b
        if k < len(params) - 1:
            h = _relu(h)
    return h.T.reshape(-1, H, W)


def _mlp_column_major(X, params):
    C, H, W = X.shape
    h = X.reshape(C, H * W, order="F")
    for k, (Wk, b) in enumerate(params):
        h = Wk @ h + b[:, None]
        if k < len(params) - 1:
            h = _relu(h)
    return h.reshape(-1, H, W)


def _pixel_shape_hint(case, shape):
    """The mistake behind a wrong output shape of a per-pixel layer (expected (D, H, W))."""
    D, H, W = case.expected.shape
    C = case.args[0].shape[0]
    if shape == (H, W, D) and (H, W) != (D, H):
        return OUTPUT_CHANNELS_LAST
    if shape == (D, H * W) and H * W not in (H, W):
        return NOT_RESHAPED_BACK
    if shape == (H * W, D) and (H * W, D) != (D, H * W):
        return PIXEL_ROWS
    if shape in ((D,), (D, 1, 1)) and H * W > 1:
        return PIXELS_SUMMED
    if shape == (C, H, W) and C != D:
        return MAPS_PER_INPUT
    return None


# -- the property: one input pixel moves its own output pixel only --------------------------------

class Unprobeable(Exception):
    """No replacement of a probe's pixel moves the output clearly (with fresh weights a ReLU
    stack can be dead there for every replacement tried)."""


def _clearly(a, b, scale):
    """Where ``a`` and ``b`` differ by more than rounding, given the size ``scale`` of their
    terms."""
    bound = RTOL * scale + 1e-9 * max(1.0, float(np.max(scale, initial=0.0)))
    return np.abs(a - b) > bound


class Probe:
    """The defining property, on one input: ``X`` and copies of it with every channel of
    one pixel replaced. ``rest``: the other arguments; ``reference(X)`` and
    ``magnitude(X)``: the correct output and the sum of |terms| of each of its entries.

    Each replacement moves every channel of the correct output at its pixel clearly, also
    after a ReLU, and has a clearly positive channel itself, so that a function computing
    each pixel on its own, even wrongly (a ReLU too many, transposed weights), moves its
    output there too, at least at one of the probes' pixels: the probes judge the property
    apart from the values."""

    def __init__(self, X, rest, kwargs, pixels, reference, magnitude, seed):
        self.X, self.rest, self.kwargs, self.pixels = X, tuple(rest), dict(kwargs), list(pixels)
        self.reference, self.magnitude = reference, magnitude
        rng = fresh_rng(seed)
        self.copies = []
        base, mag0 = reference(X), magnitude(X)
        for p, q in self.pixels:
            for _ in range(50):
                Y = X.copy()
                Y[:, p, q] = 2.0 * rng.standard_normal(X.shape[0])
                out, scale = reference(Y), (mag0 + magnitude(Y))[:, p, q]
                moved = _clearly(out[:, p, q], base[:, p, q], 1e3 * scale)
                after_relu = _clearly(_relu(out[:, p, q]), _relu(base[:, p, q]), 1e3 * scale)
                if moved.all() and after_relu.any() and Y[:, p, q].max() > 0.5:
                    break
            else:
                raise Unprobeable(f"no clear perturbation of pixel {(p, q)}")
            self.copies.append(Y)

    @property
    def calls(self):
        return [((Z,) + self.rest, self.kwargs) for Z in [self.X] + self.copies]

    def verdict(self, name, outs, about):
        """``(problem, moved)``: ``problem`` is None when no pixel but the changed one moved,
        else ``(message, misconception or None)``; ``moved``: whether the output at a changed
        pixel moved at all (a wrong function that computes each pixel on its own can still be
        dead at one pixel, so only a function that moves nowhere ignores its input)."""
        want = self.reference(self.X)
        for out in outs:
            if isinstance(out, StudentError):
                return (f"{name} raised on {about}: {out}", None), False
            if not isinstance(out, np.ndarray):
                return (f"{name} is wrong on {about}: expected an array of shape "
                        f"{want.shape}, got {type(out).__name__}", None), False
            if out.dtype == object or out.shape != want.shape:
                hint = _pixel_shape_hint(Case((self.X,) + self.rest, want), out.shape)
                if hint is not None:
                    return (f"{name} is wrong on {about}: {hint.message}", hint), False
                return (f"{name} is wrong on {about}: output shape {out.shape}, expected "
                        f"{want.shape}", None), False
        base, mag0 = outs[0], self.magnitude(self.X)
        moved_here = False
        for (p, q), Y, out in zip(self.pixels, self.copies, outs[1:]):
            moved = _clearly(out, base, mag0 + self.magnitude(Y))         # (D, H, W)
            elsewhere = moved.any(axis=0)
            elsewhere[p, q] = False
            if elsewhere.any():
                n = int(elsewhere.sum())
                return (f"{name} is wrong on {about}, where changing every channel of one "
                        f"input pixel also changed the output at {n} other pixel{'s' * (n > 1)}: "
                        f"{MIXES_PIXELS.message}", MIXES_PIXELS), True
            moved_here = moved_here or bool(moved[:, p, q].any())
        return None, moved_here


PROBE_ATTEMPTS = 20


def _probe(make, label):
    """``make(label)`` for the first of successive labels whose inputs admit a clear probe."""
    for attempt in range(PROBE_ATTEMPTS):
        try:
            return make(label + 1000 * attempt)
        except Unprobeable:
            continue
    raise RuntimeError(f"no probe inputs found in {PROBE_ATTEMPTS} attempts")


def _pixels_group(name, weight, probes, outs, values: Judgement) -> GroupResult:
    """The "pixels independent" group from the probes' results ``outs``. When the values
    already named a mistake that mixes pixels, the probes confirm it under the same name."""
    at, moved = 0, False
    for probe, about in probes:
        part, at = outs[at:at + len(probe.calls)], at + len(probe.calls)
        found, moved_here = probe.verdict(name, part, about)
        moved = moved or moved_here
        if found is None:
            continue
        message, misconception = found
        if misconception is MIXES_PIXELS:
            named = [g.misconception for g in values.groups if g.misconception in MIXING]
            if named:
                misconception = MIXING[named[0]]
                message = f"{name} is wrong on {about}: {misconception.message}"
        return GroupResult(PIXELS, weight, False, message,
                           misconception.key if misconception else None)
    if not moved:
        return GroupResult(PIXELS, weight, False, f"{name} is wrong on every probe: "
                           f"{PIXEL_IGNORED.message}", PIXEL_IGNORED.key)
    return GroupResult(PIXELS, weight, True)


def _judge_with_probes(function, name, cases, weights, probes, depends=None):
    """The engine's judgement of ``cases`` (every group of ``weights`` but :data:`PIXELS`),
    merged with the :data:`PIXELS` group judged from the ``probes`` (``[(Probe, about)]``)."""
    calls = [Case(args, kwargs=kwargs) for probe, _ in probes for args, kwargs in probe.calls]
    outs = call_student(function, name, calls, weights, SHORTCUT_MESSAGE)
    if isinstance(outs, Judgement):            # a library shortcut, or it cannot be run at all
        return finish(outs)
    values = evaluate(function, name, cases, {g: w for g, w in weights.items() if g != PIXELS},
                      shape_hint=_pixel_shape_hint, shortcut=SHORTCUT_MESSAGE, depends=depends,
                      raised=lambda case, error: U_NONE_NOT_HANDLED if case.group == NO_BIAS else None)
    first = values.groups[0]
    if first.misconception in (UNANSWERED.key, SHORTCUT.key):      # loses every group
        return finish(everything_failed(name, weights, first.message, first.misconception))
    pixels = _pixels_group(name, weights[PIXELS], probes, outs, values)
    return finish(values, Judgement(name, (pixels,)))


# -- the single layer: conv1x1 and pixelwise_dense ----------------------------------------

def _layer_about(X, V, u, names):
    wt, bs = names
    return (f"a {shapes_of(X)} {'integer ' * (X.dtype.kind in 'iu')}input with {wt} of shape "
            f"{shapes_of(V)}" + (" and a bias" if u is not None else f" and {bs}=None"))


def _layer_inputs(count, fixed, extremes=None):
    """(X, V, u) with u of shape (D,) for the fixed ``(c, d, h, w, seed)`` and ``count`` drawn
    shapes; ``extremes``: the index of a fixed case given large inputs and small weights."""
    drawn = draw(st.tuples(dims(1, 5), dims(1, 5), dims(1, 7), dims(1, 7), seeds), count)
    out = []
    for k, (c, d, h, w, s) in enumerate(fixed + drawn):
        X, V, u = rng_array(s, (c, h, w)), rng_array(s + 1, (d, c)), rng_array(s + 2, (d,))
        if k == extremes:
            X, V = 1e6 * X, 1e-4 * V
        out.append((X, V, u))
    return out


def _layer_wrong(X, V, u, mistakes: LayerMistakes):
    """The known mistakes of a per-pixel affine layer on one case."""
    C, H, W = X.shape
    D = V.shape[0]
    want = _quick(X, V, u)
    plain = _quick(X, V)
    wrong = {RELU_IN_LAYER: _relu(want),
             CHANNELS_LAST: Alternatives((_channels_last(X, V, u),
                                          _channels_last(X, V, u, transpose_back=False))),
             MIXES_PIXELS: _column_major(X, V, u) if H > 1 and W > 1 else None,
             PIXELS_SUMMED: np.broadcast_to(_quick(X.sum(axis=(1, 2), keepdims=True), V, u),
                                            (D, H, W)) if H * W > 1 else None,
             mistakes.transposed: _quick(X, V.T, u) if C == D else None,
             **truncated(want)}
    if u is not None:
        axes = [a for a in (_broadcast(plain, u), _broadcast(plain, u[:, None])) if a is not None]
        wrong[mistakes.bias_missing] = plain
        wrong[mistakes.bias_axis] = Alternatives(axes) if axes else None
    return wrong


def _broadcast(out, bias):
    """``out + bias`` as numpy broadcasts it (``u`` lands on the last axis, ``u[:, None]`` on
    the rows; a size-1 axis even grows to D), or None where numpy refuses."""
    try:
        return out + bias
    except ValueError:
        return None


def _layer_case(X, V, u, names, mistakes, group, positional_bias, kwargs=None):
    if positional_bias:
        args, kwargs = (X, V, u), {}
    else:
        args, kwargs = (X, V), ({"u": u} if kwargs is None else kwargs)
    return Case(args, _layer(X, V, u), _layer_about(X, V, u, names), group=group, kwargs=kwargs,
                magnitude=_layer_magnitude(X, V, u), wrong=partial(_layer_wrong, X, V, u, mistakes))


def _layer_cases(names, mistakes, positional_bias):
    """Values with a bias (square all-3 first, W = D and H = D so a bias on the wrong axis
    broadcasts, size-1 edges, non-square, large and small values), integer images, and for
    conv1x1 the calls without a bias."""
    values = _layer_inputs(N_CASES, [(3, 3, 3, 3, 0), (2, 4, 4, 5, 1), (1, 1, 1, 1, 2),
                                     (4, 2, 1, 6, 3), (3, 5, 7, 2, 4), (2, 3, 5, 5, 5),
                                     (5, 1, 6, 3, 6), (2, 4, 3, 4, 7)], extremes=5)
    integers = _layer_inputs(4, [(3, 3, 4, 3, 10), (2, 3, 3, 5, 11), (1, 2, 2, 2, 12),
                                 (4, 2, 3, 5, 13)])
    cases = [_layer_case(X, V, u, names, mistakes, VALUES, positional_bias) for X, V, u in values]
    cases += [_layer_case(int_array(k, X.shape), V, u, names, mistakes, INTEGER, positional_bias)
              for k, (X, V, u) in enumerate(integers)]
    if not positional_bias:
        unbiased = _layer_inputs(5, [(3, 3, 2, 3, 20), (2, 4, 3, 1, 21), (1, 1, 1, 1, 22),
                                     (4, 2, 5, 2, 23)])
        cases += [_layer_case(X, V, None, names, mistakes, NO_BIAS, False,
                              {} if k % 2 else {"u": None})
                  for k, (X, V, _) in enumerate(unbiased)]
    return cases


def _layer_probes(positional_bias, names):
    """``[(probe, about)]``: the pixel-independence property on inputs where every shape has
    several pixels and C = D = W (so transposed weights, and a bias added on the last axis,
    still run: they are wrong values, but each pixel on its own)."""
    out = []
    for c, h, pixels, s in [(3, 4, [(0, 1), (2, 0)], 31), (2, 5, [(3, 0)], 32),
                            (4, 2, [(1, 2)], 33)]:
        def make(label, c=c, h=h, pixels=pixels):
            X, V, u = rng_array(label, (c, h, c)), rng_array(label + 1, (c, c)), \
                rng_array(label + 2, (c,))
            rest, kwargs = ((V, u), {}) if positional_bias else ((V,), {"u": u})
            probe = Probe(X, rest, kwargs, pixels,
                          reference=lambda Z: _quick(Z, V, u),
                          magnitude=lambda Z: _layer_magnitude(Z, V, u), seed=label + 100)
            return probe, _layer_about(X, V, u, names)
        out.append(_probe(make, s))
    return out


def test_conv1x1(conv1x1):
    """H[d, i, j] = u[d] + sum_c V[d, c] X[c, i, j], against convref.conv with a 1x1 kernel,
    with and without a bias and on integer images; plus the property: one input pixel moves
    exactly its own output pixel."""
    names = ("V", "u")
    return _judge_with_probes(conv1x1, "conv1x1", _layer_cases(names, CONV1X1, False),
                              CONV1X1_GROUPS, _layer_probes(False, names))


def test_pixelwise_dense(pixelwise_dense):
    """The dense layer W x + b on every pixel's channel vector: the same values as a 1x1
    convolution, also on integer images, and the same pixel independence."""
    names = ("W", "b")
    return _judge_with_probes(pixelwise_dense, "pixelwise_dense",
                              _layer_cases(names, DENSE, True), DENSE_GROUPS,
                              _layer_probes(True, names))


# -- stacked: the per-pixel MLP ------------------------------------------------------------

def _params(widths, seed):
    """[(W1, b1), ...] for layer widths [C, h1, ..., D]; weights scaled like a real net so
    the ReLUs are neither all on nor all off."""
    rng = fresh_rng(seed)
    return [(rng.standard_normal((n_out, n_in)) / np.sqrt(n_in), 0.5 * rng.standard_normal(n_out))
            for n_in, n_out in zip(widths[:-1], widths[1:])]


def _mlp_inputs(count, fixed, widths_strategy):
    drawn = draw(st.tuples(widths_strategy, dims(1, 6), dims(1, 6), seeds), count)
    return [(rng_array(s, (widths[0], h, w)), _params(widths, s + 1))
            for widths, h, w, s in fixed + drawn]


def _mlp_about(X, params):
    widths = [X.shape[0]] + [W.shape[0] for W, _ in params]
    return (f"a {shapes_of(X)} {'integer ' * (X.dtype.kind in 'iu')}input through "
            f"{len(params)} layer{'s' * (len(params) > 1)} of widths "
            f"{' -> '.join(map(str, widths))}")


def _mlp_wrong(X, params, want):
    L = len(params)
    return {RELU_AFTER_LAST: _mlp(X, params, [True] * L),
            RELU_MISSING: _mlp(X, params, [False] * L) if L > 1 else None,
            RELU_ON_INPUT: _mlp(_relu(X), params),
            RELU_FIRST_ONLY: _mlp(X, params, [k == 0 for k in range(L)]) if L > 2 else None,
            CHANNELS_LAST: _mlp_channels_last(X, params),
            MIXES_PIXELS: _mlp_column_major(X, params) if min(X.shape[1:]) > 1 else None,
            MLP_TRANSPOSED: _mlp(X, [(W.T, b) for W, b in params])
            if all(W.shape[0] == W.shape[1] for W, _ in params) else None,
            **truncated(want)}


def _mlp_case(X, params, group):
    want = _mlp(X, params, layer=_layer)
    return Case((X, params), want, _mlp_about(X, params), group=group,
                magnitude=_mlp_magnitude(X, params), wrong=partial(_mlp_wrong, X, params, want))


def _mlp_cases():
    """Stacks of two layers or more (all-square first, so transposed weights give a wrong
    answer, not a crash), single layers (no ReLU at all), and integer images."""
    stacks = _mlp_inputs(N_CASES, [([3, 3, 3, 3], 3, 3, 0), ([2, 5, 1], 4, 6, 1),
                                   ([3, 6, 6, 6, 2], 5, 4, 4), ([1, 8, 1], 1, 7, 5),
                                   ([5, 4, 4], 2, 2, 6), ([2, 2, 2], 3, 4, 7)],
                         st.lists(dims(1, 6), min_size=3, max_size=5))
    single = _mlp_inputs(4, [([1, 1], 1, 1, 2), ([4, 2], 3, 2, 3), ([3, 3], 2, 4, 8),
                             ([2, 5], 1, 3, 9)], st.lists(dims(1, 6), min_size=2, max_size=2))
    integers = _mlp_inputs(3, [([3, 3, 3, 3], 3, 4, 10), ([2, 4, 1], 2, 5, 11),
                               ([1, 3, 2, 2], 4, 1, 12), ([4, 4], 2, 2, 13)],
                           st.lists(dims(1, 6), min_size=2, max_size=4))
    return ([_mlp_case(X, params, VALUES) for X, params in stacks]
            + [_mlp_case(X, params, ONE_LAYER) for X, params in single]
            + [_mlp_case(int_array(k, X.shape), params, INTEGER)
               for k, (X, params) in enumerate(integers)])


def _mlp_probes():
    """Square layers (transposed weights still run) on images of several pixels."""
    probes = []
    for widths, h, w, pixels, s in [([3, 3, 3], 4, 5, [(1, 1), (3, 4)], 21),
                                    ([2, 2, 2, 2], 1, 5, [(0, 0)], 22),
                                    ([4, 4], 6, 2, [(5, 0)], 23)]:
        def make(label, widths=widths, h=h, w=w, pixels=pixels):
            X, params = rng_array(label, (widths[0], h, w)), _params(widths, label + 1)
            probe = Probe(X, (params,), {}, pixels, reference=lambda Z: _mlp(Z, params),
                          magnitude=lambda Z: _mlp_magnitude(Z, params), seed=label + 100)
            return probe, _mlp_about(X, params)
        probes.append(_probe(make, s))
    return probes


def test_pixelwise_mlp(pixelwise_mlp):
    """Dense layers with ReLU between them (none after the last) on each pixel's channel
    vector, against stacked convref 1x1 convolutions; a single layer; integer images; plus
    pixel independence."""
    return _judge_with_probes(pixelwise_mlp, "pixelwise_mlp", _mlp_cases(), MLP_GROUPS,
                              _mlp_probes())


# -- the layer as one big matrix -----------------------------------------------------------

def _unit_images(case):
    """The calls of conv1x1 a matrix built column by column from impulse responses makes."""
    V, h, w = case.args
    n = np.shape(V)[1] * h * w
    return [((np.eye(n)[k].reshape(-1, h, w), V), {}) for k in range(n)]


def _columns(case, results):
    """The matrix whose column k is the k-th impulse response, flattened (None when the
    responses cannot make one)."""
    try:
        return np.stack([np.asarray(r, dtype=float).reshape(-1) for r in results], axis=1)
    except (TypeError, ValueError):
        return None


#: conv1x1_matrix built from the student's conv1x1 on the unit images is charged only for
#: its own mistakes.
ON_CONV1X1 = Depends("conv1x1", _unit_images, _columns, groups=(VALUES, ONE_PIXEL))


def _matrix_case(V, h, w, group):
    d, c = V.shape
    P = h * w
    want = convref.dense_matrix(V[:, :, None, None], (c, h, w))
    wrong = {KRON_ORDER: np.kron(np.eye(P), V) if P > 1 else None,
             ONES_BLOCKS: np.kron(V, np.ones((P, P))) if P > 1 else None,
             MATRIX_TRANSPOSED: np.kron(V.T, np.eye(P)) if c == d else None,
             **truncated(want)}
    kind = "integer " if V.dtype.kind in "iu" else ""
    return Case((V, h, w), want, f"{kind}V of shape {d}x{c} on a {h}x{w} grid", group=group,
                magnitude=convref.dense_matrix(np.abs(V)[:, :, None, None], (c, h, w)),
                wrong=wrong)


def _matrix_shape_hint(case, shape):
    V, h, w = case.args
    d, c = V.shape
    P = h * w
    if shape == (c * P, d * P) and c != d:
        return MATRIX_TRANSPOSED
    if len(shape) == 2 and shape in ((d * h, c * h), (d * w, c * w)) and shape != (d * P, c * P):
        return IDENTITY_TOO_SMALL
    if len(shape) > 2 and int(np.prod(shape)) == d * c * P * P:
        return MATRIX_AXES
    if shape == (d, c):
        return MATRIX_IS_V
    return None


def test_conv1x1_matrix(conv1x1_matrix):
    """M (D*h*w, C*h*w) with M @ X.ravel() == conv1x1(X, V).ravel(): np.kron(V, I), checked
    against convref.dense_matrix (the impulse responses of the 1x1 convolution), on grids of
    several pixels (some with integer weights) and on a single pixel, where M is V."""
    fixed = [(3, 3, 2, 2, 0), (2, 3, 2, 3, 1), (2, 1, 1, 4, 3), (1, 4, 3, 1, 4), (4, 2, 3, 3, 5)]
    drawn = draw(st.tuples(dims(1, 4), dims(1, 4), dims(1, 4), dims(1, 4), seeds)
                 .filter(lambda t: t[2] * t[3] > 1), N_CASES)
    cases = [_matrix_case(rng_array(s, (d, c)), h, w, VALUES) for c, d, h, w, s in fixed + drawn]
    cases += [_matrix_case(int_array(k, (d, c)), h, w, VALUES)
              for k, (c, d, h, w) in enumerate([(2, 2, 2, 3), (3, 1, 2, 2)])]
    single = [(1, 1, 6), (3, 3, 7), (2, 4, 8), (4, 1, 9)]
    single += draw(st.tuples(dims(1, 5), dims(1, 5), seeds), 4)
    cases += [_matrix_case(rng_array(s, (d, c)), 1, 1, ONE_PIXEL) for c, d, s in single]
    return judge(conv1x1_matrix, "conv1x1_matrix", cases, MATRIX_GROUPS,
                 shape_hint=_matrix_shape_hint, depends=ON_CONV1X1, shortcut=SHORTCUT_MESSAGE)


# -- parameter counts ----------------------------------------------------------------------

def _count_cases(calls, wrongs):
    """``calls``: ``[(args, kwargs, want, about, group)]``; ``wrongs(args, bias)``: the answers
    of the known mistakes."""
    cases = []
    for args, kwargs, want, about, group in calls:
        bias = kwargs.get("bias", True)
        typed = group == PYTHON_INT
        cases.append(Case(args, want, about, group=group, kwargs=kwargs,
                          same=is_python_int if typed else same_number,
                          wrong={} if typed else wrongs(args, bias)))
    return cases


def _conv_count(c, d, bias):
    return c * d + (d if bias else 0)


def test_conv1x1_param_count(conv1x1_param_count):
    """C*D weights (one per channel pair; a 1x1 kernel has a single tap) plus D biases with
    bias=True; returned as a Python int."""
    def wrongs(args, bias):
        c, d = args
        return {BIAS_PER_INPUT: c * d + (c if bias else 0),
                BIAS_NOT_COUNTED: c * d if bias else None,
                BIAS_FLAG_IGNORED: c * d + d if not bias else None,
                CHANNELS_ADDED: c + d + (d if bias else 0),
                ONE_WEIGHT_PER_OUTPUT: d + (d if bias else 0)}

    strategy = st.tuples(dims(1, 4096), dims(1, 4096))
    calls = []
    for k, (c, d) in enumerate([(3, 64), (256, 64), (1, 1)] + draw(strategy, 12)):
        calls.append(((c, d), {} if k < 2 else {"bias": True}, _conv_count(c, d, True),
                      f"{c} -> {d} channels, bias={'True' if k >= 2 else 'True by default'}",
                      VALUES))
    for c, d in [(256, 64), (3, 64), (1, 1)] + draw(strategy, 8):
        calls.append(((c, d), {"bias": False}, c * d, f"{c} -> {d} channels, bias=False", BIAS_OFF))
    for (c, d), kwargs in [((5, 7), {}), ((3, 64), {"bias": False}), ((2, 9), {"bias": True})]:
        calls.append(((c, d), kwargs, _conv_count(c, d, kwargs.get("bias", True)),
                      f"{c} -> {d} channels", PYTHON_INT))
    return judge(conv1x1_param_count, "conv1x1_param_count", _count_cases(calls, wrongs),
                 COUNT_GROUPS)


def _mlp_count(sizes, bias):
    return sum(a * b + (b if bias else 0) for a, b in zip(sizes[:-1], sizes[1:]))


def test_mlp_param_count(mlp_param_count):
    """Sum over consecutive widths (n_in, n_out) of n_in * n_out, plus n_out per layer with
    bias=True; returned as a Python int."""
    def wrongs(args, bias):
        (sizes,) = args
        pairs = list(zip(sizes[:-1], sizes[1:]))
        weights = sum(a * b for a, b in pairs)
        return {MLP_BIAS_PER_INPUT: weights + (sum(sizes[:-1]) if bias else 0),
                ONE_BIAS_PER_LAYER: weights + (len(pairs) if bias else 0),
                MLP_BIAS_NOT_COUNTED: weights if bias else None,
                MLP_BIAS_FLAG_IGNORED: weights + sum(sizes[1:]) if not bias else None,
                INPUT_BIAS: weights + (sum(sizes) if bias else 0),
                LAST_LAYER_MISSING: _mlp_count(sizes[:-1], bias) if len(pairs) > 1 else None}

    strategy = st.lists(dims(1, 1024), min_size=2, max_size=6)
    calls = []
    for k, sizes in enumerate([[3, 64, 64, 10], [5, 2], [256, 64]] + draw(strategy, 12)):
        calls.append(((list(sizes),), {} if k in (0, 2) else {"bias": True},
                      _mlp_count(sizes, True), f"widths {list(sizes)}, bias=True", VALUES))
    for sizes in [[3, 64, 64, 10], [1, 1], [4, 3, 2]] + draw(strategy, 8):
        calls.append(((list(sizes),), {"bias": False}, _mlp_count(sizes, False),
                      f"widths {list(sizes)}, bias=False", BIAS_OFF))
    for sizes, kwargs in [([2, 3, 4], {}), ([3, 64, 64, 10], {"bias": False}), ([7, 1], {})]:
        calls.append(((list(sizes),), kwargs, _mlp_count(sizes, kwargs.get("bias", True)),
                      f"widths {list(sizes)}", PYTHON_INT))
    return judge(mlp_param_count, "mlp_param_count", _count_cases(calls, wrongs), COUNT_GROUPS)
