"""Hidden checks of the assignment ``invariance``: one function per test cell.

What a convolutional layer is invariant to, and what it is not. The checks compare with
``convref`` (or, for shifts and coordinate channels, with a definition written out here) on
cases drawn fresh for each submission, grade a hand-designed detector on images the student
never saw, and plant Waldo in fresh cluttered scenes under uneven lighting. Every check is
judged by the one verdict engine (``convgrade.verdict``); the credit groups of each function
and their weights are the ``*_GROUPS`` dicts below.
"""
from __future__ import annotations

from functools import partial

import numpy as np
from hypothesis import strategies as st

import convref

from ..cases import dims, draw, fresh_rng, int_array, rng_array, seeds, shapes_of
from ..verdict import (ERRORS, NUMPY_NUMBER, TRUNCATED, VALUES, Alternatives, Case, Depends,
                       GroupResult, Judgement, Misconception, StudentError, call_checked,
                       everything_failed, finish, judge, must_raise, truncated, with_truncated)

N_CASES = 20
FLAT = 1e-4          # a window whose standard deviation is at most this is flat (NCC 0)

INTEGERS = "integer images"                 # integer inputs: a float answer, not truncated
CHANNELS = "channels"                       # (C, H, W) stacks, every channel shifted alike
EDGE_SHIFTS = "zero and large shifts"       # a zero shift along an axis, or one past the border
MAX_POOL, SUM_POOL = "max pooling", "sum pooling"
SINGLE = "single row or column"             # H = 1 or W = 1: that coordinate is 0
FLYING, GROUNDED, MIDDLE = "flying pigs", "grounded pigs", "pigs at the middle line"
SQUARE, NOT_SQUARE = "square kernels", "non-square kernels"
FLAT_WINDOWS = "flat windows"               # scenes with windows of standard deviation <= 1e-4
PYTHON_INTS = "Python ints"                 # find_waldo returns a pair of Python ints

#: Credit groups of every graded function, and their weights.
SHIFT_GROUPS = {VALUES: 2, CHANNELS: 1, EDGE_SHIFTS: 1}
GAP_GROUPS = {VALUES: 3, INTEGERS: 1}
POOL_GROUPS = {MAX_POOL: 2, SUM_POOL: 2, INTEGERS: 1, ERRORS: 1}
COORD_GROUPS = {VALUES: 2, SINGLE: 1, INTEGERS: 1}
PIG_GROUPS = {FLYING: 2, GROUNDED: 2, MIDDLE: 1}
ROT_GROUPS = {SQUARE: 2, NOT_SQUARE: 1}
RGAP_GROUPS = {VALUES: 3, INTEGERS: 1, ERRORS: 1}
NCC_GROUPS = {VALUES: 3, FLAT_WINDOWS: 1, INTEGERS: 1, ERRORS: 1}
WALDO_GROUPS = {VALUES: 3, PYTHON_INTS: 1}


def _is_number(got) -> bool:
    """One real number: a Python number or a numpy scalar (which arrives as a 0-d array)."""
    if isinstance(got, (bool, np.bool_)):
        return False
    return isinstance(got, (int, float)) or (isinstance(got, np.ndarray) and got.size == 1
                                             and got.ndim <= 1 and got.dtype.kind in "biuf")


def _scalar(got) -> float:
    return float(np.ravel(got)[0]) if isinstance(got, np.ndarray) else float(got)


# -- shifts ----------------------------------------------------------------------------------

def shift_oracle(X, dy, dx, axes=(-2, -1)):
    """``Y[..., i, j] = X[..., i - dy, j - dx]`` where that index exists, else 0."""
    X = np.asarray(X, dtype=float)
    rows, cols = X.shape[axes[0]], X.shape[axes[1]]
    src_i, src_j = np.arange(rows) - dy, np.arange(cols) - dx
    keep_i = np.flatnonzero((src_i >= 0) & (src_i < rows))
    keep_j = np.flatnonzero((src_j >= 0) & (src_j < cols))
    moved = np.moveaxis(X, axes, (-2, -1))
    Y = np.zeros_like(moved)
    Y[..., keep_i[:, None], keep_j[None, :]] = moved[..., src_i[keep_i][:, None], src_j[keep_j][None, :]]
    return np.moveaxis(Y, (-2, -1), axes)


WRAPS = Misconception("shift_wraps_around", "values that leave the image must disappear and "
                      "zeros come in: this wraps around (np.roll)")
SHIFT_REVERSED = Misconception("shift_reversed", "the shift goes the wrong way: positive dy "
                               "moves the content DOWN (to larger row indices) and positive dx "
                               "moves it RIGHT")
SHIFT_SWAPPED = Misconception("dy_dx_swapped", "dy and dx are swapped: dy counts rows (axis -2), "
                              "dx columns (axis -1)")
FIRST_AXES = Misconception("shifted_first_axes", "shift the LAST two axes (rows and columns); "
                           "the channel axis stays put")
CROPPED = Misconception("shift_cropped", "the output was cropped: a shift keeps X's shape and "
                        "fills the rows and columns that come in with zeros")
ZERO_SLICE = Misconception("zero_shift_crashed", "a shift by 0 along one axis crashed: a slice "
                           "such as X[..., :-0] is X[..., :0], which is empty (-0 is 0); handle "
                           "a zero shift on its own or slice up to H - dy instead of -dy")
OUT_OF_IMAGE = Misconception("large_shift_crashed", "a shift by at least the image's size moves "
                             "everything out and leaves only zeros: the slices go empty or "
                             "negative there, so handle that case first")


def _moves_out(case) -> bool:
    X, dy, dx = case.args
    return dy != 0 and dx != 0 and (abs(dy) >= X.shape[-2] or abs(dx) >= X.shape[-1])


def _has_zero_shift(case) -> bool:
    return 0 in case.args[1:]


def _shift_cases():
    """``[(X, dy, dx, group)]``: 2-D images (some of integers) and (C, H, W) stacks shifted
    inside the image by nonzero amounts, then 2-D images shifted by 0 along an axis or by at
    least their size (everything moves out)."""
    inside = st.tuples(dims(2, 8), dims(2, 8), st.integers(-7, 7), st.integers(-7, 7), seeds) \
        .filter(lambda t: 0 < abs(t[2]) < t[0] and 0 < abs(t[3]) < t[1])
    out = []
    fixed = [(3, 4, 1, 2, 0), (4, 5, -1, 3, 1), (5, 3, 2, -2, 2), (2, 6, 1, -1, 3), (6, 6, -3, -4, 4)]
    for k, (h, w, dy, dx, s) in enumerate(fixed + draw(inside, N_CASES)):
        X = int_array(s, (h, w)) if k % 4 == 3 else rng_array(s, (h, w))
        out.append((X, dy, dx, VALUES))
    fixed = [(2, 3, 5, 1, -1, 5), (3, 4, 2, -2, 1, 6), (1, 6, 4, 1, -3, 7)]
    for c, h, w, dy, dx, s in fixed + [(c, *t) for c, t in zip(draw(dims(1, 3), 6),
                                                                  draw(inside, 6))]:
        out.append((rng_array(s, (c, h, w)), dy, dx, CHANNELS))
    edges = [(1, 1, 0, 0), (3, 3, 0, 2), (4, 5, -2, 0), (1, 6, 0, -3), (5, 1, 4, 0), (2, 2, 0, 0),
             (3, 3, -7, 1), (4, 4, 2, 9), (3, 4, 4, 1), (4, 3, -1, -5), (5, 4, -7, 2), (3, 4, 3, -4),
             (6, 2, -1, -2)]
    large = st.tuples(dims(2, 8), dims(2, 8), st.integers(-16, 16), st.integers(-16, 16)).filter(
        lambda t: t[2] != 0 and t[3] != 0 and (abs(t[2]) >= t[0] or abs(t[3]) >= t[1]))
    for k, (h, w, dy, dx) in enumerate(edges + draw(large, 6)):
        out.append((rng_array(("edge", k), (h, w)), dy, dx, EDGE_SHIFTS))
    return out


def test_shift(shift):
    """Zero-filled shift of the last two axes: Y[..., i, j] = X[..., i - dy, j - dx]."""
    cases = []
    for X, dy, dx, group in _shift_cases():
        want = shift_oracle(X, dy, dx)
        wrong = {WRAPS: np.roll(X, (dy, dx), axis=(-2, -1)),
                 SHIFT_REVERSED: shift_oracle(X, -dy, -dx),
                 SHIFT_SWAPPED: shift_oracle(X, dx, dy) if dy != dx else None,
                 FIRST_AXES: shift_oracle(X, dy, dx, axes=(0, 1)) if X.ndim == 3 else None}
        kind = "integer array" if X.dtype.kind == "i" else "array"
        cases.append(Case((X, dy, dx), want, f"a {shapes_of(X)} {kind} shifted by dy={dy}, dx={dx}",
                          group=group, wrong=wrong))

    def hint(case, shape):
        X, dy, dx = case.args
        if tuple(shape[-2:]) == (max(X.shape[-2] - abs(dy), 0), max(X.shape[-1] - abs(dx), 0)):
            return CROPPED
        return "a shift keeps the shape of X"

    def raised(case, error):
        """Slices of two lengths, assigned one to the other: what ``:-0`` and a shift past the
        border make of slicing code."""
        if not (str(error).startswith("ValueError") and "broadcast" in str(error)):
            return None
        if _has_zero_shift(case):
            return ZERO_SLICE
        return OUT_OF_IMAGE if _moves_out(case) else None
    return judge(shift, "shift", cases, SHIFT_GROUPS, shape_hint=hint, raised=raised)


# -- translation equivariance of the conv layer -----------------------------------------------

def gap_oracle(X, K, dy, dx, shift=shift_oracle, corr=convref.correlate):
    return corr(shift(X, dy, dx), K) - shift(corr(X, K), dy, dx)


def _roll(X, dy, dx):
    return np.roll(X, (dy, dx), axis=(-2, -1))


def _truncated_corr(X, K):
    """A correlation stored in an array of X's integer type (each entry cut to an int)."""
    return np.trunc(convref.correlate(X, K))


GAP_SIGN = Misconception("gap_sign_reversed", "the sign is reversed: the gap is "
                         "corr2d(shift(X)) - shift(corr2d(X))")
GAP_SHIFTED_BACK = Misconception("map_shifted_back", "the feature map is shifted the other way: "
                                 "shift BOTH the image and the map by (dy, dx)")
GAP_MAP_NOT_SHIFTED = Misconception("map_not_shifted", "the feature map of X must be shifted too "
                                    "before comparing: shift(corr2d(X, K), dy, dx)")
GAP_FLIPPED = Misconception("kernel_flipped", "the layer is a cross-correlation: this flips the "
                            "kernel")
GAP_WRAPS = Misconception("shift_wraps_around", "the shift must fill with zeros, not wrap around "
                          "(np.roll)")
GAP_SWAPPED = Misconception("dy_dx_swapped", "dy and dx are swapped: dy counts rows, dx columns")
GAP_NUMBER = Misconception("single_number", "return the whole map of differences, not a single "
                           "number (take max(abs(...)) of it yourself when you want one)")
GAP_SAME_SIZE = Misconception("gap_not_valid", "the gap is taken between two VALID feature maps: "
                              "shape (H-KH+1, W-KW+1)")


def _gap_cases():
    """``[(X, K, dy, dx, group)]``: float images, then integer ones (with float kernels)."""
    fixed = [(5, 5, 2, 2, 1, 1, 0), (6, 8, 3, 2, 2, -1, 1), (4, 7, 1, 3, 0, 2, 2),
             (7, 4, 3, 3, -3, 0, 3), (5, 6, 2, 2, 7, -8, 4), (3, 3, 3, 3, 1, 1, 5)]
    drawn = draw(st.tuples(dims(1, 9), dims(1, 9), dims(1, 5), dims(1, 5), st.integers(-6, 6),
                           st.integers(-6, 6), seeds).filter(lambda t: t[2] <= t[0] and t[3] <= t[1]),
                 N_CASES)
    out = [(rng_array(s, (h, w)), rng_array(s + 1, (kh, kw)), dy, dx, VALUES)
           for h, w, kh, kw, dy, dx, s in fixed + drawn]
    for k, (h, w, kh, kw, dy, dx) in enumerate([(5, 6, 2, 3, 1, -2), (6, 6, 3, 3, -2, 1),
                                                (4, 7, 2, 2, 2, 3), (7, 5, 3, 1, -1, -1)]):
        out.append((int_array(("gap", k), (h, w)), rng_array(("gap kernel", k), (kh, kw)), dy, dx,
                    INTEGERS))
    return out


def _shift_both(case):
    """The calls of the student's shift a gap built on it makes."""
    X, K, dy, dx = case.args
    return [((X, dy, dx), {}), ((convref.correlate(X, K), dy, dx), {})]


def _gap_from_shifts(case, results):
    """The gap the given corr2d makes of the student's shifts (None when it cannot)."""
    try:
        return convref.correlate(results[0], case.args[1]) - results[1]
    except Exception:  # noqa: BLE001 - a shift of the wrong shape explains nothing
        return None


def _gap_wrong(X, K, dy, dx, group, want):
    wrong = {GAP_SIGN: -want,
             GAP_SHIFTED_BACK: convref.correlate(shift_oracle(X, dy, dx), K)
             - shift_oracle(convref.correlate(X, K), -dy, -dx),
             GAP_MAP_NOT_SHIFTED: convref.correlate(shift_oracle(X, dy, dx), K)
             - convref.correlate(X, K),
             GAP_FLIPPED: gap_oracle(X, K, dy, dx, corr=convref.convolve),
             GAP_WRAPS: gap_oracle(X, K, dy, dx, shift=_roll),
             GAP_SWAPPED: gap_oracle(X, K, dx, dy) if dy != dx else None}
    if group != VALUES:
        wrong[TRUNCATED] = Alternatives((gap_oracle(X, K, dy, dx, corr=_truncated_corr),
                                         np.trunc(want)))
    return wrong


def test_equivariance_gap(equivariance_gap):
    """corr2d(shift(X), K) - shift(corr2d(X, K)), valid size, against convref. A gap built on
    the student's shift is charged only for its own mistakes."""
    cases = []
    for X, K, dy, dx, group in _gap_cases():
        want = gap_oracle(X, K, dy, dx)
        magnitude = (convref.correlate(np.abs(shift_oracle(X, dy, dx)), np.abs(K))
                     + shift_oracle(convref.correlate(np.abs(X), np.abs(K)), dy, dx))
        kind = "integer image" if group != VALUES else "image"
        cases.append(Case((X, K, dy, dx), want,
                          f"a {shapes_of(X)} {kind}, a {shapes_of(K)} kernel, dy={dy}, dx={dx}",
                          group=group, magnitude=magnitude,
                          wrong=partial(_gap_wrong, X, K, dy, dx, group, want)))

    def hint(case, shape):
        X, K = case.args[:2]
        if shape == X.shape and K.size > 1:
            return GAP_SAME_SIZE
        return None

    def inspect(case, got):
        return GAP_NUMBER if _is_number(got) else None
    on_shift = Depends("shift", _shift_both, _gap_from_shifts, groups=tuple(GAP_GROUPS))
    return judge(equivariance_gap, "equivariance_gap", cases, GAP_GROUPS, shape_hint=hint,
                 inspect=inspect, depends=on_shift)


# -- global pooling, and where the position went ----------------------------------------------

def pooled_oracle(X, K, pool="max"):
    maps = convref.conv(X, K)
    return maps.max(axis=(1, 2)) if pool == "max" else maps.sum(axis=(1, 2))


def _pool(maps, pool):
    return maps.max(axis=(1, 2)) if pool == "max" else maps.sum(axis=(1, 2))


POOL_FLIPPED = Misconception("kernel_flipped", "the kernel is flipped: the layer is a "
                             "cross-correlation")
ABS_MAX = Misconception("max_of_absolute_values", "max pooling takes the largest value, not the "
                        "largest absolute value")
SUM_FOR_MAX = Misconception("max_pool_sums", "pool='max' takes the maximum over positions (this "
                            "sums them)")
MEAN_FOR_SUM = Misconception("sum_pool_averages", "sum pooling adds the values over all "
                             "positions: this is their mean")
MAX_FOR_SUM = Misconception("sum_pool_takes_max", "pool='sum' adds the values over all "
                            "positions (this takes their maximum)")
FIRST_SLICE = Misconception("one_kernel_slice", "each input channel c pairs with its own kernel "
                            "slice K[d, c]")
CHANNELS_AVERAGED = Misconception("channels_averaged", "the input channels are averaged: the "
                                  "layer SUMS over them")
NOT_POOLED = Misconception("not_pooled", "pool over all positions: the result has one number per "
                           "output channel, shape (D,)")
CHANNELS_NOT_SUMMED = Misconception("channels_not_summed", "the input channels are not summed: "
                                    "the layer adds them up before pooling")
POOLED_OVER_CHANNELS = Misconception("pooled_over_channels", "pool over positions, not over "
                                     "channels: the result has shape (D,)")
ONE_POOLED_NUMBER = Misconception("one_pooled_number", "one pooled number per output channel: "
                                  "the result has shape (D,)")


def _pool_cases():
    """``[(X, K, pool, group)]``; pool None is the default."""
    fixed = [(1, 1, 3, 4, 2, 2, "max", 0), (2, 3, 5, 4, 3, 2, "sum", 1), (3, 2, 4, 6, 1, 1, "max", 2),
             (1, 2, 1, 7, 1, 3, "sum", 3), (2, 1, 4, 4, 4, 4, None, 4), (3, 3, 5, 5, 2, 3, "sum", 5)]
    drawn = draw(st.tuples(dims(1, 3), dims(1, 4), dims(1, 7), dims(1, 7), dims(1, 4), dims(1, 4),
                           st.sampled_from(["max", "sum", None]), seeds)
                 .filter(lambda t: t[4] <= t[2] and t[5] <= t[3]), N_CASES)
    out = []
    for c, d, h, w, kh, kw, pool, s in fixed + drawn:
        group = SUM_POOL if pool == "sum" else MAX_POOL
        out.append((rng_array(s, (c, h, w)), rng_array(s + 1, (d, c, kh, kw)), pool, group))
    # integer images with max pooling only: a mistake in the sum is charged in its own group
    for k, (c, d, h, w, kh, kw, pool) in enumerate([(1, 2, 4, 5, 2, 2, "max"), (2, 3, 5, 5, 3, 2, None),
                                                    (3, 1, 3, 6, 2, 3, "max"), (2, 2, 6, 4, 1, 2, None)]):
        out.append((int_array(("pool", k), (c, h, w)), rng_array(("pool kernel", k), (d, c, kh, kw)),
                    pool, INTEGERS))
    return out


def _pool_wrong(X, K, kind, group, maps, want):
    c = X.shape[0]
    wrong = {POOL_FLIPPED: pooled_oracle(X, K[:, :, ::-1, ::-1], kind),
             FIRST_SLICE: pooled_oracle(X, np.broadcast_to(K[:, :1], K.shape), kind) if c > 1 else None,
             CHANNELS_AVERAGED: want / c if c > 1 else None}
    if kind == "max":
        wrong[ABS_MAX] = np.abs(maps).max(axis=(1, 2))
        wrong[SUM_FOR_MAX] = maps.sum(axis=(1, 2))
    else:
        wrong[MEAN_FOR_SUM] = maps.mean(axis=(1, 2))
        wrong[MAX_FOR_SUM] = maps.max(axis=(1, 2))
    if group == INTEGERS:
        wrong[TRUNCATED] = Alternatives((_pool(np.trunc(maps), kind), np.trunc(want)))
    return wrong


def test_pooled_features(pooled_features):
    """Multi-channel valid correlation, then global max or sum pooling: (D,) features."""
    cases = []
    for X, K, pool, group in _pool_cases():
        kind = pool or "max"
        maps = convref.conv(X, K)
        absmaps = convref.conv(np.abs(X), np.abs(K))
        want = _pool(maps, kind)
        about = (f"a {shapes_of(X)} {'integer ' * (group == INTEGERS)}input with a "
                 f"{shapes_of(K)} kernel, " + (f"pool={pool!r}" if pool else "the default pool"))
        cases.append(Case((X, K), want, about, group=group, kwargs={"pool": pool} if pool else {},
                          magnitude=_pool(absmaps, kind),
                          wrong=partial(_pool_wrong, X, K, kind, group, maps, want)))
    X, K = rng_array(11, (1, 4, 4)), rng_array(12, (2, 1, 2, 2))
    for pool in ("mean", "min"):
        cases.append(must_raise((X, K), f"pool={pool!r}", "only 'max' and 'sum' are defined",
                                kwargs={"pool": pool}))

    def hint(case, shape):
        d, c = case.args[1].shape[:2]
        if len(shape) == 3:
            return NOT_POOLED
        if shape == (d, c):
            return CHANNELS_NOT_SUMMED
        if len(shape) == 2:
            return POOLED_OVER_CHANNELS
        if shape == () or shape == (1,) and d > 1:
            return ONE_POOLED_NUMBER
        return None
    return judge(pooled_features, "pooled_features", cases, POOL_GROUPS, shape_hint=hint)


# -- coordinate channels -----------------------------------------------------------------------

def coords(n):
    """n coordinates from -1 (first) to +1 (last); a single one is 0."""
    return np.zeros(1) if n == 1 else 2.0 * np.arange(n) / (n - 1) - 1.0


def coord_oracle(X, rows=None, cols=None, first=False):
    X = np.asarray(X, dtype=float)
    c, h, w = X.shape
    r = coords(h) if rows is None else rows(h)
    q = coords(w) if cols is None else cols(w)
    extra = np.stack([np.broadcast_to(r[:, None], (h, w)), np.broadcast_to(q[None, :], (h, w))])
    return np.concatenate([extra, X] if first else [X, extra])


def _linspace(n):
    return np.linspace(-1.0, 1.0, n)


COORD_ORDER = Misconception("coordinate_channels_swapped", "the row channel comes first, then "
                            "the column channel: channel C holds the row coordinate (it changes "
                            "down the image)")
RAW_INDICES = Misconception("raw_indices", "normalise the coordinates: -1 at the first row "
                            "(column), +1 at the last, not the raw indices")
ZERO_TO_ONE = Misconception("coordinates_zero_to_one", "the coordinates run from -1 to +1, not "
                            "from 0 to 1")
DIVIDED_BY_SIZE = Misconception("divided_by_size", "the last row (column) must be exactly +1: "
                                "divide by H - 1 (W - 1), not by H (W)")
PREPENDED = Misconception("coordinates_prepended", "append the coordinates AFTER X's channels: X "
                          "keeps channels 0..C-1")
LINSPACE_SINGLE = Misconception("single_row_at_minus_one", "a single row (or column) sits in the "
                                "middle of [-1, 1]: its coordinate is 0 (np.linspace(-1, 1, 1) "
                                "gives -1)")
NAN_SINGLE = Misconception("single_row_divides_by_zero", "the output holds NaN or inf: with a "
                           "single row (H = 1) 2i/(H-1) divides by zero; that lone row's "
                           "coordinate is 0, the middle of [-1, 1] (the same for W = 1)")
COORDS_ONLY = Misconception("x_dropped", "keep X: the output is X's C channels followed by the "
                            "two coordinate channels")
TOO_FEW_CHANNELS = Misconception("coordinate_channels_missing", "add two channels (rows, then "
                                 "columns): the output has C + 2 channels")
CHANNELS_LAST = Misconception("channels_last", "channels come first: the output is (C + 2, H, W)")
AXES_SWAPPED = Misconception("rows_columns_swapped", "rows and columns are swapped: the output is "
                             "(C + 2, H, W)")


def _coord_cases():
    """``[(X, group)]``: images of at least 2 x 2, images with a single row or column, and
    integer images."""
    fixed = [(1, 4, 4, 0), (2, 3, 5, 1), (3, 6, 2, 3), (2, 2, 7, 5)]
    drawn = draw(st.tuples(dims(1, 3), dims(2, 9), dims(2, 9), seeds), N_CASES)
    out = [(rng_array(s, (c, h, w)), VALUES) for c, h, w, s in fixed + drawn]
    single = [(1, 1, 5), (3, 6, 1), (1, 1, 1), (2, 1, 3), (2, 4, 1)]
    out += [(rng_array(("single", k), shape), SINGLE) for k, shape in enumerate(single)]
    out += [(int_array(("coord", k), shape), INTEGERS)
            for k, shape in enumerate([(1, 3, 4), (2, 5, 2), (3, 4, 6)])]
    return out


def test_add_coord_channels(add_coord_channels):
    """X (C, H, W) -> (C+2, H, W): X, then rows from -1 (top) to +1 (bottom), then columns."""
    cases = []
    for X, group in _coord_cases():
        want = coord_oracle(X)
        h, w = X.shape[1:]
        wrong = {COORD_ORDER: np.concatenate([X, want[-1:], want[-2:-1]]),
                 RAW_INDICES: coord_oracle(X, rows=lambda n: np.arange(n, dtype=float),
                                           cols=lambda n: np.arange(n, dtype=float)),
                 ZERO_TO_ONE: coord_oracle(X, rows=lambda n: np.arange(n) / max(n - 1, 1),
                                           cols=lambda n: np.arange(n) / max(n - 1, 1)),
                 DIVIDED_BY_SIZE: coord_oracle(X, rows=lambda n: 2.0 * np.arange(n) / n - 1,
                                               cols=lambda n: 2.0 * np.arange(n) / n - 1),
                 PREPENDED: coord_oracle(X, first=True),
                 LINSPACE_SINGLE: coord_oracle(X, rows=_linspace, cols=_linspace)
                 if h == 1 or w == 1 else None}
        if group == INTEGERS:
            wrong.update(truncated(want))
        kind = "integer input" if group == INTEGERS else "input"
        cases.append(Case((X,), want, f"a {shapes_of(X)} {kind}", group=group,
                          magnitude=np.ones_like(want), wrong=wrong))

    def hint(case, shape):
        c, h, w = case.args[0].shape
        if shape == (2, h, w):
            return COORDS_ONLY
        if shape == (c, h, w):
            return TOO_FEW_CHANNELS
        if shape == (h, w, c + 2):
            return CHANNELS_LAST
        if shape == (c + 2, w, h) and h != w:
            return AXES_SWAPPED
        return None

    def inspect(case, got):
        single = 1 in case.args[0].shape[1:]
        if single and isinstance(got, np.ndarray) and not np.all(np.isfinite(got)):
            return NAN_SINGLE
        return None
    return judge(add_coord_channels, "add_coord_channels", cases, COORD_GROUPS, shape_hint=hint,
                 inspect=inspect)


# -- the flying-pig detector ---------------------------------------------------------------------

def pig_image(seed, h, w, side, flies, place="random", sky=None):
    """One (1, h, w) image: background in [0, 0.2], a pig (a side x side square of ones) in the
    top half (flies) or in the bottom half. ``place``: "random", "middle" (touching the
    middle line), "edge" (touching the top or bottom border); ``sky`` fixes the background."""
    rng = fresh_rng(seed)
    X = rng.uniform(0.0, 0.2, size=(h, w)) if sky is None else np.full((h, w), float(sky))
    half = h // 2
    low, high = (0, half - side) if flies else (half, h - side)
    if place == "middle":
        top = high if flies else low
    elif place == "edge":
        top = low if flies else high
    else:
        top = int(rng.integers(low, high + 1))
    left = int(rng.integers(0, w - side + 1))
    X[top:top + side, left:left + side] = 1.0
    return X[None]


def pig_images():
    """The unseen test set: ``[(image, flies, place)]``."""
    out = []
    fixed = [(8, 8, 1, "middle", 0.2), (8, 8, 3, "middle", 0.2), (32, 32, 1, "middle", 0.2),
             (32, 9, 2, "middle", 0.0), (8, 32, 1, "edge", 0.2), (16, 16, 3, "edge", 0.0),
             (30, 8, 2, "middle", None), (10, 31, 1, "random", 0.2), (24, 12, 1, "middle", None)]
    for k, (h, w, side, place, sky) in enumerate(fixed):
        for flies in (True, False):
            out.append((pig_image(1000 + k, h, w, side, flies, place, sky), flies, place))
    strategy = st.tuples(st.integers(4, 16), dims(8, 32), st.integers(1, 3), st.booleans(),
                         st.sampled_from(["random", "random", "middle", "edge"]), seeds)
    for half, w, side, flies, place, s in draw(strategy, 120):
        out.append((pig_image(s, 2 * half, w, side, flies, place), flies, place))
    return out


def at_middle_line(X) -> bool:
    """Does the pig of ``X`` touch the middle line (its nearest row is next to it)?"""
    rows = np.flatnonzero((X[0] == 1.0).any(axis=1))
    half = X.shape[1] // 2
    return bool(rows.max() == half - 1 or rows.min() == half)


def _pig_group(X, flies) -> str:
    if at_middle_line(X):
        return MIDDLE
    return FLYING if flies else GROUNDED


NOT_A_PAIR = Misconception("detector_not_a_pair", "pig_detector must return a pair (K, t): a "
                           "kernel K of shape (1, 3, KH, KW) and a threshold t")
KERNEL_SHAPE = Misconception("detector_kernel_shape", "K must have shape (1, 3, KH, KW): one "
                             "output channel reading three input channels (image, row, column)")
KERNEL_TOO_LARGE = Misconception("detector_kernel_too_large", "the smallest images are 8 x 8: keep "
                                 "the kernel at most 8 x 8 (a 1 x 1 kernel is enough)")
BAD_THRESHOLD = Misconception("detector_threshold_not_a_number", "the threshold t must be a single "
                              "finite number")
KERNEL_NOT_FINITE = Misconception("detector_kernel_not_finite", "K holds NaN or inf")
PIG_BACKWARDS = Misconception("detector_backwards", "it gets every unseen image backwards: it "
                              "calls flying pigs grounded and grounded pigs flying (the row "
                              "coordinate is -1 at the TOP)")
PIG_CONSTANT = Misconception("detector_ignores_position", "it gives the same answer for every "
                             "unseen image: the decision must depend on where the pig is (weigh "
                             "the image against the row channel)")
PIG_NO_ROW = Misconception("detector_ignores_rows", "K gives the row channel (input channel 1) no "
                           "weight: flying is about height, so the decision must use the row "
                           "coordinate (channel 2 holds the column)")
PIG_MIDDLE = Misconception("detector_misses_middle_line", "all of them are pigs right next to the "
                           "middle line, where the row coordinate is close to 0 (-1/31 for the "
                           "row just above the middle of a 32-row image): put the threshold "
                           "exactly where a pig pixel's score changes sides")
PIG_BRIGHT_SKY = Misconception("detector_fooled_by_bright_sky", "only grounded pigs are called "
                               "flying: a bright background pixel high in the sky can score like "
                               "a pig, so the image weight must beat what the row channel adds "
                               "there")
PIG_MISSES_FLYING = Misconception("detector_misses_flying_pigs", "only flying pigs are called "
                                  "grounded: the threshold is above what some flying pigs score")


def _detector(got):
    """``(K, t)`` as numbers, or the Misconception (and its text) that stops any judging."""
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        return None, NOT_A_PAIR.message, NOT_A_PAIR
    K, t = got
    if isinstance(K, (list, tuple)):
        try:
            K = np.asarray(K, dtype=float)
        except (TypeError, ValueError):
            return None, KERNEL_SHAPE.message, KERNEL_SHAPE
    if not isinstance(K, np.ndarray) or K.ndim != 4 or K.shape[:2] != (1, 3):
        return None, f"K has shape {np.shape(K)}: {KERNEL_SHAPE.message}", KERNEL_SHAPE
    if K.shape[2] > 8 or K.shape[3] > 8:
        return None, KERNEL_TOO_LARGE.message, KERNEL_TOO_LARGE
    if not _is_number(t) or not np.isfinite(_scalar(t)):
        return None, BAD_THRESHOLD.message, BAD_THRESHOLD
    if not np.all(np.isfinite(K)):
        return None, KERNEL_NOT_FINITE.message, KERNEL_NOT_FINITE
    return (K, _scalar(t)), "", None


def _pig_misconception(K, said, truth, middle):
    """The mistake the detector's answers on all images show together, or None."""
    wrong = [k for k, (s, f) in enumerate(zip(said, truth)) if s != f]
    if len(wrong) == len(said):
        return PIG_BACKWARDS
    if len(set(said)) == 1:
        return PIG_CONSTANT
    if np.all(K[0, 1] == 0):
        return PIG_NO_ROW
    if all(middle[k] for k in wrong):
        return PIG_MIDDLE
    if all(said[k] for k in wrong):
        return PIG_BRIGHT_SKY
    if not any(said[k] for k in wrong):
        return PIG_MISSES_FLYING
    return None


def test_pig_detector(pig_detector):
    """(K, t) with K (1, 3, KH, KW): an image flies iff the global max of the valid correlation
    of add_coord_channels(image) with K exceeds t, on pig images the student never saw. Judged
    by hand: the answer is one detector, and what it gets wrong shows on all images together.
    Groups: flying pigs and grounded pigs away from the middle line, and pigs touching it."""
    name = "pig_detector"
    (got,) = call_checked(pig_detector, name, [((), {})], weights=PIG_GROUPS)
    if isinstance(got, StudentError):
        return finish(everything_failed(name, PIG_GROUPS, f"{name} raised: {got}"))
    detector, text, stop = _detector(got)
    if detector is None:
        return finish(everything_failed(name, PIG_GROUPS, text, stop.key))
    K, t = detector
    images = pig_images()
    said = [float(convref.conv(coord_oracle(X), K).max()) > t for X, _, _ in images]
    truth = [flies for _, flies, _ in images]
    groups = [_pig_group(X, flies) for X, flies, _ in images]
    missed = sum(f and not s for s, f in zip(said, truth))
    false = sum(s and not f for s, f in zip(said, truth))
    found = _pig_misconception(K, said, truth, [g == MIDDLE for g in groups])
    message = (f"{name} misjudges {missed + false} of {len(images)} unseen images ({missed} "
               f"flying pigs called grounded, {false} grounded pigs called flying)")
    if found is not None:
        message += f": {found.message}"
    results = []
    for group, weight in PIG_GROUPS.items():
        ok = all(s == f for s, f, g in zip(said, truth, groups) if g == group)
        results.append(GroupResult(group, weight, ok, "" if ok else message,
                                   None if ok or found is None else found.key))
    return finish(Judgement(name, tuple(results)))


# -- rotations ---------------------------------------------------------------------------------

def _orbit_symmetric(A):
    """A square kernel unchanged by np.rot90, built exactly (each value copied, no arithmetic)."""
    n = A.shape[0]
    K = np.empty_like(A)
    for i in range(n):
        for j in range(n):
            orbit = [(i, j), (j, n - 1 - i), (n - 1 - i, n - 1 - j), (n - 1 - j, i)]
            K[i, j] = A[min(orbit)]
    return K


def _distinct(rng, count):
    """``count`` distinct nonzero halves in [-4.5, 4.5]: exact numbers for exact symmetry."""
    grid = np.concatenate([np.arange(-9, 0), np.arange(1, 10)]) / 2.0
    return rng.choice(grid, size=count, replace=False)


def rot_kernels():
    """``[(K, why)]``: symmetric and asymmetric kernels, and the look-alike symmetries (each
    kind keeps its structure; its numbers are fresh)."""
    rng = fresh_rng("rotation kernels")
    a, b, c, d = _distinct(rng, 4)
    p, q, r, t = _distinct(rng, 4)
    while True:                            # unchanged by rot90, neither mirrored nor transposed
        pinwheel = _orbit_symmetric(rng.integers(0, 4, size=(4, 4)).astype(float))
        if not (np.array_equal(pinwheel, pinwheel[::-1]) or np.array_equal(pinwheel, pinwheel.T)):
            break
    ks = [(np.array([[p]]), "a 1x1 kernel"),
          (np.full((3, 3), q), "a constant 3x3 kernel"),
          (np.array([[a, b, a], [c, d, c], [a, b, a]]),
           "a 3x3 kernel that is mirror-symmetric in both axes (and under 180 degrees) but not under 90"),
          (np.array([[a, b], [b, a]]), "a 2x2 kernel that is symmetric under transposition and 180 degrees"),
          (rng.standard_normal((2, 3)), "a non-square 2x3 kernel"),
          (np.full((1, 3), r), "a non-square 1x3 kernel"),
          (pinwheel, "a 4x4 pinwheel (unchanged by rot90, not mirror-symmetric)"),
          (np.outer([p, t, p], [1.0, 0.0, -1.0]), "a 3x3 edge detector"),
          (np.array([[0.0, q, 0.0], [q, r, q], [0.0, q, 0.0]]), "a 3x3 Laplacian")]
    for n in (2, 3, 4, 5, 6):
        ks.append((_orbit_symmetric(rng.standard_normal((n, n))), f"a {n}x{n} kernel"))
        A = rng.standard_normal((n, n))
        ks.append((A + A.T, f"a {n}x{n} kernel"))
        ks.append((A, f"a {n}x{n} kernel"))
        ks.append((A + A[::-1, ::-1], f"a {n}x{n} kernel"))
    ks.append((rng.standard_normal((4, 3)), "a non-square 4x3 kernel"))
    return ks


def _rot_symmetric(K):
    return K.shape[0] == K.shape[1] and np.array_equal(np.rot90(K), K)


def _as_bool(got):
    """True or False from a bool, a numpy bool (which arrives as a 0-d array) or a 0/1; None
    for anything else."""
    if isinstance(got, (bool, np.bool_)):
        return bool(got)
    if _is_number(got) and _scalar(got) in (0.0, 1.0):
        return bool(_scalar(got))
    return None


def _same_bool(got, want) -> bool:
    return _as_bool(got) is want


TRANSPOSE_SYMMETRY = Misconception("transpose_symmetry", "this tests symmetry under transposition "
                                   "(K == K.T), not under a quarter turn")
HALF_TURN = Misconception("half_turn_symmetry", "this tests a half turn (180 degrees); a kernel "
                          "can survive that and still change under a quarter turn")
MIRRORS = Misconception("mirror_symmetry", "this tests mirror symmetry (flips of rows and "
                        "columns), which is not the same as symmetry under a quarter turn")
ELEMENTWISE = Misconception("elementwise_comparison", "return one True or False: np.rot90(K) == K "
                            "is an array of comparisons, one per entry; np.array_equal, or .all() "
                            "of it, gives the answer")
NOT_A_BOOL = Misconception("not_a_bool", "return True or False in every case: a function that "
                           "reaches its end without a return statement gives None")
NON_SQUARE = Misconception("non_square_compared", "a non-square kernel changes shape when "
                           "rotated, so it cannot be symmetric: return False for it (comparing "
                           "np.rot90(K) with K entry by entry fails on two shapes, or broadcasts "
                           "a 1 x n kernel against its n x 1 turn)")


def _entrywise(K):
    """What ``(np.rot90(K) == K).all()`` says of a non-square K (None: it raises)."""
    try:
        return bool((np.rot90(K) == K).all())
    except ValueError:
        return None


def test_is_rot90_symmetric(is_rot90_symmetric):
    """True exactly when np.rot90(K) equals K (so a non-square kernel gives False)."""
    cases = []
    for K, why in rot_kernels():
        square = K.shape[0] == K.shape[1]
        wrong = {NON_SQUARE: None if square else _entrywise(K),
                 TRANSPOSE_SYMMETRY: bool(square and np.array_equal(K, K.T)),
                 HALF_TURN: bool(np.array_equal(K, K[::-1, ::-1])),
                 MIRRORS: bool(np.array_equal(K, K[::-1]) and np.array_equal(K, K[:, ::-1]))}
        cases.append(Case((K,), _rot_symmetric(K), why,
                          group=SQUARE if square else NOT_SQUARE,
                          same=_same_bool, wrong=wrong))

    def inspect(case, got):
        if isinstance(got, np.ndarray) and got.ndim == 2 and got.shape == case.args[0].shape:
            return ELEMENTWISE
        value = _as_bool(got)
        if value is None:
            return NOT_A_BOOL
        return (f"it answered {value}, but np.rot90 "
                f"{'leaves this kernel unchanged' if case.expected else 'changes this kernel'}")

    def raised(case, error):
        return NON_SQUARE if case.group == NOT_SQUARE else None
    return judge(is_rot90_symmetric, "is_rot90_symmetric", cases, ROT_GROUPS, inspect=inspect,
                 raised=raised)


def rotation_gap_oracle(X, K, turn=1, corr=convref.correlate):
    return corr(np.rot90(X, turn), K) - np.rot90(corr(X, K), turn)


CLOCKWISE = Misconception("rotated_clockwise", "np.rot90 turns counterclockwise by default "
                          "(k=1): this turns clockwise")
RGAP_SIGN = Misconception("gap_sign_reversed", "the sign is reversed: the gap is "
                          "corr2d(rot90(X)) - rot90(corr2d(X))")
RGAP_FLIPPED = Misconception("kernel_flipped", "the layer is a cross-correlation: this flips the "
                             "kernel")
KERNEL_ROTATED = Misconception("kernel_rotated", "rotate the image, not the kernel: the question "
                               "is what the SAME kernel does with a rotated picture")
MAP_NOT_ROTATED = Misconception("map_not_rotated", "the feature map of X must be rotated too "
                                "before comparing: np.rot90(corr2d(X, K)), so the two maps line "
                                "up, shape (W-k+1, H-k+1)")
TRANSPOSED = Misconception("transposed_not_rotated", "np.rot90 is a quarter turn, not a "
                           "transposition (X.T mirrors the image along its diagonal)")


def _rgap_cases():
    """``[(X, K, group)]``: the random kernels (no symmetry at all) first, on square images
    first, where a map that was not rotated still has the right shape and the feedback can
    name the misconception; then non-square images; then integer images."""
    listed = [K for K, _ in rot_kernels() if K.shape[0] == K.shape[1] and K.shape[0] <= 5]
    kernels = listed[9:] + listed[:9]
    fixed = [(5, 5, 1), (4, 4, 2), (6, 6, 3), (5, 5, 4), (7, 7, 5), (6, 6, 6), (6, 9, 7), (8, 5, 8)]
    out = []
    for K, (h, w, s) in zip(kernels, fixed + draw(st.tuples(dims(1, 10), dims(1, 10), seeds), 60)):
        n = K.shape[0]
        out.append((rng_array(s, (max(h, n), max(w, n))), K, VALUES))
    for k, (h, w, n) in enumerate([(5, 5, 2), (4, 6, 3), (7, 5, 3)]):
        out.append((int_array(("rotation", k), (h, w)), rng_array(("rotation kernel", k), (n, n)),
                    INTEGERS))
    return out


def _rotation_gap_wrong(X, K, group, want):
    wrong = {CLOCKWISE: rotation_gap_oracle(X, K, turn=-1),
             RGAP_SIGN: -want,
             RGAP_FLIPPED: rotation_gap_oracle(X, K, corr=convref.convolve),
             KERNEL_ROTATED: convref.correlate(X, np.rot90(K)) - convref.correlate(X, K),
             MAP_NOT_ROTATED: convref.correlate(np.rot90(X), K) - convref.correlate(X, K)
             if X.shape[0] == X.shape[1] else None,
             TRANSPOSED: convref.correlate(X.T, K) - convref.correlate(X, K).T}
    if group != VALUES:
        wrong[TRUNCATED] = Alternatives((rotation_gap_oracle(X, K, corr=_truncated_corr),
                                         np.trunc(want)))
    return wrong


def test_rotation_gap(rotation_gap):
    """corr2d(rot90(X), K) - rot90(corr2d(X, K)) for a square K, against convref."""
    cases = []
    for X, K, group in _rgap_cases():
        want = rotation_gap_oracle(X, K)
        magnitude = (convref.correlate(np.abs(np.rot90(X)), np.abs(K))
                     + np.rot90(convref.correlate(np.abs(X), np.abs(K))))
        kind = "integer image" if group != VALUES else "image"
        cases.append(Case((X, K), want, f"a {shapes_of(X)} {kind} with a {shapes_of(K)} kernel",
                          group=group, magnitude=magnitude,
                          wrong=partial(_rotation_gap_wrong, X, K, group, want)))
    # the first pair would even broadcast to an answer: (1, 3) minus (3, 1)
    for X, K in [(rng_array(5, (3, 3)), rng_array(6, (3, 1))), (rng_array(7, (5, 6)), np.ones((2, 3)))]:
        cases.append(must_raise((X, K), f"a {shapes_of(X)} image with a non-square {shapes_of(K)} "
                                "kernel", "it only compares square kernels"))

    def hint(case, shape):
        X, K = case.args
        n = K.shape[0]
        if shape == (X.shape[0] - n + 1, X.shape[1] - n + 1):
            return MAP_NOT_ROTATED
        return None
    return judge(rotation_gap, "rotation_gap", cases, RGAP_GROUPS, shape_hint=hint)


# -- normalised cross-correlation and Waldo ------------------------------------------------------

def ncc_oracle(S, T):
    """NCC of every valid window with window sums from convref.correlate; 0 on flat windows."""
    S, T = np.asarray(S, dtype=float), np.asarray(T, dtype=float)
    n = T.size
    Tc = T - T.mean()
    ones = np.ones(T.shape)
    mean = convref.correlate(S, ones) / n
    var = np.maximum(convref.correlate(S * S, ones) / n - mean ** 2, 0.0)
    std = np.sqrt(var)
    numerator = convref.correlate(S, Tc)
    out = np.zeros_like(numerator)
    live = std > FLAT
    out[live] = numerator[live] / (np.sqrt(n) * std[live] * np.linalg.norm(Tc))
    return out, ~live


def _cosine(S, T):
    """The same normalisation without subtracting means (the cosine of window and template)."""
    S, T = np.asarray(S, dtype=float), np.asarray(T, dtype=float)
    norms = np.sqrt(convref.correlate(S * S, np.ones(T.shape))) * np.linalg.norm(T)
    out = np.zeros_like(norms)
    live = norms > 1e-12
    out[live] = convref.correlate(S, T)[live] / norms[live]
    return out


def _grid(values, step=0.01):
    """Round onto a grid (0.01): the scenes' values are exact multiples of the step, so a
    window is either exactly flat or clearly not (standard deviation above 1e-3)."""
    return np.round(np.asarray(values, dtype=float) / step) * step


def _levels(rng, shape):
    return rng.integers(0, 11, size=shape) / 10.0


def _template(rng, th, tw):
    while True:
        T = _levels(rng, (th, tw))
        if T.std() > 0.15:
            return T


def blocky_scene(seed, h, w, least=(1, 1)):
    """Random levels in blocks of random size (at least ``least``), then lit by a gain and an
    offset: flat windows where a block is larger than the template, sharp edges elsewhere."""
    rng = fresh_rng(seed)
    bh, bw = rng.integers(least[0], least[0] + 3), rng.integers(least[1], least[1] + 3)
    coarse = _levels(rng, (-(-h // bh), -(-w // bw)))
    S = np.kron(coarse, np.ones((bh, bw)))[:h, :w]
    gain, offset = rng.integers(3, 21) / 10.0, rng.integers(0, 101) / 100.0
    return _grid(gain * S + offset)


def textured_scene(seed, h, w, integers=False):
    """Levels 0..100 in every pixel, lit by a gain and an offset (integers: left as integers)."""
    rng = fresh_rng(seed)
    S = rng.integers(0, 101, size=(h, w))
    gain, offset = int(rng.integers(1, 6)), int(rng.integers(-50, 51))
    return gain * S + offset if integers else _grid((gain * S + offset) / 100.0)


def waldo_scene(seed, h, w, th, tw):
    """A cluttered scene in three vertical bands of light: Waldo (the template, exactly) in a
    dim band, damaged copies of him in bright bands. Returns (scene, template, (row, col))."""
    rng = fresh_rng(seed)
    T = _template(rng, th, tw)
    S = np.full((h, w), rng.integers(0, 11) / 10.0)
    for _ in range(h * w // 25):                                    # boxes of clutter
        bh, bw = rng.integers(2, 9, size=2)
        r, c = rng.integers(0, h), rng.integers(0, w)
        S[r:r + bh, c:c + bw] = rng.integers(0, 11) / 10.0
    for _ in range(3):                                               # textured patches
        ph, pw = rng.integers(2, th + 1), rng.integers(2, tw + 1)
        r, c = rng.integers(0, h - ph + 1), rng.integers(0, w - pw + 1)
        S[r:r + ph, c:c + pw] = _levels(rng, (ph, pw))
    cuts = sorted(rng.choice(np.arange(tw + 2, w - tw - 1), size=2, replace=False))
    bands = [(0, cuts[0]), (cuts[0], cuts[1]), (cuts[1], w)]
    dim = int(rng.integers(0, 3))
    bright = [k for k in range(3) if k != dim]
    lo, hi = bands[dim]
    if hi - lo < tw:
        raise ValueError("band too narrow")
    top, left = int(rng.integers(0, h - th + 1)), int(rng.integers(lo, hi - tw + 1))
    for k in bright:                                                 # damaged look-alikes
        blo, bhi = bands[k]
        if bhi - blo < tw:
            continue
        for _ in range(2):
            D = T.copy()
            flip = rng.random(T.shape) < 0.3
            D[flip] = _levels(rng, T.shape)[flip]
            r, c = rng.integers(0, h - th + 1), rng.integers(blo, bhi - tw + 1)
            S[r:r + th, c:c + tw] = D
    S[top:top + th, left:left + tw] = T
    gains = np.zeros(w)
    offsets = np.zeros(w)
    for k, (blo, bhi) in enumerate(bands):
        if k == dim:
            gains[blo:bhi], offsets[blo:bhi] = rng.choice([0.2, 0.3, 0.4]), rng.integers(20, 81) / 100
        else:
            gains[blo:bhi], offsets[blo:bhi] = rng.choice([1.5, 2.0]), rng.integers(0, 31) / 100
    return _grid(gains[None, :] * S + offsets[None, :]), T, (top, left)


PEAK_MARGIN = 1e-6   # a mistaken map's peak beats its runner-up by this fraction of itself


def _clear_peak(values) -> bool:
    """Is the largest value of ``values`` alone (no tie, up to rounding)? Only then does a
    mistake that takes the peak of that map point to one place, whatever the tie-breaking."""
    top = np.sort(values, axis=None)[-2:]
    return top.size < 2 or bool(top[1] - top[0] > PEAK_MARGIN * max(abs(top[1]), 1e-300))


def waldo_cases(count=10):
    """Scenes where NCC finds Waldo with a clear margin and plain correlation does not, and
    where plain correlation and the cosine (the mistakes the feedback names) each have one
    clear peak."""
    out, seed = [], 4242
    sizes = draw(st.tuples(dims(24, 40), dims(40, 64), dims(3, 8), dims(3, 8)), count)
    for h, w, th, tw in sizes:
        while True:
            seed += 1
            try:
                S, T, where = waldo_scene(seed, h, w, th, tw)
            except ValueError:
                continue
            ncc, _ = ncc_oracle(S, T)
            second = np.partition(ncc.ravel(), -2)[-2]
            plain = convref.correlate(S, T - T.mean())
            if (_argmax(ncc) == where and second < 0.97 and _argmax(plain) != where
                    and where[0] != where[1] and _clear_peak(plain) and _clear_peak(_cosine(S, T))):
                out.append((S, T, where))
                break
    return tuple(out)


def _ncc_template(rng, th, tw):
    while True:
        T = _levels(rng, (th, tw)) * rng.integers(1, 30) / 10 - rng.integers(0, 10) / 10
        if T.std() > FLAT:
            return T


def _ncc_cases():
    """``[(S, T, group)]``: textured scenes (no flat window), scenes with flat windows (blocks
    larger than the template, and cluttered Waldo scenes), integer scenes and templates."""
    shapes = st.tuples(dims(1, 12), dims(1, 12), dims(1, 5), dims(1, 5), seeds) \
        .filter(lambda t: t[2] <= t[0] and t[3] <= t[1] and t[2] * t[3] > 1)
    fixed = [(1, 4, 1, 2, 0), (3, 3, 3, 3, 1), (5, 8, 2, 2, 2), (6, 1, 3, 1, 3), (7, 9, 4, 2, 4)]
    out = []
    for h, w, th, tw, s in fixed + draw(shapes, N_CASES):
        T = _ncc_template(fresh_rng(s + 1), th, tw)
        for attempt in range(50):                     # a scene without a flat window
            S = textured_scene((s, attempt), h, w)
            if not ncc_oracle(S, T)[1].any():
                break
        out.append((S, T, VALUES))
    for h, w, th, tw, s in [(6, 6, 2, 2, 5), (9, 7, 1, 3, 6)] + draw(shapes, 8):
        # blocks at least as large as the template: the top-left window is flat
        out.append((blocky_scene(s, h, w, least=(th, tw)), _ncc_template(fresh_rng(s + 1), th, tw),
                    FLAT_WINDOWS))
    out += [(S, T, FLAT_WINDOWS if ncc_oracle(S, T)[1].any() else VALUES)
            for S, T, _ in waldo_cases(3)]
    for k, (h, w, th, tw) in enumerate([(5, 7, 2, 3), (8, 6, 3, 3), (4, 9, 1, 4)]):
        rng = fresh_rng(("integer template", k))
        while True:
            T = rng.integers(-5, 6, size=(th, tw))
            if T.std() > 1:
                break
        for attempt in range(50):
            S = textured_scene(("integer scene", k, attempt), h, w, integers=True)
            if not ncc_oracle(S, T)[1].any():
                break
        out.append((S, T, INTEGERS))
    return out


def _proportional(got, plain) -> bool:
    """Is ``got`` one constant times ``plain`` (a nonzero constant)?"""
    got, plain = np.ravel(got), np.ravel(plain)
    scale = float(plain @ got) / max(float(plain @ plain), 1e-300)
    return scale != 0 and bool(np.allclose(got, scale * plain, rtol=1e-6, atol=1e-9))


COSINE = Misconception("no_mean_subtraction", "subtract each window's mean (and the template's) "
                       "before normalising: this is the cosine of the raw window and template")
RAW_TEMPLATE_NORM = Misconception("raw_template_norm", "divide by the norm of the zero-mean "
                                  "template, not of the raw template")
NOT_PER_WINDOW = Misconception("not_normalised_per_window", "this map is the plain correlation "
                               "times one constant: normalise EACH window by its own mean and "
                               "norm (the scene's overall statistics are not enough)")
NAN_FLAT = Misconception("nan_on_flat_windows", "the map holds NaN or inf: a flat window "
                         "(standard deviation at most 1e-4) has no pattern to compare, and its "
                         "value is defined as 0")
FLAT_NOT_ZERO = Misconception("flat_windows_not_zero", "wrong only at flat windows (standard "
                              "deviation at most 1e-4): their value is defined as 0")
VALID_MAP = Misconception("ncc_map_not_valid", "the map is VALID: one value per window inside "
                          "the scene, (H-h+1, W-w+1)")
MAP_NOT_NUMBER = Misconception("single_number", "return the whole map (one value per window), "
                               "not a single number")


def _ncc_wrong(S, T, plain, want):
    Tc = T - T.mean()
    return {COSINE: _cosine(S, T),
            RAW_TEMPLATE_NORM: want * np.linalg.norm(Tc) / np.linalg.norm(T),
            NOT_PER_WINDOW: Alternatives((plain / np.linalg.norm(Tc),
                                          plain / (T.size * max(S.std(), 1e-300) * T.std())))}


def test_ncc_map(ncc_map):
    """Valid map of zero-mean, unit-norm window-template products (0 on flat windows)."""
    cases, seen = [], {}
    for S, T, group in _ncc_cases():
        want, flat = ncc_oracle(S, T)
        Tc = T - T.mean()
        plain = convref.correlate(S, Tc)
        kind = {INTEGERS: "an integer", VALUES: "a textured"}.get(group, "a")
        case = Case((S, T), want, f"{kind} {shapes_of(S)} scene with a {shapes_of(T)} template",
                    group=group, magnitude=np.full(want.shape, 0.5),
                    wrong=partial(with_truncated, _ncc_wrong, S, T, plain, want,
                                 want=want if group == INTEGERS else None))
        seen[id(case)] = flat, plain
        cases.append(case)
    levels = fresh_rng("flat templates").integers(-9, 10, size=3) / 2.0
    nearly = np.full((2, 2), levels[2])
    nearly[0, 0] += 1e-4                                 # standard deviation 4.3e-5
    for T, kind in [(np.full((2, 3), levels[0]), "flat"), (np.array([[levels[1]]]), "flat"),
                    (nearly, "nearly flat")]:
        cases.append(must_raise((rng_array(3, (6, 6)), T), f"a {kind} {shapes_of(T)} template",
                                "its standard deviation is at most 1e-4: it has no pattern to look for"))

    def hint(case, shape):
        S, T = case.args
        if shape == S.shape and T.size > 1:
            return VALID_MAP
        if shape == case.expected.shape[::-1]:
            return "rows and columns are swapped"
        return None

    def inspect(case, got):
        if _is_number(got):
            return MAP_NOT_NUMBER
        if not isinstance(got, np.ndarray) or got.shape != case.expected.shape:
            return None
        if not np.all(np.isfinite(got)):
            return NAN_FLAT
        flat, plain = seen[id(case)]
        bad = np.abs(got - case.expected) > 1e-5
        if flat.any() and np.all(flat[bad]):
            return FLAT_NOT_ZERO
        if _proportional(got, plain):
            return NOT_PER_WINDOW
        return None
    return judge(ncc_map, "ncc_map", cases, NCC_GROUPS, shape_hint=hint, inspect=inspect)


def _location(got):
    """(row, col) as ints from a tuple, list or length-2 array of whole numbers; else None."""
    if isinstance(got, np.ndarray) and got.shape == (2,):
        got = tuple(got)
    if not isinstance(got, (tuple, list)) or len(got) != 2 or not all(_is_number(v) for v in got):
        return None
    values = [_scalar(v) for v in got]
    if not all(v == int(v) for v in values):
        return None
    return tuple(int(v) for v in values)


def _argmax(values):
    return tuple(int(v) for v in np.unravel_index(np.argmax(values), values.shape))


def _same_location(got, want) -> bool:
    return _location(got) == tuple(want)


def _python_ints(got, want) -> bool:
    """A pair (tuple or list) of Python ints, whatever their values."""
    return isinstance(got, (tuple, list)) and len(got) == 2 and all(type(v) is int for v in got)


COL_ROW = Misconception("col_row", "the pair is (col, row): return (row, col)")
WINDOW_CENTRE = Misconception("window_centre", "this is the centre of the window: return its "
                              "TOP-LEFT corner (the index into the valid map)")
PLAIN_PEAK = Misconception("plain_correlation_peak", "this is the peak of the plain correlation, "
                           "which the bright part of the scene wins: normalise each window (NCC)")
COSINE_PEAK = Misconception("no_mean_subtraction", "this is the peak of the normalised "
                            "correlation WITHOUT mean subtraction, which a change of brightness "
                            "fools: subtract each window's mean")
FLAT_INDEX = Misconception("flat_index", "it returned one number: return the pair (row, col), "
                           "e.g. with np.unravel_index")
NOT_A_LOCATION = Misconception("not_a_location", "return the location as a pair of ints (row, "
                               "col), e.g. int(row), int(col) of np.unravel_index")


def waldo_misconceptions(S, T, where):
    """``{Misconception: location}``: where each known mistake would point in this scene."""
    (r, c), (th, tw) = where, T.shape
    return {COL_ROW: (c, r),
            WINDOW_CENTRE: Alternatives(((r + th // 2, c + tw // 2),
                                         (r + (th - 1) // 2, c + (tw - 1) // 2))),
            PLAIN_PEAK: _argmax(convref.correlate(S, T - T.mean())),
            COSINE_PEAK: _argmax(_cosine(S, T))}


def _waldo_from_map(case, results):
    """Where the argmax of the student's own ncc_map points (None when it is no map)."""
    got = results[0]
    if not isinstance(got, np.ndarray) or got.ndim != 2 or got.size == 0:
        return None
    return _argmax(got)


def test_find_waldo(find_waldo):
    """(row, col) of the top-left corner of the best NCC window, in fresh scenes (some of
    integers), as Python ints. A find_waldo built on the student's ncc_map is charged only for
    its own mistakes."""
    scenes = waldo_cases(10)
    cases = []
    for k, (S, T, where) in enumerate(scenes):
        if k % 3 == 2:                                   # the same scene in integers
            S, T = np.rint(S * 100).astype(int), np.rint(T * 10).astype(int)
        kind = "integer " if S.dtype.kind == "i" else ""
        about = f"a {shapes_of(S)} {kind}scene with a {shapes_of(T)} template"
        cases.append(Case((S, T), where, about, same=_same_location,
                          wrong=partial(waldo_misconceptions, S, T, where)))
    for S, T, where in scenes[:2]:
        cases.append(Case((S, T), where, f"a {shapes_of(S)} scene with a {shapes_of(T)} template",
                          group=PYTHON_INTS, same=_python_ints))

    def inspect(case, got):
        if _is_number(got):
            return FLAT_INDEX
        if isinstance(got, (tuple, list)) and len(got) == 2 and all(
                isinstance(v, np.ndarray) and v.ndim == 0 for v in got):
            return NUMPY_NUMBER
        if _location(got) is None:
            return NOT_A_LOCATION
        return None
    on_ncc = Depends("ncc_map", lambda case: [(case.args, {})], _waldo_from_map, groups=(VALUES,))
    return judge(find_waldo, "find_waldo", cases, WALDO_GROUPS, inspect=inspect, depends=on_ncc)
