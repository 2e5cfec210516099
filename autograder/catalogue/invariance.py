"""Catalogue of student answers for ``invariance``: realistic mistakes (WRONG), each a
:class:`Mistake` with a piece of the feedback it must get, the key of the misconception it
embodies and the credit groups it loses (``convgrade.check.invariance``'s ``*_GROUPS``), and
correct answers written in other styles that must keep full marks (CORRECT). Variants may use
the notebook's given ``corr2d`` (a locked cell every student has), never another answer cell.
"""
from . import LIBRARY, Mistake

SHORTCUT = "library convolution"

# == shift ==================================================================================

SHIFT_ROLL = """\
import numpy as np


def shift(X, dy, dx):
    return np.roll(np.asarray(X, dtype=float), (dy, dx), axis=(-2, -1))
"""

SHIFT_REVERSED = """\
import numpy as np


def shift(X, dy, dx):
    X = np.asarray(X, dtype=float)
    H, W = X.shape[-2:]
    Y = np.zeros_like(X)
    for i in range(H):
        for j in range(W):
            if 0 <= i + dy < H and 0 <= j + dx < W:
                Y[..., i, j] = X[..., i + dy, j + dx]     # reads ahead instead of behind
    return Y
"""

SHIFT_SWAPPED = """\
import numpy as np


def shift(X, dy, dx):
    X = np.asarray(X, dtype=float)
    H, W = X.shape[-2:]
    Y = np.zeros_like(X)
    for i in range(H):
        for j in range(W):
            if 0 <= i - dx < H and 0 <= j - dy < W:
                Y[..., i, j] = X[..., i - dx, j - dy]
    return Y
"""

SHIFT_MINUS_ZERO = """\
import numpy as np


def shift(X, dy, dx):
    X = np.asarray(X, dtype=float)
    Y = np.zeros_like(X)
    rows_to = slice(dy, None) if dy >= 0 else slice(None, dy)
    rows_from = slice(None, -dy) if dy >= 0 else slice(-dy, None)
    cols_to = slice(dx, None) if dx >= 0 else slice(None, dx)
    cols_from = slice(None, -dx) if dx >= 0 else slice(-dx, None)
    Y[..., rows_to, cols_to] = X[..., rows_from, cols_from]    # X[:-0] is empty
    return Y
"""

SHIFT_CROPPED = """\
import numpy as np


def shift(X, dy, dx):
    X = np.asarray(X, dtype=float)
    H, W = X.shape[-2:]
    # keep only the part of X that is still inside after the shift
    return X[..., max(-dy, 0):H - max(dy, 0), max(-dx, 0):W - max(dx, 0)]
"""

SHIFT_FIRST_AXES = """\
import numpy as np


def shift(X, dy, dx):
    X = np.asarray(X, dtype=float)
    H, W = X.shape[0], X.shape[1]
    Y = np.zeros_like(X)
    for i in range(H):
        for j in range(W):
            if 0 <= i - dy < H and 0 <= j - dx < W:
                Y[i, j] = X[i - dy, j - dx]
    return Y
"""

SHIFT_LOOPS = """\
import numpy as np


def shift(X, dy, dx):
    X = np.asarray(X, dtype=float)
    H, W = X.shape[-2:]
    Y = np.zeros(X.shape)
    for i in range(H):
        for j in range(W):
            if 0 <= i - dy < H and 0 <= j - dx < W:
                Y[..., i, j] = X[..., i - dy, j - dx]
    return Y
"""

SHIFT_PAD_CROP = """\
import numpy as np


def shift(X, dy, dx):
    X = np.asarray(X, dtype=float)
    H, W = X.shape[-2:]
    py, px = abs(dy), abs(dx)
    widths = [(0, 0)] * (X.ndim - 2) + [(py, py), (px, px)]
    P = np.pad(X, widths)                     # zeros all around, then read a window
    return P[..., py - dy:py - dy + H, px - dx:px - dx + W].copy()
"""

SHIFT_INDEX_MASK = """\
import numpy as np


def shift(X, dy, dx):
    X = np.asarray(X, dtype=float)
    H, W = X.shape[-2:]
    rows, cols = np.arange(H) - dy, np.arange(W) - dx
    ok = ((rows >= 0) & (rows < H))[:, None] & ((cols >= 0) & (cols < W))[None, :]
    taken = X[..., np.clip(rows, 0, H - 1)[:, None], np.clip(cols, 0, W - 1)[None, :]]
    return np.where(ok, taken, 0.0)
"""

SHIFT_FLOAT32 = """\
import numpy as np


def shift(X, dy, dx):
    X = np.asarray(X, dtype=np.float32)
    H, W = X.shape[-2:]
    Y = np.zeros_like(X)
    r0, r1 = max(dy, 0), min(H, H + dy)
    c0, c1 = max(dx, 0), min(W, W + dx)
    if r0 < r1 and c0 < c1:
        Y[..., r0:r1, c0:c1] = X[..., r0 - dy:r1 - dy, c0 - dx:c1 - dx]
    return Y
"""

# == equivariance_gap =======================================================================

_SHIFT_HELPER = """\
def _shift(X, dy, dx):
    X = np.asarray(X, dtype=float)
    H, W = X.shape[-2:]
    Y = np.zeros_like(X)
    for i in range(H):
        for j in range(W):
            if 0 <= i - dy < H and 0 <= j - dx < W:
                Y[..., i, j] = X[..., i - dy, j - dx]
    return Y
"""

GAP_ROLL = """\
import numpy as np


def equivariance_gap(X, K, dy, dx):
    moved = np.roll(np.asarray(X, dtype=float), (dy, dx), axis=(0, 1))
    return corr2d(moved, K) - np.roll(corr2d(X, K), (dy, dx), axis=(0, 1))
"""

GAP_SIGN = "import numpy as np\n\n\n" + _SHIFT_HELPER + """

def equivariance_gap(X, K, dy, dx):
    return _shift(corr2d(X, K), dy, dx) - corr2d(_shift(X, dy, dx), K)
"""

GAP_MAP_NOT_SHIFTED = "import numpy as np\n\n\n" + _SHIFT_HELPER + """

def equivariance_gap(X, K, dy, dx):
    return corr2d(_shift(X, dy, dx), K) - corr2d(X, K)
"""

GAP_OPPOSITE = "import numpy as np\n\n\n" + _SHIFT_HELPER + """

def equivariance_gap(X, K, dy, dx):
    # undo the shift on the feature map
    return corr2d(_shift(X, dy, dx), K) - _shift(corr2d(X, K), -dy, -dx)
"""

GAP_NUMBER = "import numpy as np\n\n\n" + _SHIFT_HELPER + """

def equivariance_gap(X, K, dy, dx):
    G = corr2d(_shift(X, dy, dx), K) - _shift(corr2d(X, K), dy, dx)
    return np.abs(G).max()
"""

GAP_CONVOLUTION = "import numpy as np\n\n\n" + _SHIFT_HELPER + """

def _conv(X, K):
    K = np.asarray(K, dtype=float)
    return corr2d(X, K[::-1, ::-1])


def equivariance_gap(X, K, dy, dx):
    return _conv(_shift(X, dy, dx), K) - _shift(_conv(X, K), dy, dx)
"""

GAP_SCIPY = "import numpy as np\nfrom scipy.signal import correlate2d\n\n\n" + _SHIFT_HELPER + """

def equivariance_gap(X, K, dy, dx):
    X = np.asarray(X, dtype=float)
    return (correlate2d(_shift(X, dy, dx), K, mode="valid")
            - _shift(correlate2d(X, K, mode="valid"), dy, dx))
"""

GAP_GIVEN_CORR = """\
import numpy as np


def equivariance_gap(X, K, dy, dx):
    X = np.asarray(X, dtype=float)
    H, W = X.shape

    def move(A):
        B = np.zeros_like(A)
        h, w = A.shape
        if abs(dy) < h and abs(dx) < w:
            B[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \\
                A[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
        return B

    return corr2d(move(X), K) - move(corr2d(X, K))
"""

GAP_LOOPS = "import numpy as np\n\n\n" + _SHIFT_HELPER + """

def _corr(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    (H, W), (KH, KW) = X.shape, K.shape
    Y = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return Y


def equivariance_gap(X, K, dy, dx):
    return _corr(_shift(X, dy, dx), K) - _shift(_corr(X, K), dy, dx)
"""

GAP_FFT = "import numpy as np\n\n\n" + _SHIFT_HELPER + """

def _corr_fft(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    (H, W), (KH, KW) = X.shape, K.shape
    # correlation = convolution with the flipped kernel; keep the valid part of the full result
    full = np.fft.irfft2(np.fft.rfft2(X, (H + KH - 1, W + KW - 1))
                         * np.fft.rfft2(K[::-1, ::-1], (H + KH - 1, W + KW - 1)),
                         (H + KH - 1, W + KW - 1))
    return full[KH - 1:H, KW - 1:W]


def equivariance_gap(X, K, dy, dx):
    return _corr_fft(_shift(X, dy, dx), K) - _shift(_corr_fft(X, K), dy, dx)
"""

GAP_FLOAT32 = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def equivariance_gap(X, K, dy, dx):
    X = np.asarray(X, dtype=np.float32)
    K = np.asarray(K, dtype=np.float32)

    def move(A):
        P = np.pad(A, ((abs(dy), abs(dy)), (abs(dx), abs(dx))))
        h, w = A.shape
        return P[abs(dy) - dy:abs(dy) - dy + h, abs(dx) - dx:abs(dx) - dx + w]

    def corr(A):
        return np.einsum("ijab,ab->ij", sliding_window_view(A, K.shape), K)

    return corr(move(X)) - move(corr(X))
"""

# == pooled_features ========================================================================

POOL_ALWAYS_MAX = """\
import numpy as np


def pooled_features(X, K, pool="max"):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    maps = np.stack([sum(corr2d(X[c], K[d, c]) for c in range(X.shape[0]))
                     for d in range(K.shape[0])])
    return maps.max(axis=(1, 2))
"""

POOL_MEAN = """\
import numpy as np


def pooled_features(X, K, pool="max"):
    if pool not in ("max", "sum"):
        raise ValueError(pool)
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    maps = np.stack([sum(corr2d(X[c], K[d, c]) for c in range(X.shape[0]))
                     for d in range(K.shape[0])])
    return maps.max(axis=(1, 2)) if pool == "max" else maps.mean(axis=(1, 2))
"""

POOL_ABS_MAX = """\
import numpy as np


def pooled_features(X, K, pool="max"):
    if pool not in ("max", "sum"):
        raise ValueError(pool)
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    maps = np.stack([sum(corr2d(X[c], K[d, c]) for c in range(X.shape[0]))
                     for d in range(K.shape[0])])
    return np.abs(maps).max(axis=(1, 2)) if pool == "max" else maps.sum(axis=(1, 2))
"""

POOL_FLIPPED = """\
import numpy as np


def pooled_features(X, K, pool="max"):
    if pool not in ("max", "sum"):
        raise ValueError(pool)
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    maps = np.stack([sum(corr2d(X[c], K[d, c, ::-1, ::-1]) for c in range(X.shape[0]))
                     for d in range(K.shape[0])])
    return maps.max(axis=(1, 2)) if pool == "max" else maps.sum(axis=(1, 2))
"""

POOL_NO_CHANNEL_SUM = """\
import numpy as np


def pooled_features(X, K, pool="max"):
    if pool not in ("max", "sum"):
        raise ValueError(pool)
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    maps = np.array([[corr2d(X[c], K[d, c]) for c in range(X.shape[0])]
                     for d in range(K.shape[0])])             # (D, C, OH, OW)
    return maps.max(axis=(2, 3)) if pool == "max" else maps.sum(axis=(2, 3))
"""

POOL_NOT_POOLED = """\
import numpy as np


def pooled_features(X, K, pool="max"):
    if pool not in ("max", "sum"):
        raise ValueError(pool)
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    return np.stack([sum(corr2d(X[c], K[d, c]) for c in range(X.shape[0]))
                     for d in range(K.shape[0])])
"""

POOL_NO_VALUE_ERROR = """\
import numpy as np


def pooled_features(X, K, pool="max"):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    maps = np.stack([sum(corr2d(X[c], K[d, c]) for c in range(X.shape[0]))
                     for d in range(K.shape[0])])
    return maps.sum(axis=(1, 2)) if pool == "sum" else maps.max(axis=(1, 2))
"""

POOL_NP_CORRELATE = """\
import numpy as np


def pooled_features(X, K, pool="max"):
    if pool not in ("max", "sum"):
        raise ValueError(pool)
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    (C, H, W), (D, _, KH, KW) = X.shape, K.shape
    maps = np.zeros((D, H - KH + 1, W - KW + 1))
    for d in range(D):
        for c in range(C):
            for i in range(H - KH + 1):
                for a in range(KH):
                    maps[d, i] += np.correlate(X[c, i + a], K[d, c, a], mode="valid")
    return maps.max(axis=(1, 2)) if pool == "max" else maps.sum(axis=(1, 2))
"""

POOL_LOOPS = """\
import numpy as np


def pooled_features(X, K, pool="max"):
    if pool not in ("max", "sum"):
        raise ValueError("pool must be 'max' or 'sum'")
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    (C, H, W), (D, _, KH, KW) = X.shape, K.shape
    out = np.zeros(D)
    for d in range(D):
        values = []
        for i in range(H - KH + 1):
            for j in range(W - KW + 1):
                values.append(np.sum(K[d] * X[:, i:i + KH, j:j + KW]))
        out[d] = max(values) if pool == "max" else sum(values)
    return out
"""

POOL_EINSUM = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def pooled_features(X, K, pool="max"):
    if pool == "max":
        reduce = np.max
    elif pool == "sum":
        reduce = np.sum
    else:
        raise ValueError(f"unknown pool {pool!r}")
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    windows = sliding_window_view(X, K.shape[2:], axis=(1, 2))     # (C, OH, OW, KH, KW)
    maps = np.einsum("cijab,dcab->dij", windows, K)
    return reduce(maps, axis=(1, 2))
"""

POOL_FFT = """\
import numpy as np


def pooled_features(X, K, pool="max"):
    if pool not in ("max", "sum"):
        raise ValueError(pool)
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    (C, H, W), (D, _, KH, KW) = X.shape, K.shape
    shape = (H + KH - 1, W + KW - 1)
    spectra = np.fft.rfft2(X, shape)[None] * np.fft.rfft2(K[:, :, ::-1, ::-1], shape)
    maps = np.fft.irfft2(spectra.sum(axis=1), shape)[:, KH - 1:H, KW - 1:W]
    return maps.max(axis=(1, 2)) if pool == "max" else maps.sum(axis=(1, 2))
"""

POOL_FLOAT32 = """\
import numpy as np


def pooled_features(X, K, pool="max"):
    if pool not in ("max", "sum"):
        raise ValueError(pool)
    X, K = np.asarray(X, dtype=np.float32), np.asarray(K, dtype=np.float32)
    (C, H, W), (D, _, KH, KW) = X.shape, K.shape
    maps = np.zeros((D, H - KH + 1, W - KW + 1), dtype=np.float32)
    for a in range(KH):
        for b in range(KW):
            maps += np.tensordot(K[:, :, a, b], X[:, a:a + H - KH + 1, b:b + W - KW + 1], axes=1)
    return maps.max(axis=(1, 2)) if pool == "max" else maps.sum(axis=(1, 2))
"""

# == add_coord_channels =====================================================================

COORD_SWAPPED = """\
import numpy as np


def add_coord_channels(X):
    X = np.asarray(X, dtype=float)
    C, H, W = X.shape
    rows, cols = np.meshgrid(np.linspace(-1, 1, H) if H > 1 else np.zeros(1),
                             np.linspace(-1, 1, W) if W > 1 else np.zeros(1), indexing="ij")
    return np.concatenate([X, cols[None], rows[None]])
"""

COORD_RAW = """\
import numpy as np


def add_coord_channels(X):
    X = np.asarray(X, dtype=float)
    C, H, W = X.shape
    rows, cols = np.mgrid[0:H, 0:W].astype(float)
    return np.concatenate([X, rows[None], cols[None]])
"""

COORD_ZERO_ONE = """\
import numpy as np


def add_coord_channels(X):
    X = np.asarray(X, dtype=float)
    C, H, W = X.shape
    rows = np.arange(H) / max(H - 1, 1)
    cols = np.arange(W) / max(W - 1, 1)
    R = np.repeat(rows[:, None], W, axis=1)
    Q = np.repeat(cols[None, :], H, axis=0)
    return np.concatenate([X, R[None], Q[None]])
"""

COORD_BY_H = """\
import numpy as np


def add_coord_channels(X):
    X = np.asarray(X, dtype=float)
    C, H, W = X.shape
    R = np.repeat((2 * np.arange(H) / H - 1)[:, None], W, axis=1)
    Q = np.repeat((2 * np.arange(W) / W - 1)[None, :], H, axis=0)
    return np.concatenate([X, R[None], Q[None]])
"""

COORD_PREPENDED = """\
import numpy as np


def add_coord_channels(X):
    X = np.asarray(X, dtype=float)
    C, H, W = X.shape
    rows = np.linspace(-1, 1, H) if H > 1 else np.zeros(1)
    cols = np.linspace(-1, 1, W) if W > 1 else np.zeros(1)
    R, Q = np.meshgrid(rows, cols, indexing="ij")
    return np.concatenate([R[None], Q[None], X])
"""

COORD_LINSPACE_ONE = """\
import numpy as np


def add_coord_channels(X):
    X = np.asarray(X, dtype=float)
    C, H, W = X.shape
    R, Q = np.meshgrid(np.linspace(-1, 1, H), np.linspace(-1, 1, W), indexing="ij")
    return np.concatenate([X, R[None], Q[None]])
"""

COORD_NAN = """\
import numpy as np


def add_coord_channels(X):
    X = np.asarray(X, dtype=float)
    C, H, W = X.shape
    i, j = np.mgrid[0:H, 0:W]
    with np.errstate(divide="ignore", invalid="ignore"):
        R = 2 * i / (H - 1) - 1
        Q = 2 * j / (W - 1) - 1
    return np.concatenate([X, R[None], Q[None]])
"""

COORD_ONLY = """\
import numpy as np


def add_coord_channels(X):
    C, H, W = np.shape(X)
    rows = np.linspace(-1, 1, H) if H > 1 else np.zeros(1)
    cols = np.linspace(-1, 1, W) if W > 1 else np.zeros(1)
    R, Q = np.meshgrid(rows, cols, indexing="ij")
    return np.stack([R, Q])
"""

COORD_LINSPACE = """\
import numpy as np


def add_coord_channels(X):
    X = np.asarray(X, dtype=float)
    C, H, W = X.shape
    rows = np.linspace(-1.0, 1.0, H) if H > 1 else np.array([0.0])
    cols = np.linspace(-1.0, 1.0, W) if W > 1 else np.array([0.0])
    out = np.empty((C + 2, H, W))
    out[:C] = X
    out[C] = rows[:, None]
    out[C + 1] = cols[None, :]
    return out
"""

COORD_LOOPS = """\
import numpy as np


def add_coord_channels(X):
    X = np.asarray(X, dtype=float)
    C, H, W = X.shape
    out = np.zeros((C + 2, H, W))
    out[:C] = X
    for i in range(H):
        for j in range(W):
            out[C, i, j] = 0.0 if H == 1 else -1.0 + 2.0 * i / (H - 1)
            out[C + 1, i, j] = 0.0 if W == 1 else -1.0 + 2.0 * j / (W - 1)
    return out
"""

COORD_FLOAT32 = """\
import numpy as np


def add_coord_channels(X):
    X = np.asarray(X, dtype=np.float32)
    C, H, W = X.shape
    i, j = np.indices((H, W), dtype=np.float32)
    R = (2 * i - (H - 1)) / max(H - 1, 1)        # 0 when H == 1
    Q = (2 * j - (W - 1)) / max(W - 1, 1)
    return np.concatenate([X, R[None], Q[None]]).astype(np.float32)
"""

# == pig_detector ===========================================================================

PIG_WEAK_IMAGE_WEIGHT = """\
import numpy as np


def pig_detector():
    K = np.array([1.0, -1.0, 0.0]).reshape(1, 3, 1, 1)    # brightness minus height
    return K, 1.0
"""

PIG_SIGN_FLIPPED = """\
import numpy as np


def pig_detector():
    K = np.array([2.0, 1.0, 0.0]).reshape(1, 3, 1, 1)     # thinks the row coordinate is +1 at the top
    return K, 2.0
"""

PIG_COLUMN = """\
import numpy as np


def pig_detector():
    K = np.array([2.0, 0.0, -1.0]).reshape(1, 3, 1, 1)    # the column channel instead of the row
    return K, 2.0
"""

PIG_IMAGE_ONLY = """\
import numpy as np


def pig_detector():
    K = np.array([1.0, 0.0, 0.0]).reshape(1, 3, 1, 1)     # a plain pig detector
    return K, 0.5
"""

PIG_THRESHOLD_HIGH = """\
import numpy as np


def pig_detector():
    K = np.array([2.0, -1.0, 0.0]).reshape(1, 3, 1, 1)
    return K, 3.0
"""

PIG_WRONG_SHAPE = """\
import numpy as np


def pig_detector():
    return np.array([2.0, -1.0, 0.0]).reshape(3, 1, 1), 2.0
"""

PIG_HALF = """\
import numpy as np


def pig_detector():
    K = np.zeros((1, 3, 1, 1))
    K[0, :, 0, 0] = [1.0, -0.5, 0.0]
    return K, np.float64(1.0)
"""

PIG_STEEP = """\
import numpy as np


def pig_detector():
    # a pig pixel scores 3 - 2r; the brightest sky pixel 3 * 0.2 + 2 = 2.6
    return np.array([[[[3.0]], [[-2.0]], [[0.0]]]]), 3.0
"""

PIG_NESTED_LIST = """\
def pig_detector():
    return [[[[2]], [[-1]], [[0]]]], 2
"""

# == is_rot90_symmetric =====================================================================

ROT_TRANSPOSE = """\
import numpy as np


def is_rot90_symmetric(K):
    K = np.asarray(K)
    return K.shape[0] == K.shape[1] and bool(np.array_equal(K, K.T))
"""

ROT_HALF_TURN = """\
import numpy as np


def is_rot90_symmetric(K):
    K = np.asarray(K)
    return bool(np.array_equal(K, K[::-1, ::-1]))
"""

ROT_MIRRORS = """\
import numpy as np


def is_rot90_symmetric(K):
    K = np.asarray(K)
    return bool(np.array_equal(K, K[::-1, :]) and np.array_equal(K, K[:, ::-1]))
"""

ROT_CRASHES = """\
import numpy as np


def is_rot90_symmetric(K):
    K = np.asarray(K)
    return bool((np.rot90(K) == K).all())
"""

ROT_ARRAY_EQUAL = """\
import numpy as np


def is_rot90_symmetric(K):
    K = np.asarray(K)
    return K.ndim == 2 and K.shape[0] == K.shape[1] and np.array_equal(np.rot90(K), K)
"""

ROT_ALL_TURNS = """\
import numpy as np


def is_rot90_symmetric(K):
    K = np.asarray(K, dtype=float)
    if K.shape[0] != K.shape[1]:
        return False
    return all(np.array_equal(np.rot90(K, k), K) for k in range(1, 4))
"""

ROT_INDEX_LOOPS = """\
import numpy as np


def is_rot90_symmetric(K):
    K = np.asarray(K)
    n, m = K.shape
    if n != m:
        return False
    for i in range(n):
        for j in range(n):
            if K[i, j] != K[j, n - 1 - i]:        # np.rot90(K)[i, j] == K[j, n-1-i]
                return False
    return True
"""

ROT_NUMPY_BOOL = """\
import numpy as np


def is_rot90_symmetric(K):
    K = np.asarray(K)
    if K.shape[0] != K.shape[1]:
        return np.bool_(False)
    return np.all(np.rot90(K, -1) == K)
"""

# == rotation_gap ===========================================================================

RGAP_CLOCKWISE = """\
import numpy as np


def rotation_gap(X, K):
    K = np.asarray(K, dtype=float)
    if K.shape[0] != K.shape[1]:
        raise ValueError("square kernels only")
    return corr2d(np.rot90(X, -1), K) - np.rot90(corr2d(X, K), -1)
"""

RGAP_SIGN = """\
import numpy as np


def rotation_gap(X, K):
    K = np.asarray(K, dtype=float)
    if K.shape[0] != K.shape[1]:
        raise ValueError("square kernels only")
    return np.rot90(corr2d(X, K)) - corr2d(np.rot90(X), K)
"""

RGAP_NOT_ROTATED = """\
import numpy as np


def rotation_gap(X, K):
    K = np.asarray(K, dtype=float)
    if K.shape[0] != K.shape[1]:
        raise ValueError("square kernels only")
    return corr2d(np.rot90(X), K) - corr2d(X, K)
"""

RGAP_KERNEL_ROTATED = """\
import numpy as np


def rotation_gap(X, K):
    K = np.asarray(K, dtype=float)
    if K.shape[0] != K.shape[1]:
        raise ValueError("square kernels only")
    return corr2d(X, np.rot90(K)) - corr2d(X, K)
"""

RGAP_CONVOLUTION = """\
import numpy as np


def rotation_gap(X, K):
    K = np.asarray(K, dtype=float)
    if K.shape[0] != K.shape[1]:
        raise ValueError("square kernels only")
    flipped = K[::-1, ::-1]
    return corr2d(np.rot90(X), flipped) - np.rot90(corr2d(X, flipped))
"""

RGAP_NO_VALUE_ERROR = """\
import numpy as np


def rotation_gap(X, K):
    return corr2d(np.rot90(X), K) - np.rot90(corr2d(X, K))
"""

RGAP_SCIPY = """\
import numpy as np
from scipy import signal


def rotation_gap(X, K):
    K = np.asarray(K, dtype=float)
    if K.shape[0] != K.shape[1]:
        raise ValueError("square kernels only")
    X = np.asarray(X, dtype=float)
    return signal.correlate(np.rot90(X), K, mode="valid") - np.rot90(signal.correlate(X, K, mode="valid"))
"""

RGAP_LOOPS = """\
import numpy as np


def rotation_gap(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError("K must be square")

    def corr(A):
        n = K.shape[0]
        out = np.zeros((A.shape[0] - n + 1, A.shape[1] - n + 1))
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                out[i, j] = np.sum(A[i:i + n, j:j + n] * K)
        return out

    return corr(np.rot90(X)) - np.rot90(corr(X))
"""

RGAP_TURNED_KERNEL = """\
import numpy as np


def rotation_gap(X, K):
    # corr(rot90(X), K) = rot90(corr(X, rot90(K, -1))), so the gap is a rotated difference
    K = np.asarray(K, dtype=float)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError("K must be square")
    return np.rot90(corr2d(X, np.rot90(K, -1)) - corr2d(X, K))
"""

RGAP_FFT = """\
import numpy as np


def rotation_gap(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError("K must be square")
    n = K.shape[0]

    def corr(A):
        H, W = A.shape
        shape = (H + n - 1, W + n - 1)
        full = np.fft.irfft2(np.fft.rfft2(A, shape) * np.fft.rfft2(K[::-1, ::-1], shape), shape)
        return full[n - 1:H, n - 1:W]

    return corr(np.rot90(X)) - np.rot90(corr(X))
"""

RGAP_FLOAT32 = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def rotation_gap(X, K):
    X, K = np.asarray(X, dtype=np.float32), np.asarray(K, dtype=np.float32)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError("K must be square")
    corr = lambda A: np.einsum("ijab,ab->ij", sliding_window_view(A, K.shape), K)
    return corr(np.ascontiguousarray(np.rot90(X))) - np.rot90(corr(X))
"""

# == ncc_map ================================================================================

NCC_COSINE = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def ncc_map(scene, template):
    S, T = np.asarray(scene, dtype=float), np.asarray(template, dtype=float)
    if T.std() <= 1e-4:
        raise ValueError("flat template")
    windows = sliding_window_view(S, T.shape)
    dots = np.einsum("ijab,ab->ij", windows, T)
    norms = np.sqrt(np.einsum("ijab,ijab->ij", windows, windows)) * np.linalg.norm(T)
    out = np.zeros(dots.shape)
    live = norms > 1e-12
    out[live] = dots[live] / norms[live]
    return out
"""

NCC_GLOBAL = """\
import numpy as np


def ncc_map(scene, template):
    S, T = np.asarray(scene, dtype=float), np.asarray(template, dtype=float)
    if T.std() <= 1e-4:
        raise ValueError("flat template")
    Z = (S - S.mean()) / S.std()              # normalise the scene once
    Tz = (T - T.mean()) / T.std()
    return corr2d(Z, Tz) / T.size
"""

NCC_PLAIN = """\
import numpy as np


def ncc_map(scene, template):
    T = np.asarray(template, dtype=float)
    if T.std() <= 1e-4:
        raise ValueError("flat template")
    T = T - T.mean()
    return corr2d(scene, T / np.linalg.norm(T))
"""

NCC_NAN = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def ncc_map(scene, template):
    S, T = np.asarray(scene, dtype=float), np.asarray(template, dtype=float)
    if T.std() <= 1e-4:
        raise ValueError("flat template")
    Tc = T - T.mean()
    windows = sliding_window_view(S, T.shape)
    centred = windows - windows.mean(axis=(2, 3), keepdims=True)
    dots = np.einsum("ijab,ab->ij", centred, Tc)
    norms = np.sqrt(np.einsum("ijab,ijab->ij", centred, centred)) * np.linalg.norm(Tc)
    with np.errstate(divide="ignore", invalid="ignore"):
        return dots / norms
"""

NCC_RAW_TEMPLATE_NORM = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def ncc_map(scene, template):
    S, T = np.asarray(scene, dtype=float), np.asarray(template, dtype=float)
    if T.std() <= 1e-4:
        raise ValueError("flat template")
    windows = sliding_window_view(S, T.shape)
    centred = windows - windows.mean(axis=(2, 3), keepdims=True)
    std = windows.std(axis=(2, 3))
    dots = np.einsum("ijab,ab->ij", centred, T - T.mean())
    out = np.zeros(dots.shape)
    live = std > 1e-4
    out[live] = dots[live] / (np.sqrt(T.size) * std[live] * np.linalg.norm(T))
    return out
"""

NCC_SAME_SIZE = """\
import numpy as np


def ncc_map(scene, template):
    S, T = np.asarray(scene, dtype=float), np.asarray(template, dtype=float)
    if T.std() <= 1e-4:
        raise ValueError("flat template")
    h, w = T.shape
    Tc = T - T.mean()
    out = np.zeros(S.shape)
    for i in range(S.shape[0] - h + 1):
        for j in range(S.shape[1] - w + 1):
            P = S[i:i + h, j:j + w]
            if P.std() > 1e-4:
                Pc = P - P.mean()
                out[i, j] = np.sum(Pc * Tc) / (np.linalg.norm(Pc) * np.linalg.norm(Tc))
    return out
"""

NCC_NO_VALUE_ERROR = """\
import numpy as np


def ncc_map(scene, template):
    S, T = np.asarray(scene, dtype=float), np.asarray(template, dtype=float)
    h, w = T.shape
    Tc = T - T.mean()
    out = np.zeros((S.shape[0] - h + 1, S.shape[1] - w + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            P = S[i:i + h, j:j + w]
            if P.std() > 1e-4 and T.std() > 1e-4:
                Pc = P - P.mean()
                out[i, j] = np.sum(Pc * Tc) / (np.linalg.norm(Pc) * np.linalg.norm(Tc))
    return out
"""

NCC_SCIPY = """\
import numpy as np
from scipy.signal import correlate2d


def ncc_map(scene, template):
    S, T = np.asarray(scene, dtype=float), np.asarray(template, dtype=float)
    if T.std() <= 1e-4:
        raise ValueError("flat template")
    n = T.size
    ones = np.ones(T.shape)
    mean = correlate2d(S, ones, mode="valid") / n
    std = np.sqrt(np.maximum(correlate2d(S * S, ones, mode="valid") / n - mean ** 2, 0))
    Tc = T - T.mean()
    dots = correlate2d(S, Tc, mode="valid")
    out = np.zeros(dots.shape)
    live = std > 1e-4
    out[live] = dots[live] / (np.sqrt(n) * std[live] * np.linalg.norm(Tc))
    return out
"""

NCC_LOOPS = """\
import numpy as np


def ncc_map(scene, template):
    S, T = np.asarray(scene, dtype=float), np.asarray(template, dtype=float)
    if T.std() <= 1e-4:
        raise ValueError("the template is flat")
    h, w = T.shape
    Tc = T - T.mean()
    out = np.zeros((S.shape[0] - h + 1, S.shape[1] - w + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            P = S[i:i + h, j:j + w]
            if P.std() > 1e-4:
                Pc = P - P.mean()
                out[i, j] = np.sum(Pc * Tc) / (np.linalg.norm(Pc) * np.linalg.norm(Tc))
    return out
"""

NCC_FFT_SUMS = """\
import numpy as np


def ncc_map(scene, template):
    S, T = np.asarray(scene, dtype=float), np.asarray(template, dtype=float)
    if T.std() <= 1e-4:
        raise ValueError("the template is flat")
    (H, W), (h, w) = S.shape, T.shape
    shape = (H + h - 1, W + w - 1)

    def corr(A, B):
        full = np.fft.irfft2(np.fft.rfft2(A, shape) * np.fft.rfft2(B[::-1, ::-1], shape), shape)
        return full[h - 1:H, w - 1:W]

    n = T.size
    ones = np.ones(T.shape)
    mean = corr(S, ones) / n
    var = np.maximum(corr(S * S, ones) / n - mean ** 2, 0.0)
    Tc = T - T.mean()
    dots = corr(S, Tc)
    std = np.sqrt(var)
    out = np.zeros(dots.shape)
    live = std > 1e-4
    out[live] = dots[live] / (np.sqrt(n) * std[live] * np.linalg.norm(Tc))
    return np.clip(out, -1.0, 1.0)
"""

NCC_INTEGRAL_IMAGE = """\
import numpy as np


def ncc_map(scene, template):
    S, T = np.asarray(scene, dtype=float), np.asarray(template, dtype=float)
    if T.std() <= 1e-4:
        raise ValueError("the template is flat")
    (H, W), (h, w) = S.shape, T.shape

    def box_sums(A):                      # sums over every h x w window, by a summed-area table
        I = np.zeros((H + 1, W + 1))
        I[1:, 1:] = A.cumsum(0).cumsum(1)
        return I[h:, w:] - I[:-h, w:] - I[h:, :-w] + I[:-h, :-w]

    n = T.size
    mean = box_sums(S) / n
    var = np.maximum(box_sums(S * S) / n - mean ** 2, 0.0)
    Tc = T - T.mean()
    dots = corr2d(S, Tc)
    out = np.zeros(dots.shape)
    live = np.sqrt(var) > 1e-4
    out[live] = dots[live] / np.sqrt(n * var[live] * np.sum(Tc * Tc))
    return out
"""

NCC_EINSUM_ZSCORE = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def ncc_map(scene, template):
    S, T = np.asarray(scene, dtype=float), np.asarray(template, dtype=float)
    if np.std(T) <= 1e-4:
        raise ValueError("the template is flat")
    windows = sliding_window_view(S, T.shape)
    mu = windows.mean(axis=(-2, -1), keepdims=True)
    sd = windows.std(axis=(-2, -1), keepdims=True)
    flat = sd[..., 0, 0] <= 1e-4
    z = (windows - mu) / np.where(sd > 1e-4, sd, 1.0)          # z-score every window
    tz = (T - T.mean()) / T.std()
    out = np.einsum("ijab,ab->ij", z, tz) / T.size              # mean of products of z-scores
    out[flat] = 0.0
    return out
"""

# == find_waldo =============================================================================

_NCC_HELPER = """\
def _ncc(S, T):
    S, T = np.asarray(S, dtype=float), np.asarray(T, dtype=float)
    windows = sliding_window_view(S, T.shape)
    centred = windows - windows.mean(axis=(2, 3), keepdims=True)
    std = windows.std(axis=(2, 3))
    Tc = T - T.mean()
    dots = np.einsum("ijab,ab->ij", centred, Tc)
    out = np.zeros(dots.shape)
    live = std > 1e-4
    out[live] = dots[live] / (np.sqrt(T.size) * std[live] * np.linalg.norm(Tc))
    return out
"""

_WALDO_HEAD = "import numpy as np\nfrom numpy.lib.stride_tricks import sliding_window_view\n\n\n" + _NCC_HELPER

WALDO_COL_ROW = _WALDO_HEAD + """

def find_waldo(scene, template):
    scores = _ncc(scene, template)
    row, col = np.unravel_index(np.argmax(scores), scores.shape)
    return int(col), int(row)
"""

WALDO_CENTRE = _WALDO_HEAD + """

def find_waldo(scene, template):
    scores = _ncc(scene, template)
    row, col = np.unravel_index(np.argmax(scores), scores.shape)
    h, w = np.shape(template)
    return int(row) + h // 2, int(col) + w // 2          # where Waldo's middle is
"""

WALDO_PLAIN = """\
import numpy as np


def find_waldo(scene, template):
    T = np.asarray(template, dtype=float)
    scores = corr2d(scene, T - T.mean())
    row, col = np.unravel_index(np.argmax(scores), scores.shape)
    return int(row), int(col)
"""

WALDO_COSINE = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def find_waldo(scene, template):
    S, T = np.asarray(scene, dtype=float), np.asarray(template, dtype=float)
    windows = sliding_window_view(S, T.shape)
    dots = np.einsum("ijab,ab->ij", windows, T)
    norms = np.sqrt(np.einsum("ijab,ijab->ij", windows, windows)) * np.linalg.norm(T)
    scores = dots / np.maximum(norms, 1e-12)
    row, col = np.unravel_index(np.argmax(scores), scores.shape)
    return int(row), int(col)
"""

WALDO_FLAT_INDEX = _WALDO_HEAD + """

def find_waldo(scene, template):
    return int(np.argmax(_ncc(scene, template)))
"""

WALDO_SCIPY = """\
import numpy as np
from scipy.signal import correlate2d


def find_waldo(scene, template):
    S, T = np.asarray(scene, dtype=float), np.asarray(template, dtype=float)
    n, ones, Tc = T.size, np.ones(T.shape), T - T.mean()
    mean = correlate2d(S, ones, mode="valid") / n
    std = np.sqrt(np.maximum(correlate2d(S * S, ones, mode="valid") / n - mean ** 2, 0))
    scores = np.where(std > 1e-4, correlate2d(S, Tc, mode="valid") / np.maximum(std, 1e-4), 0)
    row, col = np.unravel_index(np.argmax(scores), scores.shape)
    return int(row), int(col)
"""

WALDO_WINDOWS = _WALDO_HEAD + """

def find_waldo(scene, template):
    scores = _ncc(scene, template)
    return tuple(int(v) for v in np.unravel_index(np.argmax(scores), scores.shape))
"""

WALDO_LOOPS = """\
import numpy as np


def find_waldo(scene, template):
    S, T = np.asarray(scene, dtype=float), np.asarray(template, dtype=float)
    h, w = T.shape
    Tc = T - T.mean()
    best, where = -np.inf, (0, 0)
    for i in range(S.shape[0] - h + 1):
        for j in range(S.shape[1] - w + 1):
            P = S[i:i + h, j:j + w]
            score = 0.0
            if P.std() > 1e-4:
                Pc = P - P.mean()
                score = np.sum(Pc * Tc) / (np.linalg.norm(Pc) * np.linalg.norm(Tc))
            if score > best:
                best, where = score, (i, j)
    return where
"""

WALDO_NUMPY_INTS = """\
import numpy as np


def find_waldo(scene, template):
    S, T = np.asarray(scene, dtype=float), np.asarray(template, dtype=float)
    (H, W), (h, w) = S.shape, T.shape
    shape = (H + h - 1, W + w - 1)

    def corr(A, B):
        full = np.fft.irfft2(np.fft.rfft2(A, shape) * np.fft.rfft2(B[::-1, ::-1], shape), shape)
        return full[h - 1:H, w - 1:W]

    n, Tc = T.size, T - T.mean()
    mean = corr(S, np.ones(T.shape)) / n
    std = np.sqrt(np.maximum(corr(S * S, np.ones(T.shape)) / n - mean ** 2, 0.0))
    scores = np.where(std > 1e-4, corr(S, Tc) / (np.sqrt(n) * np.maximum(std, 1e-4) * np.linalg.norm(Tc)), 0.0)
    return np.unravel_index(np.argmax(scores), scores.shape)      # a pair of numpy ints
"""

WALDO_LIST = _WALDO_HEAD + """

def find_waldo(scene, template):
    scores = _ncc(scene, template)
    flat = int(np.argmax(scores))
    return [flat // scores.shape[1], flat % scores.shape[1]]
"""

# == variants added with the credit groups =====================================================

SHIFT_NO_OUT_OF_IMAGE = """\
import numpy as np


def shift(X, dy, dx):
    X = np.asarray(X, dtype=float)
    H, W = X.shape[-2:]
    Y = np.zeros_like(X)
    # destination on the left, source on the right (no special case for a shift past the border)
    Y[..., max(dy, 0):H + min(dy, 0), max(dx, 0):W + min(dx, 0)] = \\
        X[..., max(-dy, 0):H + min(-dy, 0), max(-dx, 0):W + min(-dx, 0)]
    return Y
"""

GAP_INTEGER_MAPS = """\
import numpy as np


def _shift(A, dy, dx):
    H, W = A.shape
    B = np.zeros_like(A)
    for i in range(H):
        for j in range(W):
            if 0 <= i - dy < H and 0 <= j - dx < W:
                B[i, j] = A[i - dy, j - dx]
    return B


def _corr(A, K):
    (H, W), (KH, KW) = A.shape, K.shape
    out = np.zeros_like(A[:H - KH + 1, :W - KW + 1])     # the type of the image
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            out[i, j] = np.sum(A[i:i + KH, j:j + KW] * K)
    return out


def equivariance_gap(X, K, dy, dx):
    X, K = np.asarray(X), np.asarray(K)
    return _corr(_shift(X, dy, dx), K) - _shift(_corr(X, K), dy, dx)
"""

POOL_INTEGER_MAPS = """\
import numpy as np


def pooled_features(X, K, pool="max"):
    if pool not in ("max", "sum"):
        raise ValueError(pool)
    X, K = np.asarray(X), np.asarray(K)
    (C, H, W), (D, _, KH, KW) = X.shape, K.shape
    maps = np.zeros_like(X, shape=(D, H - KH + 1, W - KW + 1))    # X's type: int for an int image
    for d in range(D):
        maps[d] = sum(corr2d(X[c], K[d, c]) for c in range(C))
    return maps.max(axis=(1, 2)) if pool == "max" else maps.sum(axis=(1, 2))
"""

POOL_CHANNELS_AVERAGED = """\
import numpy as np


def pooled_features(X, K, pool="max"):
    if pool not in ("max", "sum"):
        raise ValueError(pool)
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    maps = np.stack([np.mean([corr2d(X[c], K[d, c]) for c in range(X.shape[0])], axis=0)
                     for d in range(K.shape[0])])
    return maps.max(axis=(1, 2)) if pool == "max" else maps.sum(axis=(1, 2))
"""

POOL_ONE_SLICE = """\
import numpy as np


def pooled_features(X, K, pool="max"):
    if pool not in ("max", "sum"):
        raise ValueError(pool)
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    maps = np.stack([sum(corr2d(X[c], K[d, 0]) for c in range(X.shape[0]))
                     for d in range(K.shape[0])])
    return maps.max(axis=(1, 2)) if pool == "max" else maps.sum(axis=(1, 2))
"""

COORD_INPUT_DTYPE = """\
import numpy as np


def add_coord_channels(X):
    X = np.asarray(X)
    C, H, W = X.shape
    out = np.zeros((C + 2, H, W), dtype=X.dtype)      # X's own type
    out[:C] = X
    out[C] = (2.0 * np.arange(H) / (H - 1) - 1.0 if H > 1 else np.zeros(1))[:, None]
    out[C + 1] = (2.0 * np.arange(W) / (W - 1) - 1.0 if W > 1 else np.zeros(1))[None, :]
    return out
"""

PIG_ABOVE_MIDDLE = """\
import numpy as np


def pig_detector():
    # a pig scores 2 - r; leave a little room above 2 to be safe
    K = np.array([2.0, -1.0, 0.0]).reshape(1, 3, 1, 1)
    return K, 2.05
"""

ROT_ELEMENTWISE = """\
import numpy as np


def is_rot90_symmetric(K):
    K = np.asarray(K)
    if K.shape[0] != K.shape[1]:
        return False
    return np.rot90(K) == K
"""

ROT_NO_FALSE = """\
import numpy as np


def is_rot90_symmetric(K):
    K = np.asarray(K)
    if K.shape[0] == K.shape[1] and np.array_equal(np.rot90(K), K):
        return True
"""

RGAP_TRANSPOSED = """\
import numpy as np


def rotation_gap(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    if K.shape[0] != K.shape[1]:
        raise ValueError("square kernels only")
    return corr2d(X.T, K) - corr2d(X, K).T              # turn the picture on its side
"""

RGAP_INTEGER_MAPS = """\
import numpy as np


def rotation_gap(X, K):
    X, K = np.asarray(X), np.asarray(K, dtype=float)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError("K must be square")
    n = K.shape[0]

    def corr(A):
        out = np.zeros_like(A[:A.shape[0] - n + 1, :A.shape[1] - n + 1])
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                out[i, j] = np.sum(A[i:i + n, j:j + n] * K)
        return out

    return corr(np.rot90(X)) - np.rot90(corr(X))
"""

NCC_EXACTLY_FLAT_ONLY = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def ncc_map(scene, template):
    S, T = np.asarray(scene, dtype=float), np.asarray(template, dtype=float)
    if np.all(T == T.flat[0]):
        raise ValueError("flat template")
    Tc = T - T.mean()
    windows = sliding_window_view(S, T.shape)
    centred = windows - windows.mean(axis=(2, 3), keepdims=True)
    std = windows.std(axis=(2, 3))
    dots = np.einsum("ijab,ab->ij", centred, Tc)
    out = np.zeros(dots.shape)
    live = std > 1e-4
    out[live] = dots[live] / (np.sqrt(T.size) * std[live] * np.linalg.norm(Tc))
    return out
"""

NCC_INTEGER_MAP = """\
import numpy as np


def ncc_map(scene, template):
    S, T = np.asarray(scene), np.asarray(template)
    if T.std() <= 1e-4:
        raise ValueError("flat template")
    (H, W), (h, w) = S.shape, T.shape
    Tc = T - T.mean()
    out = np.zeros_like(S[:H - h + 1, :W - w + 1])          # the scene's type
    for i in range(H - h + 1):
        for j in range(W - w + 1):
            P = S[i:i + h, j:j + w]
            if P.std() > 1e-4:
                Pc = P - P.mean()
                out[i, j] = np.sum(Pc * Tc) / (np.linalg.norm(Pc) * np.linalg.norm(Tc))
    return out
"""

WALDO_FFT = """\
import numpy as np


def find_waldo(scene, template):
    S, T = np.asarray(scene, dtype=float), np.asarray(template, dtype=float)
    (H, W), (h, w) = S.shape, T.shape
    shape = (H + h - 1, W + w - 1)

    def corr(A, B):
        full = np.fft.irfft2(np.fft.rfft2(A, shape) * np.fft.rfft2(B[::-1, ::-1], shape), shape)
        return full[h - 1:H, w - 1:W]

    n, Tc = T.size, T - T.mean()
    mean = corr(S, np.ones(T.shape)) / n
    std = np.sqrt(np.maximum(corr(S * S, np.ones(T.shape)) / n - mean ** 2, 0.0))
    scores = np.where(std > 1e-4, corr(S, Tc) / (np.sqrt(n) * np.maximum(std, 1e-4) * np.linalg.norm(Tc)), 0.0)
    row, col = np.unravel_index(np.argmax(scores), scores.shape)
    return int(row), int(col)
"""

# == the tables =============================================================================

VALUES, ERRORS = "values", "ValueError"
ALL_SHIFT = (VALUES, "channels", "zero and large shifts")
ALL_GAP = (VALUES, "integer images")
POOL_VALUES = ("max pooling", "sum pooling", "integer images")
ALL_COORD = (VALUES, "single row or column", "integer images")
ALL_PIGS = ("flying pigs", "grounded pigs", "pigs at the middle line")
RGAP_VALUES = (VALUES, "integer images")
NCC_VALUES = (VALUES, "flat windows", "integer images")

WRONG = {
    "shift": {
        "wrap_around": Mistake(SHIFT_ROLL, "wraps around", "shift_wraps_around", ALL_SHIFT),
        "reversed": Mistake(SHIFT_REVERSED, "the shift goes the wrong way", "shift_reversed",
                            ALL_SHIFT),
        "dy_dx_swapped": Mistake(SHIFT_SWAPPED, "dy and dx are swapped", "dy_dx_swapped", ALL_SHIFT),
        "minus_zero_slice": Mistake(SHIFT_MINUS_ZERO, "X[..., :-0] is X[..., :0]",
                                    "zero_shift_crashed", ("zero and large shifts",)),
        "cropped": Mistake(SHIFT_CROPPED, "the output was cropped", "shift_cropped", ALL_SHIFT),
        "first_two_axes": Mistake(SHIFT_FIRST_AXES, "shift the LAST two axes", "shifted_first_axes",
                                  ("channels",)),
        "no_out_of_image_case": Mistake(SHIFT_NO_OUT_OF_IMAGE, "moves everything out",
                                        "large_shift_crashed", ("zero and large shifts",)),
    },
    "equivariance_gap": {
        "wrap_around": Mistake(GAP_ROLL, "not wrap around", "shift_wraps_around", ALL_GAP),
        "sign_reversed": Mistake(GAP_SIGN, "the sign is reversed", "gap_sign_reversed", ALL_GAP),
        "map_not_shifted": Mistake(GAP_MAP_NOT_SHIFTED, "must be shifted too", "map_not_shifted",
                                   ALL_GAP),
        "map_shifted_back": Mistake(GAP_OPPOSITE, "shifted the other way", "map_shifted_back",
                                    ALL_GAP),
        "single_number": Mistake(GAP_NUMBER, "not a single number", "single_number", ALL_GAP),
        "true_convolution": Mistake(GAP_CONVOLUTION, "flips the kernel", "kernel_flipped", ALL_GAP),
        "scipy_correlate2d": Mistake(GAP_SCIPY, SHORTCUT, LIBRARY, ALL_GAP),
        "integer_maps": Mistake(GAP_INTEGER_MAPS, "truncated to integers", "truncated_to_integers",
                                ("integer images",)),
    },
    "pooled_features": {
        "always_max": Mistake(POOL_ALWAYS_MAX, "pool='sum' adds the values", "sum_pool_takes_max",
                              ("sum pooling", ERRORS)),
        "mean_not_sum": Mistake(POOL_MEAN, "this is their mean", "sum_pool_averages",
                                ("sum pooling",)),
        "abs_max": Mistake(POOL_ABS_MAX, "not the largest absolute value", "max_of_absolute_values",
                           ("max pooling", "integer images")),
        "flipped_kernel": Mistake(POOL_FLIPPED, "the kernel is flipped", "kernel_flipped",
                                  POOL_VALUES),
        "channels_not_summed": Mistake(POOL_NO_CHANNEL_SUM, "the input channels are not summed",
                                       "channels_not_summed", POOL_VALUES),
        "not_pooled": Mistake(POOL_NOT_POOLED, "pool over all positions", "not_pooled", POOL_VALUES),
        "no_value_error": Mistake(POOL_NO_VALUE_ERROR, "must raise ValueError", "missing_value_error",
                                  (ERRORS,)),
        "np_correlate_rows": Mistake(POOL_NP_CORRELATE, SHORTCUT, LIBRARY, POOL_VALUES + (ERRORS,)),
        "integer_maps": Mistake(POOL_INTEGER_MAPS, "truncated to integers", "truncated_to_integers",
                                ("integer images",)),
        "channels_averaged": Mistake(POOL_CHANNELS_AVERAGED, "the input channels are averaged",
                                     "channels_averaged", POOL_VALUES),
        "one_kernel_slice": Mistake(POOL_ONE_SLICE, "its own kernel slice K[d, c]", "one_kernel_slice",
                                    POOL_VALUES),
    },
    "add_coord_channels": {
        "rows_cols_swapped": Mistake(COORD_SWAPPED, "the row channel comes first",
                                     "coordinate_channels_swapped", ALL_COORD),
        "raw_indices": Mistake(COORD_RAW, "normalise the coordinates", "raw_indices", ALL_COORD),
        "zero_to_one": Mistake(COORD_ZERO_ONE, "not from 0 to 1", "coordinates_zero_to_one",
                               ALL_COORD),
        "divided_by_h": Mistake(COORD_BY_H, "divide by H - 1", "divided_by_size", ALL_COORD),
        "prepended": Mistake(COORD_PREPENDED, "AFTER X's channels", "coordinates_prepended",
                             ALL_COORD),
        "linspace_single_row": Mistake(COORD_LINSPACE_ONE, "a single row", "single_row_at_minus_one",
                                       ("single row or column",)),
        "nan_single_row": Mistake(COORD_NAN, "NaN", "single_row_divides_by_zero",
                                  ("single row or column",)),
        "coordinates_only": Mistake(COORD_ONLY, "keep X", "x_dropped", ALL_COORD),
        "input_dtype": Mistake(COORD_INPUT_DTYPE, "truncated to integers", "truncated_to_integers",
                               ("integer images",)),
    },
    "pig_detector": {
        "weak_image_weight": Mistake(PIG_WEAK_IMAGE_WEIGHT, "grounded pigs called flying",
                                     "detector_fooled_by_bright_sky",
                                     ("grounded pigs", "pigs at the middle line")),
        "row_sign_flipped": Mistake(PIG_SIGN_FLIPPED, "backwards", "detector_backwards", ALL_PIGS),
        "column_channel": Mistake(PIG_COLUMN, "no weight", "detector_ignores_rows", ALL_PIGS),
        "image_only": Mistake(PIG_IMAGE_ONLY, "the same answer", "detector_ignores_position",
                              ("grounded pigs", "pigs at the middle line")),
        "threshold_too_high": Mistake(PIG_THRESHOLD_HIGH, "the same answer",
                                      "detector_ignores_position",
                                      ("flying pigs", "pigs at the middle line")),
        "kernel_shape": Mistake(PIG_WRONG_SHAPE, "(1, 3, KH, KW)", "detector_kernel_shape",
                                ALL_PIGS),
        "threshold_above_middle": Mistake(PIG_ABOVE_MIDDLE, "right next to the middle line",
                                          "detector_misses_middle_line",
                                          ("pigs at the middle line",)),
    },
    "is_rot90_symmetric": {
        "transpose": Mistake(ROT_TRANSPOSE, "transposition", "transpose_symmetry",
                             ("square kernels",)),
        "half_turn": Mistake(ROT_HALF_TURN, "half turn", "half_turn_symmetry",
                             ("square kernels", "non-square kernels")),
        "mirrors": Mistake(ROT_MIRRORS, "mirror symmetry", "mirror_symmetry",
                           ("square kernels", "non-square kernels")),
        "crashes_on_non_square": Mistake(ROT_CRASHES, "non-square", "non_square_compared",
                                         ("non-square kernels",)),
        "elementwise_array": Mistake(ROT_ELEMENTWISE, "np.array_equal", "elementwise_comparison",
                                     ("square kernels",)),
        "forgets_false": Mistake(ROT_NO_FALSE, "gives None", "not_a_bool",
                                 ("square kernels", "non-square kernels")),
    },
    "rotation_gap": {
        "clockwise": Mistake(RGAP_CLOCKWISE, "turns clockwise", "rotated_clockwise", RGAP_VALUES),
        "sign_reversed": Mistake(RGAP_SIGN, "the sign is reversed", "gap_sign_reversed",
                                 RGAP_VALUES),
        "map_not_rotated": Mistake(RGAP_NOT_ROTATED, "must be rotated too", "map_not_rotated",
                                   RGAP_VALUES),
        "kernel_rotated": Mistake(RGAP_KERNEL_ROTATED, "rotate the image, not the kernel",
                                  "kernel_rotated", RGAP_VALUES),
        "true_convolution": Mistake(RGAP_CONVOLUTION, "flips the kernel", "kernel_flipped",
                                    RGAP_VALUES),
        "no_value_error": Mistake(RGAP_NO_VALUE_ERROR, "must raise ValueError", "missing_value_error",
                                  (ERRORS,)),
        "scipy_correlate": Mistake(RGAP_SCIPY, SHORTCUT, LIBRARY, RGAP_VALUES + (ERRORS,)),
        "transposed": Mistake(RGAP_TRANSPOSED, "not a transposition", "transposed_not_rotated",
                              RGAP_VALUES),
        "integer_maps": Mistake(RGAP_INTEGER_MAPS, "truncated to integers", "truncated_to_integers",
                                ("integer images",)),
    },
    "ncc_map": {
        "no_mean_subtraction": Mistake(NCC_COSINE, "subtract each window's mean",
                                       "no_mean_subtraction", NCC_VALUES),
        "global_normalisation": Mistake(NCC_GLOBAL, "times one constant", "not_normalised_per_window",
                                        NCC_VALUES),
        "plain_correlation": Mistake(NCC_PLAIN, "times one constant", "not_normalised_per_window",
                                     NCC_VALUES),
        "nan_on_flat_windows": Mistake(NCC_NAN, "NaN", "nan_on_flat_windows", ("flat windows",)),
        "raw_template_norm": Mistake(NCC_RAW_TEMPLATE_NORM, "norm of the zero-mean template",
                                     "raw_template_norm", NCC_VALUES),
        "same_size_map": Mistake(NCC_SAME_SIZE, "the map is VALID", "ncc_map_not_valid", NCC_VALUES),
        "no_value_error": Mistake(NCC_NO_VALUE_ERROR, "must raise ValueError", "missing_value_error",
                                  (ERRORS,)),
        "scipy_window_sums": Mistake(NCC_SCIPY, SHORTCUT, LIBRARY, NCC_VALUES + (ERRORS,)),
        "exactly_flat_only": Mistake(NCC_EXACTLY_FLAT_ONLY, "nearly flat", "missing_value_error",
                                     (ERRORS,)),
        "integer_map": Mistake(NCC_INTEGER_MAP, "truncated to integers", "truncated_to_integers",
                               ("integer images",)),
    },
    "find_waldo": {
        "col_row": Mistake(WALDO_COL_ROW, "(col, row)", "col_row", (VALUES,)),
        "window_centre": Mistake(WALDO_CENTRE, "centre of the window", "window_centre", (VALUES,)),
        "plain_correlation": Mistake(WALDO_PLAIN, "plain correlation", "plain_correlation_peak",
                                     (VALUES,)),
        "no_mean_subtraction": Mistake(WALDO_COSINE, "WITHOUT mean subtraction",
                                       "no_mean_subtraction", (VALUES,)),
        "flat_index": Mistake(WALDO_FLAT_INDEX, "one number", "flat_index", (VALUES, "Python ints")),
        "scipy_window_sums": Mistake(WALDO_SCIPY, SHORTCUT, LIBRARY, (VALUES, "Python ints")),
        "numpy_ints": Mistake(WALDO_NUMPY_INTS, "not a numpy number", "numpy_number",
                              ("Python ints",)),
    },
}

CORRECT = {
    "shift": {
        "loops": SHIFT_LOOPS,
        "pad_and_crop": SHIFT_PAD_CROP,
        "index_mask": SHIFT_INDEX_MASK,
        "float32_slices": SHIFT_FLOAT32,
    },
    "equivariance_gap": {
        "given_corr_inline_shift": GAP_GIVEN_CORR,
        "loops": GAP_LOOPS,
        "fft": GAP_FFT,
        "float32_einsum": GAP_FLOAT32,
    },
    "pooled_features": {
        "loops": POOL_LOOPS,
        "einsum_windows": POOL_EINSUM,
        "fft": POOL_FFT,
        "float32_tensordot": POOL_FLOAT32,
    },
    "add_coord_channels": {
        "linspace": COORD_LINSPACE,
        "loops": COORD_LOOPS,
        "float32_indices": COORD_FLOAT32,
    },
    "pig_detector": {
        "half_weights": PIG_HALF,
        "steeper": PIG_STEEP,
        "nested_list": PIG_NESTED_LIST,
    },
    "is_rot90_symmetric": {
        "array_equal": ROT_ARRAY_EQUAL,
        "all_turns": ROT_ALL_TURNS,
        "index_loops": ROT_INDEX_LOOPS,
        "numpy_bool": ROT_NUMPY_BOOL,
    },
    "rotation_gap": {
        "loops": RGAP_LOOPS,
        "turned_kernel": RGAP_TURNED_KERNEL,
        "fft": RGAP_FFT,
        "float32_einsum": RGAP_FLOAT32,
    },
    "ncc_map": {
        "loops": NCC_LOOPS,
        "fft_window_sums": NCC_FFT_SUMS,
        "integral_image": NCC_INTEGRAL_IMAGE,
        "zscore_einsum": NCC_EINSUM_ZSCORE,
    },
    "find_waldo": {
        "windows": WALDO_WINDOWS,
        "loops": WALDO_LOOPS,
        "fft": WALDO_FFT,
        "list_from_flat_index": WALDO_LIST,
    },
}
