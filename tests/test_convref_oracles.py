"""convref against oracles that share none of its code: scipy, nested loops, sympy."""
from __future__ import annotations

import numpy as np
import pytest
import sympy

import convref

try:
    from reference_oracles import (BOUNDARY_NAMES, MODES, assert_close, bound_scale,
                                   brute_conv, brute_correlate, brute_reads, dilate_kernel,
                                   map_index, out_len, pad_by_maps, scipy_mode)
except ImportError:  # tests/ imported as a package
    from .reference_oracles import (BOUNDARY_NAMES, MODES, assert_close, bound_scale,
                                    brute_conv, brute_correlate, brute_reads, dilate_kernel,
                                    map_index, out_len, pad_by_maps, scipy_mode)

signal = pytest.importorskip("scipy.signal")
ndimage = pytest.importorskip("scipy.ndimage")

METHODS = ("direct", "fft", "auto")
OPS = {"correlate": convref.correlate, "convolve": convref.convolve}

# (input shape, kernel shapes): odd, even and mixed kernels per rank.
CASES = {
    1: ((23,), [(1,), (4,), (5,), (8,)]),
    2: ((11, 9), [(3, 3), (2, 4), (4, 1), (5, 2)]),
    3: ((6, 7, 5), [(3, 3, 3), (2, 3, 4), (1, 2, 2)]),
}


def _seeded(*key):
    """A generator whose seed is a stable function of ``key`` (no hash randomisation)."""
    text = "|".join(str(k) for k in key)
    return np.random.default_rng([ord(ch) for ch in text])


# ----------------------------------------------------------------------------- oracle sanity
def test_index_maps_follow_the_documented_pictures():
    n = 3
    row = lambda mode: [map_index(i, n, mode) for i in range(-2, n + 2)]  # noqa: E731
    assert row("reflect") == [2, 1, 0, 1, 2, 1, 0]     # 3 2 [1 2 3] 2 1
    assert row("replicate") == [0, 0, 0, 1, 2, 2, 2]   # 1 1 [1 2 3] 3 3
    assert row("circular") == [1, 2, 0, 1, 2, 0, 1]    # 2 3 [1 2 3] 1 2
    assert row("zeros") == [None, None, 0, 1, 2, None, None]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_scipy_slicing_oracle_matches_scipy_same_on_odd_kernels(op, rank):
    shape, kernels = CASES[rank]
    rng = _seeded("odd", op, rank)
    x = rng.standard_normal(shape)
    func = signal.correlate if op == "correlate" else signal.convolve
    for kshape in kernels:
        if all(k % 2 for k in kshape):
            k = rng.standard_normal(kshape)
            assert_close(scipy_mode(op, x, k, "same"), func(x, k, "same", method="direct"),
                         bound_scale(x, k))


# ----------------------------------------------------------------------------- scipy.signal
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_modes_match_scipy_signal(rank, op, mode, method):
    shape, kernels = CASES[rank]
    rng = _seeded("modes", rank, op, mode, method)
    x = rng.standard_normal(shape)
    for kshape in kernels:
        k = rng.standard_normal(kshape)
        got = OPS[op](x, k, mode=mode, method=method)
        assert got.dtype == np.float64
        assert_close(got, scipy_mode(op, x, k, mode), bound_scale(x, k))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("op", OPS)
def test_full_mode_with_kernel_larger_than_input(op, method):
    rng = _seeded("big-kernel", op, method)
    x, k = rng.standard_normal((3, 4)), rng.standard_normal((5, 7))
    got = OPS[op](x, k, mode="full", method=method)
    assert_close(got, scipy_mode(op, x, k, "full"), bound_scale(x, k))
    assert_close(OPS[op](x, k, mode="same", method=method), scipy_mode(op, x, k, "same"),
                 bound_scale(x, k))


def test_even_kernel_same_puts_the_smaller_half_first():
    # PyTorch's rule: total padding k-1 = 1, floor(1/2) = 0 before, 1 after.
    x = np.arange(5.0)
    y = convref.correlate(x, np.array([1.0, 10.0]), mode="same")
    np.testing.assert_allclose(y, [0 + 10 * 1, 1 + 10 * 2, 2 + 10 * 3, 3 + 10 * 4, 4 + 0])
    # k = 4: total 3, one before and two after.
    y = convref.correlate(x, np.array([1.0, 0.0, 0.0, 0.0]), mode="same")
    np.testing.assert_allclose(y, [0, 0, 1, 2, 3])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_stride_and_dilation_match_scipy_on_a_dilated_kernel(rank, op, method):
    shape, kernels = CASES[rank]
    rng = _seeded("dil", rank, op, method)
    x = rng.standard_normal(tuple(n + 4 for n in shape))
    stride = (2, 3, 1)[:rank]
    dilation = (2, 1, 2)[:rank]
    for kshape in kernels[:2]:
        k = rng.standard_normal(kshape)
        big = dilate_kernel(k, dilation)
        for mode in ("valid", "full"):
            full_stride = scipy_mode(op, x, big, mode)
            expected = full_stride[tuple(slice(None, None, s) for s in stride)]
            got = OPS[op](x, k, mode=mode, stride=stride, dilation=dilation, method=method)
            assert_close(got, expected, bound_scale(x, k))
        # "same" with dilation pads d*(k-1) in total, as a kernel of that span would
        got = OPS[op](x, k, mode="same", dilation=dilation, method=method)
        assert_close(got, scipy_mode(op, x, big, "same"), bound_scale(x, k))


@pytest.mark.parametrize("method", METHODS)
def test_integer_and_bool_inputs_give_float64(method):
    x = np.arange(12).reshape(3, 4)
    k = np.array([[1, 2], [3, 4]], dtype=np.int8)
    got = convref.correlate(x, k, method=method)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, signal.correlate(x, k.astype(int), "valid"), atol=1e-9)
    b = convref.correlate(np.ones(6, dtype=bool), np.ones(3, dtype=bool), method=method)
    np.testing.assert_allclose(b, [3.0] * 4, atol=1e-12)


# ----------------------------------------------------------------------------- boundaries
BOUNDARY_CASES = {
    1: ((13,), [(3,), (4,), (6,)]),
    2: ((7, 6), [(3, 3), (2, 4)]),
    3: ((5, 4, 5), [(3, 2, 3)]),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("boundary", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_boundaries_match_index_map_loops(rank, boundary, method):
    shape, kernels = BOUNDARY_CASES[rank]
    rng = _seeded("bnd", rank, boundary, method)
    x = rng.standard_normal(shape)
    for kshape in kernels:
        k = rng.standard_normal(kshape)
        flipped = k[(slice(None, None, -1),) * rank]
        for mode in MODES:
            got = convref.correlate(x, k, mode=mode, boundary=boundary, method=method)
            assert_close(got, brute_correlate(x, k, mode, boundary), bound_scale(x, k))
            got = convref.convolve(x, k, mode=mode, boundary=boundary, method=method)
            assert_close(got, brute_correlate(x, flipped, mode, boundary), bound_scale(x, k))
        dilation = 1 if boundary == "reflect" else 2   # reflect cannot pad past the far edge
        got = convref.correlate(x, k, mode="full", boundary=boundary, stride=2,
                                dilation=dilation, method=method)
        expected = brute_correlate(x, k, "full", boundary, stride=2, dilation=dilation)
        assert_close(got, expected, bound_scale(x, k))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("boundary,nd_mode", [("reflect", "mirror"), ("replicate", "nearest"),
                                              ("circular", "wrap"), ("zeros", "constant")])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_odd_kernel_same_matches_scipy_ndimage(rank, boundary, nd_mode, method):
    shape = {1: (17,), 2: (9, 8), 3: (6, 5, 7)}[rank]
    kshapes = {1: [(3,), (5,)], 2: [(3, 3), (1, 5)], 3: [(3, 3, 3), (3, 1, 5)]}[rank]
    rng = _seeded("nd", rank, boundary, method)
    x = rng.standard_normal(shape)
    for kshape in kshapes:
        k = rng.standard_normal(kshape)
        got = convref.correlate(x, k, mode="same", boundary=boundary, method=method)
        assert_close(got, ndimage.correlate(x, k, mode=nd_mode, cval=0.0), bound_scale(x, k))
        got = convref.convolve(x, k, mode="same", boundary=boundary, method=method)
        assert_close(got, ndimage.convolve(x, k, mode=nd_mode, cval=0.0), bound_scale(x, k))


@pytest.mark.parametrize("boundary", BOUNDARY_NAMES)
def test_pad_matches_index_maps(boundary):
    rng = _seeded("pad", boundary)
    x = rng.standard_normal((3, 5, 4))
    pairs = ((3, 1), (2, 3))
    np.testing.assert_array_equal(convref.pad(x, pairs, boundary), pad_by_maps(x, pairs, boundary))
    np.testing.assert_array_equal(convref.pad(x, 2, boundary), pad_by_maps(x, ((2, 2),) * 3, boundary))


# ----------------------------------------------------------------------------- the conv layer
# (x shape, w shape, options): stride/dilation tuples, groups, bias, batched or not.
CONV_CASES = [
    ((2, 3, 17), (4, 3, 3), dict(stride=2, padding=1)),
    ((3, 17), (4, 3, 3), dict(stride=3, dilation=2, padding=2, bias=True)),
    ((2, 4, 15), (6, 2, 4), dict(groups=2, dilation=3, padding=(2,), bias=True)),
    ((1, 4, 12), (4, 1, 5), dict(groups=4, padding="same", padding_mode="reflect")),
    ((2, 2, 9), (3, 2, 2), dict(padding="full", padding_mode="circular")),
    ((2, 3, 9, 8), (5, 3, 3, 2), dict(stride=(2, 1), dilation=(1, 2), padding=(1, 2), bias=True)),
    ((3, 8, 9), (2, 3, 3, 3), dict(stride=(1, 3), dilation=(2, 1), padding=1,
                                   padding_mode="replicate")),
    ((2, 4, 7, 7), (4, 2, 2, 3), dict(groups=2, padding="same", padding_mode="circular",
                                      bias=True)),
    ((1, 6, 6, 5), (3, 2, 3, 3), dict(groups=3, stride=2, padding=((1, 0), (2, 1)),
                                      padding_mode="reflect")),
    ((4, 6, 5), (2, 4, 1, 1), dict(stride=(2, 2))),
    ((1, 2, 5, 6, 5), (3, 2, 2, 3, 2), dict(stride=(1, 2, 1), dilation=(2, 1, 2), padding=1,
                                            bias=True)),
    ((2, 5, 5, 4), (4, 2, 3, 2, 2), dict(padding="same", padding_mode="replicate")),
    ((2, 2, 6, 5, 4), (2, 1, 2, 2, 2), dict(groups=2, stride=2, padding=(1, 0, 1),
                                            padding_mode="circular")),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", range(len(CONV_CASES)))
def test_conv_matches_nested_loops(case, method):
    x_shape, w_shape, options = CONV_CASES[case]
    options = dict(options)
    rng = _seeded("conv", case, method)
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0]) if options.pop("bias", False) else None
    boundary = options.pop("padding_mode", "zeros")
    got = convref.conv(x, w, b, padding_mode=boundary, method=method, **options)
    expected = brute_conv(x, w, b, boundary=boundary, **options)
    assert got.shape == expected.shape
    assert_close(got, expected, bound_scale(x, w, b))
    flipped = w[(Ellipsis,) + (slice(None, None, -1),) * (w.ndim - 2)]
    got = convref.conv(x, w, b, padding_mode=boundary, method=method, flip=True, **options)
    assert_close(got, brute_conv(x, flipped, b, boundary=boundary, **options), bound_scale(x, w, b))


def test_conv_unbatched_equals_batch_of_one():
    rng = _seeded("unbatched")
    x, w, b = rng.standard_normal((3, 8, 7)), rng.standard_normal((2, 3, 3, 3)), np.arange(2.0)
    one = convref.conv(x, w, b, padding=1, stride=2)
    batch = convref.conv(x[None], w, b, padding=1, stride=2)
    assert one.shape == batch.shape[1:]
    assert_close(one, batch[0], bound_scale(x, w, b))


@pytest.mark.parametrize("method", METHODS)
def test_complex_inputs_match_nested_loops(method):
    rng = _seeded("complex", method)
    x = rng.standard_normal((2, 3, 19)) + 1j * rng.standard_normal((2, 3, 19))
    w = rng.standard_normal((2, 3, 4)) + 1j * rng.standard_normal((2, 3, 4))
    got = convref.conv(x, w, stride=2, dilation=2, padding=3, method=method)
    assert got.dtype == np.complex128
    assert_close(got, brute_conv(x, w, stride=2, dilation=2, padding=3), bound_scale(x, w))


def test_large_kernel_auto_matches_loops_where_it_counts():
    # Large enough that "auto" is allowed to take the FFT path; checked at a few outputs.
    rng = _seeded("large")
    x, k = rng.standard_normal(6000), rng.standard_normal(1025)
    got = convref.correlate(x, k)
    assert got.shape == (6000 - 1025 + 1,)
    for i in (0, 17, 2500, got.size - 1):
        assert_close(got[i], np.dot(k, x[i:i + 1025]), bound_scale(x, k))


# ----------------------------------------------------------------------------- NaN policy
NAN_CASES = [
    ((8000,), (1025,), "valid", "zeros", [3, 4000, 7990]),
    ((3000,), (301,), "same", "zeros", [0, 1500]),
    ((2000,), (257,), "full", "zeros", [1999]),
    ((60, 50), (15, 15), "same", "reflect", [(0, 0), (30, 49)]),
    ((40, 40), (9, 9), "full", "zeros", [(5, 20)]),
    ((40, 40), (9, 9), "same", "circular", [(39, 1)]),
    ((12, 10, 11), (5, 5, 5), "same", "replicate", [(0, 5, 10)]),
]


@pytest.mark.parametrize("case", range(len(NAN_CASES)))
def test_nan_reaches_exactly_the_windows_that_read_it(case):
    shape, kshape, mode, boundary, spots = NAN_CASES[case]
    rng = _seeded("nan", case)
    x = rng.standard_normal(shape)
    k = rng.standard_normal(kshape)
    bad = np.zeros(shape, dtype=bool)
    for spot in spots:
        bad[spot] = True
    x[bad] = np.nan
    got = convref.correlate(x, k, mode=mode, boundary=boundary)
    expected = brute_reads(shape, kshape, bad, mode, boundary)
    assert expected.any() and not expected.all()
    np.testing.assert_array_equal(np.isnan(got), expected)
    # the values not reached are still right
    clean = np.where(bad, 0.0, x)
    reference = convref.correlate(clean, k, mode=mode, boundary=boundary, method="direct")
    assert_close(got[~expected], reference[~expected], bound_scale(clean, k))


def test_inf_reaches_exactly_the_windows_that_read_it():
    rng = _seeded("inf")
    x, k = rng.standard_normal(5000), rng.standard_normal(801)
    bad = np.zeros(x.shape, dtype=bool)
    bad[[10, 2600]] = True
    x[10], x[2600] = np.inf, -np.inf
    got = convref.correlate(x, k, mode="same")
    np.testing.assert_array_equal(~np.isfinite(got), brute_reads(x.shape, k.shape, bad, "same"))


def test_nan_in_a_batch_item_stays_in_that_item():
    rng = _seeded("nan-batch")
    x = rng.standard_normal((3, 2, 64, 64))
    w = rng.standard_normal((4, 2, 21, 21))
    x[1, 0, 30, 30] = np.nan
    got = convref.conv(x, w, padding="same")
    assert np.isfinite(got[[0, 2]]).all()
    bad = np.zeros((64, 64), dtype=bool)
    bad[30, 30] = True
    mask = brute_reads((64, 64), (21, 21), bad, "same")
    for d in range(4):
        np.testing.assert_array_equal(np.isnan(got[1, d]), mask)
        np.testing.assert_array_equal(np.isnan(got[1, d]), np.isnan(got[1, 0]))


# ----------------------------------------------------------------------------- symbolic
def _symbols(name, shape):
    flat = sympy.symbols(f"{name}0:{int(np.prod(shape))}")
    return np.array(flat, dtype=object).reshape(shape)


@pytest.mark.parametrize("mode", MODES)
def test_symbolic_correlate_1d_is_the_textbook_sum(mode):
    x, k = _symbols("x", (6,)), _symbols("k", (3,))
    got = convref.correlate(x, k, mode=mode)
    assert got.dtype == object
    before = {"valid": 0, "same": 1, "full": 2}[mode]
    length = {"valid": 4, "same": 6, "full": 8}[mode]
    assert got.shape == (length,)
    for i in range(length):
        textbook = 0
        for a in range(3):
            j = i + a - before
            if 0 <= j < 6:
                textbook += k[a] * x[j]
        assert sympy.expand(got[i] - textbook) == 0, (i, got[i], textbook)


def test_symbolic_correlate_2d_is_the_textbook_sum():
    X, K = _symbols("x", (4, 5)), _symbols("k", (2, 3))
    H = convref.correlate(X, K)
    assert H.shape == (3, 3)
    for i in range(3):
        for j in range(3):
            textbook = sum(K[a, b] * X[i + a, j + b] for a in range(2) for b in range(3))
            assert sympy.expand(H[i, j] - textbook) == 0


def test_symbolic_convolve_is_the_textbook_sum_and_conv_layer_takes_symbols():
    f, g = _symbols("f", (4,)), _symbols("g", (3,))
    y = convref.convolve(f, g, mode="full")
    for i in range(6):
        textbook = sum(f[a] * g[i - a] for a in range(4) if 0 <= i - a < 3)
        assert sympy.expand(y[i] - textbook) == 0
    x, w, b = _symbols("x", (2, 5)), _symbols("w", (2, 2, 2)), _symbols("b", (2,))
    got = convref.conv(x, w, b, padding=1, stride=2, padding_mode="reflect")
    expected = brute_conv(x, w, b, padding=1, stride=2, boundary="reflect")
    assert got.shape == expected.shape
    for g_, e_ in zip(got.ravel(), expected.ravel()):
        assert sympy.expand(g_ - e_) == 0


@pytest.mark.parametrize("m", [1, 2, 3, 4])
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_symbolic_full_convolution_commutes_1d(n, m):
    f, g = _symbols("f", (n,)), _symbols("g", (m,))
    fg, gf = convref.convolve(f, g, mode="full"), convref.convolve(g, f, mode="full")
    assert fg.shape == gf.shape == (n + m - 1,)
    assert all(sympy.expand(a - b) == 0 for a, b in zip(fg, gf))


@pytest.mark.parametrize("fs,gs", [((2, 2), (2, 3)), ((3, 1), (1, 2)), ((2, 3), (3, 3))])
def test_symbolic_full_convolution_commutes_2d(fs, gs):
    f, g = _symbols("f", fs), _symbols("g", gs)
    fg, gf = convref.convolve(f, g, mode="full"), convref.convolve(g, f, mode="full")
    assert fg.shape == gf.shape == tuple(a + b - 1 for a, b in zip(fs, gs))
    assert all(sympy.expand(a - b) == 0 for a, b in zip(fg.ravel(), gf.ravel()))


def test_symbolic_oracle_detects_non_commutative_correlation():
    # the check above can fail: full correlation does NOT commute (it reverses)
    f, g = _symbols("f", (3,)), _symbols("g", (2,))
    fg, gf = convref.correlate(f, g, mode="full"), convref.correlate(g, f, mode="full")
    assert any(sympy.expand(a - b) != 0 for a, b in zip(fg, gf))
    assert all(sympy.expand(a - b) == 0 for a, b in zip(fg, gf[::-1]))


def test_out_len_formula_sanity():
    assert out_len(7, 3) == 5
    assert out_len(7, 3, stride=2, before=1, after=1) == 4
    assert out_len(10, 3, dilation=2) == 6
