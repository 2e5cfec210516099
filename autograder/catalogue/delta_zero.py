"""Catalogue of student answers for ``delta_zero``: realistic mistakes (WRONG, each a
:class:`Mistake`: the misconception it embodies, the credit groups it loses and a piece of the
feedback it must get), and correct answers written in other styles that must keep full marks
(CORRECT).

The credit groups (``convgrade.check.delta_zero``): conv1x1 has values, u=None, integer
images, pixels independent; pixelwise_dense values, integer images, pixels independent;
pixelwise_mlp values, one layer, integer images, pixels independent; conv1x1_matrix values,
one pixel; the two counts values, bias=False, Python int.
"""
from . import LIBRARY, Mistake

SHORTCUT = "library convolution"
CHANNELS_LAST = "X.reshape(H*W, C) does not give each pixel's channel vector"
BIAS_AXIS = "the bias is added along the wrong axis"
MIXES = "it mixes pixels"
TRUNCATED = "truncated to integers"

VALUES, INTEGER, PIXELS = "values", "integer images", "pixels independent"
NO_BIAS, ONE_LAYER, ONE_PIXEL = "u=None", "one layer", "one pixel"
BIAS_OFF, PYTHON_INT = "bias=False", "Python int"
C1_ALL = (VALUES, NO_BIAS, INTEGER, PIXELS)
PD_ALL = (VALUES, INTEGER, PIXELS)
MLP_ALL = (VALUES, ONE_LAYER, INTEGER, PIXELS)

# == conv1x1 ================================================================================

C1_TRANSPOSED_V = """\
import numpy as np


def conv1x1(X, V, u=None):
    C, H, W = X.shape
    out = (V.T @ X.reshape(C, H * W)).reshape(-1, H, W)
    if u is not None:
        out = out + u[:, None, None]
    return out
"""

C1_BIAS_LAST_AXIS = """\
import numpy as np


def conv1x1(X, V, u=None):
    C, H, W = X.shape
    out = (V @ X.reshape(C, H * W)).reshape(-1, H, W)
    if u is not None:
        out = out + u            # broadcasts along the last axis, not the channels
    return out
"""

C1_CHANNELS_LAST = """\
import numpy as np


def conv1x1(X, V, u=None):
    C, H, W = X.shape
    pixels = X.reshape(H * W, C)          # meant: one row per pixel
    out = (pixels @ V.T).T.reshape(-1, H, W)
    if u is not None:
        out = out + u[:, None, None]
    return out
"""

C1_RELU = """\
import numpy as np


def conv1x1(X, V, u=None):
    C, H, W = X.shape
    out = (V @ X.reshape(C, H * W)).reshape(-1, H, W)
    if u is not None:
        out = out + u[:, None, None]
    return np.maximum(out, 0)
"""

C1_IGNORES_BIAS = """\
import numpy as np


def conv1x1(X, V, u=None):
    C, H, W = X.shape
    return (V @ X.reshape(C, H * W)).reshape(-1, H, W)
"""

C1_CRASHES_ON_NONE = """\
import numpy as np


def conv1x1(X, V, u=None):
    C, H, W = X.shape
    return (V @ X.reshape(C, H * W)).reshape(-1, H, W) + np.asarray(u)[:, None, None]
"""

C1_SUMS_PIXELS = """\
import numpy as np


def conv1x1(X, V, u=None):
    out = np.einsum("dc,chw->d", V, X)
    if u is not None:
        out = out + u
    return out
"""

C1_FORTRAN_RESHAPE = """\
import numpy as np


def conv1x1(X, V, u=None):
    C, H, W = X.shape
    columns = X.reshape(C, H * W, order="F")       # pixels in column-major order ...
    out = (V @ columns).reshape(-1, H, W)           # ... put back in row-major order
    if u is not None:
        out = out + u[:, None, None]
    return out
"""

C1_SCIPY = """\
import numpy as np
from scipy.signal import correlate


def conv1x1(X, V, u=None):
    X = np.asarray(X, dtype=float)
    out = np.stack([correlate(X, v[:, None, None], mode="valid")[0] for v in np.asarray(V, float)])
    if u is not None:
        out = out + np.asarray(u)[:, None, None]
    return out
"""

C1_EINSUM = """\
import numpy as np


def conv1x1(X, V, u=None):
    out = np.einsum("dc,chw->dhw", V, X)
    return out if u is None else out + np.asarray(u)[:, None, None]
"""

C1_TENSORDOT = """\
import numpy as np


def conv1x1(X, V, u=None):
    out = np.tensordot(V, X, axes=(1, 0))            # (D, H, W)
    if u is not None:
        out += np.reshape(u, (-1, 1, 1))
    return out
"""

C1_MOVEAXIS = """\
import numpy as np


def conv1x1(X, V, u=None):
    pixels = np.moveaxis(np.asarray(X, float), 0, -1)      # (H, W, C): a channel vector per pixel
    out = pixels @ np.asarray(V, float).T                  # (H, W, D)
    if u is not None:
        out = out + u
    return np.moveaxis(out, -1, 0)
"""

C1_CHANNEL_LOOPS = """\
import numpy as np


def conv1x1(X, V, u=None):
    D, C = np.shape(V)
    out = np.zeros((D,) + np.shape(X)[1:])
    for d in range(D):
        if u is not None:
            out[d] += u[d]
        for c in range(C):
            out[d] += V[d][c] * X[c]
    return out
"""

C1_FLOAT32 = """\
import numpy as np


def conv1x1(X, V, u=None):
    X = np.asarray(X, dtype=np.float32)
    V = np.asarray(V, dtype=np.float32)
    C, H, W = X.shape
    out = (V @ X.reshape(C, -1)).reshape(V.shape[0], H, W)
    if u is not None:
        out += np.asarray(u, dtype=np.float32)[:, None, None]
    return out
"""

C1_INT_TRUNCATED = """\
import numpy as np


def conv1x1(X, V, u=None):
    D = V.shape[0]
    out = np.zeros((D,) + X.shape[1:], dtype=X.dtype)      # the same type as the image
    for d in range(D):
        out[d] = np.tensordot(V[d], X, axes=1) + (0 if u is None else u[d])
    return out
"""

C1_OUTPUT_CHANNELS_LAST = """\
import numpy as np


def conv1x1(X, V, u=None):
    out = np.einsum("chw,dc->hwd", X, V)          # one output vector per pixel
    if u is not None:
        out = out + u
    return out
"""

# == pixelwise_dense ========================================================================

PD_TRANSPOSED_W = """\
import numpy as np


def pixelwise_dense(X, W, b):
    C, rows, cols = X.shape
    out = np.zeros((len(b), rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[:, i, j] = X[:, i, j] @ W + b
    return out
"""

PD_ROW_LOOP_BIAS = """\
import numpy as np


def pixelwise_dense(X, W, b):
    C, rows, cols = X.shape
    out = np.zeros((W.shape[0], rows, cols))
    for i in range(rows):
        out[:, i, :] = W @ X[:, i, :] + b      # one image row at a time
    return out
"""

PD_RELU = """\
import numpy as np


def pixelwise_dense(X, W, b):
    C, rows, cols = X.shape
    out = np.zeros((W.shape[0], rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[:, i, j] = np.maximum(W @ X[:, i, j] + b, 0)
    return out
"""

PD_CHANNELS_LAST = """\
import numpy as np


def pixelwise_dense(X, W, b):
    C, rows, cols = X.shape
    vectors = X.reshape(rows * cols, C)
    out = vectors @ W.T + b
    return out.T.reshape(-1, rows, cols)
"""

PD_NO_BIAS = """\
import numpy as np


def pixelwise_dense(X, W, b):
    return np.einsum("dc,chw->dhw", W, X)
"""

PD_FORTRAN = """\
import numpy as np


def pixelwise_dense(X, W, b):
    C, rows, cols = X.shape
    vectors = X.reshape(C, -1, order="F")
    return (W @ vectors + b[:, None]).reshape(-1, rows, cols)
"""

PD_SCIPY_FFT = """\
import numpy as np
from scipy.signal import fftconvolve


def pixelwise_dense(X, W, b):
    X = np.asarray(X, dtype=float)
    maps = [fftconvolve(X, w[::-1, None, None], mode="valid")[0] for w in np.asarray(W, float)]
    return np.stack(maps) + np.asarray(b)[:, None, None]
"""

PD_LOOPS = """\
import numpy as np


def pixelwise_dense(X, W, b):
    C, rows, cols = X.shape
    D = len(b)
    out = np.zeros((D, rows, cols))
    for i in range(rows):
        for j in range(cols):
            for d in range(D):
                total = b[d]
                for c in range(C):
                    total += W[d][c] * X[c][i][j]
                out[d, i, j] = total
    return out
"""

PD_MATMUL = """\
import numpy as np


def pixelwise_dense(X, W, b):
    C, rows, cols = np.shape(X)
    columns = np.reshape(X, (C, rows * cols))             # column p: pixel p's channels
    return (np.asarray(W) @ columns + np.asarray(b)[:, None]).reshape(-1, rows, cols)
"""

PD_APPLY_ALONG_AXIS = """\
import numpy as np


def pixelwise_dense(X, W, b):
    W, b = np.asarray(W, float), np.asarray(b, float)
    return np.apply_along_axis(lambda x: W @ x + b, 0, np.asarray(X, float))
"""

PD_FLOAT32_EINSUM = """\
import numpy as np


def pixelwise_dense(X, W, b):
    X = np.asarray(X, np.float32)
    out = np.einsum("hwc,dc->dhw", np.transpose(X, (1, 2, 0)), np.asarray(W, np.float32))
    return out + np.asarray(b, np.float32).reshape(-1, 1, 1)
"""

PD_INT_TRUNCATED = """\
import numpy as np


def pixelwise_dense(X, W, b):
    C, rows, cols = X.shape
    out = np.zeros((W.shape[0], rows, cols), dtype=X.dtype)
    for i in range(rows):
        for j in range(cols):
            out[:, i, j] = W @ X[:, i, j] + b
    return out
"""

PD_NOT_RESHAPED = """\
import numpy as np


def pixelwise_dense(X, W, b):
    C, rows, cols = X.shape
    return W @ X.reshape(C, rows * cols) + b[:, None]      # one column per pixel
"""

# == pixelwise_mlp ==========================================================================

MLP_RELU_LAST = """\
import numpy as np


def pixelwise_mlp(X, params):
    C, rows, cols = X.shape
    h = X.reshape(C, -1)
    for W, b in params:
        h = np.maximum(W @ h + b[:, None], 0)
    return h.reshape(-1, rows, cols)
"""

MLP_NO_RELU = """\
import numpy as np


def pixelwise_mlp(X, params):
    C, rows, cols = X.shape
    h = X.reshape(C, -1)
    for W, b in params:
        h = W @ h + b[:, None]
    return h.reshape(-1, rows, cols)
"""

MLP_RELU_ON_INPUT = """\
import numpy as np


def pixelwise_mlp(X, params):
    C, rows, cols = X.shape
    h = X.reshape(C, -1)
    for W, b in params:
        h = np.maximum(h, 0)          # activate, then the next layer
        h = W @ h + b[:, None]
    return h.reshape(-1, rows, cols)
"""

MLP_TRANSPOSED = """\
import numpy as np


def pixelwise_mlp(X, params):
    C, rows, cols = X.shape
    h = np.moveaxis(X, 0, -1).reshape(rows * cols, C)     # one row per pixel
    for k, (W, b) in enumerate(params):
        h = h @ W + b
        if k < len(params) - 1:
            h = np.maximum(h, 0)
    return np.moveaxis(h.reshape(rows, cols, -1), -1, 0)
"""

MLP_CHANNELS_LAST = """\
import numpy as np


def pixelwise_mlp(X, params):
    C, rows, cols = X.shape
    h = X.reshape(rows * cols, C)
    for k, (W, b) in enumerate(params):
        h = h @ W.T + b
        if k < len(params) - 1:
            h = np.maximum(h, 0)
    return h.T.reshape(-1, rows, cols)
"""

MLP_RELU_FIRST_ONLY = """\
import numpy as np


def pixelwise_mlp(X, params):
    C, rows, cols = X.shape
    (W1, b1), rest = params[0], params[1:]
    h = W1 @ X.reshape(C, -1) + b1[:, None]
    if rest:
        h = np.maximum(h, 0)
    for W, b in rest:
        h = W @ h + b[:, None]
    return h.reshape(-1, rows, cols)
"""

MLP_FORTRAN = """\
import numpy as np


def pixelwise_mlp(X, params):
    C, rows, cols = X.shape
    h = X.reshape(C, rows * cols, order="F")
    for k, (W, b) in enumerate(params):
        h = W @ h + b[:, None]
        if k < len(params) - 1:
            h = np.maximum(h, 0)
    return h.reshape(-1, rows, cols)
"""

MLP_SCIPY = """\
import numpy as np
import scipy.ndimage


def pixelwise_mlp(X, params):
    h = np.asarray(X, dtype=float)
    for k, (W, b) in enumerate(params):
        # a 1x1 filter per output channel: sum over c of W[d, c] * h[c]
        h = np.stack([sum(scipy.ndimage.correlate(h[c], np.array([[W[d, c]]]), mode="constant")
                          for c in range(h.shape[0])) + b[d] for d in range(W.shape[0])])
        if k < len(params) - 1:
            h = np.maximum(h, 0)
    return h
"""

MLP_EINSUM = """\
import numpy as np


def pixelwise_mlp(X, params):
    h = np.asarray(X, dtype=float)
    for k, (W, b) in enumerate(params):
        h = np.einsum("dc,chw->dhw", W, h) + np.asarray(b)[:, None, None]
        if k + 1 < len(params):
            h = np.where(h > 0, h, 0.0)
    return h
"""

MLP_PIXEL_LOOP = """\
import numpy as np


def pixelwise_mlp(X, params):
    C, rows, cols = np.shape(X)
    out = np.zeros((len(params[-1][1]), rows, cols))
    for i in range(rows):
        for j in range(cols):
            x = np.asarray(X)[:, i, j]
            for k, (W, b) in enumerate(params):
                x = np.asarray(W) @ x + b
                if k < len(params) - 1:
                    x = x * (x > 0)
            out[:, i, j] = x
    return out
"""

MLP_CHANNELS_LAST_OK = """\
import numpy as np


def pixelwise_mlp(X, params):
    C, rows, cols = X.shape
    h = X.transpose(1, 2, 0).reshape(-1, C)               # (pixels, channels)
    *hidden, (W_out, b_out) = params
    for W, b in hidden:
        h = np.clip(h @ np.asarray(W).T + b, 0, None)
    h = h @ np.asarray(W_out).T + b_out
    return h.reshape(rows, cols, -1).transpose(2, 0, 1)
"""

MLP_FLOAT32 = """\
import numpy as np


def pixelwise_mlp(X, params):
    C, rows, cols = np.shape(X)
    h = np.asarray(X, np.float32).reshape(C, -1)
    for k, (W, b) in enumerate(params):
        h = np.asarray(W, np.float32) @ h + np.asarray(b, np.float32)[:, None]
        if k != len(params) - 1:
            np.maximum(h, 0, out=h)
    return h.reshape(-1, rows, cols)
"""

MLP_INT_TRUNCATED = """\
import numpy as np


def pixelwise_mlp(X, params):
    C, rows, cols = X.shape
    out = np.zeros((params[-1][0].shape[0], rows, cols), dtype=X.dtype)
    for i in range(rows):
        for j in range(cols):
            h = X[:, i, j]
            for k, (W, b) in enumerate(params):
                h = W @ h + b
                if k < len(params) - 1:
                    h = np.maximum(h, 0)
            out[:, i, j] = h
    return out
"""

# == conv1x1_matrix =========================================================================

CM_KRON_ORDER = """\
import numpy as np


def conv1x1_matrix(V, h, w):
    return np.kron(np.eye(h * w), V)
"""

CM_KRON_TRANSPOSED = """\
import numpy as np


def conv1x1_matrix(V, h, w):
    return np.kron(np.asarray(V).T, np.eye(h * w))
"""

CM_ONES_BLOCKS = """\
import numpy as np


def conv1x1_matrix(V, h, w):
    return np.kron(V, np.ones((h * w, h * w)))
"""

CM_EYE_H = """\
import numpy as np


def conv1x1_matrix(V, h, w):
    return np.kron(V, np.eye(h))
"""

CM_INT_DTYPE = """\
import numpy as np


def conv1x1_matrix(V, h, w):
    D, C = V.shape
    P = h * w
    M = np.zeros((D * P, C * P), dtype=int)
    for d in range(D):
        for c in range(C):
            for p in range(P):
                M[d * P + p, c * P + p] = V[d, c]
    return M
"""

CM_FOUR_AXES = """\
import numpy as np


def conv1x1_matrix(V, h, w):
    return np.einsum("dc,pq->dpcq", V, np.eye(h * w))
"""

CM_SCIPY_IMPULSES = """\
import numpy as np
from scipy import signal


def conv1x1_matrix(V, h, w):
    V = np.asarray(V, dtype=float)
    D, C = V.shape
    columns = []
    for k in range(C * h * w):
        e = np.zeros(C * h * w)
        e[k] = 1.0
        e = e.reshape(C, h, w)
        columns.append(np.stack([signal.correlate(e, V[d][:, None, None], mode="valid")[0]
                                 for d in range(D)]).ravel())
    return np.array(columns).T
"""

CM_KRON = """\
import numpy as np


def conv1x1_matrix(V, h, w):
    return np.kron(np.asarray(V, dtype=float), np.eye(h * w))
"""

CM_LOOPS = """\
import numpy as np


def conv1x1_matrix(V, h, w):
    D, C = np.shape(V)
    P = h * w
    M = np.zeros((D * P, C * P))
    for d in range(D):
        for c in range(C):
            M[d * P:(d + 1) * P, c * P:(c + 1) * P] = V[d][c] * np.eye(P)
    return M
"""

CM_EINSUM = """\
import numpy as np


def conv1x1_matrix(V, h, w):
    D, C = np.shape(V)
    P = h * w
    return np.einsum("dc,pq->dpcq", V, np.eye(P)).reshape(D * P, C * P)
"""

CM_IMPULSES = """\
import numpy as np


def conv1x1_matrix(V, h, w):
    V = np.asarray(V, dtype=float)
    D, C = V.shape
    n = C * h * w
    basis = np.eye(n).reshape(n, C, h * w)                 # the n unit images
    responses = np.einsum("dc,ncp->ndp", V, basis)          # the layer on each one
    return responses.reshape(n, -1).T
"""

CM_FLOAT32_BLOCK = """\
import numpy as np


def conv1x1_matrix(V, h, w):
    V = np.asarray(V, dtype=np.float32)
    identity = np.eye(h * w, dtype=np.float32)
    return np.block([[v * identity for v in row] for row in V])
"""

# == conv1x1_param_count ====================================================================

CPC_BIAS_PER_INPUT = """\
def conv1x1_param_count(in_channels, out_channels, bias=True):
    return in_channels * out_channels + (in_channels if bias else 0)
"""

CPC_NO_BIAS = """\
def conv1x1_param_count(in_channels, out_channels, bias=True):
    return in_channels * out_channels
"""

CPC_IGNORES_FLAG = """\
def conv1x1_param_count(in_channels, out_channels, bias=True):
    return in_channels * out_channels + out_channels
"""

CPC_ADDS_CHANNELS = """\
def conv1x1_param_count(in_channels, out_channels, bias=True):
    weights = in_channels + out_channels
    return weights + (out_channels if bias else 0)
"""

CPC_ONE_PER_OUTPUT = """\
def conv1x1_param_count(in_channels, out_channels, bias=True):
    kernel_taps = 1 * 1                       # a 1x1 kernel: one number
    return kernel_taps * out_channels + (out_channels if bias else 0)
"""

CPC_SIMPLE = """\
def conv1x1_param_count(in_channels, out_channels, bias=True):
    return out_channels * (in_channels + (1 if bias else 0))
"""

CPC_MATH_PROD = """\
import math


def conv1x1_param_count(in_channels, out_channels, bias=True):
    return math.prod((1, 1, in_channels, out_channels)) + out_channels * int(bool(bias))
"""

CPC_LOOP = """\
def conv1x1_param_count(in_channels, out_channels, bias=True):
    count = 0
    for d in range(out_channels):
        count += in_channels
        if bias:
            count += 1
    return count
"""

CPC_NUMPY_PROD = """\
import numpy as np


def conv1x1_param_count(in_channels, out_channels, bias=True):
    weights = np.prod([1, 1, in_channels, out_channels])     # kh * kw * C * D
    return weights + (out_channels if bias else 0)
"""

CPC_FLOAT_FLAG = """\
def conv1x1_param_count(in_channels, out_channels, bias=True):
    return in_channels * out_channels + out_channels * float(bias)
"""

# == mlp_param_count ========================================================================

MPC_BIAS_PER_INPUT = """\
def mlp_param_count(layer_sizes, bias=True):
    total = 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        total += n_in * n_out + (n_in if bias else 0)
    return total
"""

MPC_ONE_BIAS_PER_LAYER = """\
def mlp_param_count(layer_sizes, bias=True):
    total = 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        total += n_in * n_out + (1 if bias else 0)
    return total
"""

MPC_IGNORES_FLAG = """\
def mlp_param_count(layer_sizes, bias=True):
    return sum(a * b + b for a, b in zip(layer_sizes, layer_sizes[1:]))
"""

MPC_INPUT_BIAS = """\
def mlp_param_count(layer_sizes, bias=True):
    weights = sum(a * b for a, b in zip(layer_sizes, layer_sizes[1:]))
    return weights + (sum(layer_sizes) if bias else 0)
"""

MPC_MISSES_LAST = """\
def mlp_param_count(layer_sizes, bias=True):
    total = 0
    for k in range(len(layer_sizes) - 2):
        n_in, n_out = layer_sizes[k], layer_sizes[k + 1]
        total += n_in * n_out + (n_out if bias else 0)
    return total
"""

MPC_NO_BIAS = """\
def mlp_param_count(layer_sizes, bias=True):
    return sum(layer_sizes[k] * layer_sizes[k + 1] for k in range(len(layer_sizes) - 1))
"""

MPC_LOOP = """\
def mlp_param_count(layer_sizes, bias=True):
    total = 0
    for k in range(1, len(layer_sizes)):
        total += layer_sizes[k - 1] * layer_sizes[k]
        if bias:
            total += layer_sizes[k]
    return total
"""

MPC_ZIP = """\
def mlp_param_count(layer_sizes, bias=True):
    sizes = [int(n) for n in layer_sizes]
    return sum((n_in + bool(bias)) * n_out for n_in, n_out in zip(sizes, sizes[1:]))
"""

MPC_NUMPY = """\
import numpy as np


def mlp_param_count(layer_sizes, bias=True):
    sizes = np.asarray(layer_sizes, dtype=np.int64)
    weights = int(np.dot(sizes[:-1], sizes[1:]))
    return weights + (int(sizes[1:].sum()) if bias else 0)
"""

MPC_NUMPY_SUM = """\
import numpy as np


def mlp_param_count(layer_sizes, bias=True):
    sizes = np.array(layer_sizes)
    weights = np.sum(sizes[:-1] * sizes[1:])
    return weights + (np.sum(sizes[1:]) if bias else 0)
"""

WRONG = {
    "conv1x1": {
        "transposed_V": Mistake(C1_TRANSPOSED_V, "V is (D, C)", "weights_transposed",
                                (VALUES, NO_BIAS, INTEGER)),
        "bias_last_axis": Mistake(C1_BIAS_LAST_AXIS, BIAS_AXIS, "bias_wrong_axis",
                                  (VALUES, INTEGER)),
        "channels_last_reshape": Mistake(C1_CHANNELS_LAST, CHANNELS_LAST, "channels_last_reshape",
                                         C1_ALL),
        "relu_added": Mistake(C1_RELU, "there is no ReLU in it", "relu_in_layer",
                              (VALUES, NO_BIAS, INTEGER)),
        "ignores_bias": Mistake(C1_IGNORES_BIAS, "the bias u is missing", "bias_missing",
                                (VALUES, INTEGER)),
        # an error names no misconception: the feedback says where it raised (the one miss)
        "crashes_on_u_none": Mistake(C1_CRASHES_ON_NONE, "u=None", "u_none_not_handled",
                                     (NO_BIAS,)),
        "sums_pixels": Mistake(C1_SUMS_PIXELS, "the pixels were summed", "pixels_summed", C1_ALL),
        "fortran_reshape": Mistake(C1_FORTRAN_RESHAPE, MIXES, "mixes_pixels", C1_ALL),
        "scipy_correlate": Mistake(C1_SCIPY, SHORTCUT, LIBRARY, C1_ALL),
        "int_image_truncated": Mistake(C1_INT_TRUNCATED, TRUNCATED, "truncated_to_integers",
                                       (INTEGER,)),
        "output_channels_last": Mistake(C1_OUTPUT_CHANNELS_LAST, "the output channels come last",
                                        "output_channels_last", C1_ALL),
    },
    "pixelwise_dense": {
        "transposed_W": Mistake(PD_TRANSPOSED_W, "W is (D, C)", "weights_transposed",
                                (VALUES, INTEGER)),
        "row_loop_bias": Mistake(PD_ROW_LOOP_BIAS, BIAS_AXIS, "bias_wrong_axis", (VALUES, INTEGER)),
        "relu_added": Mistake(PD_RELU, "there is no ReLU in it", "relu_in_layer",
                              (VALUES, INTEGER)),
        "channels_last_reshape": Mistake(PD_CHANNELS_LAST, CHANNELS_LAST, "channels_last_reshape",
                                         PD_ALL),
        "no_bias": Mistake(PD_NO_BIAS, "the bias b is missing", "bias_missing", (VALUES, INTEGER)),
        "fortran_reshape": Mistake(PD_FORTRAN, MIXES, "mixes_pixels", PD_ALL),
        "scipy_fftconvolve": Mistake(PD_SCIPY_FFT, SHORTCUT, LIBRARY, PD_ALL),
        "int_image_truncated": Mistake(PD_INT_TRUNCATED, TRUNCATED, "truncated_to_integers",
                                       (INTEGER,)),
        "not_reshaped_back": Mistake(PD_NOT_RESHAPED, "reshape the (D, H*W) product back",
                                     "not_reshaped_back", PD_ALL),
    },
    "pixelwise_mlp": {
        "relu_after_last": Mistake(MLP_RELU_LAST, "no ReLU after the last layer",
                                   "relu_after_last_layer", (VALUES, ONE_LAYER, INTEGER)),
        "no_relu": Mistake(MLP_NO_RELU, "without it the stack is just one linear layer",
                           "relu_missing", (VALUES, INTEGER)),
        "relu_on_input": Mistake(MLP_RELU_ON_INPUT, "the ReLU is applied to the input",
                                 "relu_on_input", (VALUES, ONE_LAYER, INTEGER)),
        "transposed_weights": Mistake(MLP_TRANSPOSED, "each W is (out, in)", "weights_transposed",
                                      (VALUES, ONE_LAYER, INTEGER)),
        "channels_last_reshape": Mistake(MLP_CHANNELS_LAST, CHANNELS_LAST, "channels_last_reshape",
                                         MLP_ALL),
        "relu_after_first_only": Mistake(MLP_RELU_FIRST_ONLY, "not only after the first",
                                         "relu_after_first_only", (VALUES, INTEGER)),
        "fortran_reshape": Mistake(MLP_FORTRAN, MIXES, "mixes_pixels", MLP_ALL),
        "scipy_ndimage": Mistake(MLP_SCIPY, SHORTCUT, LIBRARY, MLP_ALL),
        "int_image_truncated": Mistake(MLP_INT_TRUNCATED, TRUNCATED, "truncated_to_integers",
                                       (INTEGER,)),
    },
    "conv1x1_matrix": {
        "kron_wrong_order": Mistake(CM_KRON_ORDER, "np.kron(V, I)", "kron_order", (VALUES,)),
        "kron_transposed": Mistake(CM_KRON_TRANSPOSED, "not V.T", "matrix_transposed",
                                   (VALUES, ONE_PIXEL)),
        "blocks_of_ones": Mistake(CM_ONES_BLOCKS, "not a block of ones", "blocks_of_ones",
                                  (VALUES,)),
        "identity_over_rows": Mistake(CM_EYE_H, "over all h*w pixels",
                                      "identity_not_over_all_pixels", (VALUES,)),
        "int_dtype": Mistake(CM_INT_DTYPE, TRUNCATED, "truncated_to_integers", (VALUES, ONE_PIXEL)),
        "four_axes": Mistake(CM_FOUR_AXES, "reshape it to (D*h*w, C*h*w)", "matrix_not_reshaped",
                             (VALUES, ONE_PIXEL)),
        "scipy_impulses": Mistake(CM_SCIPY_IMPULSES, SHORTCUT, LIBRARY, (VALUES, ONE_PIXEL)),
    },
    "conv1x1_param_count": {
        "bias_per_input": Mistake(CPC_BIAS_PER_INPUT, "not per input channel", "bias_per_input"),
        "no_bias": Mistake(CPC_NO_BIAS, "bias=True adds one bias per output channel",
                           "bias_not_counted"),
        "ignores_bias_flag": Mistake(CPC_IGNORES_FLAG, "bias=False means no bias",
                                     "bias_flag_ignored", (BIAS_OFF,)),
        "adds_channels": Mistake(CPC_ADDS_CHANNELS, "multiply the channel counts",
                                 "channels_added", (VALUES, BIAS_OFF)),
        "one_weight_per_output": Mistake(CPC_ONE_PER_OUTPUT, "one weight per INPUT channel",
                                         "one_weight_per_output", (VALUES, BIAS_OFF)),
        "numpy_int": Mistake(CPC_NUMPY_PROD, "not a numpy number", "numpy_number", (PYTHON_INT,)),
        "float_count": Mistake(CPC_FLOAT_FLAG, "not a float", "float_count",
                               (PYTHON_INT,)),
    },
    "mlp_param_count": {
        "bias_per_input": Mistake(MPC_BIAS_PER_INPUT, "not per input unit", "bias_per_input"),
        "one_bias_per_layer": Mistake(MPC_ONE_BIAS_PER_LAYER, "not one per layer",
                                      "one_bias_per_layer"),
        "ignores_bias_flag": Mistake(MPC_IGNORES_FLAG, "bias=False means no bias",
                                     "bias_flag_ignored", (BIAS_OFF,)),
        "input_bias": Mistake(MPC_INPUT_BIAS, "the input has no bias", "input_bias"),
        "misses_last_layer": Mistake(MPC_MISSES_LAST, "the last layer is missing",
                                     "last_layer_missing", (VALUES, BIAS_OFF)),
        "no_bias": Mistake(MPC_NO_BIAS, "bias=True adds one bias", "bias_not_counted"),
        "numpy_int": Mistake(MPC_NUMPY_SUM, "not a numpy number", "numpy_number", (PYTHON_INT,)),
    },
}

CORRECT = {
    "conv1x1": {
        "einsum": C1_EINSUM,
        "tensordot": C1_TENSORDOT,
        "moveaxis_matmul": C1_MOVEAXIS,
        "channel_loops": C1_CHANNEL_LOOPS,
        "float32": C1_FLOAT32,
    },
    "pixelwise_dense": {
        "loops": PD_LOOPS,
        "one_matmul": PD_MATMUL,
        "apply_along_axis": PD_APPLY_ALONG_AXIS,
        "float32_einsum": PD_FLOAT32_EINSUM,
    },
    "pixelwise_mlp": {
        "einsum": MLP_EINSUM,
        "pixel_loop": MLP_PIXEL_LOOP,
        "channels_last_done_right": MLP_CHANNELS_LAST_OK,
        "float32": MLP_FLOAT32,
    },
    "conv1x1_matrix": {
        "kron": CM_KRON,
        "block_loops": CM_LOOPS,
        "einsum_reshape": CM_EINSUM,
        "impulse_responses": CM_IMPULSES,
        "float32_block": CM_FLOAT32_BLOCK,
    },
    "conv1x1_param_count": {
        "factored": CPC_SIMPLE,
        "math_prod": CPC_MATH_PROD,
        "loop": CPC_LOOP,
    },
    "mlp_param_count": {
        "loop": MPC_LOOP,
        "zip": MPC_ZIP,
        "numpy_dot": MPC_NUMPY,
    },
}
