"""Catalogue of student answers for ``commutativity``: realistic mistakes with the feedback each
must get, the misconception they embody and the credit groups they lose (WRONG), and correct
answers written in other styles that must keep full marks (CORRECT).
"""
from . import LIBRARY, Mistake

SHORTCUT = "library convolution"
SYMBOLIC = "object arrays of sympy symbols"
VALUES, INTEGERS, SYMBOLS = "values", "integer inputs", "sympy symbols"
ARRAYS = (VALUES, INTEGERS, SYMBOLS)        # every credit group of the three array functions
SUMMAND, LIMITS = "summand", "limits"

# == conv1d_full ============================================================================

CONV1D_ONE_SHORT = """\
import numpy as np


def conv1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    y = np.zeros(n + m - 2, dtype=np.result_type(f, g, float))
    for i in range(n + m - 2):
        for a in range(n):
            if 0 <= i - a < m:
                y[i] += f[a] * g[i - a]
    return y
"""

CONV1D_VALID_ONLY = """\
import numpy as np


def conv1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    if len(f) < len(g):
        f, g = g, f
    n, m = len(f), len(g)
    flipped = g[::-1]
    y = np.zeros(n - m + 1, dtype=np.result_type(f, g, float))
    for i in range(n - m + 1):
        for a in range(m):
            y[i] += flipped[a] * f[i + a]
    return y
"""

CONV1D_CORRELATION = """\
import numpy as np


def conv1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    y = np.zeros(n + m - 1, dtype=np.result_type(f, g, float))
    # slides g over f without flipping it
    for i in range(n + m - 1):
        for a in range(m):
            if 0 <= i + a - (m - 1) < n:
                y[i] += g[a] * f[i + a - (m - 1)]
    return y
"""

CONV1D_FLOAT_ZEROS = """\
import numpy as np


def conv1d_full(f, g):
    n, m = len(f), len(g)
    y = np.zeros(n + m - 1)
    for i in range(n + m - 1):
        for a in range(n):
            if 0 <= i - a < m:
                y[i] += f[a] * g[i - a]
    return y
"""

CONV1D_WRAPS = """\
import numpy as np


def conv1d_full(f, g):
    n, m = len(f), len(g)
    y = np.zeros(n + m - 1, dtype=np.result_type(f, g, float))
    for i in range(n + m - 1):
        for a in range(n):
            if i - a < m:
                y[i] += f[a] * g[i - a]
    return y
"""

CONV1D_REVERSED = """\
import numpy as np


def conv1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    y = np.zeros(n + m - 1, dtype=np.result_type(f, g, float))
    for a in range(n):
        for b in range(m):
            y[n + m - 2 - (a + b)] += f[a] * g[b]
    return y
"""

CONV1D_CORRELATION_G_ON_F = """\
import numpy as np


def conv1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    y = np.zeros(n + m - 1, dtype=np.result_type(f, g, float))
    # f slides along g, entry k where f[0] sits under g[k - (n - 1)]
    for k in range(n + m - 1):
        for t in range(n):
            if 0 <= t + k - (n - 1) < m:
                y[k] += g[t + k - (n - 1)] * f[t]
    return y
"""

CONV1D_INPUT_DTYPE = """\
import numpy as np


def conv1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    y = np.zeros(n + m - 1, dtype=f.dtype)             # object for symbols, float for floats
    for i in range(n + m - 1):
        y[i] = sum(f[a] * g[i - a] for a in range(max(0, i - m + 1), min(n, i + 1)))
    return y
"""

CONV1D_ZEROS_LIKE = """\
import numpy as np


def conv1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    y = np.zeros_like(f, shape=(n + m - 1,))
    for a in range(n):
        for b in range(m):
            y[a + b] += f[a] * g[b]
    return y
"""

CONV1D_SAME_LENGTH = """\
import numpy as np


def conv1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    y = np.zeros(max(n, m), dtype=np.result_type(f, g, float))    # as long as the longer input
    for i in range(max(n, m)):
        for a in range(n):
            if 0 <= i - a < m:
                y[i] += f[a] * g[i - a]
    return y
"""

CONV1D_TO_FLOAT = """\
import numpy as np


def conv1d_full(f, g):
    f, g = np.asarray(f, dtype=float), np.asarray(g, dtype=float)
    n, m = len(f), len(g)
    y = np.zeros(n + m - 1)
    for a in range(n):
        y[a:a + m] += f[a] * g
    return y
"""

CONV1D_NP_CONVOLVE = """\
import numpy as np


def conv1d_full(f, g):
    return np.convolve(f, g, mode="full")
"""

CONV1D_POLYMUL = """\
import numpy as np


def conv1d_full(f, g):
    # the coefficients of a product of polynomials are a convolution
    return np.asarray(np.polymul(f, g))
"""

CONV1D_LOOPS = """\
import numpy as np


def conv1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    y = np.zeros(n + m - 1, dtype=np.result_type(f, g, float))
    for i in range(n + m - 1):
        for a in range(max(0, i - m + 1), min(n, i + 1)):
            y[i] = y[i] + f[a] * g[i - a]
    return y
"""

CONV1D_PYTHON_LISTS = """\
import numpy as np


def conv1d_full(f, g):
    out = [0] * (len(f) + len(g) - 1)
    for a, fa in enumerate(f):
        for b, gb in enumerate(g):
            out[a + b] = out[a + b] + fa * gb
    return np.array(out)
"""

CONV1D_WINDOWS = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    m = len(g)
    padded = np.concatenate([np.zeros(m - 1, dtype=f.dtype), f, np.zeros(m - 1, dtype=f.dtype)])
    windows = sliding_window_view(padded, m)           # (n + m - 1, m)
    return np.einsum("ij,j->i", windows, g[::-1])
"""

CONV1D_FFT = """\
import numpy as np


def conv1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    if f.dtype == object or g.dtype == object:          # symbols: no FFT, add the products
        y = np.zeros(n + m - 1, dtype=object)
        for a in range(n):
            y[a:a + m] = y[a:a + m] + f[a] * g
        return y
    size = n + m - 1
    return np.fft.irfft(np.fft.rfft(f, size) * np.fft.rfft(g, size), size)
"""

CONV1D_ANTIDIAGONALS = """\
import numpy as np


def conv1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    table = np.multiply.outer(f, g)[:, ::-1]             # table[a, c] = f[a] g[m-1-c]
    # entry i adds up every f[a] g[b] with a + b = i: one diagonal of the flipped table
    return np.array([table.diagonal(m - 1 - i).sum() for i in range(n + m - 1)])
"""

CONV1D_FLOAT32 = """\
import numpy as np


def conv1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    if f.dtype != object and g.dtype != object:
        f, g = f.astype(np.float32), g.astype(np.float32)
    n, m = len(f), len(g)
    y = np.zeros(n + m - 1, dtype=np.result_type(f, g))
    for b in range(m):
        y[b:b + n] += g[b] * f
    return y
"""

# == corr1d_full ============================================================================

CORR1D_REVERSED = """\
import numpy as np


def corr1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    y = np.zeros(n + m - 1, dtype=np.result_type(f, g, float))
    # lag k - (n - 1) of g against f: this is numpy.correlate(g, f, "full")
    for k in range(n + m - 1):
        for t in range(n):
            if 0 <= t + k - (n - 1) < m:
                y[k] += g[t + k - (n - 1)] * f[t]
    return y
"""

CORR1D_CONVOLUTION = """\
import numpy as np


def corr1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    y = np.zeros(n + m - 1, dtype=np.result_type(f, g, float))
    for a in range(n):
        y[a:a + m] += f[a] * g
    return y
"""

CORR1D_VALID_ONLY = """\
import numpy as np


def corr1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    if n >= m:
        return np.array([sum(f[k + t] * g[t] for t in range(m)) for k in range(n - m + 1)])
    return np.array([sum(f[s] * g[s + k] for s in range(n)) for k in range(m - n, -1, -1)])
"""

CORR1D_FLOAT_ZEROS = """\
import numpy as np


def corr1d_full(f, g):
    n, m = len(f), len(g)
    y = np.zeros(n + m - 1)
    for k in range(n + m - 1):
        for t in range(m):
            s = t + k - (m - 1)
            if 0 <= s < n:
                y[k] += f[s] * g[t]
    return y
"""

CORR1D_ONE_SHORT = """\
import numpy as np


def corr1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    y = np.zeros(n + m - 2, dtype=np.result_type(f, g, float))
    for k in range(n + m - 2):
        for t in range(m):
            s = t + k - (m - 1)
            if 0 <= s < n:
                y[k] += f[s] * g[t]
    return y
"""

CORR1D_WRAPS = """\
import numpy as np


def corr1d_full(f, g):
    n, m = len(f), len(g)
    y = np.zeros(n + m - 1, dtype=np.result_type(f, g, float))
    for k in range(n + m - 1):
        for t in range(m):
            if t + k - (m - 1) < n:
                y[k] += f[t + k - (m - 1)] * g[t]
    return y
"""

CORR1D_INPUT_DTYPE = """\
import numpy as np


def corr1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    c = np.zeros(n + m - 1, dtype=f.dtype)
    for k in range(n + m - 1):
        c[k] = sum(f[t + k - (m - 1)] * g[t] for t in range(m) if 0 <= t + k - (m - 1) < n)
    return c
"""

CORR1D_NP_CORRELATE = """\
import numpy as np


def corr1d_full(f, g):
    return np.correlate(f, g, "full")
"""

CORR1D_NP_CONVOLVE_FLIPPED = """\
import numpy as np


def corr1d_full(f, g):
    return np.convolve(f, np.asarray(g)[::-1])
"""

CORR1D_LOOPS = """\
import numpy as np


def corr1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    y = np.zeros(n + m - 1, dtype=np.result_type(f, g, float))
    for k in range(n + m - 1):
        lag = k - (m - 1)                              # f[t + lag] meets g[t]
        for t in range(m):
            if 0 <= t + lag < n:
                y[k] = y[k] + f[t + lag] * g[t]
    return y
"""

CORR1D_FLIP_AND_CONVOLVE = """\
import numpy as np


def corr1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    h = g[::-1]                                        # correlating with g = convolving with g reversed
    n, m = len(f), len(h)
    y = np.zeros(n + m - 1, dtype=np.result_type(f, h, float))
    for a in range(n):
        y[a:a + m] = y[a:a + m] + f[a] * h
    return y
"""

CORR1D_WINDOWS = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def corr1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    m = len(g)
    zeros = np.zeros(m - 1, dtype=np.result_type(f, g, float))
    windows = sliding_window_view(np.concatenate([zeros, f, zeros]), m)
    return np.einsum("kt,t->k", windows, g)
"""

CORR1D_FFT = """\
import numpy as np


def corr1d_full(f, g):
    f, g = np.asarray(f), np.asarray(g)
    n, m = len(f), len(g)
    if f.dtype == object or g.dtype == object:
        return np.array([sum(f[t + k - m + 1] * g[t] for t in range(m) if 0 <= t + k - m + 1 < n)
                         for k in range(n + m - 1)])
    size = n + m - 1
    return np.fft.irfft(np.fft.rfft(f, size) * np.fft.rfft(g[::-1], size), size)
"""

# == conv2d_full ============================================================================

CONV2D_ONE_AXIS = """\
import numpy as np


def conv2d_full(F, G):
    F, G = np.asarray(F), np.asarray(G)
    (n1, n2), (m1, m2) = F.shape, G.shape
    K = G[::-1, :]                                     # flip the kernel...
    padded = np.zeros((n1 + 2 * (m1 - 1), n2 + 2 * (m2 - 1)), dtype=np.result_type(F, G, float))
    padded[m1 - 1:m1 - 1 + n1, m2 - 1:m2 - 1 + n2] = F
    Y = np.zeros((n1 + m1 - 1, n2 + m2 - 1), dtype=padded.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = np.sum(padded[i:i + m1, j:j + m2] * K)
    return Y
"""

CONV2D_NO_FLIP = """\
import numpy as np


def conv2d_full(F, G):
    F, G = np.asarray(F), np.asarray(G)
    (n1, n2), (m1, m2) = F.shape, G.shape
    padded = np.zeros((n1 + 2 * (m1 - 1), n2 + 2 * (m2 - 1)), dtype=np.result_type(F, G, float))
    padded[m1 - 1:m1 - 1 + n1, m2 - 1:m2 - 1 + n2] = F
    Y = np.zeros((n1 + m1 - 1, n2 + m2 - 1), dtype=padded.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = np.sum(padded[i:i + m1, j:j + m2] * G)
    return Y
"""

CONV2D_VALID_ONLY = """\
import numpy as np


def conv2d_full(F, G):
    F, G = np.asarray(F), np.asarray(G)
    (n1, n2), (m1, m2) = F.shape, G.shape
    K = G[::-1, ::-1]
    Y = np.zeros((n1 - m1 + 1, n2 - m2 + 1), dtype=np.result_type(F, G, float))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = np.sum(F[i:i + m1, j:j + m2] * K)
    return Y
"""

CONV2D_FLOAT_ZEROS = """\
import numpy as np


def conv2d_full(F, G):
    (n1, n2), (m1, m2) = np.shape(F), np.shape(G)
    Y = np.zeros((n1 + m1 - 1, n2 + m2 - 1))
    for a in range(n1):
        for b in range(n2):
            Y[a:a + m1, b:b + m2] += F[a][b] * np.asarray(G)
    return Y
"""

CONV2D_UPSIDE_DOWN = """\
import numpy as np


def conv2d_full(F, G):
    F, G = np.asarray(F), np.asarray(G)
    (n1, n2), (m1, m2) = F.shape, G.shape
    Y = np.zeros((n1 + m1 - 1, n2 + m2 - 1), dtype=np.result_type(F, G, float))
    for a in range(n1):
        for b in range(n2):
            # rows counted from the bottom by mistake
            Y[n1 - 1 - a:n1 - 1 - a + m1, b:b + m2] += F[a, b] * G[::-1, :]
    return Y
"""

CONV2D_TRANSPOSED = """\
import numpy as np


def conv2d_full(F, G):
    F, G = np.asarray(F), np.asarray(G)
    K = G.T                                            # turn the kernel around
    (n1, n2), (k1, k2) = F.shape, K.shape
    padded = np.zeros((n1 + 2 * (k1 - 1), n2 + 2 * (k2 - 1)), dtype=np.result_type(F, G, float))
    padded[k1 - 1:k1 - 1 + n1, k2 - 1:k2 - 1 + n2] = F
    Y = np.zeros((n1 + k1 - 1, n2 + k2 - 1), dtype=padded.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = np.sum(padded[i:i + k1, j:j + k2] * K)
    return Y
"""

CONV2D_INPUT_DTYPE = """\
import numpy as np


def conv2d_full(F, G):
    F, G = np.asarray(F), np.asarray(G)
    (n1, n2), (m1, m2) = F.shape, G.shape
    Y = np.zeros((n1 + m1 - 1, n2 + m2 - 1), dtype=F.dtype)
    for i in range(n1 + m1 - 1):
        for j in range(n2 + m2 - 1):
            Y[i, j] = sum(F[a, b] * G[i - a, j - b]
                          for a in range(max(0, i - m1 + 1), min(n1, i + 1))
                          for b in range(max(0, j - m2 + 1), min(n2, j + 1)))
    return Y
"""

CONV2D_ZEROS_LIKE = """\
import numpy as np


def conv2d_full(F, G):
    F, G = np.asarray(F), np.asarray(G)
    (n1, n2), (m1, m2) = F.shape, G.shape
    Y = np.zeros_like(F, shape=(n1 + m1 - 1, n2 + m2 - 1))
    for a in range(n1):
        for b in range(n2):
            Y[a:a + m1, b:b + m2] += F[a, b] * G
    return Y
"""

CONV2D_SCIPY = """\
import numpy as np
from scipy.signal import convolve2d


def conv2d_full(F, G):
    return convolve2d(F, G, mode="full")
"""

CONV2D_NP_CONVOLVE_ROWS = """\
import numpy as np


def conv2d_full(F, G):
    F, G = np.asarray(F, dtype=float), np.asarray(G, dtype=float)
    (n1, n2), (m1, m2) = F.shape, G.shape
    Y = np.zeros((n1 + m1 - 1, n2 + m2 - 1))
    for a in range(n1):
        for c in range(m1):
            Y[a + c] += np.convolve(F[a], G[c])
    return Y
"""

CONV2D_LOOPS = """\
import numpy as np


def conv2d_full(F, G):
    F, G = np.asarray(F), np.asarray(G)
    (n1, n2), (m1, m2) = F.shape, G.shape
    Y = np.zeros((n1 + m1 - 1, n2 + m2 - 1), dtype=np.result_type(F, G, float))
    for i in range(n1 + m1 - 1):
        for j in range(n2 + m2 - 1):
            total = 0
            for a in range(n1):
                for b in range(n2):
                    if 0 <= i - a < m1 and 0 <= j - b < m2:
                        total = total + F[a, b] * G[i - a, j - b]
            Y[i, j] = total
    return Y
"""

CONV2D_WINDOWS = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d_full(F, G):
    F, G = np.asarray(F), np.asarray(G)
    (n1, n2), (m1, m2) = F.shape, G.shape
    padded = np.zeros((n1 + 2 * (m1 - 1), n2 + 2 * (m2 - 1)), dtype=np.result_type(F, G, float))
    padded[m1 - 1:m1 - 1 + n1, m2 - 1:m2 - 1 + n2] = F
    windows = sliding_window_view(padded, (m1, m2))     # (n1+m1-1, n2+m2-1, m1, m2)
    return np.einsum("ijab,ab->ij", windows, G[::-1, ::-1])
"""

CONV2D_FFT = """\
import numpy as np


def conv2d_full(F, G):
    F, G = np.asarray(F), np.asarray(G)
    (n1, n2), (m1, m2) = F.shape, G.shape
    shape = (n1 + m1 - 1, n2 + m2 - 1)
    if F.dtype == object or G.dtype == object:          # symbols: shift and add instead
        Y = np.zeros(shape, dtype=object)
        for c in range(m1):
            for d in range(m2):
                Y[c:c + n1, d:d + n2] = Y[c:c + n1, d:d + n2] + G[c, d] * F
        return Y
    return np.fft.irfft2(np.fft.rfft2(F, shape) * np.fft.rfft2(G, shape), shape)
"""

CONV2D_FLOAT32 = """\
import numpy as np


def conv2d_full(F, G):
    F, G = np.asarray(F), np.asarray(G)
    if F.dtype != object and G.dtype != object:
        F, G = F.astype(np.float32), G.astype(np.float32)
    (n1, n2), (m1, m2) = F.shape, G.shape
    Y = np.zeros((n1 + m1 - 1, n2 + m2 - 1), dtype=np.result_type(F, G))
    for a in range(n1):
        for b in range(n2):
            Y[a:a + m1, b:b + m2] += F[a, b] * G
    return Y
"""

# == change_of_index ========================================================================

CHANGE_SWAPPED_LIMITS = """\
import sympy as sp


def change_of_index(S, i, b):
    a, lo, hi = S.limits[0]
    # a = lo gives b = i - lo, a = hi gives b = i - hi
    return sp.Sum(S.function.subs(a, i - b), (b, i - lo, i - hi))
"""

CHANGE_LIMITS_UNCHANGED = """\
import sympy as sp


def change_of_index(S, i, b):
    a, lo, hi = S.limits[0]
    return sp.Sum(S.function.subs(a, i - b), (b, lo, hi))
"""

CHANGE_RENAMED_ONLY = """\
import sympy as sp


def change_of_index(S, i, b):
    a, lo, hi = S.limits[0]
    return sp.Sum(S.function.subs(a, b), (b, i - hi, i - lo))
"""

CHANGE_SIGN = """\
import sympy as sp


def change_of_index(S, i, b):
    a, lo, hi = S.limits[0]
    # b = a - i, so a = i + b
    return sp.Sum(S.function.subs(a, i + b), (b, lo - i, hi - i))
"""

CHANGE_SUMMAND_ONLY = """\
import sympy as sp


def change_of_index(S, i, b):
    a, lo, hi = S.limits[0]
    return S.function.subs(a, i - b)
"""

CHANGE_HARD_CODED_N = """\
import sympy as sp


def change_of_index(S, i, b):
    a = S.limits[0][0]
    n = sp.Symbol("n", integer=True)
    return sp.Sum(S.function.subs(a, i - b), (b, i - n + 1, i))
"""

CHANGE_OFF_BY_ONE = """\
import sympy as sp


def change_of_index(S, i, b):
    a, lo, hi = S.limits[0]
    return sp.Sum(S.function.subs(a, i - b), (b, i - hi + 1, i - lo))
"""

CHANGE_SUBS_ON_SUM = """\
import sympy as sp


def change_of_index(S, i, b):
    a = S.limits[0][0]
    return S.subs(a, i - b)
"""

CHANGE_HARD_CODED_SUMMAND = """\
import sympy as sp


def change_of_index(S, i, b):
    a, lo, hi = S.limits[0]
    f, g = sp.IndexedBase("f"), sp.IndexedBase("g")
    return sp.Sum(g[b] * f[i - b], (b, i - hi, i - lo))
"""

CHANGE_DOIT = """\
import sympy as sp


def change_of_index(S, i, b):
    a, lo, hi = S.limits[0]
    return sp.Sum(S.function.subs(a, i - b), (b, i - hi, i - lo)).doit()
"""

CHANGE_FROM_ARGS = """\
import sympy as sp


def change_of_index(S, i, b):
    term, (a, lo, hi) = S.args[0], S.args[1]
    return sp.Sum(term.xreplace({a: i - b}), (b, i - hi, i - lo))
"""

CHANGE_BUILTIN = """\
import sympy as sp


def change_of_index(S, i, b):
    a = S.variables[0]
    # sympy's own linear change of index: the new index is i - a
    return S.change_index(a, i - a, b)
"""

CHANGE_XREPLACE = """\
import sympy as sp


def change_of_index(S, i, b):
    (a, lo, hi), = S.limits
    lower = -(hi - i)
    upper = -(lo - i)
    return sp.Sum(S.function.xreplace({a: i - b}), (b, lower, upper))
"""

CHANGE_MINUS_REVERSED = """\
import sympy as sp


def change_of_index(S, i, b):
    a, lo, hi = S.limits[0]
    # written with the limits reversed, in sympy's convention
    # Sum(F, (b, p, q)) == -Sum(F, (b, q + 1, p - 1))
    return -sp.Sum(S.function.subs(a, i - b), (b, i - lo + 1, i - hi - 1))
"""

CHANGE_OWN_INDEX = """\
import sympy as sp


def change_of_index(S, i, b):
    a, lo, hi = S.limits[0]
    c = sp.Symbol("c", integer=True)                   # any fresh name will do
    factors = sp.Mul.make_args(S.function.subs(a, i - c))
    return sp.Sum(sp.Mul(*reversed(factors)), (c, i - hi, i - lo))
"""

WRONG = {
    "conv1d_full": {
        "one_short": Mistake(CONV1D_ONE_SHORT, "one entry short", "output_one_short", ARRAYS),
        "valid_only": Mistake(CONV1D_VALID_ONLY, "wholly inside the other", "valid_only", ARRAYS),
        "correlation": Mistake(CONV1D_CORRELATION, "this is a cross-correlation",
                               "correlation_not_convolution", ARRAYS),
        "float_zeros": Mistake(CONV1D_FLOAT_ZEROS, SYMBOLIC, "numbers_only", (SYMBOLS,)),
        "negative_index_wraps": Mistake(CONV1D_WRAPS, "a negative index wraps around",
                                        "negative_index_wraps", ARRAYS),
        "reversed_output": Mistake(CONV1D_REVERSED, "the output runs backwards", "output_reversed",
                                   ARRAYS),
        "np_convolve": Mistake(CONV1D_NP_CONVOLVE, SHORTCUT, LIBRARY, ARRAYS),
        "np_polymul": Mistake(CONV1D_POLYMUL, SHORTCUT, LIBRARY, ARRAYS),
        "correlation_g_on_f": Mistake(CONV1D_CORRELATION_G_ON_F, "this is a cross-correlation",
                                      "correlation_not_convolution", ARRAYS),
        "input_dtype_output": Mistake(CONV1D_INPUT_DTYPE, "truncated to integers",
                                      "truncated_to_integers", (INTEGERS,)),
        "zeros_like_output": Mistake(CONV1D_ZEROS_LIKE, "truncated to integers",
                                     "truncated_to_integers", (INTEGERS,)),
        "same_length": Mistake(CONV1D_SAME_LENGTH, "the length of the longer input", "same_length",
                               ARRAYS),
        "inputs_to_float": Mistake(CONV1D_TO_FLOAT, "must not be converted to float",
                                   "numbers_only", (SYMBOLS,)),
    },
    "corr1d_full": {
        "reversed": Mistake(CORR1D_REVERSED, "the output is reversed", "output_reversed", ARRAYS),
        "convolution": Mistake(CORR1D_CONVOLUTION, "this is a true convolution",
                               "convolution_not_correlation", ARRAYS),
        "valid_only": Mistake(CORR1D_VALID_ONLY, "wholly inside the other", "valid_only", ARRAYS),
        "float_zeros": Mistake(CORR1D_FLOAT_ZEROS, SYMBOLIC, "numbers_only", (SYMBOLS,)),
        "one_short": Mistake(CORR1D_ONE_SHORT, "one entry short", "output_one_short", ARRAYS),
        "np_correlate": Mistake(CORR1D_NP_CORRELATE, SHORTCUT, LIBRARY, ARRAYS),
        "np_convolve_flipped": Mistake(CORR1D_NP_CONVOLVE_FLIPPED, SHORTCUT, LIBRARY, ARRAYS),
        "negative_index_wraps": Mistake(CORR1D_WRAPS, "a negative index wraps around",
                                        "negative_index_wraps", ARRAYS),
        "input_dtype_output": Mistake(CORR1D_INPUT_DTYPE, "truncated to integers",
                                      "truncated_to_integers", (INTEGERS,)),
    },
    "conv2d_full": {
        "one_axis_flipped": Mistake(CONV2D_ONE_AXIS, "only one axis is flipped",
                                    "kernel_flipped_one_axis", ARRAYS),
        "no_flip": Mistake(CONV2D_NO_FLIP, "this is a cross-correlation",
                           "correlation_not_convolution", ARRAYS),
        "valid_only": Mistake(CONV2D_VALID_ONLY, "wholly inside the other", "valid_only", ARRAYS),
        "float_zeros": Mistake(CONV2D_FLOAT_ZEROS, SYMBOLIC, "numbers_only", (SYMBOLS,)),
        "upside_down": Mistake(CONV2D_UPSIDE_DOWN, "only one axis of the output",
                               "output_flipped_one_axis", ARRAYS),
        "scipy_convolve2d": Mistake(CONV2D_SCIPY, SHORTCUT, LIBRARY, ARRAYS),
        "np_convolve_rows": Mistake(CONV2D_NP_CONVOLVE_ROWS, SHORTCUT, LIBRARY, ARRAYS),
        "transposed_kernel": Mistake(CONV2D_TRANSPOSED, "G is transposed, not flipped",
                                     "kernel_transposed", ARRAYS),
        "input_dtype_output": Mistake(CONV2D_INPUT_DTYPE, "truncated to integers",
                                      "truncated_to_integers", (INTEGERS,)),
        "zeros_like_output": Mistake(CONV2D_ZEROS_LIKE, "cannot add float products into an "
                                     "integer array", "integer_output_array", (INTEGERS,)),
    },
    "change_of_index": {
        "swapped_limits": Mistake(CHANGE_SWAPPED_LIMITS, "the limits are in the wrong order",
                                  "limits_swapped", (LIMITS,)),
        "limits_unchanged": Mistake(CHANGE_LIMITS_UNCHANGED, "the limits still describe a",
                                    "limits_unchanged", (LIMITS,)),
        "renamed_only": Mistake(CHANGE_RENAMED_ONLY, "merely renamed", "index_renamed_only",
                                (SUMMAND,)),
        "sign_error": Mistake(CHANGE_SIGN, "a sign is wrong", "substitution_sign",
                              (SUMMAND, LIMITS)),
        "summand_only": Mistake(CHANGE_SUMMAND_ONLY, "not just the summand", "summand_without_sum",
                                (LIMITS,)),
        "hard_coded_n": Mistake(CHANGE_HARD_CODED_N, "S.limits[0]", "limits_not_read_from_S",
                                (LIMITS,)),
        "off_by_one": Mistake(CHANGE_OFF_BY_ONE, "off by one", "limit_off_by_one", (LIMITS,)),
        "sympy_change_index": Mistake(CHANGE_BUILTIN, "calls the ready-made method change_index",
                                      LIBRARY, (SUMMAND, LIMITS)),
        "subs_on_the_sum": Mistake(CHANGE_SUBS_ON_SUM, "this is S itself", "sum_unchanged",
                                   (SUMMAND, LIMITS)),
        "hard_coded_summand": Mistake(CHANGE_HARD_CODED_SUMMAND, "build the summand from S itself",
                                      "summand_not_read_from_S", (SUMMAND,)),
        "doit": Mistake(CHANGE_DOIT, "do not call .doit()", "not_an_unevaluated_sum",
                        (SUMMAND, LIMITS)),
    },
}

CORRECT = {
    "conv1d_full": {
        "loops": CONV1D_LOOPS,
        "python_lists": CONV1D_PYTHON_LISTS,
        "sliding_windows_einsum": CONV1D_WINDOWS,
        "fft_with_symbolic_fallback": CONV1D_FFT,
        "outer_product_diagonals": CONV1D_ANTIDIAGONALS,
        "float32": CONV1D_FLOAT32,
    },
    "corr1d_full": {
        "loops": CORR1D_LOOPS,
        "flip_then_convolve": CORR1D_FLIP_AND_CONVOLVE,
        "sliding_windows_einsum": CORR1D_WINDOWS,
        "fft_with_symbolic_fallback": CORR1D_FFT,
    },
    "conv2d_full": {
        "loops": CONV2D_LOOPS,
        "sliding_windows_einsum": CONV2D_WINDOWS,
        "fft_with_symbolic_fallback": CONV2D_FFT,
        "float32": CONV2D_FLOAT32,
    },
    "change_of_index": {
        "xreplace": CHANGE_XREPLACE,
        "minus_sum_reversed_limits": CHANGE_MINUS_REVERSED,
        "own_index_name": CHANGE_OWN_INDEX,
        "limits_from_args": CHANGE_FROM_ARGS,
    },
}
