"""Hidden checks of the assignment ``invariance``: one function per test cell.

What a convolutional layer is invariant to, and what it is not. The checks compare with
``convref`` (or, for shifts and coordinate channels, with a definition written out here) on
cases drawn fresh for each submission, grade a hand-designed detector on images the student never saw, and
plant Waldo in fresh cluttered scenes under uneven lighting.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import convref

from ..checks import (Case, CheckFailed, call_checked, close, dims, draw, fresh_rng, rng_array,
                      run_cases, seeds, shapes_of)
from ..remote import StudentError

N_CASES = 20
FLAT = 1e-4          # a window whose standard deviation is at most this is flat (NCC 0)


def _raises_value_error(function, name, calls):
    """Which calls raised ``ValueError`` in the student's kernel."""
    return [isinstance(r, StudentError) and str(r).startswith("ValueError")
            for r in call_checked(function, name, calls)]


def _is_number(got):
    """A Python number, or a numpy scalar (which the notebook's kernel sends as an array of
    shape (1,), and an in-process call as shape ())."""
    if isinstance(got, bool):
        return True
    return isinstance(got, (int, float)) or (isinstance(got, np.ndarray) and got.size == 1
                                             and got.ndim <= 1 and got.dtype.kind in "biuf")


def _scalar(got):
    return float(np.ravel(got)[0]) if isinstance(got, np.ndarray) else float(got)


def _truncated(want):
    return {"the output was truncated to integers: build it as a float array": np.trunc(want)}


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


def _shift_cases():
    fixed = [(0, 1, 1, 0, 0, 0), (0, 3, 4, 1, 2, 1), (0, 4, 5, -1, 3, 2), (0, 5, 3, 0, -2, 3),
             (0, 2, 6, 2, 0, 4), (0, 3, 3, -7, 1, 5), (0, 4, 4, 0, 9, 6), (2, 3, 5, 1, -1, 7),
             (3, 4, 2, -2, 1, 8), (1, 1, 6, 0, -3, 9)]
    drawn = draw(st.tuples(st.integers(0, 3), dims(1, 8), dims(1, 8), st.integers(-9, 9),
                           st.integers(-9, 9), seeds), N_CASES)
    return [(rng_array(s, ((c,) if c else ()) + (h, w)), dy, dx) for c, h, w, dy, dx, s in fixed + drawn]


def test_shift(shift):
    """Zero-filled shift of the last two axes: Y[..., i, j] = X[..., i - dy, j - dx]."""
    cases = []
    for X, dy, dx in _shift_cases():
        want = shift_oracle(X, dy, dx)
        wrong = {"values that leave the image must disappear and zeros come in: this wraps "
                 "around (np.roll)": np.roll(X, (dy, dx), axis=(-2, -1)),
                 "the shift goes the wrong way: positive dy moves the content DOWN (to larger "
                 "row indices) and positive dx moves it RIGHT": shift_oracle(X, -dy, -dx),
                 **_truncated(want)}
        if dy != dx:
            wrong["dy and dx are swapped: dy counts rows (axis -2), dx columns (axis -1)"] = \
                shift_oracle(X, dx, dy)
        if X.ndim == 3:
            wrong["shift the LAST two axes (rows and columns); the channel axis stays put"] = \
                shift_oracle(X, dy, dx, axes=(0, 1))
        cases.append(Case((X, dy, dx), want, f"a {shapes_of(X)} array shifted by dy={dy}, dx={dx}",
                          magnitude=np.abs(want), wrong=wrong))

    def hint(case, shape):
        X, dy, dx = case.args
        if tuple(shape[-2:]) == (max(X.shape[-2] - abs(dy), 0), max(X.shape[-1] - abs(dx), 0)):
            return ("the output was cropped: a shift keeps X's shape and fills the rows and "
                    "columns that come in with zeros")
        return "a shift keeps the shape of X"
    return run_cases(shift, "shift", cases, hint)


# -- translation equivariance of the conv layer -----------------------------------------------

def gap_oracle(X, K, dy, dx, shift=shift_oracle, corr=convref.correlate):
    return corr(shift(X, dy, dx), K) - shift(corr(X, K), dy, dx)


def _roll(X, dy, dx):
    return np.roll(X, (dy, dx), axis=(-2, -1))


def _number_for_map(case, got):
    if _is_number(got) and np.ndim(case.expected) > 0:
        return (f"return the whole {np.shape(case.expected)} map of differences, not a single "
                "number (take max(abs(...)) of it yourself when you want one)")
    return None


def test_equivariance_gap(equivariance_gap):
    """corr2d(shift(X), K) - shift(corr2d(X, K)), valid size, against convref."""
    fixed = [(5, 5, 2, 2, 1, 1, 0), (6, 8, 3, 2, 2, -1, 1), (4, 7, 1, 3, 0, 2, 2),
             (7, 4, 3, 3, -3, 0, 3), (5, 6, 2, 2, 7, -8, 4), (3, 3, 3, 3, 1, 1, 5)]
    drawn = draw(st.tuples(dims(1, 9), dims(1, 9), dims(1, 5), dims(1, 5), st.integers(-6, 6),
                           st.integers(-6, 6), seeds).filter(lambda t: t[2] <= t[0] and t[3] <= t[1]),
                 N_CASES)
    cases = []
    for h, w, kh, kw, dy, dx, s in fixed + drawn:
        X, K = rng_array(s, (h, w)), rng_array(s + 1, (kh, kw))
        want = gap_oracle(X, K, dy, dx)
        magnitude = (convref.correlate(np.abs(shift_oracle(X, dy, dx)), np.abs(K))
                     + shift_oracle(convref.correlate(np.abs(X), np.abs(K)), dy, dx))
        wrong = {"the sign is reversed: the gap is corr2d(shift(X)) - shift(corr2d(X))": -want,
                 "the feature map is shifted the other way: shift BOTH the image and the map "
                 "by (dy, dx)": convref.correlate(shift_oracle(X, dy, dx), K)
                 - shift_oracle(convref.correlate(X, K), -dy, -dx),
                 "the feature map of X must be shifted too before comparing: "
                 "shift(corr2d(X, K), dy, dx)": convref.correlate(shift_oracle(X, dy, dx), K)
                 - convref.correlate(X, K),
                 "the layer is a cross-correlation: this flips the kernel":
                 gap_oracle(X, K, dy, dx, corr=convref.convolve),
                 "the shift must fill with zeros, not wrap around (np.roll)":
                 gap_oracle(X, K, dy, dx, shift=_roll)}
        if dy != dx:
            wrong["dy and dx are swapped: dy counts rows, dx columns"] = gap_oracle(X, K, dx, dy)
        cases.append(Case((X, K, dy, dx), want,
                          f"a {shapes_of(X)} image, a {shapes_of(K)} kernel, dy={dy}, dx={dx}",
                          magnitude=magnitude, wrong=wrong))

    def hint(case, shape):
        X, K = case.args[:2]
        if shape == X.shape and K.size > 1:
            return "the gap is taken between two VALID feature maps: shape (H-KH+1, W-KW+1)"
        return None
    return run_cases(equivariance_gap, "equivariance_gap", cases, hint, inspect=_number_for_map)


# -- global pooling, and where the position went ----------------------------------------------

def pooled_oracle(X, K, pool="max"):
    maps = convref.conv(X, K)
    return maps.max(axis=(1, 2)) if pool == "max" else maps.sum(axis=(1, 2))


def test_pooled_features(pooled_features):
    """Multi-channel valid correlation, then global max or sum pooling: (D,) features."""
    fixed = [(1, 1, 3, 4, 2, 2, "max", 0), (2, 3, 5, 4, 3, 2, "sum", 1), (3, 2, 4, 6, 1, 1, "max", 2),
             (1, 2, 1, 7, 1, 3, "sum", 3), (2, 1, 4, 4, 4, 4, "max", 4), (3, 3, 5, 5, 2, 3, "sum", 5)]
    drawn = draw(st.tuples(dims(1, 3), dims(1, 4), dims(1, 7), dims(1, 7), dims(1, 4), dims(1, 4),
                           st.sampled_from(["max", "sum", None]), seeds)
                 .filter(lambda t: t[4] <= t[2] and t[5] <= t[3]), N_CASES)
    cases = []
    for c, d, h, w, kh, kw, pool, s in fixed + drawn:
        X, K = rng_array(s, (c, h, w)), rng_array(s + 1, (d, c, kh, kw))
        kind = pool or "max"
        maps = convref.conv(X, K)
        absmaps = convref.conv(np.abs(X), np.abs(K))
        want = pooled_oracle(X, K, kind)
        magnitude = absmaps.max(axis=(1, 2)) if kind == "max" else absmaps.sum(axis=(1, 2))
        wrong = {"the kernel is flipped: the layer is a cross-correlation":
                 pooled_oracle(X, K[:, :, ::-1, ::-1], kind),
                 **_truncated(want)}
        if kind == "max":
            wrong["max pooling takes the largest value, not the largest absolute value"] = \
                np.abs(maps).max(axis=(1, 2))
            wrong["pool='max' takes the maximum over positions (this sums them)"] = maps.sum(axis=(1, 2))
        else:
            wrong["sum pooling adds the values over all positions: this is their mean"] = \
                maps.mean(axis=(1, 2))
            wrong["pool='sum' adds the values over all positions (this takes their maximum)"] = \
                maps.max(axis=(1, 2))
        if c > 1:
            wrong["each input channel c pairs with its own kernel slice K[d, c]"] = \
                pooled_oracle(X, np.broadcast_to(K[:, :1], K.shape), kind)
        about = f"a {shapes_of(X)} input with a {shapes_of(K)} kernel, " + \
            (f"pool={pool!r}" if pool else "the default pool")
        cases.append(Case((X, K), want, about, kwargs={"pool": pool} if pool else {},
                          magnitude=magnitude, wrong=wrong))

    def hint(case, shape):
        X, K = case.args
        d, c = K.shape[:2]
        if len(shape) == 3:
            return "pool over all positions: the result has one number per output channel, shape (D,)"
        if shape == (d, c):
            return "the input channels are not summed: the layer adds them up before pooling"
        if len(shape) == 2:
            return "pool over positions, not over channels: the result has shape (D,)"
        if shape == () or shape == (1,) and d > 1:
            return "one pooled number per output channel: the result has shape (D,)"
        return None
    run_cases(pooled_features, "pooled_features", cases, hint)
    X, K = rng_array(11, (1, 4, 4)), rng_array(12, (1, 1, 2, 2))
    if not _raises_value_error(pooled_features, "pooled_features", [((X, K), {"pool": "mean"})])[0]:
        raise CheckFailed("pooled_features must raise ValueError for pool='mean' (only 'max' and "
                          "'sum' are defined)")
    return len(cases) + 1


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


def _nan_inspect(what):
    def inspect(case, got):
        if isinstance(got, np.ndarray) and got.dtype.kind == "f" and not np.all(np.isfinite(got)):
            return what
        return None
    return inspect


def test_add_coord_channels(add_coord_channels):
    """X (C, H, W) -> (C+2, H, W): X, then rows from -1 (top) to +1 (bottom), then columns."""
    fixed = [(1, 4, 4, 0), (2, 3, 5, 1), (1, 1, 5, 2), (3, 6, 1, 3), (1, 1, 1, 4), (2, 2, 7, 5)]
    drawn = draw(st.tuples(dims(1, 3), dims(1, 9), dims(1, 9), seeds), N_CASES)
    cases = []
    for c, h, w, s in fixed + drawn:
        X = rng_array(s, (c, h, w))
        want = coord_oracle(X)
        h_, w_ = X.shape[1:]
        wrong = {"the row channel comes first, then the column channel: channel C holds the row "
                 "coordinate (it changes down the image)": np.concatenate([X, want[-1:], want[-2:-1]]),
                 "normalise the coordinates: -1 at the first row (column), +1 at the last, not "
                 "the raw indices": coord_oracle(X, rows=lambda n: np.arange(n, dtype=float),
                                                 cols=lambda n: np.arange(n, dtype=float)),
                 "the coordinates run from -1 to +1, not from 0 to 1":
                 coord_oracle(X, rows=lambda n: np.arange(n) / max(n - 1, 1),
                              cols=lambda n: np.arange(n) / max(n - 1, 1)),
                 "the last row (column) must be exactly +1: divide by H - 1 (W - 1), not by H (W)":
                 coord_oracle(X, rows=lambda n: 2.0 * np.arange(n) / n - 1,
                              cols=lambda n: 2.0 * np.arange(n) / n - 1),
                 "append the coordinates AFTER X's channels: X keeps channels 0..C-1":
                 coord_oracle(X, first=True)}
        if h_ == 1 or w_ == 1:
            wrong["a single row (or column) sits in the middle of [-1, 1]: its coordinate is 0 "
                  "(np.linspace(-1, 1, 1) gives -1)"] = coord_oracle(X, rows=_linspace, cols=_linspace)
        cases.append(Case((X,), want, f"a {shapes_of(X)} input", magnitude=np.ones_like(want),
                          wrong=wrong))

    def hint(case, shape):
        c, h, w = case.args[0].shape
        if shape == (2, h, w):
            return "keep X: the output is X's C channels followed by the two coordinate channels"
        if shape == (c, h, w):
            return "add two channels (rows, then columns): the output has C + 2 channels"
        if shape == (h, w, c + 2):
            return "channels come first: the output is (C + 2, H, W)"
        if shape == (c + 2, w, h) and h != w:
            return "rows and columns are swapped: the output is (C + 2, H, W)"
        return None
    return run_cases(add_coord_channels, "add_coord_channels", cases, hint, inspect=_nan_inspect(
        "the output holds NaN or inf: with a single row (H = 1) 2i/(H-1) divides by zero; "
        "that lone row's coordinate is 0, the middle of [-1, 1] (the same for W = 1)"))


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
    """The unseen test set: ``[(image, flies, where)]``."""
    out = []
    fixed = [(8, 8, 1, "middle", 0.2), (8, 8, 3, "middle", 0.2), (32, 32, 1, "middle", 0.2),
             (32, 9, 2, "middle", 0.0), (8, 32, 1, "edge", 0.2), (16, 16, 3, "edge", 0.0),
             (30, 8, 2, "middle", None), (10, 31, 1, "random", 0.2)]
    for k, (h, w, side, place, sky) in enumerate(fixed):
        for flies in (True, False):
            out.append((pig_image(1000 + k, h, w, side, flies, place, sky), flies, place))
    strategy = st.tuples(st.integers(4, 16), dims(8, 32), st.integers(1, 3), st.booleans(),
                         st.sampled_from(["random", "random", "middle", "edge"]), seeds)
    for half, w, side, flies, place, s in draw(strategy, 120):
        out.append((pig_image(s, 2 * half, w, side, flies, place), flies, place))
    return out


def test_pig_detector(pig_detector):
    """(K, t) with K (1, 3, KH, KW): an image flies iff the global max of the valid correlation
    of add_coord_channels(image) with K exceeds t, on pig images the student never saw."""
    (got,) = call_checked(pig_detector, "pig_detector", [((), {})])
    if isinstance(got, StudentError):
        raise CheckFailed(f"pig_detector raised: {got}")
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise CheckFailed("pig_detector must return a pair (K, t): a kernel K of shape "
                          "(1, 3, KH, KW) and a threshold t")
    K, t = got
    if isinstance(K, (list, tuple)):
        try:
            K = np.asarray(K, dtype=float)
        except (TypeError, ValueError):
            raise CheckFailed("K must be an array of shape (1, 3, KH, KW)") from None
    if not isinstance(K, np.ndarray) or K.ndim != 4 or K.shape[:2] != (1, 3):
        raise CheckFailed(f"K has shape {np.shape(K)}, but it must be (1, 3, KH, KW): one output "
                          "channel reading three input channels (image, row, column)")
    if K.shape[2] > 8 or K.shape[3] > 8:
        raise CheckFailed("the smallest images are 8 x 8: keep the kernel at most 8 x 8 (a 1 x 1 "
                          "kernel is enough)")
    if not _is_number(t) or not np.isfinite(_scalar(t)):
        raise CheckFailed("the threshold t must be a single finite number")
    if not np.all(np.isfinite(K)):
        raise CheckFailed("K holds NaN or inf")
    t = _scalar(t)
    images = pig_images()
    said = [float(convref.conv(coord_oracle(X), K).max()) > t for X, _, _ in images]
    truth = [flies for _, flies, _ in images]
    missed = [p for (_, f, p), s in zip(images, said) if f and not s]
    false = [p for (_, f, p), s in zip(images, said) if not f and s]
    if not missed and not false:
        return len(images)
    total = len(images)
    if all(s != f for s, f in zip(said, truth)):
        raise CheckFailed("pig_detector gets every unseen image backwards: it calls flying pigs "
                          "grounded and grounded pigs flying (the row coordinate is -1 at the TOP)")
    if len(set(said)) == 1:
        raise CheckFailed(f"pig_detector gives the same answer ({'flies' if said[0] else 'grounded'}) "
                          f"for all {total} unseen images: the decision must depend on where the "
                          "pig is")
    message = (f"pig_detector misjudges {len(missed) + len(false)} of {total} unseen images: "
               f"{len(missed)} flying pigs called grounded, {len(false)} grounded pigs called flying")
    wrong = missed + false
    if all(p == "middle" for p in wrong):
        message += " (all of them pigs right next to the middle line, where the row coordinate is close to 0)"
    elif false and not missed:
        message += (" (a bright background pixel high in the sky can score like a pig: the image "
                    "weight must beat what the row channel adds there)")
    raise CheckFailed(message)


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
          (np.full((1, 3), r), "a 1x3 kernel"),
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
    if isinstance(got, bool):
        return got
    if _is_number(got) and _scalar(got) in (0.0, 1.0):
        return bool(_scalar(got))
    return None


def test_is_rot90_symmetric(is_rot90_symmetric):
    """True exactly when np.rot90(K) equals K (so a non-square kernel gives False)."""
    kernels = rot_kernels()
    results = call_checked(is_rot90_symmetric, "is_rot90_symmetric", [((K,), {}) for K, _ in kernels])
    answers = []
    for (K, why), got in zip(kernels, results):
        if isinstance(got, StudentError):
            if K.shape[0] != K.shape[1]:
                raise CheckFailed(f"is_rot90_symmetric raised on {why}: {got}. A non-square kernel "
                                  "changes shape when rotated, so it cannot be symmetric: return False")
            raise CheckFailed(f"is_rot90_symmetric raised on {why}: {got}")
        value = _as_bool(got)
        if value is None:
            raise CheckFailed(f"is_rot90_symmetric must return True or False, got {type(got).__name__}")
        answers.append(value)
    truth = [_rot_symmetric(K) for K, _ in kernels]
    if answers == truth:
        return len(kernels)
    square = [K.shape[0] == K.shape[1] for K, _ in kernels]
    look_alikes = {
        "this tests symmetry under transposition (K == K.T), not under a quarter turn":
        [s and np.array_equal(K, K.T) for (K, _), s in zip(kernels, square)],
        "this tests a half turn (180 degrees); a kernel can survive that and still change under a "
        "quarter turn": [np.array_equal(K, K[::-1, ::-1]) for K, _ in kernels],
        "this tests mirror symmetry (flips of rows and columns), which is not the same as "
        "symmetry under a quarter turn": [np.array_equal(K, K[::-1]) and np.array_equal(K, K[:, ::-1])
                                          for K, _ in kernels]}
    for message, predicate in look_alikes.items():
        if answers == predicate:
            raise CheckFailed(f"is_rot90_symmetric is wrong: {message}")
    for (K, why), got, want in zip(kernels, answers, truth):
        if got != want:
            raise CheckFailed(f"is_rot90_symmetric is wrong on {why}: it answered {got}, but "
                              f"np.rot90 {'leaves it unchanged' if want else 'changes it'}")
    return len(kernels)


def rotation_gap_oracle(X, K, turn=1, corr=convref.correlate):
    return corr(np.rot90(X, turn), K) - np.rot90(corr(X, K), turn)


def test_rotation_gap(rotation_gap):
    """corr2d(rot90(X), K) - rot90(corr2d(X, K)) for a square K, against convref."""
    listed = [K for K, _ in rot_kernels() if K.shape[0] == K.shape[1] and K.shape[0] <= 5]
    kernels = listed[9:] + listed[:9]     # the random kernels (no symmetry at all) first
    # square images first, where a map that was not rotated still has the right shape and the
    # feedback can name the misconception; then non-square ones
    fixed = [(5, 5, 1), (4, 4, 2), (6, 6, 3), (5, 5, 4), (7, 7, 5), (6, 6, 6), (6, 9, 7), (8, 5, 8)]
    strategy = st.tuples(dims(1, 10), dims(1, 10), seeds)
    cases = []
    for K, (h, w, s) in zip(kernels, fixed + draw(strategy, 60)):
        n = K.shape[0]
        h, w = max(h, n), max(w, n)
        X = rng_array(s, (h, w))
        want = rotation_gap_oracle(X, K)
        magnitude = (convref.correlate(np.abs(np.rot90(X)), np.abs(K))
                     + np.rot90(convref.correlate(np.abs(X), np.abs(K))))
        wrong = {"np.rot90 turns counterclockwise by default (k=1): this turns clockwise":
                 rotation_gap_oracle(X, K, turn=-1),
                 "the sign is reversed: the gap is corr2d(rot90(X)) - rot90(corr2d(X))": -want,
                 "the layer is a cross-correlation: this flips the kernel":
                 rotation_gap_oracle(X, K, corr=convref.convolve),
                 "rotate the image, not the kernel: the question is what the SAME kernel does "
                 "with a rotated picture": convref.correlate(X, np.rot90(K)) - convref.correlate(X, K)}
        if h == w:
            wrong["the feature map of X must be rotated too before comparing: "
                  "np.rot90(corr2d(X, K))"] = convref.correlate(np.rot90(X), K) - convref.correlate(X, K)
        cases.append(Case((X, K), want, f"a {shapes_of(X)} image with a {shapes_of(K)} kernel",
                          magnitude=magnitude, wrong=wrong))

    def hint(case, shape):
        X, K = case.args
        n = K.shape[0]
        if shape == (X.shape[0] - n + 1, X.shape[1] - n + 1):
            return ("the output of a rotated image is rotated too: rotate the feature map of X "
                    "(np.rot90(corr2d(X, K))) so the two maps line up, shape (W-k+1, H-k+1)")
        return None
    run_cases(rotation_gap, "rotation_gap", cases, hint)
    # the first pair would even broadcast to an answer: (1, 3) minus (3, 1)
    bad = [(rng_array(5, (3, 3)), rng_array(6, (3, 1))), (rng_array(7, (5, 6)), np.ones((2, 3)))]
    for (X, K), raised in zip(bad, _raises_value_error(rotation_gap, "rotation_gap",
                                                       [((X, K), {}) for X, K in bad])):
        if not raised:
            raise CheckFailed(f"rotation_gap must raise ValueError for a non-square {shapes_of(K)} "
                              "kernel (it only compares square kernels)")
    return len(cases) + len(bad)


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


def blocky_scene(seed, h, w):
    """Random levels in blocks of random size, then lit by a gain and an offset: flat windows
    where a block is larger than the template, sharp edges elsewhere."""
    rng = fresh_rng(seed)
    bh, bw = rng.integers(1, 4, size=2)
    coarse = _levels(rng, (-(-h // bh), -(-w // bw)))
    S = np.kron(coarse, np.ones((bh, bw)))[:h, :w]
    gain, offset = rng.integers(3, 21) / 10.0, rng.integers(0, 101) / 100.0
    return _grid(gain * S + offset)


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


def _ncc_cases():
    fixed = [(1, 4, 1, 2, 0), (3, 3, 3, 3, 1), (5, 8, 2, 2, 2), (6, 1, 3, 1, 3), (7, 9, 4, 2, 4)]
    drawn = draw(st.tuples(dims(1, 12), dims(1, 12), dims(1, 5), dims(1, 5), seeds)
                 .filter(lambda t: t[2] <= t[0] and t[3] <= t[1] and t[2] * t[3] > 1), N_CASES)
    out = []
    for h, w, th, tw, s in fixed + drawn:
        rng = fresh_rng(s + 1)
        while True:
            T = _levels(rng, (th, tw)) * rng.integers(1, 30) / 10 - rng.integers(0, 10) / 10
            if T.std() > FLAT:
                break
        out.append((blocky_scene(s, h, w), T))
    return out


def _proportional(got, plain):
    """Is ``got`` one constant times ``plain`` (a nonzero constant)?"""
    got, plain = np.ravel(got), np.ravel(plain)
    scale = float(plain @ got) / max(float(plain @ plain), 1e-300)
    return scale != 0 and bool(np.allclose(got, scale * plain, rtol=1e-6, atol=1e-9))


def test_ncc_map(ncc_map):
    """Valid map of zero-mean, unit-norm window-template products (0 on flat windows)."""
    cases = []
    for S, T in _ncc_cases() + [(S, T) for S, T, _ in waldo_cases(5)]:
        want, flat = ncc_oracle(S, T)
        Tc = T - T.mean()
        wrong = {"subtract each window's mean (and the template's) before normalising: this is "
                 "the cosine of the raw window and template": _cosine(S, T),
                 "divide by the norm of the zero-mean template, not of the raw template":
                 want * np.linalg.norm(Tc) / np.linalg.norm(T)}
        case = Case((S, T), want, f"a {shapes_of(S)} scene with a {shapes_of(T)} template",
                    magnitude=np.full(want.shape, 0.5), wrong=wrong)
        case.flat, case.plain = flat, convref.correlate(S, Tc)
        # a scene whose windows the template cannot tell apart (e.g. rows that repeat under a
        # one-column template): its plain correlation is zero up to rounding, and says nothing
        case.blank = not np.any(np.abs(case.plain) > 1e-9 * convref.correlate(np.abs(S), np.abs(Tc)))
        cases.append(case)

    def hint(case, shape):
        S, T = case.args
        if shape == S.shape and T.size > 1:
            return "the map is VALID: one value per window inside the scene, (H-h+1, W-w+1)"
        if shape == case.expected.shape[::-1]:
            return "rows and columns are swapped"
        return None

    def inspect(case, got):
        if _is_number(got):
            return "return the whole map (one value per window), not a single number"
        if not isinstance(got, np.ndarray) or got.shape != case.expected.shape:
            return None
        if not np.all(np.isfinite(got)):
            return ("the map holds NaN or inf: a flat window (standard deviation at most 1e-4) has "
                    "no pattern to compare, and its value is defined as 0")
        return None

    def diagnose(case, got):
        if not isinstance(got, np.ndarray) or got.shape != case.expected.shape:
            return None
        bad = np.abs(got - case.expected) > 1e-5
        if case.flat.any() and np.all(case.flat[bad]):
            return ("wrong only at flat windows (standard deviation at most 1e-4): their value is "
                    "defined as 0")
        return None

    def overall(cases, results):
        """A multiple of the plain correlation in every case (one constant per scene)."""
        # (a scene with no contrast at all may make such a map NaN: those cases are skipped)
        seen = [(c, g) for c, g in zip(cases, results) if isinstance(g, np.ndarray)
                and g.shape == c.expected.shape and np.all(np.isfinite(g))]
        if len(seen) < len(cases) - 3:
            return None
        wrong = [c for c, g in seen if not close(g, c.expected, c.magnitude)]
        if wrong and all(_proportional(g, c.plain) or c.blank for c, g in seen):
            return (f"{wrong[0].about}: this map is the plain correlation times one constant: "
                    "normalise EACH window by its own mean and norm (the scene's overall "
                    "statistics are not enough)")
        return None
    run_cases(ncc_map, "ncc_map", cases, hint, inspect=inspect, overall=overall, diagnose=diagnose)
    levels = fresh_rng("flat templates").integers(-9, 10, size=2) / 2.0
    flat_templates = [np.full((2, 3), levels[0]), np.array([[levels[1]]])]
    raised = _raises_value_error(ncc_map, "ncc_map", [((rng_array(3, (6, 6)), T), {}) for T in flat_templates])
    for T, ok in zip(flat_templates, raised):
        if not ok:
            raise CheckFailed(f"ncc_map must raise ValueError for a flat {shapes_of(T)} template "
                              "(all its values equal): it has no pattern to look for")
    return len(cases) + len(flat_templates)


def _location(got):
    """(row, col) as ints from a tuple, list or length-2 array; None if it is not one."""
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


def waldo_misconceptions(S, T, where):
    """``{message: location}``: where each known mistake would point in this scene."""
    (r, c), (th, tw) = where, T.shape
    centre = "this is the centre of the window: return its TOP-LEFT corner (the index into the valid map)"
    return {"the pair is (col, row): return (row, col)": (c, r),
            centre: (r + th // 2, c + tw // 2),
            centre + " ": (r + (th - 1) // 2, c + (tw - 1) // 2),
            "this is the peak of the plain correlation, which the bright part of the scene wins: "
            "normalise each window (NCC)": _argmax(convref.correlate(S, T - T.mean())),
            "this is the peak of the normalised correlation WITHOUT mean subtraction, which a "
            "change of brightness fools: subtract each window's mean": _argmax(_cosine(S, T))}


def test_find_waldo(find_waldo):
    """(row, col) of the top-left corner of the best NCC window, in fresh scenes."""
    scenes = waldo_cases(10)
    results = call_checked(find_waldo, "find_waldo", [((S, T), {}) for S, T, _ in scenes])
    answers = []
    for (S, T, _), got in zip(scenes, results):
        about = f"a {shapes_of(S)} scene with a {shapes_of(T)} template"
        if isinstance(got, StudentError):
            raise CheckFailed(f"find_waldo raised on {about}: {got}")
        if _is_number(got):
            raise CheckFailed(f"find_waldo returned one number on {about}: return the pair "
                              "(row, col), e.g. with np.unravel_index")
        where = _location(got)
        if where is None:
            raise CheckFailed(f"find_waldo must return a pair of ints (row, col); on {about} it "
                              f"returned {type(got).__name__}")
        answers.append(where)
    truth = [where for _, _, where in scenes]
    if answers == truth:
        return len(scenes)
    # name a mistake only if it explains every scene the answer got wrong
    known = [waldo_misconceptions(S, T, where) for S, T, where in scenes]
    for message in known[0]:
        if all(got == want or got == table[message]
               for got, want, table in zip(answers, truth, known)):
            first = next(k for k, (g, w) in enumerate(zip(answers, truth)) if g != w)
            S, T, _ = scenes[first]
            raise CheckFailed(f"find_waldo is wrong on a {shapes_of(S)} scene with a "
                              f"{shapes_of(T)} template: {message.strip()}")
    first = next(k for k, (g, w) in enumerate(zip(answers, truth)) if g != w)
    S, T, _ = scenes[first]
    raise CheckFailed(f"find_waldo is wrong on a {shapes_of(S)} scene with a {shapes_of(T)} "
                      "template: Waldo is not at the location it returned")
