"""Properties convref must have, checked with hypothesis (derandomized) and with tracemalloc."""
from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import convref

try:
    from reference_oracles import (as_tuple, assert_close, bound_scale, brute_conv,
                                   dilate_kernel, resolve_padding)
except ImportError:  # tests/ imported as a package
    from .reference_oracles import (as_tuple, assert_close, bound_scale, brute_conv,
                                    dilate_kernel, resolve_padding)

BOUNDARIES = ("zeros", "reflect", "replicate", "circular")


def props(n=25):
    return settings(derandomize=True, database=None, deadline=None, max_examples=n,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def flip_spatial(k, rank):
    return k[(Ellipsis,) + (slice(None, None, -1),) * rank]


# ----------------------------------------------------------------------------- strategies
@st.composite
def conv_cases(draw, max_rank=3, same_ok=True, max_extra=3):
    """A random valid conv-layer call: arrays from a drawn seed, options drawn per axis."""
    rank = draw(st.integers(1, max_rank))
    groups = draw(st.sampled_from([1, 1, 2]))
    cg, dg = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    batched = draw(st.booleans())
    n_batch = draw(st.integers(1, 2))
    kmax = 3 if rank < 3 else 2
    kernel = tuple(draw(st.integers(1, kmax)) for _ in range(rank))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    boundary = draw(st.sampled_from(BOUNDARIES))
    kinds = ["int", "tuple", "pairs", "valid", "full"] + (["same"] * 2 if same_ok else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "same" and any(s != 1 for s in stride):
        stride = (1,) * rank
    if kind == "int":
        padding = draw(st.integers(0, 2))
    elif kind == "tuple":
        padding = tuple(draw(st.integers(0, 2)) for _ in range(rank))
    elif kind == "pairs":
        padding = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(rank))
    else:
        padding = kind
    pairs = resolve_padding(padding, kernel, dilation)
    sizes = []
    for k, d, (pb, pa) in zip(kernel, dilation, pairs):
        low = max(1, d * (k - 1) + 1 - pb - pa)
        if boundary == "reflect":
            low = max(low, max(pb, pa) + 1)
        sizes.append(low + draw(st.integers(0, max_extra if rank < 3 else 1)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    channels, depth = cg * groups, dg * groups
    x_shape = ((n_batch,) if batched else ()) + (channels,) + tuple(sizes)
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal((depth, cg) + kernel)
    b = rng.standard_normal(depth) if draw(st.booleans()) else None
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups,
                   padding_mode=boundary)
    return x, w, b, options


@st.composite
def signal_pairs(draw, max_rank=3, modes=("valid", "same", "full"), boundaries=BOUNDARIES):
    """A single-channel (x, k, mode, boundary) that convref accepts."""
    rank = draw(st.integers(1, max_rank))
    mode = draw(st.sampled_from(modes))
    boundary = draw(st.sampled_from(boundaries))
    kernel = tuple(draw(st.integers(1, 4 if rank < 3 else 3)) for _ in range(rank))
    sizes = []
    for k in kernel:
        low = k if mode == "valid" else 1
        if boundary == "reflect" and mode != "valid":
            low = max(low, (k - 1 if mode == "full" else k // 2) + 1)
        sizes.append(low + draw(st.integers(0, 6 if rank < 3 else 2)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.standard_normal(tuple(sizes)), rng.standard_normal(kernel), mode, boundary


def _opts(options, **more):
    merged = dict(options)
    merged.update(more)
    return merged


# ----------------------------------------------------------------------------- linearity
@props(60)
@given(conv_cases(), st.floats(-3, 3), st.floats(-3, 3))
def test_linear_in_the_input(case, alpha, beta):
    x, w, _, options = case
    x2 = np.random.default_rng(1).standard_normal(x.shape)
    lhs = convref.conv(alpha * x + beta * x2, w, **options)
    rhs = alpha * convref.conv(x, w, **options) + beta * convref.conv(x2, w, **options)
    scale = (abs(alpha) + abs(beta) + 1) * bound_scale(np.abs(x) + np.abs(x2), w)
    assert_close(lhs, rhs, scale)


@props(60)
@given(conv_cases(), st.floats(-3, 3), st.floats(-3, 3))
def test_linear_in_the_kernel(case, alpha, beta):
    x, w, _, options = case
    w2 = np.random.default_rng(2).standard_normal(w.shape)
    lhs = convref.conv(x, alpha * w + beta * w2, **options)
    rhs = alpha * convref.conv(x, w, **options) + beta * convref.conv(x, w2, **options)
    scale = (abs(alpha) + abs(beta) + 1) * bound_scale(x, np.abs(w) + np.abs(w2))
    assert_close(lhs, rhs, scale)


def test_linearity_check_can_fail():
    # an affine layer (bias) is not linear in x: the property above would catch a stray offset
    x = np.random.default_rng(3).standard_normal((2, 9))
    w = np.ones((1, 2, 3))
    b = np.array([0.5])
    lhs = convref.conv(2 * x, w, b)
    with pytest.raises(AssertionError):
        assert_close(lhs, 2 * convref.conv(x, w, b), bound_scale(x, w, b))


# ----------------------------------------------------------------------------- symmetries
@props(60)
@given(signal_pairs(boundaries=("circular",), modes=("same",)), st.data())
def test_circular_same_is_shift_equivariant(pair, data):
    x, k, _, _ = pair
    shift = tuple(data.draw(st.integers(-n, n)) for n in x.shape)
    axes = tuple(range(x.ndim))
    method = data.draw(st.sampled_from(["direct", "fft", "auto"]))
    y = convref.correlate(x, k, mode="same", boundary="circular", method=method)
    y_shifted = convref.correlate(np.roll(x, shift, axes), k, mode="same", boundary="circular",
                                  method=method)
    assert_close(y_shifted, np.roll(y, shift, axes), bound_scale(x, k))


@props(40)
@given(conv_cases(same_ok=True), st.data())
def test_conv_circular_same_is_shift_equivariant(case, data):
    x, w, b, options = case
    rank = w.ndim - 2
    options = _opts(options, padding="same", padding_mode="circular", stride=1)
    shift = tuple(data.draw(st.integers(-3, 3)) for _ in range(rank))
    axes = tuple(range(-rank, 0))
    y = convref.conv(x, w, b, **options)
    y_shifted = convref.conv(np.roll(x, shift, axes), w, b, **options)
    assert_close(y_shifted, np.roll(y, shift, axes), bound_scale(x, w, b))


@props(80)
@given(signal_pairs(), st.sampled_from(["direct", "fft", "auto"]))
def test_convolve_is_correlate_with_the_kernel_flipped(pair, method):
    x, k, mode, boundary = pair
    got = convref.convolve(x, k, mode=mode, boundary=boundary, method=method)
    expected = convref.correlate(x, flip_spatial(k, k.ndim), mode=mode, boundary=boundary,
                                 method=method)
    assert_close(got, expected, bound_scale(x, k))


@props(80)
@given(st.integers(1, 3), st.data())
def test_full_convolution_commutes(rank, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    f = rng.standard_normal(tuple(data.draw(st.integers(1, 7 if rank < 3 else 4)) for _ in range(rank)))
    g = rng.standard_normal(tuple(data.draw(st.integers(1, 7 if rank < 3 else 4)) for _ in range(rank)))
    method = data.draw(st.sampled_from(["direct", "fft", "auto"]))
    fg = convref.convolve(f, g, mode="full", method=method)
    gf = convref.convolve(g, f, mode="full", method=method)
    assert fg.shape == tuple(a + b - 1 for a, b in zip(f.shape, g.shape))
    assert_close(fg, gf, bound_scale(f, g) + bound_scale(g, f))


# ----------------------------------------------------------------------------- dense layer
@props(60)
@given(conv_cases(max_extra=2), st.sampled_from(["direct", "fft", "auto"]))
def test_dense_matrix_times_input_is_the_conv(case, method):
    x, w, _, options = case
    one = x if x.ndim == w.ndim - 1 else x[0]
    m = convref.dense_matrix(w, one.shape, method=method, **options)
    y = convref.conv(one, w, method=method, **options)
    assert m.shape == (y.size, one.size)
    assert_close(m @ one.ravel(), y.ravel(), bound_scale(one, w))


@props(30)
@given(conv_cases(max_rank=2, max_extra=2))
def test_dense_matrix_zero_padding_entries_are_kernel_taps(case):
    # with zero padding every entry of M is 0 or one of the kernel's weights
    x, w, _, options = case
    options = _opts(options, padding_mode="zeros")
    one = x if x.ndim == w.ndim - 1 else x[0]
    m = convref.dense_matrix(w, one.shape, method="direct", **options)
    taps = np.concatenate([w.ravel(), [0.0]])
    nearest = np.abs(m.ravel()[:, None] - taps[None, :]).min(axis=1)
    np.testing.assert_allclose(nearest, 0.0, atol=1e-12 * np.abs(w).max())


@props(50)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.booleans(), st.data())
def test_1x1_conv_is_a_matrix_product_over_channels(rank, c, d, batched, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    sizes = tuple(data.draw(st.integers(1, 6)) for _ in range(rank))
    x = rng.standard_normal(((2,) if batched else ()) + (c,) + sizes)
    v = rng.standard_normal((d, c))
    b = rng.standard_normal(d)
    got = convref.conv(x, v.reshape((d, c) + (1,) * rank), b)
    spatial = "xyz"[:rank]
    lead = "n" if batched else ""
    expected = np.einsum(f"dc,{lead}c{spatial}->{lead}d{spatial}", v, x)
    expected = expected + b.reshape((d,) + (1,) * rank)
    assert_close(got, expected, bound_scale(x, v, b))


# ----------------------------------------------------------------------------- shapes
@props(150)
@given(st.integers(1, 3), st.data())
def test_output_shape_follows_the_formula(rank, data):
    n = tuple(data.draw(st.integers(1, 12)) for _ in range(rank))
    k = tuple(data.draw(st.integers(1, 5)) for _ in range(rank))
    s = tuple(data.draw(st.integers(1, 3)) for _ in range(rank))
    d = tuple(data.draw(st.integers(1, 3)) for _ in range(rank))
    pairs = tuple((data.draw(st.integers(0, 3)), data.draw(st.integers(0, 3))) for _ in range(rank))
    fits = all(nn + pb + pa >= dd * (kk - 1) + 1 for nn, kk, dd, (pb, pa) in zip(n, k, d, pairs))
    expected = tuple((nn + pb + pa - dd * (kk - 1) - 1) // ss + 1
                     for nn, kk, ss, dd, (pb, pa) in zip(n, k, s, d, pairs))
    if not fits:
        with pytest.raises(ValueError, match="kernel larger than the padded input"):
            convref.output_shape(n, k, s, pairs, d)
        return
    assert convref.output_shape(n, k, s, pairs, d) == expected
    x = np.ones((1,) + n)
    y = convref.conv(x, np.ones((1, 1) + k), stride=s, padding=pairs, dilation=d)
    assert y.shape == (1,) + expected
    # symmetric int padding and the named modes
    p = data.draw(st.integers(0, 3))
    if all(nn + 2 * p >= dd * (kk - 1) + 1 for nn, kk, dd in zip(n, k, d)):
        assert convref.output_shape(n, k, s, p, d) == tuple(
            (nn + 2 * p - dd * (kk - 1) - 1) // ss + 1 for nn, kk, ss, dd in zip(n, k, s, d))
    assert convref.output_shape(n, k, 1, "same", d) == n
    assert convref.output_shape(n, k, 1, "full", d) == tuple(
        nn + dd * (kk - 1) for nn, kk, dd in zip(n, k, d))


@props(60)
@given(conv_cases(same_ok=False))
def test_stride_is_subsampling_and_dilation_is_a_holey_kernel(case):
    x, w, b, options = case
    rank = w.ndim - 2
    stride, dilation = as_tuple(options["stride"], rank), as_tuple(options["dilation"], rank)
    pairs = resolve_padding(options["padding"], w.shape[2:], dilation)
    base = _opts(options, stride=1, padding=pairs)
    strided = convref.conv(x, w, b, **_opts(base, stride=stride))
    dense = convref.conv(x, w, b, **base)
    assert_close(strided, dense[(Ellipsis,) + tuple(slice(None, None, s) for s in stride)],
                 bound_scale(x, w, b))
    holey = np.stack([np.stack([dilate_kernel(w[i, j], dilation) for j in range(w.shape[1])])
                      for i in range(w.shape[0])])
    assert_close(dense, convref.conv(x, holey, b, **_opts(base, dilation=1)), bound_scale(x, w, b))


# ----------------------------------------------------------------------------- methods, dtypes
@props(100)
@given(conv_cases())
def test_direct_and_fft_agree(case):
    x, w, b, options = case
    direct = convref.conv(x, w, b, method="direct", **options)
    fft = convref.conv(x, w, b, method="fft", **options)
    auto = convref.conv(x, w, b, method="auto", **options)
    assert direct.shape == fft.shape == auto.shape
    assert_close(fft, direct, bound_scale(x, w, b))
    assert_close(auto, direct, bound_scale(x, w, b))


@props(40)
@given(conv_cases(max_rank=2))
def test_random_cases_match_nested_loops(case):
    x, w, b, options = case
    options = dict(options)
    boundary = options.pop("padding_mode")
    expected = brute_conv(x, w, b, boundary=boundary, **options)
    got = convref.conv(x, w, b, padding_mode=boundary, **options)
    assert_close(got, expected, bound_scale(x, w, b))


@props(80)
@given(conv_cases(), st.sampled_from(["direct", "fft", "auto"]))
def test_float32_in_float32_out_with_float32_accuracy(case, method):
    x, w, b, options = case
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    b32 = None if b is None else b.astype(np.float32)
    got = convref.conv(x32, w32, b32, method=method, **options)
    assert got.dtype == np.float32
    exact = convref.conv(x32.astype(np.float64), w32.astype(np.float64),
                         None if b32 is None else b32.astype(np.float64), method="direct", **options)
    # |error| of a float32 sum of products is a modest multiple of eps32 * sum |w||x|
    magnitude = convref.conv(np.abs(x32).astype(np.float64), np.abs(w32).astype(np.float64),
                             None if b32 is None else np.abs(b32).astype(np.float64),
                             method="direct", **options)
    eps = np.finfo(np.float32).eps
    taps = math.prod(w.shape[1:])
    if method == "direct":
        bound = 4 * (taps + 2) * eps * magnitude
    else:  # an FFT's error is spread over the whole output
        bound = 4 * (taps + 2) * eps * magnitude.max() * np.ones_like(magnitude)
    assert np.all(np.abs(got.astype(np.float64) - exact) <= bound + 1e-30)
    # and it is much better than half precision would be
    assert np.all(np.abs(got.astype(np.float64) - exact) <= 1e-4 * magnitude.max() + 1e-30)


def test_float32_accuracy_check_can_fail():
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((3, 40)), rng.standard_normal((2, 3, 5))
    exact = convref.conv(x, w)
    half = convref.conv(x.astype(np.float16), w.astype(np.float16)).astype(np.float64)
    magnitude = convref.conv(np.abs(x), np.abs(w))
    assert np.any(np.abs(half - exact) > 4 * 17 * np.finfo(np.float32).eps * magnitude)


# ----------------------------------------------------------------------------- memory
def _peak_bytes(func):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = func()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_template_match_1024_rgb_stays_in_memory():
    rng = np.random.default_rng(7)
    image = rng.standard_normal((3, 1024, 1024))
    template = rng.standard_normal((1, 3, 64, 64))
    out, peak = _peak_bytes(lambda: convref.conv(image, template))
    assert out.shape == (1, 961, 961)
    assert peak < 400 * 2**20, f"peak {peak / 2**20:.0f} MiB"
    for i, j in [(0, 0), (480, 17), (960, 960)]:
        expected = np.sum(template[0] * image[:, i:i + 64, j:j + 64])
        assert_close(out[0, i, j], expected, bound_scale(image, template))
    small = rng.standard_normal((3, 64, 64))
    _, small_peak = _peak_bytes(lambda: convref.conv(small, template, padding="same"))
    assert small_peak < 400 * 2**20


def test_direct_path_never_materialises_all_windows():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 256, 256))
    w = rng.standard_normal((1, 3, 32, 32))
    all_windows = 225 * 225 * 3 * 32 * 32 * 8                    # ~1.2 GiB as one im2col copy
    out, peak = _peak_bytes(lambda: convref.conv(x, w, method="direct"))
    assert out.shape == (1, 225, 225)
    assert peak < 400 * 2**20 < all_windows, f"peak {peak / 2**20:.0f} MiB"
    assert_close(out[0, 100, 200], np.sum(w[0] * x[:, 100:132, 200:232]), bound_scale(x, w))


@pytest.mark.parametrize("x_shape,w_shape", [((1, 3, 40, 600), (1, 3, 16, 16)),
                                             ((2, 2, 9, 30, 200), (2, 2, 3, 5, 5)),
                                             ((1, 4, 20000), (3, 4, 64))])
def test_direct_path_respects_its_chunk_budget(x_shape, w_shape):
    from convref.direct import correlate_direct   # the budget is a parameter of the direct path

    rng = np.random.default_rng(9)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    rank = w.ndim - 2
    ones = (1,) * rank
    budget = 2**20
    full = correlate_direct(x, w, ones, ones, np.float64)
    out, peak = _peak_bytes(lambda: correlate_direct(x, w, ones, ones, np.float64, budget=budget))
    assert_close(out, full, bound_scale(x, w))
    # two chunks may be alive at once (the next one is built before the last is freed)
    assert peak <= 2 * budget + 2 * out.nbytes + 2**18, f"peak {peak} for budget {budget}"
    rows = math.prod(out.shape[2:]) * x_shape[0]
    assert rows * math.prod(w_shape[1:]) * 8 > 4 * budget          # the budget did bind
