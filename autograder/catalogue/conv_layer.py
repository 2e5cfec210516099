"""Catalogue of student answers for ``conv_layer``: realistic mistakes with the feedback each
must get (WRONG), and correct answers written in other styles that must keep full marks
(CORRECT). Each WRONG entry is a :class:`~convgrade.catalogue.Mistake`: a piece of the feedback
it must get, the key of the misconception it embodies, and the exact credit groups it loses
(``convgrade.check.conv_layer`` states the groups of each function).
"""
from . import LIBRARY, Mistake

# == dense_param_count ======================================================================

DENSE_BIAS_PER_INPUT = """\
import math


def dense_param_count(in_shape, out_shape, bias=True):
    n_in = math.prod(in_shape) if isinstance(in_shape, tuple) else in_shape
    n_out = math.prod(out_shape) if isinstance(out_shape, tuple) else out_shape
    return n_in * n_out + (n_in if bias else 0)
"""

DENSE_NO_BIAS = """\
import math


def dense_param_count(in_shape, out_shape, bias=True):
    n_in = math.prod(in_shape) if isinstance(in_shape, tuple) else in_shape
    n_out = math.prod(out_shape) if isinstance(out_shape, tuple) else out_shape
    return n_in * n_out
"""

DENSE_IGNORES_BIAS_FLAG = """\
import math


def dense_param_count(in_shape, out_shape, bias=True):
    n_in = math.prod(in_shape) if isinstance(in_shape, tuple) else in_shape
    n_out = math.prod(out_shape) if isinstance(out_shape, tuple) else out_shape
    return n_in * n_out + n_out
"""

DENSE_SUM_OF_SIZES = """\
def dense_param_count(in_shape, out_shape, bias=True):
    n_in = sum(in_shape) if isinstance(in_shape, tuple) else in_shape
    n_out = sum(out_shape) if isinstance(out_shape, tuple) else out_shape
    return n_in * n_out + (n_out if bias else 0)
"""

DENSE_INT64_OVERFLOW = """\
import numpy as np


def dense_param_count(in_shape, out_shape, bias=True):
    n_in, n_out = np.prod(in_shape), np.prod(out_shape)
    return int(n_in * n_out + (n_out if bias else 0))
"""

DENSE_FLOAT_COUNT = """\
def dense_param_count(in_shape, out_shape, bias=True):
    def size(shape):
        n = 1.0
        for s in (shape if isinstance(shape, tuple) else (shape,)):
            n *= s
        return n
    return size(in_shape) * size(out_shape) + (size(out_shape) if bias else 0)
"""

DENSE_MATH_PROD = """\
import math


def dense_param_count(in_shape, out_shape, bias=True):
    n_in = math.prod(in_shape) if isinstance(in_shape, (tuple, list)) else int(in_shape)
    n_out = math.prod(out_shape) if isinstance(out_shape, (tuple, list)) else int(out_shape)
    return n_in * n_out + bias * n_out
"""

DENSE_LOOPS = """\
def dense_param_count(in_shape, out_shape, bias=True):
    if isinstance(in_shape, int):
        in_shape = (in_shape,)
    if isinstance(out_shape, int):
        out_shape = (out_shape,)
    n_in = 1
    for s in in_shape:
        n_in *= s
    n_out = 1
    for s in out_shape:
        n_out *= s
    total = n_in * n_out
    if bias:
        total += n_out
    return total
"""

DENSE_NUMPY_EXACT = """\
import numpy as np


def dense_param_count(in_shape, out_shape, bias=True):
    # object dtype keeps numpy's product in exact Python ints (no 64-bit overflow)
    n_in = np.atleast_1d(in_shape).astype(object).prod()
    n_out = np.atleast_1d(out_shape).astype(object).prod()
    return int(n_in * n_out + (n_out if bias else 0))
"""

# == conv_param_count =======================================================================

CPC_NO_IN_CHANNELS = """\
def conv_param_count(kernel_size, in_channels, out_channels, bias=True):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return kh * kw * out_channels + (out_channels if bias else 0)
"""

CPC_BIAS_PER_INPUT = """\
def conv_param_count(kernel_size, in_channels, out_channels, bias=True):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return kh * kw * in_channels * out_channels + (in_channels if bias else 0)
"""

CPC_NO_BIAS = """\
def conv_param_count(kernel_size, in_channels, out_channels, bias=True):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return kh * kw * in_channels * out_channels
"""

CPC_IGNORES_BIAS_FLAG = """\
def conv_param_count(kernel_size, in_channels, out_channels, bias=True):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return kh * kw * in_channels * out_channels + out_channels
"""

CPC_INT_SIZE_NOT_SQUARED = """\
def conv_param_count(kernel_size, in_channels, out_channels, bias=True):
    if isinstance(kernel_size, int):
        taps = kernel_size
    else:
        taps = kernel_size[0] * kernel_size[1]
    return taps * in_channels * out_channels + (out_channels if bias else 0)
"""

CPC_MATH_PROD = """\
import math


def conv_param_count(kernel_size, in_channels, out_channels, bias=True):
    size = (kernel_size,) * 2 if isinstance(kernel_size, int) else tuple(kernel_size)
    return math.prod(size + (in_channels, out_channels)) + (out_channels if bias else 0)
"""

CPC_NUMPY = """\
import numpy as np


def conv_param_count(kernel_size, in_channels, out_channels, bias=True):
    kh, kw = np.broadcast_to(kernel_size, (2,))
    weights = int(kh) * int(kw) * int(in_channels) * int(out_channels)
    return weights + int(out_channels) * bool(bias)
"""

CPC_LOOPS = """\
def conv_param_count(kernel_size, in_channels, out_channels, bias=True):
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    count = 0
    for d in range(out_channels):
        count += kernel_size[0] * kernel_size[1] * in_channels
        if bias:
            count += 1
    return count
"""

# == reindex ================================================================================

REINDEX_SIGN_FLIPPED = """\
import numpy as np


def reindex(W):
    h, w = W.shape[:2]
    V = np.zeros((h, w, 2 * h - 1, 2 * w - 1))
    for i in range(h):
        for j in range(w):
            for k in range(h):
                for l in range(w):
                    V[i, j, i - k + h - 1, j - l + w - 1] = W[i, j, k, l]
    return V
"""

REINDEX_NEGATIVE_INDEX = """\
import numpy as np


def reindex(W):
    h, w = W.shape[:2]
    V = np.zeros((h, w, 2 * h - 1, 2 * w - 1))
    for i in range(h):
        for j in range(w):
            for k in range(h):
                for l in range(w):
                    V[i, j, k - i, l - j] = W[i, j, k, l]    # offset a stored at index a
    return V
"""

REINDEX_W_AXES_SWAPPED = """\
import numpy as np


def reindex(W):
    h, w = W.shape[:2]
    V = np.zeros((h, w, 2 * h - 1, 2 * w - 1))
    for i in range(h):
        for j in range(w):
            for k in range(h):
                for l in range(w):
                    V[i, j, k - i + h - 1, l - j + w - 1] = W[k, l, i, j]
    return V
"""

REINDEX_INT_DTYPE = """\
import numpy as np


def reindex(W):
    h, w = W.shape[:2]
    V = np.zeros((h, w, 2 * h - 1, 2 * w - 1), dtype=int)
    for i in range(h):
        for j in range(w):
            V[i, j, h - 1 - i:2 * h - 1 - i, w - 1 - j:2 * w - 1 - j] = W[i, j]
    return V
"""

REINDEX_NO_ROOM = """\
import numpy as np


def reindex(W):
    h, w = W.shape[:2]
    V = np.zeros_like(W)
    for i in range(h):
        for j in range(w):
            for k in range(h):
                for l in range(w):
                    V[i, j, (k - i) % h, (l - j) % w] = W[i, j, k, l]
    return V
"""

REINDEX_LOOPS = """\
import numpy as np


def reindex(W):
    h, w = W.shape[:2]
    V = np.zeros((h, w, 2 * h - 1, 2 * w - 1))
    for i in range(h):
        for j in range(w):
            for a in range(-(h - 1), h):
                for b in range(-(w - 1), w):
                    if 0 <= i + a < h and 0 <= j + b < w:
                        V[i, j, a + h - 1, b + w - 1] = W[i, j, i + a, j + b]
    return V
"""

REINDEX_FANCY_INDEXING = """\
import numpy as np


def reindex(W):
    W = np.asarray(W, dtype=float)
    h, w = W.shape[:2]
    i, j, k, l = np.indices(W.shape)
    V = np.zeros((h, w, 2 * h - 1, 2 * w - 1))
    V[i, j, k - i + h - 1, l - j + w - 1] = W
    return V
"""

REINDEX_FLOAT32_BLOCKS = """\
import numpy as np


def reindex(W):
    W = np.asarray(W, dtype=np.float32)
    h, w = W.shape[:2]
    V = np.zeros((h, w, 2 * h - 1, 2 * w - 1), dtype=np.float32)
    for i in range(h):
        for j in range(w):
            V[i, j, h - 1 - i:2 * h - 1 - i, w - 1 - j:2 * w - 1 - j] = W[i, j]
    return V
"""

# == corr2d =================================================================================

CORR2D_FLIPPED = """\
import numpy as np


def corr2d(X, K):
    (H, W), (KH, KW) = X.shape, K.shape
    if KH > H or KW > W:
        raise ValueError("kernel larger than image")
    Y = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = np.sum(X[i:i + KH, j:j + KW] * K[::-1, ::-1])
    return Y
"""

CORR2D_TRANSPOSED = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def corr2d(X, K):
    windows = sliding_window_view(X, K.shape)          # (OH, OW, KH, KW)
    return np.einsum("ijab,ba->ij", windows, K)
"""

CORR2D_ONE_SHORT = """\
import numpy as np


def corr2d(X, K):
    (H, W), (KH, KW) = X.shape, K.shape
    Y = np.zeros((H - KH, W - KW))
    for i in range(H - KH):
        for j in range(W - KW):
            Y[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return Y
"""

CORR2D_INT_OUTPUT = """\
import numpy as np


def corr2d(X, K):
    (H, W), (KH, KW) = X.shape, K.shape
    if KH > H or KW > W:
        raise ValueError("kernel larger than image")
    Y = np.zeros((H - KH + 1, W - KW + 1), dtype=int)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return Y
"""

CORR2D_INPUT_SIZED = """\
import numpy as np


def corr2d(X, K):
    (H, W), (KH, KW) = X.shape, K.shape
    if KH > H or KW > W:
        raise ValueError("kernel larger than image")
    Y = np.zeros_like(X)
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            Y[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return Y
"""

CORR2D_SCIPY = """\
from scipy.signal import correlate2d


def corr2d(X, K):
    return correlate2d(X, K, mode="valid")
"""

CORR2D_NP_CORRELATE_ROWS = """\
import numpy as np


def corr2d(X, K):
    (H, W), (KH, KW) = X.shape, K.shape
    Y = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(Y.shape[0]):
        for a in range(KH):
            Y[i] += np.correlate(X[i + a], K[a], mode="valid")
    return Y
"""

CORR2D_LOOPS = """\
import numpy as np


def corr2d(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    (H, W), (KH, KW) = X.shape, K.shape
    if KH > H or KW > W:
        raise ValueError("kernel larger than image")
    Y = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + KH, j:j + KW] * K).sum()
    return Y
"""

CORR2D_EINSUM_WINDOWS = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def corr2d(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    return np.einsum("ijab,ab->ij", sliding_window_view(X, K.shape), K)
"""

CORR2D_AS_STRIDED_TENSORDOT = """\
import numpy as np
from numpy.lib.stride_tricks import as_strided


def corr2d(X, K):
    X, K = np.ascontiguousarray(X, dtype=float), np.asarray(K, dtype=float)
    (H, W), (KH, KW) = X.shape, K.shape
    if KH > H or KW > W:
        raise ValueError("kernel larger than image")
    s0, s1 = X.strides
    windows = as_strided(X, (H - KH + 1, W - KW + 1, KH, KW), (s0, s1, s0, s1), writeable=False)
    return np.tensordot(windows, K, axes=([2, 3], [0, 1]))
"""

CORR2D_IM2COL = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def corr2d(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    windows = sliding_window_view(X, K.shape)
    OH, OW = windows.shape[:2]
    cols = windows.reshape(OH * OW, K.size)            # one row per output position
    return (cols @ K.ravel()).reshape(OH, OW)
"""

CORR2D_FFT = """\
import numpy as np


def corr2d(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    (H, W), (KH, KW) = X.shape, K.shape
    if KH > H or KW > W:
        raise ValueError("kernel larger than image")
    # circular cross-correlation; the first H-KH+1 x W-KW+1 entries never wrap around
    spectrum = np.fft.rfft2(X) * np.conj(np.fft.rfft2(K, s=(H, W)))
    return np.fft.irfft2(spectrum, s=(H, W))[:H - KH + 1, :W - KW + 1]
"""

CORR2D_FLOAT32 = """\
import numpy as np


def corr2d(X, K):
    X, K = np.asarray(X, dtype=np.float32), np.asarray(K, dtype=np.float32)
    (H, W), (KH, KW) = X.shape, K.shape
    if KH > H or KW > W:
        raise ValueError("kernel larger than image")
    OH, OW = H - KH + 1, W - KW + 1
    Y = np.zeros((OH, OW), dtype=np.float32)
    for a in range(KH):
        for b in range(KW):
            Y += K[a, b] * X[a:a + OH, b:b + OW]
    return Y
"""

# == conv2d =================================================================================

CONV2D_NOT_FLIPPED = """\
import numpy as np


def conv2d(X, K):
    (H, W), (KH, KW) = X.shape, K.shape
    if KH > H or KW > W:
        raise ValueError("kernel larger than image")
    Y = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return Y
"""

CONV2D_ROWS_ONLY = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d(X, K):
    return np.einsum("ijab,ab->ij", sliding_window_view(X, K.shape), np.flipud(K))
"""

CONV2D_TRANSPOSED = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d(X, K):
    # "flip" the kernel by transposing it
    return np.einsum("ijab,ab->ij", sliding_window_view(X, K.T.shape), K.T)
"""

CONV2D_ROT90 = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d(X, K):
    K = np.rot90(K)
    return np.einsum("ijab,ab->ij", sliding_window_view(X, K.shape), K)
"""

CONV2D_ONE_SHORT = """\
import numpy as np


def conv2d(X, K):
    (H, W), (KH, KW) = X.shape, K.shape
    F = K[::-1, ::-1]
    Y = np.zeros((H - KH, W - KW))
    for i in range(H - KH):
        for j in range(W - KW):
            Y[i, j] = np.sum(X[i:i + KH, j:j + KW] * F)
    return Y
"""

CONV2D_NP_CONVOLVE_ROWS = """\
import numpy as np


def conv2d(X, K):
    (H, W), (KH, KW) = X.shape, K.shape
    Y = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(Y.shape[0]):
        for a in range(KH):
            Y[i] += np.convolve(X[i + KH - 1 - a], K[a], mode="valid")
    return Y
"""

CONV2D_SCIPY_ALIAS = """\
from scipy import signal as s


def conv2d(X, K):
    return s.convolve2d(X, K, mode="valid")
"""

CONV2D_LOOPS = """\
import numpy as np


def conv2d(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    (H, W), (KH, KW) = X.shape, K.shape
    if KH > H or KW > W:
        raise ValueError("kernel larger than image")
    Y = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            for a in range(KH):
                for b in range(KW):
                    Y[i, j] += K[KH - 1 - a, KW - 1 - b] * X[i + a, j + b]
    return Y
"""

CONV2D_FLIPPED_VIEW_EINSUM = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    return np.einsum("ijab,ab->ij", sliding_window_view(X, K.shape), K[::-1, ::-1])
"""

CONV2D_FFT = """\
import numpy as np


def conv2d(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    (H, W), (KH, KW) = X.shape, K.shape
    if KH > H or KW > W:
        raise ValueError("kernel larger than image")
    # circular convolution; from row KH-1 and column KW-1 on it never wraps around
    full = np.fft.irfft2(np.fft.rfft2(X) * np.fft.rfft2(K, s=(H, W)), s=(H, W))
    return full[KH - 1:, KW - 1:]
"""

CONV2D_FLOAT32_ROT180 = """\
import numpy as np


def conv2d(X, K):
    X = np.asarray(X, dtype=np.float32)
    K = np.rot90(np.asarray(K, dtype=np.float32), 2)     # 180 degrees = both axes flipped
    (H, W), (KH, KW) = X.shape, K.shape
    if KH > H or KW > W:
        raise ValueError("kernel larger than image")
    OH, OW = H - KH + 1, W - KW + 1
    Y = np.zeros((OH, OW), dtype=np.float32)
    for a in range(KH):
        for b in range(KW):
            Y += K[a, b] * X[a:a + OH, b:b + OW]
    return Y
"""

# == local_layer ============================================================================

LOCAL_FLIPPED = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def local_layer(X, V, u=0.0):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    d = V.shape[0] // 2
    windows = sliding_window_view(np.pad(X, d), V.shape)
    return u + np.einsum("ijab,ab->ij", windows, V[::-1, ::-1])
"""

LOCAL_NO_BIAS = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def local_layer(X, V, u=0.0):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    d = V.shape[0] // 2
    return np.einsum("ijab,ab->ij", sliding_window_view(np.pad(X, d), V.shape), V)
"""

LOCAL_WRAP_AROUND = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def local_layer(X, V, u=0.0):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    d = V.shape[0] // 2
    padded = np.pad(X, d, mode="wrap")
    return u + np.einsum("ijab,ab->ij", sliding_window_view(padded, V.shape), V)
"""

LOCAL_EDGE_PADDING = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def local_layer(X, V, u=0.0):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    d = V.shape[0] // 2
    padded = np.pad(X, d, mode="edge")
    return u + np.einsum("ijab,ab->ij", sliding_window_view(padded, V.shape), V)
"""

LOCAL_PAD_ONE_SIDE = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def local_layer(X, V, u=0.0):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    k = V.shape[0]
    padded = np.pad(X, ((0, k - 1), (0, k - 1)))        # all the padding after the image
    return u + np.einsum("ijab,ab->ij", sliding_window_view(padded, V.shape), V)
"""

LOCAL_VALID_ONLY = """\
import numpy as np


def local_layer(X, V, u=0.0):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    (H, W), k = X.shape, V.shape[0]
    out = np.full((H - k + 1, W - k + 1), float(u))     # only where V fits inside X
    for i in range(H - k + 1):
        for j in range(W - k + 1):
            out[i, j] += np.sum(V * X[i:i + k, j:j + k])
    return out
"""

LOCAL_NO_VALUE_ERROR = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def local_layer(X, V, u=0.0):
    d = V.shape[0] // 2
    return u + np.einsum("ijab,ab->ij", sliding_window_view(np.pad(X, d), V.shape), V)
"""

LOCAL_SCIPY_NDIMAGE = """\
import numpy as np
import scipy.ndimage


def local_layer(X, V, u=0.0):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    return u + scipy.ndimage.correlate(np.asarray(X, dtype=float), V, mode="constant", cval=0.0)
"""

LOCAL_LOOPS = """\
import numpy as np


def local_layer(X, V, u=0.0):
    X, V = np.asarray(X, dtype=float), np.asarray(V, dtype=float)
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    d = V.shape[0] // 2
    H, W = X.shape
    out = np.full((H, W), float(u))
    for i in range(H):
        for j in range(W):
            for a in range(-d, d + 1):
                for b in range(-d, d + 1):
                    if 0 <= i + a < H and 0 <= j + b < W:
                        out[i, j] += V[a + d, b + d] * X[i + a, j + b]
    return out
"""

LOCAL_PAD_EINSUM = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def local_layer(X, V, u=0.0):
    X, V = np.asarray(X, dtype=float), np.asarray(V, dtype=float)
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    windows = sliding_window_view(np.pad(X, V.shape[0] // 2), V.shape)
    return u + np.einsum("ijab,ab->ij", windows, V)
"""

LOCAL_FFT = """\
import numpy as np


def local_layer(X, V, u=0.0):
    X, V = np.asarray(X, dtype=float), np.asarray(V, dtype=float)
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    d = V.shape[0] // 2
    H, W = X.shape
    P = np.pad(X, d)
    spectrum = np.fft.rfft2(P) * np.conj(np.fft.rfft2(V, s=P.shape))
    return u + np.fft.irfft2(spectrum, s=P.shape)[:H, :W]
"""

LOCAL_FLOAT32 = """\
import numpy as np


def local_layer(X, V, u=0.0):
    X, V = np.asarray(X, dtype=np.float32), np.asarray(V, dtype=np.float32)
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    d = V.shape[0] // 2
    H, W = X.shape
    P = np.zeros((H + 2 * d, W + 2 * d), dtype=np.float32)
    P[d:d + H, d:d + W] = X
    out = np.full((H, W), u, dtype=np.float32)
    for a in range(2 * d + 1):
        for b in range(2 * d + 1):
            out += V[a, b] * P[a:a + H, b:b + W]
    return out
"""

# == dense_from_kernel ======================================================================

DFK_FLIPPED = """\
import numpy as np


def dense_from_kernel(V, h, w):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    d = V.shape[0] // 2
    W = np.zeros((h, w, h, w))
    for i in range(h):
        for j in range(w):
            for k in range(h):
                for l in range(w):
                    if abs(k - i) <= d and abs(l - j) <= d:
                        W[i, j, k, l] = V[i - k + d, j - l + d]
    return W
"""

DFK_AXES_SWAPPED = """\
import numpy as np


def dense_from_kernel(V, h, w):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    d = V.shape[0] // 2
    W = np.zeros((h, w, h, w))
    for i in range(h):
        for j in range(w):
            for k in range(h):
                for l in range(w):
                    if abs(k - i) <= d and abs(l - j) <= d:
                        W[k, l, i, j] = V[k - i + d, l - j + d]     # input pixel first
    return W
"""

DFK_MATRIX = """\
import numpy as np


def dense_from_kernel(V, h, w):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    d = V.shape[0] // 2
    M = np.zeros((h * w, h * w))
    for i in range(h):
        for j in range(w):
            for k in range(h):
                for l in range(w):
                    if abs(k - i) <= d and abs(l - j) <= d:
                        M[i * w + j, k * w + l] = V[k - i + d, l - j + d]
    return M
"""

DFK_INT_DTYPE = """\
import numpy as np


def dense_from_kernel(V, h, w):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    d = V.shape[0] // 2
    W = np.zeros((h, w, h, w), dtype=int)
    for i in range(h):
        for j in range(w):
            for k in range(h):
                for l in range(w):
                    if abs(k - i) <= d and abs(l - j) <= d:
                        W[i, j, k, l] = V[k - i + d, l - j + d]
    return W
"""

DFK_W_H_SWAPPED = """\
import numpy as np


def dense_from_kernel(V, w, h):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    d = V.shape[0] // 2
    W = np.zeros((h, w, h, w))
    for i in range(h):
        for j in range(w):
            for k in range(h):
                for l in range(w):
                    if abs(k - i) <= d and abs(l - j) <= d:
                        W[i, j, k, l] = V[k - i + d, l - j + d]
    return W
"""

DFK_UNCLIPPED_BORDER = """\
import numpy as np


def dense_from_kernel(V, h, w):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    d = V.shape[0] // 2
    W = np.zeros((h, w, h, w))
    for i in range(h):
        for j in range(w):
            W[i, j, i - d:i + d + 1, j - d:j + d + 1] = V
    return W
"""

DFK_SCIPY_IMPULSES = """\
import numpy as np
from scipy import signal


def dense_from_kernel(V, h, w):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    W = np.zeros((h, w, h, w))
    for k in range(h):
        for l in range(w):
            impulse = np.zeros((h, w))
            impulse[k, l] = 1.0
            W[:, :, k, l] = signal.correlate2d(impulse, V, mode="same")
    return W
"""

DFK_LOOPS = """\
import numpy as np


def dense_from_kernel(V, h, w):
    V = np.asarray(V, dtype=float)
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    d = (V.shape[0] - 1) // 2
    W = np.zeros((h, w, h, w))
    for i in range(h):
        for j in range(w):
            for k in range(h):
                for l in range(w):
                    if abs(k - i) <= d and abs(l - j) <= d:
                        W[i, j, k, l] = V[k - i + d, l - j + d]
    return W
"""

DFK_IMPULSE_RESPONSES = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def dense_from_kernel(V, h, w):
    # column (k, l) of the dense layer is the local layer's response to a unit pixel at (k, l)
    V = np.asarray(V, dtype=float)
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    d = V.shape[0] // 2
    W = np.zeros((h, w, h, w))
    for k in range(h):
        for l in range(w):
            impulse = np.zeros((h + 2 * d, w + 2 * d))
            impulse[k + d, l + d] = 1.0
            W[:, :, k, l] = np.einsum("ijab,ab->ij", sliding_window_view(impulse, V.shape), V)
    return W
"""

DFK_STRIDED_VIEW = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def dense_from_kernel(V, h, w):
    # W[i, j] is an (h, w) window of a zero-padded copy of V: the answer is a view
    V = np.asarray(V, dtype=float)
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    d = V.shape[0] // 2
    big = np.zeros((2 * h + 2 * d, 2 * w + 2 * d))
    big[h:h + 2 * d + 1, w:w + 2 * d + 1] = V
    return sliding_window_view(big, (h, w))[h + d:d:-1, w + d:d:-1]
"""

DFK_FANCY_INDEXING = """\
import numpy as np


def dense_from_kernel(V, h, w):
    V = np.asarray(V, dtype=np.float32)
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    d = V.shape[0] // 2
    i, j, k, l = np.indices((h, w, h, w))
    a, b = k - i, l - j
    inside = (abs(a) <= d) & (abs(b) <= d)
    W = np.zeros((h, w, h, w), dtype=np.float32)
    W[inside] = V[a[inside] + d, b[inside] + d]
    return W
"""

# == corr2d_multi_in ========================================================================

CMI_NOT_SUMMED = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def corr2d_multi_in(X, K):
    windows = sliding_window_view(X, K.shape[1:], axis=(1, 2))    # (C, OH, OW, KH, KW)
    return np.einsum("cijab,cab->cij", windows, K)
"""

CMI_AVERAGED = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def corr2d_multi_in(X, K):
    windows = sliding_window_view(X, K.shape[1:], axis=(1, 2))
    return np.einsum("cijab,cab->cij", windows, K).mean(axis=0)
"""

CMI_ALL_PAIRS = """\
import numpy as np


def corr2d_multi_in(X, K):
    if X.shape[0] != K.shape[0]:
        raise ValueError("channel counts differ")
    (C, H, W), (_, KH, KW) = X.shape, K.shape
    Y = np.zeros((H - KH + 1, W - KW + 1))
    for x in X:
        for k in K:
            for i in range(Y.shape[0]):
                for j in range(Y.shape[1]):
                    Y[i, j] += np.sum(x[i:i + KH, j:j + KW] * k)
    return Y
"""

CMI_FLIPPED = """\
import numpy as np


def corr2d_multi_in(X, K):
    if X.shape[0] != K.shape[0]:
        raise ValueError("channel counts differ")
    (C, H, W), (_, KH, KW) = X.shape, K.shape
    Y = np.zeros((H - KH + 1, W - KW + 1))
    for c in range(C):
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                Y[i, j] += np.sum(X[c, i:i + KH, j:j + KW] * K[c, ::-1, ::-1])
    return Y
"""

CMI_INT_OUTPUT = """\
import numpy as np


def corr2d_multi_in(X, K):
    (C, H, W), (_, KH, KW) = X.shape, K.shape
    Y = np.zeros((H - KH + 1, W - KW + 1), dtype=int)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = np.sum(X[:, i:i + KH, j:j + KW] * K)
    return Y
"""

CMI_ONE_SHORT = """\
import numpy as np


def corr2d_multi_in(X, K):
    (C, H, W), (_, KH, KW) = X.shape, K.shape
    Y = np.zeros((H - KH, W - KW))
    for i in range(H - KH):
        for j in range(W - KW):
            Y[i, j] = np.sum(X[:, i:i + KH, j:j + KW] * K)
    return Y
"""

CMI_GETATTR_CORRELATE = """\
import numpy as np


def corr2d_multi_in(X, K):
    correlate = getattr(np, "correlate")
    (C, H, W), (_, KH, KW) = X.shape, K.shape
    Y = np.zeros((H - KH + 1, W - KW + 1))
    for c in range(C):
        for i in range(Y.shape[0]):
            for a in range(KH):
                Y[i] += correlate(X[c, i + a], K[c, a], "valid")
    return Y
"""

CMI_SCIPY_3D = """\
import scipy.signal


def corr2d_multi_in(X, K):
    # a valid 3-D correlation over (C, H, W) has one "channel" left: the sum over channels
    return scipy.signal.correlate(X, K, mode="valid")[0]
"""

CMI_LOOPS = """\
import numpy as np


def corr2d_multi_in(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    (C, H, W), (CK, KH, KW) = X.shape, K.shape
    if C != CK:
        raise ValueError("channel counts differ")
    Y = np.zeros((H - KH + 1, W - KW + 1))
    for c in range(C):
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                Y[i, j] += np.sum(X[c, i:i + KH, j:j + KW] * K[c])
    return Y
"""

CMI_EINSUM_WINDOWS = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def corr2d_multi_in(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    if X.shape[0] != K.shape[0]:
        raise ValueError("channel counts differ")
    windows = sliding_window_view(X, K.shape[1:], axis=(1, 2))    # (C, OH, OW, KH, KW)
    return np.einsum("cijab,cab->ij", windows, K)
"""

CMI_TENSORDOT = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def corr2d_multi_in(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    if X.shape[0] != K.shape[0]:
        raise ValueError("channel counts differ")
    windows = sliding_window_view(X, K.shape, axis=(0, 1, 2))     # (1, OH, OW, C, KH, KW)
    return np.tensordot(windows[0], K, axes=3)
"""

CMI_FFT = """\
import numpy as np


def corr2d_multi_in(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    (C, H, W), (_, KH, KW) = X.shape, K.shape
    spectrum = (np.fft.rfft2(X) * np.conj(np.fft.rfft2(K, s=(H, W)))).sum(axis=0)
    return np.fft.irfft2(spectrum, s=(H, W))[:H - KH + 1, :W - KW + 1]
"""

CMI_FLOAT32 = """\
import numpy as np


def corr2d_multi_in(X, K):
    X, K = np.asarray(X, dtype=np.float32), np.asarray(K, dtype=np.float32)
    (C, H, W), (_, KH, KW) = X.shape, K.shape
    OH, OW = H - KH + 1, W - KW + 1
    Y = np.zeros((OH, OW), dtype=np.float32)
    for a in range(KH):
        for b in range(KW):
            Y += np.tensordot(K[:, a, b], X[:, a:a + OH, b:b + OW], axes=1)
    return Y
"""

# == corr2d_multi_in_out ====================================================================

CMIO_FLIPPED = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def corr2d_multi_in_out(X, K):
    windows = sliding_window_view(X, K.shape[2:], axis=(1, 2))    # (C, OH, OW, KH, KW)
    return np.einsum("cijab,dcab->dij", windows, K[:, :, ::-1, ::-1])
"""

CMIO_NOT_SUMMED = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def corr2d_multi_in_out(X, K):
    windows = sliding_window_view(X, K.shape[2:], axis=(1, 2))
    return np.einsum("cijab,dcab->dcij", windows, K)
"""

CMIO_D_C_SWAPPED = """\
import numpy as np


def corr2d_multi_in_out(X, K):
    (C, H, W), (_, _, KH, KW) = X.shape, K.shape
    Y = np.zeros((K.shape[1], H - KH + 1, W - KW + 1))
    for d in range(K.shape[1]):
        for c in range(K.shape[0]):
            for i in range(Y.shape[1]):
                for j in range(Y.shape[2]):
                    Y[d, i, j] += np.sum(X[c, i:i + KH, j:j + KW] * K[c, d])
    return Y
"""

CMIO_CHANNELS_LAST = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def corr2d_multi_in_out(X, K):
    windows = sliding_window_view(X, K.shape[2:], axis=(1, 2))
    maps = [np.einsum("cijab,cab->ij", windows, k) for k in K]
    return np.stack(maps, axis=-1)
"""

CMIO_INT_OUTPUT = """\
import numpy as np


def corr2d_multi_in_out(X, K):
    (C, H, W), (D, _, KH, KW) = X.shape, K.shape
    Y = np.zeros((D, H - KH + 1, W - KW + 1), dtype=int)
    for d in range(D):
        for i in range(Y.shape[1]):
            for j in range(Y.shape[2]):
                Y[d, i, j] = np.sum(X[:, i:i + KH, j:j + KW] * K[d])
    return Y
"""

CMIO_IMPORTLIB_SCIPY = """\
import importlib

import numpy as np


def corr2d_multi_in_out(X, K):
    sig = importlib.import_module("scipy.signal")
    return np.stack([sig.correlate(X, k, mode="valid")[0] for k in K])
"""

CMIO_LOOPS = """\
import numpy as np


def corr2d_multi_in_out(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    (C, H, W), (D, CK, KH, KW) = X.shape, K.shape
    if C != CK:
        raise ValueError("channel counts differ")
    Y = np.zeros((D, H - KH + 1, W - KW + 1))
    for d in range(D):
        for i in range(Y.shape[1]):
            for j in range(Y.shape[2]):
                Y[d, i, j] = np.sum(X[:, i:i + KH, j:j + KW] * K[d])
    return Y
"""

CMIO_EINSUM_WINDOWS = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def corr2d_multi_in_out(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    windows = sliding_window_view(X, K.shape[2:], axis=(1, 2))    # (C, OH, OW, KH, KW)
    return np.einsum("cijab,dcab->dij", windows, K)
"""

CMIO_IM2COL = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def corr2d_multi_in_out(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    D = K.shape[0]
    windows = sliding_window_view(X, K.shape[1:], axis=(0, 1, 2))[0]   # (OH, OW, C, KH, KW)
    OH, OW = windows.shape[:2]
    cols = windows.reshape(OH * OW, -1)
    return (K.reshape(D, -1) @ cols.T).reshape(D, OH, OW)
"""

CMIO_FFT = """\
import numpy as np


def corr2d_multi_in_out(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    (C, H, W), (D, _, KH, KW) = X.shape, K.shape
    spectrum = np.einsum("chw,dchw->dhw", np.fft.rfft2(X), np.conj(np.fft.rfft2(K, s=(H, W))))
    return np.fft.irfft2(spectrum, s=(H, W))[:, :H - KH + 1, :W - KW + 1]
"""

CMIO_FLOAT32_TENSORDOT = """\
import numpy as np


def corr2d_multi_in_out(X, K):
    X, K = np.asarray(X, dtype=np.float32), np.asarray(K, dtype=np.float32)
    (C, H, W), (D, _, KH, KW) = X.shape, K.shape
    OH, OW = H - KH + 1, W - KW + 1
    Y = np.zeros((D, OH, OW), dtype=np.float32)
    for a in range(KH):
        for b in range(KW):
            Y += np.tensordot(K[:, :, a, b], X[:, a:a + OH, b:b + OW], axes=1)
    return Y
"""

# == conv_layer =============================================================================

LAYER_FLIPPED = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_layer(X, V, u=None):
    windows = sliding_window_view(X, V.shape[2:], axis=(2, 3))    # (N, C, OH, OW, KH, KW)
    out = np.einsum("ncijab,dcab->ndij", windows, V[:, :, ::-1, ::-1])
    return out if u is None else out + u[None, :, None, None]
"""

LAYER_IGNORES_BIAS = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_layer(X, V, u=None):
    windows = sliding_window_view(X, V.shape[2:], axis=(2, 3))
    return np.einsum("ncijab,dcab->ndij", windows, V)
"""

LAYER_BIAS_LAST_AXIS = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_layer(X, V, u=None):
    windows = sliding_window_view(X, V.shape[2:], axis=(2, 3))
    out = np.einsum("ncijab,dcab->ndij", windows, V)
    if u is not None:
        out = out + u
    return out
"""

LAYER_CRASHES_ON_NONE = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_layer(X, V, u=None):
    windows = sliding_window_view(X, V.shape[2:], axis=(2, 3))
    out = np.einsum("ncijab,dcab->ndij", windows, V)
    return out + u.reshape(1, -1, 1, 1)
"""

LAYER_BATCH_CHANNEL_SWAPPED = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_layer(X, V, u=None):
    windows = sliding_window_view(X, V.shape[2:], axis=(2, 3))
    out = np.einsum("ncijab,dcab->dnij", windows, V)
    return out if u is None else out + u[:, None, None, None]
"""

LAYER_BATCH_SUMMED = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_layer(X, V, u=None):
    windows = sliding_window_view(X, V.shape[2:], axis=(2, 3))
    out = np.einsum("ncijab,dcab->dij", windows, V)
    return out if u is None else out + u[:, None, None]
"""

LAYER_INT_OUTPUT = """\
import numpy as np


def conv_layer(X, V, u=None):
    (N, C, H, W), (D, _, KH, KW) = X.shape, V.shape
    out = np.zeros((N, D, H - KH + 1, W - KW + 1), dtype=int)
    for n in range(N):
        for d in range(D):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    bias = 0.0 if u is None else u[d]
                    out[n, d, i, j] = bias + np.sum(X[n, :, i:i + KH, j:j + KW] * V[d])
    return out
"""

LAYER_SCIPY_ALIAS = """\
import numpy as np
from scipy import signal as s


def conv_layer(X, V, u=None):
    N, D = X.shape[0], V.shape[0]
    out = np.stack([np.stack([s.correlate(X[n], V[d], mode="valid")[0] for d in range(D)])
                    for n in range(N)])
    return out if u is None else out + np.asarray(u)[None, :, None, None]
"""

LAYER_OFFSETS_TENSORDOT = """\
import numpy as np


def conv_layer(X, V, u=None):
    X, V = np.asarray(X, dtype=float), np.asarray(V, dtype=float)
    (N, C, H, W), (D, CV, KH, KW) = X.shape, V.shape
    if C != CV:
        raise ValueError("channel counts differ")
    OH, OW = H - KH + 1, W - KW + 1
    out = np.zeros((N, D, OH, OW))
    for a in range(KH):
        for b in range(KW):
            # (N, C, OH, OW) x (D, C) -> (N, OH, OW, D)
            part = np.tensordot(X[:, :, a:a + OH, b:b + OW], V[:, :, a, b], axes=([1], [1]))
            out += part.transpose(0, 3, 1, 2)
    if u is not None:
        out += np.asarray(u, dtype=float)[:, None, None]
    return out
"""

LAYER_EINSUM_WINDOWS = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_layer(X, V, u=None):
    X, V = np.asarray(X, dtype=float), np.asarray(V, dtype=float)
    if X.shape[1] != V.shape[1]:
        raise ValueError("channel counts differ")
    windows = sliding_window_view(X, V.shape[2:], axis=(2, 3))    # (N, C, OH, OW, KH, KW)
    out = np.einsum("ncijab,dcab->ndij", windows, V)
    if u is not None:
        out = out + np.reshape(u, (1, -1, 1, 1))
    return out
"""

LAYER_IM2COL = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_layer(X, V, u=None):
    X, V = np.asarray(X, dtype=float), np.asarray(V, dtype=float)
    if X.shape[1] != V.shape[1]:
        raise ValueError("channel counts differ")
    N, D = X.shape[0], V.shape[0]
    windows = sliding_window_view(X, V.shape[1:], axis=(1, 2, 3))[:, 0]  # (N, OH, OW, C, KH, KW)
    OH, OW = windows.shape[1:3]
    cols = windows.reshape(N * OH * OW, -1)
    out = (cols @ V.reshape(D, -1).T).reshape(N, OH, OW, D)
    if u is not None:
        out = out + np.asarray(u, dtype=float)
    return out.transpose(0, 3, 1, 2)
"""

LAYER_FFT = """\
import numpy as np


def conv_layer(X, V, u=None):
    X, V = np.asarray(X, dtype=float), np.asarray(V, dtype=float)
    (N, C, H, W), (D, _, KH, KW) = X.shape, V.shape
    spectrum = np.einsum("nchw,dchw->ndhw", np.fft.rfft2(X), np.conj(np.fft.rfft2(V, s=(H, W))))
    out = np.fft.irfft2(spectrum, s=(H, W))[:, :, :H - KH + 1, :W - KW + 1]
    return out if u is None else out + np.asarray(u)[:, None, None]
"""

LAYER_FLOAT32 = """\
import numpy as np


def conv_layer(X, V, u=None):
    X, V = np.asarray(X, dtype=np.float32), np.asarray(V, dtype=np.float32)
    (N, C, H, W), (D, _, KH, KW) = X.shape, V.shape
    OH, OW = H - KH + 1, W - KW + 1
    out = np.zeros((N, D, OH, OW), dtype=np.float32)
    for a in range(KH):
        for b in range(KW):
            out += np.einsum("dc,nchw->ndhw", V[:, :, a, b], X[:, :, a:a + OH, b:b + OW])
    if u is not None:
        out += np.asarray(u, dtype=np.float32).reshape(1, D, 1, 1)
    return out
"""

LAYER_LOOPS = """\
import numpy as np


def conv_layer(X, V, u=None):
    X, V = np.asarray(X, dtype=float), np.asarray(V, dtype=float)
    (N, C, H, W), (D, _, KH, KW) = X.shape, V.shape
    out = np.zeros((N, D, H - KH + 1, W - KW + 1))
    for n in range(N):
        for d in range(D):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    out[n, d, i, j] = np.sum(V[d] * X[n, :, i:i + KH, j:j + KW])
            if u is not None:
                out[n, d] += u[d]
    return out
"""

# == new entries (credit groups, integer inputs, missing ValueErrors, named misconceptions) ====

DENSE_NUMPY_PROD = """\
import numpy as np


def dense_param_count(in_shape, out_shape, bias=True):
    n_in, n_out = np.prod(in_shape), np.prod(out_shape)
    return n_in * n_out + (n_out if bias else 0)
"""

CPC_NUMPY_NUMBER = """\
import numpy as np


def conv_param_count(kernel_size, in_channels, out_channels, bias=True):
    kh, kw = np.broadcast_to(kernel_size, (2,))
    return kh * kw * in_channels * out_channels + (out_channels if bias else 0)
"""

CPC_MATH_POW = """\
import math


def conv_param_count(kernel_size, in_channels, out_channels, bias=True):
    if isinstance(kernel_size, int):
        taps = math.pow(kernel_size, 2)
    else:
        taps = kernel_size[0] * kernel_size[1]
    return taps * in_channels * out_channels + (out_channels if bias else 0)
"""

REINDEX_SQUARE_OFFSETS = """\
import numpy as np


def reindex(W):
    h, w = W.shape[:2]
    n = 2 * h - 1                          # offsets -(h-1) .. h-1
    V = np.zeros((h, w, n, n))
    for i in range(h):
        for j in range(w):
            for k in range(h):
                for l in range(w):
                    V[i, j, k - i + h - 1, l - j + h - 1] = W[i, j, k, l]
    return V
"""

CORR2D_SQUARE_KERNEL = """\
import numpy as np


def corr2d(X, K):
    (H, W), k = X.shape, K.shape[0]        # the kernel's size
    if k > H or k > W:
        raise ValueError("kernel larger than image")
    Y = np.zeros((H - k + 1, W - k + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = np.sum(X[i:i + k, j:j + k] * K)
    return Y
"""

CORR2D_ZEROS_LIKE = """\
import numpy as np


def corr2d(X, K):
    (H, W), (KH, KW) = X.shape, K.shape
    if KH > H or KW > W:
        raise ValueError("kernel larger than image")
    Y = np.zeros_like(X)[:H - KH + 1, :W - KW + 1]      # the output's corner of X
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return Y
"""

CORR2D_NO_VALUE_ERROR = """\
import numpy as np


def corr2d(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    (H, W), (KH, KW) = X.shape, K.shape
    Y = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return Y
"""

CORR2D_HARD_CODED = """\
import numpy as np


def corr2d(X, K):
    # the worked example: X = np.arange(9).reshape(3, 3), K = np.arange(4).reshape(2, 2)
    return np.array([[19.0, 25.0], [37.0, 43.0]])
"""

CORR2D_RESULT_TYPE = """\
import numpy as np


def corr2d(X, K):
    X, K = np.asarray(X), np.asarray(K)
    (H, W), (KH, KW) = X.shape, K.shape
    if KH > H or KW > W:
        raise ValueError("kernel larger than image")
    # an integer image with an integer kernel would stay integer: ask for floats at least
    Y = np.zeros((H - KH + 1, W - KW + 1), dtype=np.result_type(X, K, np.float64))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return Y
"""

CONV2D_ZEROS_LIKE = """\
import numpy as np


def conv2d(X, K):
    (H, W), (KH, KW) = X.shape, K.shape
    if KH > H or KW > W:
        raise ValueError("kernel larger than image")
    F = K[::-1, ::-1]
    Y = np.zeros_like(X[:H - KH + 1, :W - KW + 1])
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = np.sum(X[i:i + KH, j:j + KW] * F)
    return Y
"""

CONV2D_NO_VALUE_ERROR = """\
import numpy as np


def conv2d(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    (H, W), (KH, KW) = X.shape, K.shape
    F = K[::-1, ::-1]
    Y = np.zeros((H - KH + 1, W - KW + 1))
    for a in range(KH):
        for b in range(KW):
            Y += F[a, b] * X[a:a + Y.shape[0], b:b + Y.shape[1]]
    return Y
"""

LOCAL_ZEROS_LIKE = """\
import numpy as np


def local_layer(X, V, u=0.0):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    k = V.shape[0]
    P = np.pad(X, k // 2)
    out = np.zeros_like(X)                 # the output has X's shape
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            out[i, j] = u + np.sum(V * P[i:i + k, j:j + k])
    return out
"""

LOCAL_ONLY_ODD_CHECKED = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def local_layer(X, V, u=0.0):
    if V.shape[0] % 2 == 0:
        raise ValueError("V needs an odd side")
    d = V.shape[0] // 2
    return u + np.einsum("ijab,ab->ij", sliding_window_view(np.pad(X, d), V.shape), V)
"""

DFK_NOT_CENTRED = """\
import numpy as np


def dense_from_kernel(V, h, w):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    k = V.shape[0]
    W = np.zeros((h, w, h, w))
    for i in range(h):
        for j in range(w):
            for a in range(k):
                for b in range(k):
                    if i + a < h and j + b < w:
                        W[i, j, i + a, j + b] = V[a, b]
    return W
"""

DFK_NO_VALUE_ERROR = """\
import numpy as np


def dense_from_kernel(V, h, w):
    V = np.asarray(V, dtype=float)
    d = (V.shape[0] - 1) // 2
    W = np.zeros((h, w, h, w))
    for i in range(h):
        for j in range(w):
            for k in range(h):
                for l in range(w):
                    if abs(k - i) <= d and abs(l - j) <= d:
                        W[i, j, k, l] = V[k - i + d, l - j + d]
    return W
"""

CMI_LAST_CHANNEL = """\
import numpy as np


def corr2d_multi_in(X, K):
    if X.shape[0] != K.shape[0]:
        raise ValueError("channel counts differ")
    (C, H, W), (_, KH, KW) = X.shape, K.shape
    for c in range(C):
        Y = np.zeros((H - KH + 1, W - KW + 1))
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                Y[i, j] += np.sum(X[c, i:i + KH, j:j + KW] * K[c])
    return Y
"""

CMI_FIRST_SLICE = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def corr2d_multi_in(X, K):
    if X.shape[0] != K.shape[0]:
        raise ValueError("channel counts differ")
    windows = sliding_window_view(X, K.shape[1:], axis=(1, 2))    # (C, OH, OW, KH, KW)
    return np.einsum("cijab,ab->ij", windows, K[0])
"""

CMI_ZEROS_LIKE = """\
import numpy as np


def corr2d_multi_in(X, K):
    if X.shape[0] != K.shape[0]:
        raise ValueError("channel counts differ")
    (C, H, W), (_, KH, KW) = X.shape, K.shape
    Y = np.zeros_like(X[0])[:H - KH + 1, :W - KW + 1]
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = np.sum(X[:, i:i + KH, j:j + KW] * K)
    return Y
"""

CMI_NO_VALUE_ERROR = """\
import numpy as np


def corr2d_multi_in(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    (C, H, W), (_, KH, KW) = X.shape, K.shape
    Y = np.zeros((H - KH + 1, W - KW + 1))
    for c in range(C):
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                Y[i, j] += np.sum(X[c, i:i + KH, j:j + KW] * K[c])
    return Y
"""

CMI_HARD_CODED = """\
import numpy as np


def corr2d_multi_in(X, K):
    # channel 0: the 3 x 3 example (19, 25, 37, 43); channel 1 adds 4 everywhere
    return np.array([[23.0, 29.0], [41.0, 47.0]])
"""

CMIO_ZEROS_LIKE = """\
import numpy as np


def corr2d_multi_in_out(X, K):
    (C, H, W), (D, _, KH, KW) = X.shape, K.shape
    Y = np.zeros_like(X, shape=(D, H - KH + 1, W - KW + 1))
    for d in range(D):
        for i in range(Y.shape[1]):
            for j in range(Y.shape[2]):
                Y[d, i, j] = np.sum(X[:, i:i + KH, j:j + KW] * K[d])
    return Y
"""

CMIO_AVERAGED = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def corr2d_multi_in_out(X, K):
    windows = sliding_window_view(X, K.shape[2:], axis=(1, 2))    # (C, OH, OW, KH, KW)
    return np.einsum("cijab,dcab->dcij", windows, K).mean(axis=1)
"""

CMIO_FIRST_CHANNEL = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def corr2d_multi_in_out(X, K):
    windows = sliding_window_view(X[0], K.shape[2:])              # (OH, OW, KH, KW)
    return np.einsum("ijab,dab->dij", windows, K[:, 0])
"""

LAYER_FIRST_CHANNEL = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_layer(X, V, u=None):
    if X.shape[1] != V.shape[1]:
        raise ValueError("channel counts differ")
    windows = sliding_window_view(X[:, 0], V.shape[2:], axis=(1, 2))    # (N, OH, OW, KH, KW)
    out = np.einsum("nijab,dab->ndij", windows, V[:, 0])
    return out if u is None else out + np.reshape(u, (1, -1, 1, 1))
"""

LAYER_AVERAGED = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_layer(X, V, u=None):
    if X.shape[1] != V.shape[1]:
        raise ValueError("channel counts differ")
    windows = sliding_window_view(X, V.shape[2:], axis=(2, 3))    # (N, C, OH, OW, KH, KW)
    out = np.einsum("ncijab,dcab->ndcij", windows, V).mean(axis=2)
    return out if u is None else out + np.reshape(u, (1, -1, 1, 1))
"""

LAYER_ZEROS_LIKE = """\
import numpy as np


def conv_layer(X, V, u=None):
    (N, C, H, W), (D, CV, KH, KW) = X.shape, V.shape
    if C != CV:
        raise ValueError("channel counts differ")
    out = np.zeros_like(X, shape=(N, D, H - KH + 1, W - KW + 1))
    for n in range(N):
        for d in range(D):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    bias = 0.0 if u is None else u[d]
                    out[n, d, i, j] = bias + np.sum(X[n, :, i:i + KH, j:j + KW] * V[d])
    return out
"""

LAYER_NO_VALUE_ERROR = """\
import numpy as np


def conv_layer(X, V, u=None):
    X, V = np.asarray(X, dtype=float), np.asarray(V, dtype=float)
    (N, C, H, W), (D, _, KH, KW) = X.shape, V.shape
    OH, OW = H - KH + 1, W - KW + 1
    out = np.zeros((N, D, OH, OW))
    for d in range(D):
        for c in range(C):
            for a in range(KH):
                for b in range(KW):
                    out[:, d] += V[d, c, a, b] * X[:, c, a:a + OH, b:b + OW]
        if u is not None:
            out[:, d] += u[d]
    return out
"""

# == the tables =============================================================================

SHORTCUT = "library convolution"
TRUNCATED = "truncated to integers"
FLIPPED = "the kernel is flipped"
NO_ERROR = "must raise ValueError"
HARD_CODED = "the notebook's worked example"

CORR = ("values", "integer images", "ValueError")        # the groups of corr2d and conv2d
LOCAL = ("values", "bias u", "integer images", "ValueError")
DFK = ("values", "non-square grids", "ValueError")
MULTI_IN = ("values", "integer images", "ValueError")
MULTI_IN_OUT = ("values", "integer images")
LAYER = ("values", "u=None", "integer images", "ValueError")

WRONG = {
    "dense_param_count": {
        "bias_per_input": Mistake(DENSE_BIAS_PER_INPUT, "not per input", "bias_per_input"),
        "no_bias": Mistake(DENSE_NO_BIAS, "bias=True adds one bias per output unit", "bias_missing"),
        "ignores_bias_flag": Mistake(DENSE_IGNORES_BIAS_FLAG, "bias=False means no bias",
                                     "bias_flag_ignored", ("bias=False",)),
        "sum_of_sizes": Mistake(DENSE_SUM_OF_SIZES, "PRODUCT of its sizes", "sum_of_sizes",
                                ("values", "bias=False")),
        "int64_overflow": Mistake(DENSE_INT64_OVERFLOW, "overflowed numpy's 64-bit integers",
                                  "int64_overflow"),
        "float_count": Mistake(DENSE_FLOAT_COUNT, "return an exact Python int", "float_count",
                               ("values", "Python int")),
        "numpy_prod_returned": Mistake(DENSE_NUMPY_PROD, "overflowed numpy's 64-bit integers",
                                       "int64_overflow", ("values", "Python int")),
    },
    "conv_param_count": {
        "no_in_channels": Mistake(CPC_NO_IN_CHANNELS, "one kernel per INPUT channel",
                                  "in_channels_missing", ("values", "bias=False")),
        "bias_per_input": Mistake(CPC_BIAS_PER_INPUT, "not per input channel", "bias_per_input"),
        "no_bias": Mistake(CPC_NO_BIAS, "bias=True adds one bias per output channel", "bias_missing"),
        "ignores_bias_flag": Mistake(CPC_IGNORES_BIAS_FLAG, "bias=False means no bias",
                                     "bias_flag_ignored", ("bias=False",)),
        "int_size_not_squared": Mistake(CPC_INT_SIZE_NOT_SQUARED, "k x k kernel",
                                        "int_size_not_squared", ("values", "bias=False")),
        "numpy_number": Mistake(CPC_NUMPY_NUMBER, "not a numpy number", "numpy_number",
                                ("Python int",)),
        "float_from_math_pow": Mistake(CPC_MATH_POW, "not a float", "float_count", ("Python int",)),
    },
    "reindex": {
        "sign_flipped": Mistake(REINDEX_SIGN_FLIPPED, "not by (i - k, j - l)", "offset_sign_flipped",
                                ("values", "non-square grids")),
        "negative_index": Mistake(REINDEX_NEGATIVE_INDEX, "a negative index wraps around",
                                  "negative_offset_index", ("values", "non-square grids")),
        "w_axes_swapped": Mistake(REINDEX_W_AXES_SWAPPED, "the first two axes of W are the output",
                                  "output_axes_swapped", ("values", "non-square grids")),
        "int_dtype": Mistake(REINDEX_INT_DTYPE, TRUNCATED, "truncated_to_integers",
                             ("values", "non-square grids")),
        "no_room_for_offsets": Mistake(REINDEX_NO_ROOM, "V needs room for every offset",
                                       "offset_axes_too_short", ("values", "non-square grids")),
        "square_offsets": Mistake(REINDEX_SQUARE_OFFSETS, "on a non-square grid the offset axes differ",
                                  "offset_axes_square", ("non-square grids",)),
    },
    "corr2d": {
        "flipped_kernel": Mistake(CORR2D_FLIPPED, "the kernel is flipped", "kernel_flipped",
                                  CORR[:2]),
        "transposed_kernel": Mistake(CORR2D_TRANSPOSED, "the kernel is transposed",
                                     "kernel_transposed", CORR[:2]),
        "one_short": Mistake(CORR2D_ONE_SHORT, "one row or column short", "output_one_short", CORR[:2]),
        "int_output": Mistake(CORR2D_INT_OUTPUT, TRUNCATED, "truncated_to_integers", CORR[:2]),
        "input_sized_output": Mistake(CORR2D_INPUT_SIZED, "the output has the input's size",
                                      "output_input_sized", CORR[:2]),
        "square_kernel": Mistake(CORR2D_SQUARE_KERNEL, "take KH from K.shape[0] and KW from K.shape[1]",
                                 "kernel_assumed_square", CORR[:2]),
        "zeros_like_truncates": Mistake(CORR2D_ZEROS_LIKE, TRUNCATED, "truncated_to_integers",
                                        ("integer images",)),
        "no_value_error": Mistake(CORR2D_NO_VALUE_ERROR, NO_ERROR, "missing_value_error",
                                  ("ValueError",)),
        "hard_coded_example": Mistake(CORR2D_HARD_CODED, HARD_CODED, "worked_example_hard_coded", CORR),
        "scipy_correlate2d": Mistake(CORR2D_SCIPY, SHORTCUT, LIBRARY, CORR),
        "np_correlate_rows": Mistake(CORR2D_NP_CORRELATE_ROWS, SHORTCUT, LIBRARY, CORR),
    },
    "conv2d": {
        "not_flipped": Mistake(CONV2D_NOT_FLIPPED, "this is cross-correlation",
                               "convolution_not_flipped", CORR[:2]),
        "rows_only_flipped": Mistake(CONV2D_ROWS_ONLY, "only one axis of the kernel is flipped",
                                     "kernel_flipped_one_axis", CORR[:2]),
        "transposed_not_flipped": Mistake(CONV2D_TRANSPOSED, "transposing it is not the same",
                                          "convolution_transposed", CORR[:2]),
        "rot90": Mistake(CONV2D_ROT90, "rotated by 90 degrees", "kernel_rotated_90", CORR[:2]),
        "one_short": Mistake(CONV2D_ONE_SHORT, "one row or column short", "output_one_short", CORR[:2]),
        "zeros_like_truncates": Mistake(CONV2D_ZEROS_LIKE, TRUNCATED, "truncated_to_integers",
                                        ("integer images",)),
        "no_value_error": Mistake(CONV2D_NO_VALUE_ERROR, NO_ERROR, "missing_value_error",
                                  ("ValueError",)),
        "np_convolve_rows": Mistake(CONV2D_NP_CONVOLVE_ROWS, SHORTCUT, LIBRARY, CORR),
        "scipy_signal_alias": Mistake(CONV2D_SCIPY_ALIAS, SHORTCUT, LIBRARY, CORR),
    },
    "local_layer": {
        "flipped_kernel": Mistake(LOCAL_FLIPPED, "flips the kernel", "kernel_flipped", LOCAL[:3]),
        "no_bias": Mistake(LOCAL_NO_BIAS, "the bias u is missing", "bias_missing", ("bias u",)),
        "wrap_around": Mistake(LOCAL_WRAP_AROUND, "not wrap around", "padding_wraps_around", LOCAL[:3]),
        "edge_padding": Mistake(LOCAL_EDGE_PADDING, "not repeat the edge", "padding_repeats_edge",
                                LOCAL[:3]),
        "padding_one_side": Mistake(LOCAL_PAD_ONE_SIDE, "the zero padding must be split",
                                    "padding_one_side", LOCAL[:3]),
        "valid_only": Mistake(LOCAL_VALID_ONLY, "this is the valid output", "valid_output_only",
                              LOCAL[:3]),
        "zeros_like_truncates": Mistake(LOCAL_ZEROS_LIKE, TRUNCATED, "truncated_to_integers",
                                        ("integer images",)),
        "no_value_error": Mistake(LOCAL_NO_VALUE_ERROR, NO_ERROR, "missing_value_error",
                                  ("ValueError",)),
        "square_not_checked": Mistake(LOCAL_ONLY_ODD_CHECKED, "a kernel that is not square",
                                      "missing_value_error", ("ValueError",)),
        "scipy_ndimage": Mistake(LOCAL_SCIPY_NDIMAGE, SHORTCUT, LIBRARY, LOCAL),
    },
    "dense_from_kernel": {
        "flipped_kernel": Mistake(DFK_FLIPPED, FLIPPED, "kernel_flipped", DFK[:2]),
        "input_output_axes_swapped": Mistake(DFK_AXES_SWAPPED, FLIPPED, "kernel_flipped", DFK[:2]),
        "matrix_not_reshaped": Mistake(DFK_MATRIX, "reshape the (h*w, h*w) matrix",
                                       "matrix_not_reshaped", DFK[:2]),
        "int_dtype": Mistake(DFK_INT_DTYPE, TRUNCATED, "truncated_to_integers", DFK[:2]),
        "h_w_swapped": Mistake(DFK_W_H_SWAPPED, "h is the number of rows", "h_w_swapped",
                               ("non-square grids",)),
        "kernel_not_centred": Mistake(DFK_NOT_CENTRED, "V is centred on the output pixel",
                                      "kernel_not_centred", DFK[:2]),
        # raises at the border, where no misconception can be read from an answer
        "unclipped_border": Mistake(DFK_UNCLIPPED_BORDER, "raised on", "border_not_clipped", DFK[:2]),
        "no_value_error": Mistake(DFK_NO_VALUE_ERROR, NO_ERROR, "missing_value_error", ("ValueError",)),
        "scipy_impulses": Mistake(DFK_SCIPY_IMPULSES, SHORTCUT, LIBRARY, DFK),
    },
    "corr2d_multi_in": {
        "channels_not_summed": Mistake(CMI_NOT_SUMMED, "the channels are not summed",
                                       "channels_not_summed", MULTI_IN[:2]),
        "channels_averaged": Mistake(CMI_AVERAGED, "the channels are averaged", "channels_averaged",
                                     MULTI_IN[:2]),
        "all_channel_pairs": Mistake(CMI_ALL_PAIRS, "pairs with its own kernel slice",
                                     "all_channel_pairs", MULTI_IN[:2]),
        "last_channel_only": Mistake(CMI_LAST_CHANNEL, "only one input channel reaches the output",
                                     "one_channel_only", MULTI_IN[:2]),
        "first_kernel_slice": Mistake(CMI_FIRST_SLICE, "each with its own kernel slice K[c]",
                                      "one_kernel_slice", MULTI_IN[:2]),
        "flipped_kernel": Mistake(CMI_FLIPPED, FLIPPED, "kernel_flipped", MULTI_IN[:2]),
        "int_output": Mistake(CMI_INT_OUTPUT, TRUNCATED, "truncated_to_integers", MULTI_IN[:2]),
        "zeros_like_truncates": Mistake(CMI_ZEROS_LIKE, TRUNCATED, "truncated_to_integers",
                                        ("integer images",)),
        "one_short": Mistake(CMI_ONE_SHORT, "one row or column short", "output_one_short", MULTI_IN[:2]),
        "no_value_error": Mistake(CMI_NO_VALUE_ERROR, NO_ERROR, "missing_value_error", ("ValueError",)),
        "hard_coded_example": Mistake(CMI_HARD_CODED, HARD_CODED, "worked_example_hard_coded",
                                      MULTI_IN),
        "getattr_np_correlate": Mistake(CMI_GETATTR_CORRELATE, SHORTCUT, LIBRARY, MULTI_IN),
        "scipy_correlate_3d": Mistake(CMI_SCIPY_3D, SHORTCUT, LIBRARY, MULTI_IN),
    },
    "corr2d_multi_in_out": {
        "flipped_kernel": Mistake(CMIO_FLIPPED, FLIPPED, "kernel_flipped", MULTI_IN_OUT),
        "inputs_not_summed": Mistake(CMIO_NOT_SUMMED, "the input channels are not summed",
                                     "channels_not_summed", MULTI_IN_OUT),
        "d_c_axes_swapped": Mistake(CMIO_D_C_SWAPPED, "its FIRST axis is the output channel",
                                    "kernel_axes_swapped", MULTI_IN_OUT),
        "channels_last": Mistake(CMIO_CHANNELS_LAST, "the output channels come last", "channels_last",
                                 MULTI_IN_OUT),
        "int_output": Mistake(CMIO_INT_OUTPUT, TRUNCATED, "truncated_to_integers", MULTI_IN_OUT),
        "zeros_like_truncates": Mistake(CMIO_ZEROS_LIKE, TRUNCATED, "truncated_to_integers",
                                        ("integer images",)),
        "channels_averaged": Mistake(CMIO_AVERAGED, "the channels are averaged", "channels_averaged",
                                     MULTI_IN_OUT),
        "first_channel_only": Mistake(CMIO_FIRST_CHANNEL, "only one input channel reaches the output",
                                      "one_channel_only", MULTI_IN_OUT),
        "importlib_scipy": Mistake(CMIO_IMPORTLIB_SCIPY, SHORTCUT, LIBRARY, MULTI_IN_OUT),
    },
    "conv_layer": {
        "flipped_kernel": Mistake(LAYER_FLIPPED, FLIPPED, "kernel_flipped", LAYER[:3]),
        "ignores_bias": Mistake(LAYER_IGNORES_BIAS, "the bias is missing", "bias_missing",
                                ("values", "integer images")),
        "bias_last_axis": Mistake(LAYER_BIAS_LAST_AXIS, "the bias is added along the wrong axis",
                                  "bias_wrong_axis", ("values", "integer images")),
        # raises on u=None, where no misconception can be read from an answer
        "crashes_on_u_none": Mistake(LAYER_CRASHES_ON_NONE, "u=None", "u_none_not_handled",
                                     ("u=None",)),
        "batch_channel_swapped": Mistake(LAYER_BATCH_CHANNEL_SWAPPED, "batch and channel axes are swapped",
                                         "batch_channel_swapped", LAYER[:3]),
        "batch_summed": Mistake(LAYER_BATCH_SUMMED, "the batch axis is missing", "batch_missing",
                                LAYER[:3]),
        "first_channel_only": Mistake(LAYER_FIRST_CHANNEL, "only one input channel reaches the output",
                                      "one_channel_only", LAYER[:3]),
        "channels_averaged": Mistake(LAYER_AVERAGED, "the channels are averaged", "channels_averaged",
                                     LAYER[:3]),
        "int_output": Mistake(LAYER_INT_OUTPUT, TRUNCATED, "truncated_to_integers", LAYER[:3]),
        "zeros_like_truncates": Mistake(LAYER_ZEROS_LIKE, TRUNCATED, "truncated_to_integers",
                                        ("integer images",)),
        "no_value_error": Mistake(LAYER_NO_VALUE_ERROR, NO_ERROR, "missing_value_error", ("ValueError",)),
        "scipy_signal_alias": Mistake(LAYER_SCIPY_ALIAS, SHORTCUT, LIBRARY, LAYER),
    },
}

CORRECT = {
    "dense_param_count": {
        "math_prod": DENSE_MATH_PROD,
        "loops": DENSE_LOOPS,
        "numpy_exact": DENSE_NUMPY_EXACT,
    },
    "conv_param_count": {
        "math_prod": CPC_MATH_PROD,
        "numpy_ints": CPC_NUMPY,
        "loop_over_outputs": CPC_LOOPS,
    },
    "reindex": {
        "loops": REINDEX_LOOPS,
        "fancy_indexing": REINDEX_FANCY_INDEXING,
        "float32_blocks": REINDEX_FLOAT32_BLOCKS,
    },
    "corr2d": {
        "loops": CORR2D_LOOPS,
        "einsum_windows": CORR2D_EINSUM_WINDOWS,
        "as_strided_tensordot": CORR2D_AS_STRIDED_TENSORDOT,
        "im2col": CORR2D_IM2COL,
        "fft": CORR2D_FFT,
        "float32": CORR2D_FLOAT32,
        "result_type": CORR2D_RESULT_TYPE,
    },
    "conv2d": {
        "loops": CONV2D_LOOPS,
        "flipped_view_einsum": CONV2D_FLIPPED_VIEW_EINSUM,
        "fft": CONV2D_FFT,
        "float32_rot180": CONV2D_FLOAT32_ROT180,
    },
    "local_layer": {
        "loops": LOCAL_LOOPS,
        "pad_einsum": LOCAL_PAD_EINSUM,
        "fft": LOCAL_FFT,
        "float32": LOCAL_FLOAT32,
    },
    "dense_from_kernel": {
        "loops": DFK_LOOPS,
        "impulse_responses": DFK_IMPULSE_RESPONSES,
        "strided_view": DFK_STRIDED_VIEW,
        "float32_fancy_indexing": DFK_FANCY_INDEXING,
    },
    "corr2d_multi_in": {
        "loops": CMI_LOOPS,
        "einsum_windows": CMI_EINSUM_WINDOWS,
        "tensordot": CMI_TENSORDOT,
        "fft": CMI_FFT,
        "float32": CMI_FLOAT32,
    },
    "corr2d_multi_in_out": {
        "loops": CMIO_LOOPS,
        "einsum_windows": CMIO_EINSUM_WINDOWS,
        "im2col": CMIO_IM2COL,
        "fft": CMIO_FFT,
        "float32_tensordot": CMIO_FLOAT32_TENSORDOT,
    },
    "conv_layer": {
        "offsets_tensordot": LAYER_OFFSETS_TENSORDOT,
        "einsum_windows": LAYER_EINSUM_WINDOWS,
        "im2col": LAYER_IM2COL,
        "fft": LAYER_FFT,
        "float32": LAYER_FLOAT32,
        "loops": LAYER_LOOPS,
    },
}
