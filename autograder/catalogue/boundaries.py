"""Catalogue of student answers for ``boundaries``: realistic mistakes with the feedback each
must get, the misconception they embody and the credit groups they lose (WRONG), and correct
answers written in other styles that must keep full marks (CORRECT).
"""
from . import LIBRARY, Mistake

SHORTCUT = "library convolution"
RAISE = "must raise ValueError"
TRUNCATED = "truncated to integers"
MISSING_ERROR = "missing_value_error"

# == output_size =============================================================================

OS_MISSING_PLUS_ONE = """\
def output_size(n, k, padding=0, stride=1, dilation=1):
    span = dilation * (k - 1) + 1
    if span > n + 2 * padding:
        raise ValueError("kernel does not fit")
    return (n + 2 * padding - span) // stride
"""

OS_NO_DILATION = """\
def output_size(n, k, padding=0, stride=1, dilation=1):
    if k > n + 2 * padding:
        raise ValueError("kernel does not fit")
    return (n + 2 * padding - k) // stride + 1
"""

OS_DILATION_TIMES_K = """\
def output_size(n, k, padding=0, stride=1, dilation=1):
    span = dilation * k
    if span > n + 2 * padding + dilation - 1:
        raise ValueError("kernel does not fit")
    return (n + 2 * padding - span) // stride + 1
"""

OS_CEIL = """\
import math


def output_size(n, k, padding=0, stride=1, dilation=1):
    span = dilation * (k - 1) + 1
    if span > n + 2 * padding:
        raise ValueError("kernel does not fit")
    return math.ceil((n + 2 * padding - span) / stride) + 1
"""

OS_ONE_SIDED_PADDING = """\
def output_size(n, k, padding=0, stride=1, dilation=1):
    span = dilation * (k - 1) + 1
    if span > n + padding:
        raise ValueError("kernel does not fit")
    return (n + padding - span) // stride + 1
"""

OS_TRUE_DIVISION = """\
def output_size(n, k, padding=0, stride=1, dilation=1):
    span = dilation * (k - 1) + 1
    if span > n + 2 * padding:
        raise ValueError("kernel does not fit")
    return (n + 2 * padding - span) / stride + 1
"""

OS_NO_VALUE_ERROR = """\
def output_size(n, k, padding=0, stride=1, dilation=1):
    return (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1
"""

OS_NUMPY_INT = """\
import numpy as np


def output_size(n, k, padding=0, stride=1, dilation=1):
    span = dilation * (k - 1) + 1
    if span > n + 2 * padding:
        raise ValueError("kernel does not fit")
    return np.floor((n + 2 * padding - span) / stride).astype(np.int64) + 1
"""

OS_STRIDE_DIVIDES_LENGTH = """\
def output_size(n, k, padding=0, stride=1, dilation=1):
    span = dilation * (k - 1) + 1
    if span > n + 2 * padding:
        raise ValueError("kernel does not fit")
    return (n + 2 * padding) // stride - span + 1
"""

OS_MATH_FLOOR = """\
import math


def output_size(n, k, padding=0, stride=1, dilation=1):
    size = math.floor((n + 2 * padding - dilation * (k - 1) - 1) / stride) + 1
    if size < 1:
        raise ValueError(f"a kernel of {k} taps (dilation {dilation}) does not fit")
    return int(size)
"""

OS_COUNT_WINDOWS = """\
def output_size(n, k, padding=0, stride=1, dilation=1):
    length = n + 2 * padding
    last_tap = dilation * (k - 1)
    count, start = 0, 0
    while start + last_tap < length:      # the window's last tap is still inside
        count += 1
        start += stride
    if count == 0:
        raise ValueError("the kernel is longer than the padded input")
    return count
"""

OS_NUMPY_ARANGE = """\
import numpy as np


def output_size(n, k, padding=0, stride=1, dilation=1):
    starts = np.arange(0, n + 2 * padding - dilation * (k - 1), stride)
    if starts.size == 0:
        raise ValueError("kernel does not fit")
    return int(starts.size)
"""

# == pad2d ===================================================================================

PAD_SYMMETRIC = """\
import numpy as np


def pad2d(X, pad, mode="zeros"):
    names = {"zeros": "constant", "reflect": "symmetric", "replicate": "edge", "circular": "wrap"}
    if mode not in names:
        raise ValueError(mode)
    if isinstance(pad, int):
        pad = ((pad, pad), (pad, pad))
    X = np.asarray(X, dtype=float)
    if mode == "reflect" and (max(pad[0]) >= X.shape[0] or max(pad[1]) >= X.shape[1]):
        raise ValueError("reflect padding too large")
    return np.pad(X, pad, mode=names[mode])
"""

PAD_WRAP_WRONG_SIDE = """\
import numpy as np


def pad2d(X, pad, mode="zeros"):
    X = np.asarray(X, dtype=float)
    if isinstance(pad, int):
        pad = ((pad, pad), (pad, pad))
    (t, b), (l, r) = pad
    if mode == "circular":
        # copy the rows next to each edge
        X = np.concatenate([X[:t], X, X[X.shape[0] - b:]], axis=0)
        return np.concatenate([X[:, :l], X, X[:, X.shape[1] - r:]], axis=1)
    names = {"zeros": "constant", "reflect": "reflect", "replicate": "edge"}
    if mode not in names:
        raise ValueError(mode)
    if mode == "reflect" and (max(t, b) >= X.shape[0] or max(l, r) >= X.shape[1]):
        raise ValueError("reflect padding too large")
    return np.pad(X, pad, mode=names[mode])
"""

PAD_AXES_SWAPPED = """\
import numpy as np


def pad2d(X, pad, mode="zeros"):
    X = np.asarray(X, dtype=float)
    if isinstance(pad, int):
        pad = ((pad, pad), (pad, pad))
    (left, right), (top, bottom) = pad          # columns first, as in PyTorch's F.pad
    names = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
    if mode not in names:
        raise ValueError(mode)
    if mode == "reflect" and (max(top, bottom) >= X.shape[0] or max(left, right) >= X.shape[1]):
        raise ValueError("reflect padding too large")
    return np.pad(X, ((top, bottom), (left, right)), mode=names[mode])
"""

PAD_BEFORE_AFTER_SWAPPED = """\
import numpy as np


def pad2d(X, pad, mode="zeros"):
    X = np.asarray(X, dtype=float)
    if isinstance(pad, int):
        pad = ((pad, pad), (pad, pad))
    (bottom, top), (right, left) = pad
    names = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
    if mode not in names:
        raise ValueError(mode)
    if mode == "reflect" and (max(top, bottom) >= X.shape[0] or max(left, right) >= X.shape[1]):
        raise ValueError("reflect padding too large")
    return np.pad(X, ((top, bottom), (left, right)), mode=names[mode])
"""

PAD_ONE_SIDE = """\
import numpy as np


def pad2d(X, pad, mode="zeros"):
    X = np.asarray(X, dtype=float)
    if isinstance(pad, int):
        pad = ((pad, pad), (pad, pad))
    (t, b), (l, r) = pad
    names = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
    if mode not in names:
        raise ValueError(mode)
    if mode == "reflect" and (max(t, b) >= X.shape[0] or max(l, r) >= X.shape[1]):
        raise ValueError("reflect padding too large")
    return np.pad(X, ((t, 0), (l, 0)), mode=names[mode])   # top and left only
"""

PAD_NO_REFLECT_CHECK = """\
import numpy as np


def pad2d(X, pad, mode="zeros"):
    names = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
    if mode not in names:
        raise ValueError(mode)
    return np.pad(np.asarray(X, dtype=float), pad, mode=names[mode])
"""

PAD_INT_ROWS_ONLY = """\
import numpy as np


def pad2d(X, pad, mode="zeros"):
    X = np.asarray(X, dtype=float)
    if isinstance(pad, int):
        pad = ((pad, pad), (0, 0))
    (t, b), (l, r) = pad
    names = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
    if mode not in names:
        raise ValueError(mode)
    if mode == "reflect" and (max(t, b) >= X.shape[0] or max(l, r) >= X.shape[1]):
        raise ValueError("reflect padding too large")
    return np.pad(X, ((t, b), (l, r)), mode=names[mode])
"""

PAD_UNKNOWN_MODE_ZEROS = """\
import numpy as np


def pad2d(X, pad, mode="zeros"):
    X = np.asarray(X, dtype=float)
    if isinstance(pad, int):
        pad = ((pad, pad), (pad, pad))
    (t, b), (l, r) = pad
    if mode == "reflect" and (max(t, b) >= X.shape[0] or max(l, r) >= X.shape[1]):
        raise ValueError("reflect padding too large")
    names = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}
    return np.pad(X, pad, mode=names.get(mode, "constant"))      # anything else: zeros
"""

PAD_REFLECT_OFF_BY_ONE = """\
import numpy as np


def pad2d(X, pad, mode="zeros"):
    names = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
    if mode not in names:
        raise ValueError(mode)
    X = np.asarray(X, dtype=float)
    if isinstance(pad, int):
        pad = ((pad, pad), (pad, pad))
    (t, b), (l, r) = pad
    if mode == "reflect" and (max(t, b) > X.shape[0] or max(l, r) > X.shape[1]):
        raise ValueError("reflect padding larger than the image")
    return np.pad(X, pad, mode=names[mode])
"""

PAD_REPLICATE_SYMMETRIC = """\
import numpy as np


def pad2d(X, pad, mode="zeros"):
    # replicate copies the pixels next to the edge outward
    names = {"zeros": "constant", "reflect": "reflect", "replicate": "symmetric", "circular": "wrap"}
    if mode not in names:
        raise ValueError(mode)
    X = np.asarray(X, dtype=float)
    if isinstance(pad, int):
        pad = ((pad, pad), (pad, pad))
    (t, b), (l, r) = pad
    if mode == "reflect" and (max(t, b) >= X.shape[0] or max(l, r) >= X.shape[1]):
        raise ValueError("reflect padding too large")
    return np.pad(X, pad, mode=names[mode])
"""

PAD_MODE_IGNORED = """\
import numpy as np


def pad2d(X, pad, mode="zeros"):
    if mode not in ("zeros", "reflect", "replicate", "circular"):
        raise ValueError(mode)
    X = np.asarray(X, dtype=float)
    if isinstance(pad, int):
        pad = ((pad, pad), (pad, pad))
    (t, b), (l, r) = pad
    if mode == "reflect" and (max(t, b) >= X.shape[0] or max(l, r) >= X.shape[1]):
        raise ValueError("reflect padding too large")
    H, W = X.shape
    out = np.zeros((H + t + b, W + l + r))
    out[t:t + H, l:l + W] = X
    return out
"""

PAD_NP_PAD = """\
import numpy as np

NUMPY_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad2d(X, pad, mode="zeros"):
    if mode not in NUMPY_MODE:
        raise ValueError(f"unknown mode {mode!r}")
    X = np.asarray(X)
    pairs = ((pad, pad), (pad, pad)) if np.isscalar(pad) else pad
    if mode == "reflect":
        for (before, after), n in zip(pairs, X.shape):
            if max(before, after) >= n:
                raise ValueError("reflect padding must be smaller than the image")
    return np.pad(X, pairs, mode=NUMPY_MODE[mode])
"""

PAD_CONCATENATE = """\
import numpy as np


def _pad_axis(X, before, after, mode, axis):
    X = np.moveaxis(X, axis, 0)
    n = X.shape[0]
    if mode == "zeros":
        head, tail = np.zeros((before,) + X.shape[1:]), np.zeros((after,) + X.shape[1:])
    elif mode == "replicate":
        head, tail = np.repeat(X[:1], before, axis=0), np.repeat(X[-1:], after, axis=0)
    elif mode == "circular":
        head, tail = X[n - before:], X[:after]
    elif mode == "reflect":
        if max(before, after) >= n:
            raise ValueError("reflect needs padding < size")
        head = X[1:before + 1][::-1]
        tail = X[n - 1 - after:n - 1][::-1]
    else:
        raise ValueError(f"unknown mode {mode}")
    return np.moveaxis(np.concatenate([head, X, tail], axis=0), 0, axis)


def pad2d(X, pad, mode="zeros"):
    X = np.asarray(X, dtype=float)
    if isinstance(pad, int):
        pad = ((pad, pad), (pad, pad))
    (top, bottom), (left, right) = pad
    if mode not in ("zeros", "reflect", "replicate", "circular"):
        raise ValueError(f"unknown mode {mode}")
    X = _pad_axis(X, top, bottom, mode, 0)
    return _pad_axis(X, left, right, mode, 1)
"""

PAD_PIXEL_LOOP = """\
import numpy as np


def _source(i, n, mode):
    if mode == "replicate":
        return min(max(i, 0), n - 1)
    if mode == "circular":
        return i % n
    if mode == "reflect":
        if i < 0:
            return -i
        if i >= n:
            return 2 * (n - 1) - i
        return i
    return i if 0 <= i < n else None


def pad2d(X, pad, mode="zeros"):
    X = np.asarray(X, dtype=np.float32)
    if mode not in ("zeros", "reflect", "replicate", "circular"):
        raise ValueError("unknown mode")
    if isinstance(pad, int):
        pad = ((pad, pad), (pad, pad))
    (t, b), (l, r) = pad
    H, W = X.shape
    if mode == "reflect" and (max(t, b) >= H or max(l, r) >= W):
        raise ValueError("reflect padding too large")
    out = np.zeros((H + t + b, W + l + r), dtype=np.float32)
    for i in range(H + t + b):
        for j in range(W + l + r):
            si, sj = _source(i - t, H, mode), _source(j - l, W, mode)
            if si is not None and sj is not None:
                out[i, j] = X[si, sj]
    return out
"""

# == corr2d_pad ==============================================================================

_CORR_TAIL = """
    Xp = np.pad(X, pairs, mode={"zeros": "constant", "reflect": "reflect",
                                "replicate": "edge", "circular": "wrap"}[mode])
    OH, OW = Xp.shape[0] - KH + 1, Xp.shape[1] - KW + 1
    if OH < 1 or OW < 1:
        raise ValueError("kernel does not fit")
    Y = np.zeros((OH, OW))
    for a in range(KH):
        for b in range(KW):
            Y += K[a, b] * Xp[a:a + OH, b:b + OW]
    return Y
"""


def _corr(pairs_code, tail=_CORR_TAIL):
    return f"""\
import numpy as np


def corr2d_pad(X, K, padding="valid", mode="zeros"):
    X = np.asarray(X, dtype=float)
    K = np.asarray(K, dtype=float)
    KH, KW = K.shape
{pairs_code}{tail}"""


_PAIRS_RIGHT = """\
    if padding == "valid":
        pairs = ((0, 0), (0, 0))
    elif padding == "same":
        pairs = (((KH - 1) // 2, KH // 2), ((KW - 1) // 2, KW // 2))
    elif padding == "full":
        pairs = ((KH - 1, KH - 1), (KW - 1, KW - 1))
    elif isinstance(padding, int):
        pairs = ((padding, padding), (padding, padding))
    else:
        pairs = ((padding[0], padding[0]), (padding[1], padding[1]))
"""

CORR_SAME_LARGER_FIRST = _corr(_PAIRS_RIGHT.replace(
    "pairs = (((KH - 1) // 2, KH // 2), ((KW - 1) // 2, KW // 2))",
    "pairs = ((KH // 2, (KH - 1) // 2), (KW // 2, (KW - 1) // 2))"))

CORR_SAME_HALF_BOTH = _corr(_PAIRS_RIGHT.replace(
    "pairs = (((KH - 1) // 2, KH // 2), ((KW - 1) // 2, KW // 2))",
    "pairs = ((KH // 2, KH // 2), (KW // 2, KW // 2))"))

CORR_FULL_PADS_K = _corr(_PAIRS_RIGHT.replace(
    "pairs = ((KH - 1, KH - 1), (KW - 1, KW - 1))", "pairs = ((KH, KH), (KW, KW))"))

CORR_TUPLE_SWAPPED = _corr(_PAIRS_RIGHT.replace(
    "pairs = ((padding[0], padding[0]), (padding[1], padding[1]))",
    "pw, ph = padding\n        pairs = ((ph, ph), (pw, pw))"))

CORR_ONE_SIDE = _corr(_PAIRS_RIGHT + """\
    pairs = tuple((0, before + after) for before, after in pairs)   # all of it at the end
""")

CORR_SYMMETRIC = _corr(_PAIRS_RIGHT, _CORR_TAIL.replace('"reflect": "reflect"', '"reflect": "symmetric"'))

CORR_MODE_IGNORED = _corr(_PAIRS_RIGHT, _CORR_TAIL.replace(
    'Xp = np.pad(X, pairs, mode={"zeros": "constant", "reflect": "reflect",\n'
    '                                "replicate": "edge", "circular": "wrap"}[mode])',
    "Xp = np.pad(X, pairs)"))

CORR_FLIPPED = _corr(_PAIRS_RIGHT, _CORR_TAIL.replace("Y += K[a, b] *", "Y += K[KH - 1 - a, KW - 1 - b] *"))

CORR_WRAP_WRONG_SIDE = _corr(_PAIRS_RIGHT, """
    (t, b), (l, r) = pairs
    if mode == "circular":
        Xp = np.concatenate([X[:t], X, X[X.shape[0] - b:]], axis=0)
        Xp = np.concatenate([Xp[:, :l], Xp, Xp[:, Xp.shape[1] - r:]], axis=1)
    else:
        Xp = np.pad(X, pairs, mode={"zeros": "constant", "reflect": "reflect",
                                    "replicate": "edge"}[mode])
    OH, OW = Xp.shape[0] - KH + 1, Xp.shape[1] - KW + 1
    if OH < 1 or OW < 1:
        raise ValueError("kernel does not fit")
    Y = np.zeros((OH, OW))
    for a in range(KH):
        for b in range(KW):
            Y += K[a, b] * Xp[a:a + OH, b:b + OW]
    return Y
""")

CORR_NO_FIT_CHECK = _corr(_PAIRS_RIGHT, _CORR_TAIL.replace(
    """    if OH < 1 or OW < 1:
        raise ValueError("kernel does not fit")
""", ""))

CORR_INT_TRUNCATED = """\
import numpy as np


def corr2d_pad(X, K, padding="valid", mode="zeros"):
    X = np.asarray(X)
    K = np.asarray(K)
    KH, KW = K.shape
    if padding == "valid":
        pairs = ((0, 0), (0, 0))
    elif padding == "same":
        pairs = (((KH - 1) // 2, KH // 2), ((KW - 1) // 2, KW // 2))
    elif padding == "full":
        pairs = ((KH - 1, KH - 1), (KW - 1, KW - 1))
    elif isinstance(padding, int):
        pairs = ((padding, padding), (padding, padding))
    else:
        pairs = ((padding[0], padding[0]), (padding[1], padding[1]))
    Xp = np.pad(X, pairs, mode={"zeros": "constant", "reflect": "reflect",
                                "replicate": "edge", "circular": "wrap"}[mode])
    OH, OW = Xp.shape[0] - KH + 1, Xp.shape[1] - KW + 1
    if OH < 1 or OW < 1:
        raise ValueError("kernel does not fit")
    Y = np.zeros_like(Xp[:OH, :OW])          # an output like the (padded) image
    for i in range(OH):
        for j in range(OW):
            Y[i, j] = np.sum(K * Xp[i:i + KH, j:j + KW])
    return Y
"""

CORR_SCIPY_SIGNAL = _corr(_PAIRS_RIGHT, """
    from scipy.signal import correlate2d
    Xp = np.pad(X, pairs, mode={"zeros": "constant", "reflect": "reflect",
                                "replicate": "edge", "circular": "wrap"}[mode])
    return correlate2d(Xp, K, mode="valid")
""")

CORR_SCIPY_NDIMAGE = """\
import numpy as np
from scipy import ndimage


def corr2d_pad(X, K, padding="valid", mode="zeros"):
    X = np.asarray(X, dtype=float)
    K = np.asarray(K, dtype=float)
    KH, KW = K.shape
    if padding != "same":
        raise NotImplementedError("only 'same' so far")
    origin = (-(1 - KH % 2), -(1 - KW % 2))
    names = {"zeros": "constant", "reflect": "mirror", "replicate": "nearest", "circular": "wrap"}
    return ndimage.correlate(X, K, mode=names[mode], origin=origin)
"""

CORR_NP_PAD_LOOPS = _corr(_PAIRS_RIGHT)

CORR_EINSUM_WINDOWS = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def corr2d_pad(X, K, padding="valid", mode="zeros"):
    X = np.asarray(X, dtype=float)
    K = np.asarray(K, dtype=float)
    KH, KW = K.shape
    if isinstance(padding, str):
        total = {"valid": (0, 0), "same": (KH - 1, KW - 1), "full": (2 * KH - 2, 2 * KW - 2)}[padding]
        before = {"valid": (0, 0), "same": ((KH - 1) // 2, (KW - 1) // 2),
                  "full": (KH - 1, KW - 1)}[padding]
    else:
        ph, pw = (padding, padding) if np.isscalar(padding) else padding
        total, before = (2 * ph, 2 * pw), (ph, pw)
    pairs = tuple((b, t - b) for b, t in zip(before, total))
    np_mode = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
    if mode == "reflect" and any(max(p) >= n for p, n in zip(pairs, X.shape)):
        raise ValueError("reflect padding too large")
    Xp = np.pad(X, pairs, mode=np_mode[mode])
    if KH > Xp.shape[0] or KW > Xp.shape[1]:
        raise ValueError("kernel larger than the padded image")
    return np.einsum("ijab,ab->ij", sliding_window_view(Xp, K.shape), K)
"""

CORR_INDEX_MAP_FFT = """\
import numpy as np


def _index(n, before, after, mode):
    i = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(i, 0, n - 1), None
    if mode == "circular":
        return i % n, None
    if mode == "reflect":
        if max(before, after) >= n:
            raise ValueError("too much reflect padding")
        i = np.abs(i)
        return np.where(i >= n, 2 * n - 2 - i, i), None
    inside = (i >= 0) & (i < n)
    return np.clip(i, 0, n - 1), inside


def corr2d_pad(X, K, padding="valid", mode="zeros"):
    X = np.asarray(X, dtype=float)
    K = np.asarray(K, dtype=float)
    (H, W), (KH, KW) = X.shape, K.shape
    rule = {"valid": lambda k: (0, 0), "same": lambda k: ((k - 1) // 2, k // 2),
            "full": lambda k: (k - 1, k - 1)}
    if isinstance(padding, str):
        (t, b), (l, r) = rule[padding](KH), rule[padding](KW)
    elif np.ndim(padding) == 0:
        t = b = l = r = padding
    else:
        (t, b), (l, r) = (padding[0],) * 2, (padding[1],) * 2
    rows, row_ok = _index(H, t, b, mode)
    cols, col_ok = _index(W, l, r, mode)
    Xp = X[np.ix_(rows, cols)]
    if row_ok is not None:
        Xp = Xp * row_ok[:, None] * col_ok[None, :]
    PH, PW = Xp.shape
    if KH > PH or KW > PW:
        raise ValueError("kernel does not fit")
    # valid correlation through the FFT: circular correlation, keep the wrap-free part
    spectrum = np.fft.rfft2(Xp) * np.conj(np.fft.rfft2(K, s=(PH, PW)))
    full = np.fft.irfft2(spectrum, s=(PH, PW))
    return full[:PH - KH + 1, :PW - KW + 1]
"""

CORR_FLOAT32_PIXELS = """\
import numpy as np


def corr2d_pad(X, K, padding="valid", mode="zeros"):
    X = np.asarray(X, dtype=np.float32)
    K = np.asarray(K, dtype=np.float32)
    (H, W), (KH, KW) = X.shape, K.shape
    if padding == "same":
        t, b, l, r = (KH - 1) // 2, KH // 2, (KW - 1) // 2, KW // 2
    elif padding == "full":
        t = b = KH - 1
        l = r = KW - 1
    elif padding == "valid":
        t = b = l = r = 0
    elif isinstance(padding, int):
        t = b = l = r = padding
    else:
        t = b = padding[0]
        l = r = padding[1]
    if mode == "reflect" and (max(t, b) >= H or max(l, r) >= W):
        raise ValueError("reflect padding too large")

    def pixel(i, j):
        if mode == "zeros":
            return X[i, j] if 0 <= i < H and 0 <= j < W else np.float32(0)
        if mode == "replicate":
            return X[min(max(i, 0), H - 1), min(max(j, 0), W - 1)]
        if mode == "circular":
            return X[i % H, j % W]
        i = -i if i < 0 else (2 * H - 2 - i if i >= H else i)
        j = -j if j < 0 else (2 * W - 2 - j if j >= W else j)
        return X[i, j]

    OH, OW = H + t + b - KH + 1, W + l + r - KW + 1
    if OH < 1 or OW < 1:
        raise ValueError("kernel does not fit")
    Y = np.zeros((OH, OW), dtype=np.float32)
    for i in range(OH):
        for j in range(OW):
            for a in range(KH):
                for c in range(KW):
                    Y[i, j] += K[a, c] * pixel(i + a - t, j + c - l)
    return Y
"""

# == border_mask =============================================================================

_MASK_HEAD = """\
import numpy as np


def _pairs(padding, KH, KW):
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "same":
        return (((KH - 1) // 2, KH // 2), ((KW - 1) // 2, KW // 2))
    if padding == "full":
        return ((KH - 1, KH - 1), (KW - 1, KW - 1))
    if isinstance(padding, int):
        return ((padding, padding), (padding, padding))
    return ((padding[0], padding[0]), (padding[1], padding[1]))

"""

MASK_INVERTED = _MASK_HEAD + """
def border_mask(shape, kernel_shape, padding):
    (H, W), (KH, KW) = shape, kernel_shape
    (t, b), (l, r) = _pairs(padding, KH, KW)
    rows = np.arange(H + t + b - KH + 1) - t
    cols = np.arange(W + l + r - KW + 1) - l
    rows_in = (rows >= 0) & (rows + KH <= H)
    cols_in = (cols >= 0) & (cols + KW <= W)
    return rows_in[:, None] & cols_in[None, :]        # the windows that stay inside
"""

MASK_LARGER_FIRST = _MASK_HEAD.replace(
    "return (((KH - 1) // 2, KH // 2), ((KW - 1) // 2, KW // 2))",
    "return ((KH // 2, (KH - 1) // 2), (KW // 2, (KW - 1) // 2))") + """
def border_mask(shape, kernel_shape, padding):
    (H, W), (KH, KW) = shape, kernel_shape
    (t, b), (l, r) = _pairs(padding, KH, KW)
    OH, OW = H + t + b - KH + 1, W + l + r - KW + 1
    mask = np.zeros((OH, OW), dtype=bool)
    mask[:t], mask[OH - b:], mask[:, :l], mask[:, OW - r:] = True, True, True, True
    return mask
"""

MASK_HALF_KERNEL = _MASK_HEAD + """
def border_mask(shape, kernel_shape, padding):
    (H, W), (KH, KW) = shape, kernel_shape
    (t, b), (l, r) = _pairs(padding, KH, KW)
    OH, OW = H + t + b - KH + 1, W + l + r - KW + 1
    mask = np.zeros((OH, OW), dtype=bool)
    dh, dw = KH // 2, KW // 2            # the kernel's radius
    mask[:dh], mask[OH - dh:], mask[:, :dw], mask[:, OW - dw:] = True, True, True, True
    return mask
"""

MASK_TOP_LEFT_ONLY = _MASK_HEAD + """
def border_mask(shape, kernel_shape, padding):
    (H, W), (KH, KW) = shape, kernel_shape
    (t, b), (l, r) = _pairs(padding, KH, KW)
    OH, OW = H + t + b - KH + 1, W + l + r - KW + 1
    mask = np.zeros((OH, OW), dtype=bool)
    mask[:t, :] = True
    mask[:, :l] = True
    return mask
"""

MASK_BOTTOM_RIGHT_ONLY = _MASK_HEAD + """
def border_mask(shape, kernel_shape, padding):
    (H, W), (KH, KW) = shape, kernel_shape
    (t, b), (l, r) = _pairs(padding, KH, KW)
    OH, OW = H + t + b - KH + 1, W + l + r - KW + 1
    mask = np.zeros((OH, OW), dtype=bool)
    # the window runs off the image at the end of each axis
    mask[OH - b:, :] = True
    mask[:, OW - r:] = True
    return mask
"""

MASK_IMAGE_SHAPED = _MASK_HEAD + """
def border_mask(shape, kernel_shape, padding):
    (H, W), (KH, KW) = shape, kernel_shape
    (t, b), (l, r) = _pairs(padding, KH, KW)
    mask = np.zeros((H, W), dtype=bool)          # one entry per image pixel
    mask[:t], mask[H - b:], mask[:, :l], mask[:, W - r:] = True, True, True, True
    return mask
"""

MASK_SCIPY = _MASK_HEAD + """
from scipy.signal import correlate2d


def border_mask(shape, kernel_shape, padding):
    (H, W), (KH, KW) = shape, kernel_shape
    inside = np.pad(np.ones((H, W)), _pairs(padding, KH, KW))
    counts = correlate2d(inside, np.ones((KH, KW)), mode="valid")
    return counts < KH * KW
"""

MASK_WIDTHS = _MASK_HEAD + """
def border_mask(shape, kernel_shape, padding):
    (H, W), (KH, KW) = shape, kernel_shape
    (t, b), (l, r) = _pairs(padding, KH, KW)
    OH, OW = H + t + b - KH + 1, W + l + r - KW + 1
    mask = np.zeros((OH, OW), dtype=bool)
    # the border is exactly as thick as the padding on each side
    mask[:t] = True
    mask[OH - b:] = True
    mask[:, :l] = True
    mask[:, OW - r:] = True
    return mask
"""

MASK_LOOPS = _MASK_HEAD + """
def border_mask(shape, kernel_shape, padding):
    (H, W), (KH, KW) = shape, kernel_shape
    (t, b), (l, r) = _pairs(padding, KH, KW)
    OH, OW = H + t + b - KH + 1, W + l + r - KW + 1
    mask = np.zeros((OH, OW), dtype=bool)
    for i in range(OH):
        for j in range(OW):
            for a in range(KH):
                for c in range(KW):
                    y, x = i + a - t, j + c - l
                    if not (0 <= y < H and 0 <= x < W):
                        mask[i, j] = True
    return mask
"""

MASK_COUNT_ONES = _MASK_HEAD + """
from numpy.lib.stride_tricks import sliding_window_view


def border_mask(shape, kernel_shape, padding):
    (H, W), (KH, KW) = shape, kernel_shape
    image = np.pad(np.ones((H, W)), _pairs(padding, KH, KW))     # 1 on the image, 0 outside
    seen = sliding_window_view(image, (KH, KW)).sum(axis=(2, 3))  # image pixels per window
    return (seen < KH * KW).astype(np.int64)
"""

# == equivariance_error ======================================================================

_EQ_CORR = """\
import numpy as np

NUMPY_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _same(X, K, mode):
    KH, KW = K.shape
    Xp = np.pad(X, (((KH - 1) // 2, KH // 2), ((KW - 1) // 2, KW // 2)), mode=NUMPY_MODE[mode])
    H, W = X.shape
    Y = np.zeros((H, W))
    for a in range(KH):
        for b in range(KW):
            Y += K[a, b] * Xp[a:a + H, b:b + W]
    return Y

"""


def _equi(body):
    return _EQ_CORR + """
def equivariance_error(X, K, shift, mode="zeros"):
    X = np.asarray(X, dtype=float)
    K = np.asarray(K, dtype=float)
""" + body


EQ_SIGNED = _equi("""\
    dy, dx = shift
    return _same(np.roll(X, (dy, dx), axis=(0, 1)), K, mode) - np.roll(_same(X, K, mode), (dy, dx), axis=(0, 1))
""")

EQ_OUTPUT_BACK = _equi("""\
    dy, dx = shift
    moved = _same(np.roll(X, (dy, dx), axis=(0, 1)), K, mode)
    return np.abs(moved - np.roll(_same(X, K, mode), (-dy, -dx), axis=(0, 1)))
""")

EQ_AXES_SWAPPED = _equi("""\
    dx, dy = shift
    moved = _same(np.roll(X, (dy, dx), axis=(0, 1)), K, mode)
    return np.abs(moved - np.roll(_same(X, K, mode), (dy, dx), axis=(0, 1)))
""")

EQ_FLAT_ROLL = _equi("""\
    return np.abs(_same(np.roll(X, shift), K, mode) - np.roll(_same(X, K, mode), shift))
""")

EQ_MODE_IGNORED = _equi("""\
    moved = _same(np.roll(X, shift, axis=(0, 1)), K, "zeros")
    return np.abs(moved - np.roll(_same(X, K, "zeros"), shift, axis=(0, 1)))
""")

EQ_OUTPUT_NOT_SHIFTED = _equi("""\
    moved = _same(np.roll(X, shift, axis=(0, 1)), K, mode)
    return np.abs(moved - _same(X, K, mode))
""")

EQ_INT_TRUNCATED = _EQ_CORR + """
def equivariance_error(X, K, shift, mode="zeros"):
    K = np.asarray(K, dtype=float)
    moved = _same(np.roll(X, shift, axis=(0, 1)), K, mode)
    E = np.zeros_like(X)
    E[:, :] = np.abs(moved - np.roll(_same(X, K, mode), shift, axis=(0, 1)))
    return E
"""

EQ_VALID = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def equivariance_error(X, K, shift, mode="zeros"):
    X = np.asarray(X, dtype=float)
    K = np.asarray(K, dtype=float)

    def corr(A):
        return np.einsum("ijab,ab->ij", sliding_window_view(A, K.shape), K)

    return np.abs(corr(np.roll(X, shift, axis=(0, 1))) - np.roll(corr(X), shift, axis=(0, 1)))
"""

EQ_SCIPY_NDIMAGE = """\
import numpy as np
import scipy.ndimage


def equivariance_error(X, K, shift, mode="zeros"):
    X = np.asarray(X, dtype=float)
    K = np.asarray(K, dtype=float)
    names = {"zeros": "constant", "reflect": "mirror", "replicate": "nearest", "circular": "wrap"}
    origin = tuple(-(1 - k % 2) for k in K.shape)

    def corr(A):
        return scipy.ndimage.correlate(A, K, mode=names[mode], origin=origin)

    return np.abs(corr(np.roll(X, shift, axis=(0, 1))) - np.roll(corr(X), shift, axis=(0, 1)))
"""

EQ_LOOPS = _equi("""\
    dy, dx = shift
    H, W = X.shape
    moved = np.empty_like(X)
    for i in range(H):
        for j in range(W):
            moved[i, j] = X[(i - dy) % H, (j - dx) % W]      # moved down dy, right dx
    A, B = _same(moved, K, mode), _same(X, K, mode)
    E = np.empty_like(X)
    for i in range(H):
        for j in range(W):
            E[i, j] = abs(A[i, j] - B[(i - dy) % H, (j - dx) % W])
    return E
""")

EQ_EINSUM = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def equivariance_error(X, K, shift, mode="zeros"):
    X = np.asarray(X, dtype=float)
    K = np.asarray(K, dtype=float)
    KH, KW = K.shape
    pairs = (((KH - 1) // 2, KH // 2), ((KW - 1) // 2, KW // 2))
    np_mode = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]

    def corr(A):
        return np.einsum("ijab,ab->ij", sliding_window_view(np.pad(A, pairs, mode=np_mode), K.shape), K)

    def move(A):
        return np.roll(np.roll(A, shift[0], axis=0), shift[1], axis=1)

    return np.abs(corr(move(X)) - move(corr(X)))
"""

EQ_FFT_FLOAT32 = """\
import numpy as np


def equivariance_error(X, K, shift, mode="zeros"):
    X = np.asarray(X, dtype=np.float32)
    K = np.asarray(K, dtype=np.float32)
    KH, KW = K.shape
    H, W = X.shape
    pairs = (((KH - 1) // 2, KH // 2), ((KW - 1) // 2, KW // 2))
    np_mode = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]

    def corr(A):
        Ap = np.pad(A, pairs, mode=np_mode)
        spectrum = np.fft.rfft2(Ap) * np.conj(np.fft.rfft2(K, s=Ap.shape))
        return np.fft.irfft2(spectrum, s=Ap.shape)[:H, :W].astype(np.float32)

    dy, dx = shift
    return np.abs(corr(np.roll(X, (dy, dx), axis=(0, 1))) - np.roll(corr(X), (dy, dx), axis=(0, 1)))
"""

# == border_fraction =========================================================================

BF_ONE_DIMENSIONAL = """\
def border_fraction(n, k):
    inside = max(n - k + 1, 0)
    return 1 - inside / n
"""

BF_UNCLAMPED = """\
def border_fraction(n, k):
    return 1 - ((n - k + 1) / n) ** 2
"""

BF_HALF_KERNEL = """\
def border_fraction(n, k):
    inside = max(n - 2 * (k // 2), 0)      # k//2 rows of border on each side
    return 1 - (inside / n) ** 2
"""

BF_COUNT = """\
def border_fraction(n, k):
    inside = max(n - k + 1, 0)
    return n * n - inside * inside
"""

BF_PERCENT = """\
def border_fraction(n, k):
    inside = max(n - k + 1, 0)
    return 100 * (1 - (inside / n) ** 2)
"""

BF_K_MINUS_ONE_EACH_SIDE = """\
def border_fraction(n, k):
    inside = max(n - 2 * (k - 1), 0)
    return 1 - (inside / n) ** 2
"""

BF_COMPLEMENT = """\
def border_fraction(n, k):
    inside = max(n - k + 1, 0)
    return (inside / n) ** 2
"""

BF_INTERIOR_ONE_SHORT = """\
def border_fraction(n, k):
    inside = max(n - k, 0)
    return 1 - (inside / n) ** 2
"""

BF_SCIPY_COUNT = """\
import numpy as np
from scipy.signal import correlate2d


def border_fraction(n, k):
    pairs = ((k - 1) // 2, k // 2)
    seen = correlate2d(np.pad(np.ones((n, n)), pairs), np.ones((k, k)), mode="valid")
    return float(np.mean(seen < k * k))
"""

BF_EXACT_RATIO = """\
def border_fraction(n, k):
    inside = n - k + 1 if k <= n else 0
    return (n * n - inside * inside) / (n * n)
"""

BF_LOOPS = """\
def border_fraction(n, k):
    before, after = (k - 1) // 2, k // 2
    touching = 0
    for i in range(n):
        for j in range(n):
            # the window of output (i, j) covers image rows i-before..i+after (same for columns)
            if i - before < 0 or i + after > n - 1 or j - before < 0 or j + after > n - 1:
                touching += 1
    return touching / (n * n)
"""

BF_NUMPY_MASK = """\
import numpy as np


def border_fraction(n, k):
    start = np.arange(n) - (k - 1) // 2
    outside = (start < 0) | (start + k > n)
    mask = outside[:, None] | outside[None, :]
    return np.float32(mask.mean())
"""

# == the tables ==============================================================================

OS_ALL = ("values", "Python int", "ValueError")
PAD_MODES = ("mode 'zeros'", "mode 'reflect'", "mode 'replicate'", "mode 'circular'")
CORR_VALUES = ("valid padding", "'same' and 'full'", "int and (ph, pw) padding", "padding modes",
               "integer images")
MASK_ALL = ("named paddings", "int and (ph, pw) padding")
EQ_ALL = ("zeros padding", "other padding modes", "integer images")
BF_ALL = ("values", "kernel larger than the image")

WRONG = {
    "output_size": {
        "missing_plus_one": Mistake(OS_MISSING_PLUS_ONE, "one short", "count_one_short", ("values",)),
        "no_dilation": Mistake(OS_NO_DILATION, "the dilation is ignored", "dilation_ignored",
                               ("values", "ValueError")),
        "dilation_times_k": Mistake(OS_DILATION_TIMES_K, "not dilation*k", "span_dilation_times_k",
                                    ("values",)),
        "rounds_up": Mistake(OS_CEIL, "round the division DOWN", "rounds_up", ("values",)),
        "padding_one_side": Mistake(OS_ONE_SIDED_PADDING, "the padding goes on BOTH sides",
                                    "padding_one_side", ("values",)),
        "true_division": Mistake(OS_TRUE_DIVISION, "use floor division", "true_division",
                                 ("values", "Python int")),
        "no_value_error": Mistake(OS_NO_VALUE_ERROR, RAISE, MISSING_ERROR, ("ValueError",)),
        "numpy_int": Mistake(OS_NUMPY_INT, "not a numpy number", "numpy_number", ("Python int",)),
        "stride_divides_length": Mistake(OS_STRIDE_DIVIDES_LENGTH, "not the padded length itself",
                                         "stride_divides_padded_length", ("values",)),
    },
    "pad2d": {
        "numpy_symmetric": Mistake(PAD_SYMMETRIC, "numpy's mode 'symmetric'", "reflect_repeats_edge",
                                   ("mode 'reflect'",)),
        "circular_wrong_side": Mistake(PAD_WRAP_WRONG_SIDE, "come from the BOTTOM", "circular_wrong_side",
                                       ("mode 'circular'",)),
        "axes_swapped": Mistake(PAD_AXES_SWAPPED, "the axes are swapped", "pad_axes_swapped", PAD_MODES),
        "before_after_swapped": Mistake(PAD_BEFORE_AFTER_SWAPPED, "before and after are swapped",
                                        "before_after_swapped", PAD_MODES),
        "one_side_only": Mistake(PAD_ONE_SIDE, "every pair pads both sides", "pads_before_only", PAD_MODES),
        "int_pads_rows_only": Mistake(PAD_INT_ROWS_ONLY, "an int pads all four sides", "int_pads_one_axis",
                                      PAD_MODES),
        "no_reflect_check": Mistake(PAD_NO_REFLECT_CHECK, RAISE, MISSING_ERROR, ("ValueError",)),
        "unknown_mode_zeros": Mistake(PAD_UNKNOWN_MODE_ZEROS, "must raise ValueError on mode='mirror'",
                                      MISSING_ERROR, ("ValueError",)),
        "reflect_check_off_by_one": Mistake(PAD_REFLECT_OFF_BY_ONE, "smaller than the axis it pads",
                                            MISSING_ERROR, ("ValueError",)),
        "replicate_symmetric": Mistake(PAD_REPLICATE_SYMMETRIC, "this mirrors the image", "replicate_mirrors",
                                       ("mode 'replicate'",)),
        "mode_ignored": Mistake(PAD_MODE_IGNORED, "the mode is ignored", "mode_ignored", PAD_MODES[1:]),
    },
    "corr2d_pad": {
        "same_larger_half_first": Mistake(CORR_SAME_LARGER_FIRST, "SMALLER half", "same_larger_half_first",
                                          ("'same' and 'full'", "padding modes")),
        "same_half_kernel_both_sides": Mistake(CORR_SAME_HALF_BOTH, "k//2 on both sides",
                                               "same_half_kernel_both_sides",
                                               ("'same' and 'full'", "padding modes")),
        "full_pads_k": Mistake(CORR_FULL_PADS_K, "not k", "full_pads_k", ("'same' and 'full'", "padding modes")),
        "tuple_swapped": Mistake(CORR_TUPLE_SWAPPED, "these are swapped", "padding_pair_swapped",
                                 ("int and (ph, pw) padding", "padding modes")),
        "padding_one_side": Mistake(CORR_ONE_SIDE, "the padding must go on both sides", "padding_all_after",
                                    CORR_VALUES[1:]),
        "numpy_symmetric": Mistake(CORR_SYMMETRIC, "numpy's mode 'symmetric'", "reflect_repeats_edge",
                                   ("padding modes",)),
        "circular_wrong_side": Mistake(CORR_WRAP_WRONG_SIDE, "come from the BOTTOM", "circular_wrong_side",
                                       ("padding modes",)),
        "mode_ignored": Mistake(CORR_MODE_IGNORED, "the mode is ignored", "mode_ignored", ("padding modes",)),
        "flipped_kernel": Mistake(CORR_FLIPPED, "the kernel is flipped", "kernel_flipped", CORR_VALUES),
        "no_fit_check": Mistake(CORR_NO_FIT_CHECK, RAISE, MISSING_ERROR, ("ValueError",)),
        "integer_output": Mistake(CORR_INT_TRUNCATED, TRUNCATED, "truncated_to_integers", ("integer images",)),
        "scipy_signal": Mistake(CORR_SCIPY_SIGNAL, SHORTCUT, LIBRARY, CORR_VALUES + ("ValueError",)),
        "scipy_ndimage": Mistake(CORR_SCIPY_NDIMAGE, SHORTCUT, LIBRARY, CORR_VALUES + ("ValueError",)),
    },
    "border_mask": {
        "inverted": Mistake(MASK_INVERTED, "this marks the ones that only read the image", "mask_inverted",
                            MASK_ALL),
        "same_larger_half_first": Mistake(MASK_LARGER_FIRST, "puts the thicker side first",
                                          "same_larger_half_first", MASK_ALL[:1]),
        "kernel_radius_everywhere": Mistake(MASK_HALF_KERNEL, "as thick as the padding on that side",
                                            "border_kernel_radius", MASK_ALL),
        "top_left_only": Mistake(MASK_TOP_LEFT_ONLY, "only marks the top and left", "border_top_left_only",
                                 MASK_ALL),
        "image_shaped": Mistake(MASK_IMAGE_SHAPED, "one entry per OUTPUT pixel", "mask_image_shaped", MASK_ALL),
        "bottom_right_only": Mistake(MASK_BOTTOM_RIGHT_ONLY, "only marks the bottom and right",
                                     "border_bottom_right_only", MASK_ALL),
        "scipy_ones": Mistake(MASK_SCIPY, SHORTCUT, LIBRARY, MASK_ALL),
    },
    "equivariance_error": {
        "signed_difference": Mistake(EQ_SIGNED, "ABSOLUTE difference", "signed_difference", EQ_ALL),
        "output_shifted_back": Mistake(EQ_OUTPUT_BACK, "shift the output the same way as the input",
                                       "output_shifted_back", EQ_ALL),
        "shift_axes_swapped": Mistake(EQ_AXES_SWAPPED, "the two are swapped", "shift_axes_swapped", EQ_ALL),
        "flat_roll": Mistake(EQ_FLAT_ROLL, "np.roll needs axis=(0, 1)", "roll_without_axis", EQ_ALL),
        "mode_ignored": Mistake(EQ_MODE_IGNORED, "this one pads with zeros", "mode_ignored",
                                ("other padding modes",)),
        "valid_correlation": Mistake(EQ_VALID, "use 'same' padding", "valid_not_same", EQ_ALL),
        "output_not_shifted": Mistake(EQ_OUTPUT_NOT_SHIFTED, "shift the output too", "output_not_shifted",
                                      EQ_ALL),
        "integer_map": Mistake(EQ_INT_TRUNCATED, TRUNCATED, "truncated_to_integers", ("integer images",)),
        "scipy_ndimage": Mistake(EQ_SCIPY_NDIMAGE, SHORTCUT, LIBRARY, EQ_ALL),
    },
    "border_fraction": {
        "one_dimensional": Mistake(BF_ONE_DIMENSIONAL, "TWO-dimensional", "one_dimensional", ("values",)),
        "unclamped": Mistake(BF_UNCLAMPED, "no window fits inside", "unclamped_interior",
                             ("kernel larger than the image",)),
        "half_kernel_both_sides": Mistake(BF_HALF_KERNEL, "not k//2 on both sides", "same_half_kernel_both_sides",
                                          ("values",)),
        "count_not_fraction": Mistake(BF_COUNT, "not their number", "count_not_fraction", BF_ALL),
        "percentage": Mistake(BF_PERCENT, "not a percentage", "percentage", BF_ALL),
        "k_minus_one_each_side": Mistake(BF_K_MINUS_ONE_EACH_SIDE, "not k-1 on each side",
                                         "k_minus_one_each_side", ("values",)),
        "complement": Mistake(BF_COMPLEMENT, "not the ones that do not", "complement", BF_ALL),
        "interior_one_short": Mistake(BF_INTERIOR_ONE_SHORT, "not n - k", "interior_one_short", ("values",)),
        "scipy_count": Mistake(BF_SCIPY_COUNT, SHORTCUT, LIBRARY, BF_ALL),
    },
}

CORRECT = {
    "output_size": {
        "math_floor": OS_MATH_FLOOR,
        "count_windows": OS_COUNT_WINDOWS,
        "numpy_arange": OS_NUMPY_ARANGE,
    },
    "pad2d": {
        "np_pad": PAD_NP_PAD,
        "concatenate": PAD_CONCATENATE,
        "float32_pixel_loop": PAD_PIXEL_LOOP,
    },
    "corr2d_pad": {
        "np_pad_loops": CORR_NP_PAD_LOOPS,
        "einsum_windows": CORR_EINSUM_WINDOWS,
        "index_map_fft": CORR_INDEX_MAP_FFT,
        "float32_pixels": CORR_FLOAT32_PIXELS,
    },
    "border_mask": {
        "widths": MASK_WIDTHS,
        "loops": MASK_LOOPS,
        "count_ones": MASK_COUNT_ONES,
    },
    "equivariance_error": {
        "loops": EQ_LOOPS,
        "einsum": EQ_EINSUM,
        "fft_float32": EQ_FFT_FLOAT32,
    },
    "border_fraction": {
        "exact_ratio": BF_EXACT_RATIO,
        "loops": BF_LOOPS,
        "numpy_mask": BF_NUMPY_MASK,
    },
}
