"""Catalogue of student answers for ``audio``: realistic mistakes with the feedback each must
get (WRONG), and correct answers written in other styles that must keep full marks (CORRECT).

Each mistake names a piece of its feedback, the key of the misconception it embodies, and
the credit groups of its test cell it loses (``convgrade.check.audio.*_GROUPS``); every other
group keeps its points.
"""
from . import LIBRARY, Mistake

SHORTCUT = "library convolution"
FLIPPED = "the kernel is flipped"
FUTURE = "reads the future"

# == audio_layer ==============================================================================

AUDIO_FLIPPED = """\
import numpy as np


def audio_layer(X, V, u=None):
    T, A = X.shape[0], V.shape[0]
    H = np.zeros((T - A + 1, V.shape[2]))
    for t in range(T - A + 1):
        for a in range(A):
            # "convolution": the last kernel row meets the first sample of the window
            H[t] += X[t + a] @ V[A - 1 - a]
    return H if u is None else H + u
"""

AUDIO_CHANNELS_SWAPPED = """\
import numpy as np


def audio_layer(X, V, u=None):
    T, A = X.shape[0], V.shape[0]
    windows = np.stack([X[a:a + T - A + 1] for a in range(A)])      # (A, T', C)
    H = np.einsum("atc,adc->td", windows, V)
    return H if u is None else H + u
"""

AUDIO_CHANNEL_FIRST_OUTPUT = """\
import numpy as np


def audio_layer(X, V, u=None):
    T, A = X.shape[0], V.shape[0]
    D = V.shape[2]
    H = np.zeros((D, T - A + 1))
    for d in range(D):
        for t in range(T - A + 1):
            H[d, t] = np.sum(X[t:t + A] * V[:, :, d])
    if u is not None:
        H += np.asarray(u)[:, None]
    return H
"""

AUDIO_BIAS_TIME_AXIS = """\
import numpy as np


def audio_layer(X, V, u=None):
    T, A = X.shape[0], V.shape[0]
    H = sum(X[a:a + T - A + 1] @ V[a] for a in range(A))
    if u is not None:
        H = H + np.asarray(u)[:, None]
    return H
"""

AUDIO_NO_BIAS = """\
import numpy as np


def audio_layer(X, V, u=None):
    T, A = X.shape[0], V.shape[0]
    return sum(X[a:a + T - A + 1] @ V[a] for a in range(A))
"""

AUDIO_SAME_LENGTH = """\
import numpy as np


def audio_layer(X, V, u=None):
    T, A = X.shape[0], V.shape[0]
    Xp = np.vstack([X, np.zeros((A - 1, X.shape[1]))])
    H = sum(Xp[a:a + T] @ V[a] for a in range(A))
    return H if u is None else H + u
"""

AUDIO_NP_CORRELATE = """\
import numpy as np


def audio_layer(X, V, u=None):
    T, A = X.shape[0], V.shape[0]
    C, D = V.shape[1], V.shape[2]
    H = np.zeros((T - A + 1, D))
    for d in range(D):
        for c in range(C):
            H[:, d] += np.correlate(X[:, c], V[:, c, d], mode="valid")
    return H if u is None else H + u
"""

AUDIO_SCIPY = """\
import numpy as np
from scipy import signal


def audio_layer(X, V, u=None):
    H = np.stack([signal.correlate(X, V[:, :, d], mode="valid")[:, 0]
                  for d in range(V.shape[2])], axis=1)
    return H if u is None else H + u
"""

AUDIO_LOOPS = """\
import numpy as np


def audio_layer(X, V, u=None):
    X, V = np.asarray(X, dtype=float), np.asarray(V, dtype=float)
    T, C = X.shape
    A, _, D = V.shape
    H = np.zeros((T - A + 1, D))
    for t in range(T - A + 1):
        for d in range(D):
            total = 0.0 if u is None else float(u[d])
            for a in range(A):
                for c in range(C):
                    total += V[a, c, d] * X[t + a, c]
            H[t, d] = total
    return H
"""

AUDIO_EINSUM_WINDOWS = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def audio_layer(X, V, u=None):
    X, V = np.asarray(X, dtype=float), np.asarray(V, dtype=float)
    windows = sliding_window_view(X, V.shape[0], axis=0)       # (T', C, A)
    H = np.einsum("tca,acd->td", windows, V)
    if u is not None:
        H = H + np.asarray(u, dtype=float)[None, :]
    return H
"""

AUDIO_TENSORDOT = """\
import numpy as np


def audio_layer(X, V, u=None):
    X, V = np.asarray(X, dtype=float), np.asarray(V, dtype=float)
    T, A = X.shape[0], V.shape[0]
    # rows of the unfolded recording: the A samples of every window, all channels
    idx = np.arange(T - A + 1)[:, None] + np.arange(A)[None, :]
    H = np.tensordot(X[idx], V, axes=([1, 2], [0, 1]))
    return H if u is None else H + np.asarray(u, dtype=float)
"""

AUDIO_FFT = """\
import numpy as np


def audio_layer(X, V, u=None):
    X, V = np.asarray(X, dtype=float), np.asarray(V, dtype=float)
    T, A = X.shape[0], V.shape[0]
    n = T + A - 1
    FX = np.fft.rfft(X, n, axis=0)                  # (f, C)
    FV = np.fft.rfft(V[::-1], n, axis=0)            # reversed: correlation as a product
    full = np.fft.irfft(np.einsum("fc,fcd->fd", FX, FV), n, axis=0)
    H = full[A - 1:T]
    return H if u is None else H + np.asarray(u)
"""

AUDIO_FLOAT32 = """\
import numpy as np


def audio_layer(X, V, u=None):
    X = np.asarray(X, dtype=np.float32)
    V = np.asarray(V, dtype=np.float32)
    T, A = X.shape[0], V.shape[0]
    H = np.zeros((T - A + 1, V.shape[2]), dtype=np.float32)
    for a in range(A):
        H += X[a:a + T - A + 1] @ V[a]
    if u is not None:
        H += np.asarray(u, dtype=np.float32)
    return H
"""

# == conv1d ===================================================================================

CONV1D_FLIPPED = """\
import numpy as np


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    single = x.ndim == 2
    if single:
        x = x[None]
    if x.shape[1] != w.shape[1] or dilation * (w.shape[2] - 1) + 1 > x.shape[2] + 2 * padding:
        raise ValueError("the kernel does not fit the signal")
    K = w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    L = (xp.shape[2] - dilation * (K - 1) - 1) // stride + 1
    out = np.zeros((x.shape[0], w.shape[0], L))
    for t in range(L):
        window = xp[:, :, t * stride:t * stride + dilation * (K - 1) + 1:dilation]
        out[:, :, t] = np.einsum("nck,dck->nd", window, w[:, :, ::-1])   # flipped, as in maths
    if b is not None:
        out += np.asarray(b)[:, None]
    return out[0] if single else out
"""

CONV1D_NO_DILATION = """\
import numpy as np


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    single = x.ndim == 2
    if single:
        x = x[None]
    if x.shape[1] != w.shape[1] or w.shape[2] > x.shape[2] + 2 * padding:
        raise ValueError("the kernel does not fit the signal")
    K = w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    L = (xp.shape[2] - K) // stride + 1
    out = np.zeros((x.shape[0], w.shape[0], L))
    for t in range(L):
        out[:, :, t] = np.einsum("nck,dck->nd", xp[:, :, t * stride:t * stride + K], w)
    if b is not None:
        out += np.asarray(b)[:, None]
    return out[0] if single else out
"""

CONV1D_PAD_ONE_SIDE = """\
import numpy as np


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    single = x.ndim == 2
    if single:
        x = x[None]
    if x.shape[1] != w.shape[1] or dilation * (w.shape[2] - 1) + 1 > x.shape[2] + 2 * padding:
        raise ValueError("the kernel does not fit the signal")
    K = w.shape[2]
    span = dilation * (K - 1) + 1
    xp = np.concatenate([x, np.zeros(x.shape[:2] + (2 * padding,))], axis=2)   # all at the end
    L = (xp.shape[2] - span) // stride + 1
    out = np.zeros((x.shape[0], w.shape[0], L))
    for t in range(L):
        out[:, :, t] = np.einsum("nck,dck->nd", xp[:, :, t * stride:t * stride + span:dilation], w)
    if b is not None:
        out += np.asarray(b)[:, None]
    return out[0] if single else out
"""

CONV1D_SUBSAMPLE_FIRST = """\
import numpy as np


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    single = x.ndim == 2
    if single:
        x = x[None]
    if x.shape[1] != w.shape[1] or dilation * (w.shape[2] - 1) + 1 > x.shape[2] + 2 * padding:
        raise ValueError("the kernel does not fit the signal")
    x = x[:, :, ::stride]                       # "stride 2 = keep every other sample"
    K = w.shape[2]
    span = dilation * (K - 1) + 1
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    L = xp.shape[2] - span + 1
    out = np.zeros((x.shape[0], w.shape[0], L))
    for t in range(L):
        out[:, :, t] = np.einsum("nck,dck->nd", xp[:, :, t:t + span:dilation], w)
    if b is not None:
        out += np.asarray(b)[:, None]
    return out[0] if single else out
"""

CONV1D_UNBATCHED_ONLY = """\
import numpy as np


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    C, T = x.shape
    D, CW, K = w.shape
    if C != CW:
        raise ValueError("channel mismatch")
    xp = np.pad(x, ((0, 0), (padding, padding)))
    span = dilation * (K - 1) + 1
    if span > xp.shape[1]:
        raise ValueError("kernel too long")
    L = (xp.shape[1] - span) // stride + 1
    out = np.zeros((D, L))
    for t in range(L):
        out[:, t] = np.einsum("ck,dck->d", xp[:, t * stride:t * stride + span:dilation], w)
    if b is not None:
        out += np.asarray(b)[:, None]
    return out
"""

CONV1D_BIAS_LAST_AXIS = """\
import numpy as np


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    single = x.ndim == 2
    if single:
        x = x[None]
    if x.shape[1] != w.shape[1] or dilation * (w.shape[2] - 1) + 1 > x.shape[2] + 2 * padding:
        raise ValueError("the kernel does not fit the signal")
    K = w.shape[2]
    span = dilation * (K - 1) + 1
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    L = (xp.shape[2] - span) // stride + 1
    out = np.zeros((x.shape[0], w.shape[0], L))
    for t in range(L):
        out[:, :, t] = np.einsum("nck,dck->nd", xp[:, :, t * stride:t * stride + span:dilation], w)
    if b is not None:
        out = out + np.asarray(b)              # broadcasts over the LAST axis
    return out[0] if single else out
"""

CONV1D_NO_VALUE_ERROR = """\
import numpy as np


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    single = x.ndim == 2
    if single:
        x = x[None]
    K = w.shape[2]
    span = dilation * (K - 1) + 1
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    L = max(0, (xp.shape[2] - span) // stride + 1)
    out = np.zeros((x.shape[0], w.shape[0], L))
    for t in range(L):
        window = xp[:, :, t * stride:t * stride + span:dilation]
        out[:, :, t] = np.tensordot(window, w, axes=([1, 2], [1, 2]))
    if b is not None:
        out += np.asarray(b)[:, None]
    return out[0] if single else out
"""

CONV1D_NP_CORRELATE = """\
import numpy as np


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    single = x.ndim == 2
    if single:
        x = x[None]
    N, C, T = x.shape
    D, CW, K = w.shape
    if C != CW or dilation * (K - 1) + 1 > T + 2 * padding:
        raise ValueError("the kernel does not fit the input")
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    spread = np.zeros((D, C, dilation * (K - 1) + 1))
    spread[:, :, ::dilation] = w               # the dilated kernel, holes filled with zeros
    rows = [[sum(np.correlate(xp[n, c], spread[d, c], mode="valid") for c in range(C))[::stride]
             for d in range(D)] for n in range(N)]
    out = np.array(rows)
    if b is not None:
        out += np.asarray(b)[:, None]
    return out[0] if single else out
"""

CONV1D_LOOPS = """\
import numpy as np


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    single = x.ndim == 2
    if single:
        x = x[np.newaxis]
    N, C, T = x.shape
    D, CW, K = w.shape
    if C != CW:
        raise ValueError("channel mismatch")
    L = (T + 2 * padding - dilation * (K - 1) - 1) // stride + 1
    if L < 1:
        raise ValueError("kernel longer than the padded input")
    out = np.zeros((N, D, L))
    for n in range(N):
        for d in range(D):
            for t in range(L):
                total = 0.0 if b is None else b[d]
                for c in range(C):
                    for k in range(K):
                        i = t * stride + k * dilation - padding     # index into the unpadded x
                        if 0 <= i < T:
                            total += w[d, c, k] * x[n, c, i]
                out[n, d, t] = total
    return out[0] if single else out
"""

CONV1D_EINSUM_WINDOWS = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    if x.shape[-2] != w.shape[1]:
        raise ValueError("channel mismatch")
    pad = [(0, 0)] * (x.ndim - 1) + [(padding, padding)]
    span = dilation * (w.shape[2] - 1) + 1
    windows = sliding_window_view(np.pad(x, pad), span, axis=-1)   # raises if it does not fit
    windows = windows[..., ::stride, ::dilation]                    # (..., C, L, K)
    out = np.einsum("...clk,dck->...dl", windows, w)
    if b is not None:
        out = out + np.reshape(b, (-1, 1))
    return out
"""

CONV1D_IM2COL = """\
import numpy as np


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    squeeze = x.ndim == 2
    x3 = x.reshape((1,) * squeeze + x.shape)
    N, C, T = x3.shape
    D, CW, K = w.shape
    if C != CW:
        raise ValueError(f"channels: {C} vs {CW}")
    L = (T + 2 * padding - dilation * (K - 1) - 1) // stride + 1
    if L <= 0:
        raise ValueError("the kernel does not fit")
    xp = np.zeros((N, C, T + 2 * padding))
    xp[:, :, padding:padding + T] = x3
    idx = np.arange(L)[:, None] * stride + np.arange(K)[None, :] * dilation     # (L, K)
    cols = xp[:, :, idx]                                                          # (N, C, L, K)
    out = cols.transpose(0, 2, 1, 3).reshape(N, L, C * K) @ w.reshape(D, C * K).T
    out = out.transpose(0, 2, 1)
    if b is not None:
        out = out + np.asarray(b)[None, :, None]
    return out[0] if squeeze else out
"""

CONV1D_FFT = """\
import numpy as np


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    single = x.ndim == 2
    x = x[None] if single else x
    N, C, T = x.shape
    D, CW, K = w.shape
    if C != CW:
        raise ValueError("channel mismatch")
    span = dilation * (K - 1) + 1
    Tp = T + 2 * padding
    if span > Tp:
        raise ValueError("kernel too long")
    spread = np.zeros((D, C, span))
    spread[:, :, ::dilation] = w
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    n = Tp + span - 1
    spectrum = np.einsum("ncf,dcf->ndf", np.fft.rfft(xp, n), np.fft.rfft(spread[:, :, ::-1], n))
    full = np.fft.irfft(spectrum, n)
    out = full[:, :, span - 1:Tp][:, :, ::stride]
    if b is not None:
        out = out + np.asarray(b)[:, None]
    return out[0] if single else out
"""

CONV1D_FLOAT32 = """\
import numpy as np


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w = np.asarray(x, dtype=np.float32), np.asarray(w, dtype=np.float32)
    single = x.ndim == 2
    if single:
        x = x[None]
    N, C, T = x.shape
    D, CW, K = w.shape
    if C != CW:
        raise ValueError("channel mismatch")
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    L = (xp.shape[2] - dilation * (K - 1) - 1) // stride + 1
    if L < 1:
        raise ValueError("kernel does not fit")
    out = np.zeros((N, D, L), dtype=np.float32)
    for k in range(K):
        s = k * dilation
        out += np.tensordot(w[:, :, k], xp[:, :, s:s + stride * (L - 1) + 1:stride],
                            axes=([1], [1])).transpose(1, 0, 2)
    if b is not None:
        out += np.asarray(b, dtype=np.float32)[:, None]
    return out[0] if single else out
"""

# == causal_conv1d ============================================================================

CAUSAL_RIGHT_PAD = """\
import numpy as np


def causal_conv1d(x, w, b=None, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    K, T = w.shape[-1], x.shape[-1]
    pad = [(0, 0)] * (x.ndim - 1) + [(0, dilation * (K - 1))]     # zeros after the end
    xp = np.pad(x, pad)
    out = sum(np.einsum("dc,...ct->...dt", w[:, :, k], xp[..., k * dilation:k * dilation + T])
              for k in range(K))
    if b is not None:
        out = out + np.asarray(b)[:, None]
    return out
"""

CAUSAL_SAME_PAD = """\
import numpy as np


def causal_conv1d(x, w, b=None, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    K, T = w.shape[-1], x.shape[-1]
    total = dilation * (K - 1)
    pad = [(0, 0)] * (x.ndim - 1) + [(total // 2, total - total // 2)]   # "same" padding
    xp = np.pad(x, pad)
    out = sum(np.einsum("dc,...ct->...dt", w[:, :, k], xp[..., k * dilation:k * dilation + T])
              for k in range(K))
    if b is not None:
        out = out + np.asarray(b)[:, None]
    return out
"""

CAUSAL_FLIPPED = """\
import numpy as np


def causal_conv1d(x, w, b=None, dilation=1):
    # the signal-processing convention: y[t] = sum_k w[k] x[t - k*dilation]
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    K, T = w.shape[-1], x.shape[-1]
    out = np.zeros(x.shape[:-2] + (w.shape[0], T))
    for k in range(K):
        lag = k * dilation
        if lag < T:
            out[..., lag:] += np.einsum("dc,...ct->...dt", w[:, :, k], x[..., :T - lag])
    if b is not None:
        out += np.asarray(b)[:, None]
    return out
"""

CAUSAL_NO_DILATION = """\
import numpy as np


def causal_conv1d(x, w, b=None, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    K, T = w.shape[-1], x.shape[-1]
    pad = [(0, 0)] * (x.ndim - 1) + [(K - 1, 0)]
    xp = np.pad(x, pad)
    out = sum(np.einsum("dc,...ct->...dt", w[:, :, k], xp[..., k:k + T]) for k in range(K))
    if b is not None:
        out = out + np.asarray(b)[:, None]
    return out
"""

CAUSAL_FULL_LENGTH = """\
import numpy as np


def causal_conv1d(x, w, b=None, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    K, T = w.shape[-1], x.shape[-1]
    span = dilation * (K - 1)
    pad = [(0, 0)] * (x.ndim - 1) + [(span, 0)]
    xp = np.pad(x, pad)
    out = sum(np.einsum("dc,...ct->...dt", w[:, :, k], xp[..., k * dilation:k * dilation + T])
              for k in range(K))
    if b is not None:
        out = out + np.asarray(b)[:, None]
    # keep the outputs of the padded zeros too, "so nothing is lost"
    return np.concatenate([np.zeros(out.shape[:-1] + (span,)), out], axis=-1)
"""

CAUSAL_LFILTER = """\
import numpy as np
from scipy.signal import lfilter


def causal_conv1d(x, w, b=None, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    D, C, K = w.shape
    taps = np.zeros((D, C, dilation * (K - 1) + 1))
    taps[:, :, ::dilation] = w[:, :, ::-1]             # an FIR filter: newest sample first
    out = np.zeros(x.shape[:-2] + (D, x.shape[-1]))
    for d in range(D):
        for c in range(C):
            out[..., d, :] += lfilter(taps[d, c], [1.0], x[..., c, :], axis=-1)
    if b is not None:
        out += np.asarray(b)[:, None]
    return out
"""

CAUSAL_LOOPS = """\
import numpy as np


def causal_conv1d(x, w, b=None, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    single = x.ndim == 2
    if single:
        x = x[None]
    N, C, T = x.shape
    D, _, K = w.shape
    out = np.zeros((N, D, T))
    for n in range(N):
        for d in range(D):
            for t in range(T):
                total = 0.0 if b is None else b[d]
                for k in range(K):
                    i = t - dilation * (K - 1 - k)          # how far back tap k looks
                    if i >= 0:
                        total += np.dot(w[d, :, k], x[n, :, i])
                out[n, d, t] = total
    return out[0] if single else out
"""

CAUSAL_EINSUM_WINDOWS = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def causal_conv1d(x, w, b=None, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    span = dilation * (w.shape[-1] - 1)
    xp = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(span, 0)])
    windows = sliding_window_view(xp, span + 1, axis=-1)[..., ::dilation]   # (..., C, T, K)
    out = np.einsum("...ctk,dck->...dt", windows, w)
    return out if b is None else out + np.asarray(b)[:, None]
"""

CAUSAL_FFT = """\
import numpy as np


def causal_conv1d(x, w, b=None, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    D, C, K = w.shape
    T = x.shape[-1]
    # the causal layer is a true convolution with the reversed, dilated kernel h
    h = np.zeros((D, C, dilation * (K - 1) + 1))
    h[:, :, ::dilation] = w[:, :, ::-1]
    n = T + h.shape[-1] - 1
    prod = np.einsum("...cf,dcf->...df", np.fft.rfft(x, n), np.fft.rfft(h, n))
    out = np.fft.irfft(prod, n)[..., :T]
    return out if b is None else out + np.asarray(b)[:, None]
"""

CAUSAL_FLOAT32 = """\
import numpy as np


def causal_conv1d(x, w, b=None, dilation=1):
    x = np.asarray(x, dtype=np.float32)
    w = np.asarray(w, dtype=np.float32)
    K, T = w.shape[-1], x.shape[-1]
    out = np.zeros(x.shape[:-2] + (w.shape[0], T), dtype=np.float32)
    for k in range(K):
        back = dilation * (K - 1 - k)
        if back < T:
            out[..., back:] += np.einsum("dc,...ct->...dt", w[:, :, k], x[..., :T - back])
    if b is not None:
        out += np.asarray(b, dtype=np.float32)[:, None]
    return out
"""

# == receptive_field ==========================================================================

RF_NO_PLUS_ONE = """\
def receptive_field(kernel_size, dilations):
    sizes = [kernel_size] * len(dilations) if isinstance(kernel_size, int) else list(kernel_size)
    return sum((k - 1) * d for k, d in zip(sizes, dilations))
"""

RF_K_TIMES_D = """\
def receptive_field(kernel_size, dilations):
    sizes = [kernel_size] * len(dilations) if isinstance(kernel_size, int) else list(kernel_size)
    return 1 + sum(k * d for k, d in zip(sizes, dilations))
"""

RF_IGNORES_DILATION = """\
def receptive_field(kernel_size, dilations):
    sizes = [kernel_size] * len(dilations) if isinstance(kernel_size, int) else list(kernel_size)
    return 1 + sum(k - 1 for k in sizes)
"""

RF_SUM_OF_SPANS = """\
def receptive_field(kernel_size, dilations):
    sizes = [kernel_size] * len(dilations) if isinstance(kernel_size, int) else list(kernel_size)
    if not sizes:
        return 1
    return sum((k - 1) * d + 1 for k, d in zip(sizes, dilations))
"""

RF_PRODUCT = """\
def receptive_field(kernel_size, dilations):
    sizes = [kernel_size] * len(dilations) if isinstance(kernel_size, int) else list(kernel_size)
    field = 1
    for k, d in zip(sizes, dilations):
        field *= (k - 1) * d + 1
    return field
"""

RF_FORMULA = """\
def receptive_field(kernel_size, dilations):
    dilations = list(dilations)
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size] * len(dilations)
    return 1 + sum((k - 1) * d for k, d in zip(kernel_size, dilations))
"""

RF_REACHABLE_SET = """\
def receptive_field(kernel_size, dilations):
    # follow one output back through the stack: which past samples can it reach?
    dilations = list(dilations)
    sizes = list(kernel_size) if hasattr(kernel_size, "__len__") else [kernel_size] * len(dilations)
    reach = {0}
    for k, d in zip(reversed(sizes), reversed(dilations)):
        reach = {r + j * d for r in reach for j in range(k)}
    return max(reach) - min(reach) + 1
"""

RF_NUMPY = """\
import numpy as np


def receptive_field(kernel_size, dilations):
    d = np.asarray(dilations, dtype=np.int64).reshape(-1)
    k = np.broadcast_to(np.asarray(kernel_size, dtype=np.int64), d.shape)
    return int(1 + np.dot(k - 1, d))
"""

# == estimate_delay ===========================================================================

DELAY_SIGN = """\
import numpy as np


def estimate_delay(x, y):
    r = np.correlate(x, y, mode="full")
    return int(np.argmax(r)) - (len(y) - 1)
"""

DELAY_FULL_INDEX = """\
import numpy as np


def estimate_delay(x, y):
    return int(np.argmax(np.correlate(y, x, mode="full")))
"""

DELAY_WRONG_LENGTH = """\
import numpy as np


def estimate_delay(x, y):
    r = np.correlate(y, x, mode="full")
    return int(np.argmax(r)) - (len(y) - 1)
"""

DELAY_CIRCULAR = """\
import numpy as np


def estimate_delay(x, y):
    n = len(y)
    r = np.fft.irfft(np.fft.rfft(y, n) * np.conj(np.fft.rfft(x, n)), n)
    return int(np.argmax(r))
"""

DELAY_NO_UNWRAP = """\
import numpy as np


def estimate_delay(x, y):
    n = len(x) + len(y) - 1
    r = np.fft.irfft(np.fft.rfft(y, n) * np.conj(np.fft.rfft(x, n)), n)
    return int(np.argmax(r))
"""

DELAY_ARGS_SWAPPED = """\
import numpy as np


def estimate_delay(x, y):
    r = np.correlate(x, y, mode="full")
    return int(np.argmax(r)) - (len(x) - 1)
"""

DELAY_NP_CORRELATE = """\
import numpy as np


def estimate_delay(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    lags = np.arange(-(len(x) - 1), len(y))
    return int(lags[np.argmax(np.correlate(y, x, mode="full"))])
"""

DELAY_LOOP = """\
import numpy as np


def estimate_delay(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    best, best_lag = -np.inf, 0
    for lag in range(-(len(x) - 1), len(y)):
        # pairs (t, t + lag) with both indices inside their signals
        t0, t1 = max(0, -lag), min(len(x), len(y) - lag)
        score = float(np.dot(x[t0:t1], y[t0 + lag:t1 + lag]))
        if score > best:
            best, best_lag = score, lag
    return best_lag
"""

DELAY_FFT = """\
import numpy as np


def estimate_delay(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    m, n = len(x), len(y)
    size = m + n - 1
    r = np.fft.irfft(np.fft.rfft(y, size) * np.conj(np.fft.rfft(x, size)), size)
    # index k holds lag k for k < n and lag k - size (negative) above
    r = np.concatenate([r[n:], r[:n]])
    return int(np.argmax(r)) - (m - 1)
"""

DELAY_SCIPY = """\
import numpy as np
from scipy import signal


def estimate_delay(x, y):
    r = signal.correlate(y, x, mode="full", method="direct")
    lags = signal.correlation_lags(len(y), len(x), mode="full")
    return int(lags[np.argmax(r)])
"""

AUDIO_FIRST_CHANNEL = """\
import numpy as np


def audio_layer(X, V, u=None):
    T, A = X.shape[0], V.shape[0]
    H = np.zeros((T - A + 1, V.shape[2]))
    for t in range(T - A + 1):
        H[t] = X[t:t + A, 0] @ V[:, 0, :]        # the window of samples times the taps
    return H if u is None else H + u
"""

AUDIO_CHANNELS_AVERAGED = """\
import numpy as np


def audio_layer(X, V, u=None):
    T, C = X.shape
    A = V.shape[0]
    per_channel = [sum(np.outer(X[a:a + T - A + 1, c], V[a, c]) for a in range(A))
                   for c in range(C)]
    H = np.mean(per_channel, axis=0)             # combine the channels
    return H if u is None else H + u
"""

AUDIO_ZEROS_LIKE = """\
import numpy as np


def audio_layer(X, V, u=None):
    T, A = X.shape[0], V.shape[0]
    H = np.zeros_like(X, shape=(T - A + 1, V.shape[2]))     # an array like the recording
    for t in range(T - A + 1):
        H[t] = np.einsum("ac,acd->d", X[t:t + A], V)
    return H if u is None else H + u
"""

AUDIO_ONE_SHORT = """\
import numpy as np


def audio_layer(X, V, u=None):
    T, A = X.shape[0], V.shape[0]
    H = np.zeros((T - A, V.shape[2]))            # the window moves T - A times
    for t in range(T - A):
        H[t] = np.einsum("ac,acd->d", X[t:t + A], V)
    return H if u is None else H + u
"""

CONV1D_NO_CHANNEL_CHECK = """\
import numpy as np


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    single = x.ndim == 2
    if single:
        x = x[None]
    N, C, T = x.shape
    D, _, K = w.shape
    L = (T + 2 * padding - dilation * (K - 1) - 1) // stride + 1
    if L < 1:
        raise ValueError("the kernel is longer than the padded signal")
    out = np.zeros((N, D, L))
    for n in range(N):
        for d in range(D):
            for t in range(L):
                total = 0.0 if b is None else b[d]
                for c in range(C):
                    for k in range(K):
                        i = t * stride + k * dilation - padding
                        if 0 <= i < T:
                            total += w[d, c, k] * x[n, c, i]
                out[n, d, t] = total
    return out[0] if single else out
"""

CONV1D_ZEROS_LIKE = """\
import numpy as np


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w = np.asarray(x), np.asarray(w, dtype=float)
    single = x.ndim == 2
    if single:
        x = x[None]
    N, C, T = x.shape
    D, CW, K = w.shape
    span = dilation * (K - 1) + 1
    if C != CW or span > T + 2 * padding:
        raise ValueError("the kernel does not fit the signal")
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    L = (xp.shape[2] - span) // stride + 1
    out = np.zeros((N, D, L), dtype=x.dtype)     # the output has the signal's type
    for t in range(L):
        out[:, :, t] = np.einsum("nck,dck->nd", xp[:, :, t * stride:t * stride + span:dilation], w)
    if b is not None:
        out = out + np.asarray(b)[:, None]
    return out[0] if single else out
"""

CONV1D_NO_BIAS = """\
import numpy as np


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    single = x.ndim == 2
    if single:
        x = x[None]
    N, C, T = x.shape
    D, CW, K = w.shape
    span = dilation * (K - 1) + 1
    if C != CW or span > T + 2 * padding:
        raise ValueError("the kernel does not fit the signal")
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    L = (xp.shape[2] - span) // stride + 1
    out = np.zeros((N, D, L))
    for k in range(K):
        taps = xp[:, :, k * dilation:k * dilation + stride * (L - 1) + 1:stride]
        out += np.einsum("dc,nct->ndt", w[:, :, k], taps)
    return out[0] if single else out
"""

CONV1D_LENGTH_OFF_BY_ONE = """\
import numpy as np


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    single = x.ndim == 2
    if single:
        x = x[None]
    N, C, T = x.shape
    D, CW, K = w.shape
    span = dilation * (K - 1) + 1
    if C != CW or span > T + 2 * padding:
        raise ValueError("the kernel does not fit the signal")
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    L = (xp.shape[2] - span) // stride            # how many strides fit in the padded signal
    out = np.zeros((N, D, L))
    for t in range(L):
        window = xp[:, :, t * stride:t * stride + span:dilation]
        out[:, :, t] = np.einsum("nck,dck->nd", window, w)
    if b is not None:
        out += np.asarray(b)[:, None]
    return out[0] if single else out
"""

CAUSAL_ZEROS_LIKE = """\
import numpy as np


def causal_conv1d(x, w, b=None, dilation=1):
    x, w = np.asarray(x), np.asarray(w, dtype=float)
    K, T = w.shape[-1], x.shape[-1]
    span = dilation * (K - 1)
    xp = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(span, 0)])
    out = np.zeros_like(x, shape=x.shape[:-2] + (w.shape[0], T))   # like the input
    for t in range(T):
        out[..., t] = np.einsum("...ck,dck->...d", xp[..., t:t + span + 1:dilation], w)
    if b is not None:
        out = out + np.asarray(b)[:, None]
    return out
"""

CAUSAL_UNBATCHED_ONLY = """\
import numpy as np


def causal_conv1d(x, w, b=None, dilation=1):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    C, T = x.shape
    D, _, K = w.shape
    span = dilation * (K - 1)
    xp = np.pad(x, ((0, 0), (span, 0)))
    out = np.zeros((D, T))
    for k in range(K):
        out += w[:, :, k] @ xp[:, k * dilation:k * dilation + T]
    if b is not None:
        out += np.asarray(b)[:, None]
    return out
"""

CAUSAL_ON_CONV1D = """\
import numpy as np


def causal_conv1d(x, w, b=None, dilation=1):
    # conv1d pads both ends: pad the past here instead and let conv1d run unpadded
    x = np.asarray(x, dtype=float)
    span = dilation * (np.shape(w)[-1] - 1)
    return conv1d(np.pad(x, [(0, 0)] * (x.ndim - 1) + [(span, 0)]), w, b, dilation=dilation)
"""

RF_LAYER_OFF_BY_ONE = """\
def receptive_field(kernel_size, dilations):
    sizes = [kernel_size] * len(dilations) if isinstance(kernel_size, int) else list(kernel_size)
    field = 1
    for layer in range(1, len(dilations)):          # layers 1, 2, ..., L
        field += (sizes[layer] - 1) * dilations[layer]
    return field
"""

RF_NUMPY_INT = """\
import numpy as np


def receptive_field(kernel_size, dilations):
    d = np.array(dilations, dtype=int)
    k = np.full(d.shape, kernel_size) if np.ndim(kernel_size) == 0 else np.array(kernel_size, dtype=int)
    return 1 + np.sum((k - 1) * d)
"""

RF_FLOAT = """\
def receptive_field(kernel_size, dilations):
    sizes = [kernel_size] * len(dilations) if isinstance(kernel_size, int) else list(kernel_size)
    field = 1.0                                  # the output sample itself
    for k, d in zip(sizes, dilations):
        field += (k - 1) * d
    return field
"""

DELAY_NUMPY_INT = """\
import numpy as np


def estimate_delay(x, y):
    r = np.correlate(y, x, mode="full")
    return np.argmax(r) - (len(x) - 1)
"""

DELAY_XY_INDEX = """\
import numpy as np


def estimate_delay(x, y):
    return int(np.argmax(np.correlate(x, y, mode="full")))
"""

DELAY_ITEM = """\
import numpy as np


def estimate_delay(x, y):
    r = np.correlate(np.asarray(y, dtype=float), np.asarray(x, dtype=float), mode="full")
    return (np.argmax(r) - (len(x) - 1)).item()
"""

ALL_AUDIO = ("values", "bias u", "integer recordings")
CONV_VALUES = ("values", "bias", "padding, stride and dilation", "batch", "integer inputs")
CAUSAL_VALUES = ("values", "bias", "dilation", "batch", "integer inputs")
RF_VALUES = ("values", "kernel sizes per layer")

WRONG = {
    "audio_layer": {
        "flipped_kernel": Mistake(AUDIO_FLIPPED, "the kernel is flipped in time", "kernel_flipped",
                                  ALL_AUDIO),
        "channel_axes_swapped": Mistake(AUDIO_CHANNELS_SWAPPED, "the two channel axes are swapped",
                                        "channel_axes_swapped", ALL_AUDIO),
        "channel_first_output": Mistake(AUDIO_CHANNEL_FIRST_OUTPUT, "the output is time-major",
                                        "output_transposed", ALL_AUDIO),
        "bias_time_axis": Mistake(AUDIO_BIAS_TIME_AXIS, "the bias is added along the wrong axis",
                                  "bias_wrong_axis", ("bias u",)),
        "no_bias": Mistake(AUDIO_NO_BIAS, "the bias u is missing", "bias_missing", ("bias u",)),
        "same_length": Mistake(AUDIO_SAME_LENGTH, "only T - A + 1 windows", "output_not_valid",
                               ALL_AUDIO),
        "np_correlate": Mistake(AUDIO_NP_CORRELATE, SHORTCUT, LIBRARY, ALL_AUDIO),
        "scipy_signal": Mistake(AUDIO_SCIPY, SHORTCUT, LIBRARY, ALL_AUDIO),
        "first_channel_only": Mistake(AUDIO_FIRST_CHANNEL, "only the first input channel is used",
                                      "first_channel_only", ALL_AUDIO),
        "channels_averaged": Mistake(AUDIO_CHANNELS_AVERAGED, "the input channels are averaged",
                                     "channels_averaged", ALL_AUDIO),
        "zeros_like_integer": Mistake(AUDIO_ZEROS_LIKE, "truncated to integers",
                                      "truncated_to_integers", ("integer recordings",)),
        "one_step_short": Mistake(AUDIO_ONE_SHORT, "one step short", "output_one_short", ALL_AUDIO),
    },
    "conv1d": {
        "flipped_kernel": Mistake(CONV1D_FLIPPED, FLIPPED, "kernel_flipped", CONV_VALUES),
        "no_dilation": Mistake(CONV1D_NO_DILATION, "the dilation is ignored", "dilation_ignored",
                               ("padding, stride and dilation", "ValueError")),
        "pad_one_side": Mistake(CONV1D_PAD_ONE_SIDE, "zeros at EACH end", "padding_one_side",
                                ("padding, stride and dilation",)),
        "subsample_first": Mistake(CONV1D_SUBSAMPLE_FIRST, "it does not subsample the input first",
                                   "stride_subsamples_input", ("padding, stride and dilation",)),
        "unbatched_only": Mistake(CONV1D_UNBATCHED_ONLY, "must accept a batch (N, C, T)",
                                  "batch_not_accepted", ("batch",)),
        "bias_last_axis": Mistake(CONV1D_BIAS_LAST_AXIS, "the bias is added along the wrong axis",
                                  "bias_wrong_axis", ("bias",)),
        "no_value_error": Mistake(CONV1D_NO_VALUE_ERROR, "must raise ValueError",
                                  "missing_value_error", ("ValueError",)),
        "np_correlate": Mistake(CONV1D_NP_CORRELATE, SHORTCUT, LIBRARY, CONV_VALUES + ("ValueError",)),
        "no_channel_check": Mistake(CONV1D_NO_CHANNEL_CHECK, "channel count differs",
                                    "missing_value_error", ("ValueError",)),
        "zeros_like_integer": Mistake(CONV1D_ZEROS_LIKE, "truncated to integers",
                                      "truncated_to_integers", ("integer inputs",)),
        "no_bias": Mistake(CONV1D_NO_BIAS, "the bias b is missing", "bias_missing", ("bias",)),
        "length_off_by_one": Mistake(CONV1D_LENGTH_OFF_BY_ONE, "off by one", "output_length_off_by_one",
                                     CONV_VALUES),
    },
    "causal_conv1d": {
        "right_padding": Mistake(CAUSAL_RIGHT_PAD, FUTURE, "padded_on_the_right",
                                 CAUSAL_VALUES + ("causality",)),
        "same_padding": Mistake(CAUSAL_SAME_PAD, FUTURE, "padded_on_both_sides",
                                CAUSAL_VALUES + ("causality",)),
        "flipped_kernel": Mistake(CAUSAL_FLIPPED, FLIPPED, "kernel_flipped", CAUSAL_VALUES),
        "no_dilation": Mistake(CAUSAL_NO_DILATION, "the dilation is ignored", "dilation_ignored",
                               ("dilation",)),
        "full_length": Mistake(CAUSAL_FULL_LENGTH, "that is the full correlation",
                               "full_length_output", CAUSAL_VALUES),
        "scipy_lfilter": Mistake(CAUSAL_LFILTER, SHORTCUT, LIBRARY, CAUSAL_VALUES + ("causality",)),
        "zeros_like_integer": Mistake(CAUSAL_ZEROS_LIKE, "truncated to integers",
                                      "truncated_to_integers", ("integer inputs",)),
        "unbatched_only": Mistake(CAUSAL_UNBATCHED_ONLY, "must accept a batch (N, C, T)",
                                  "batch_not_accepted", ("batch",)),
    },
    "receptive_field": {
        "no_plus_one": Mistake(RF_NO_PLUS_ONE, "the output sample itself counts",
                               "output_sample_not_counted", RF_VALUES),
        "k_times_d": Mistake(RF_K_TIMES_D, "not k*dilation", "reach_k_times_dilation", RF_VALUES),
        "ignores_dilation": Mistake(RF_IGNORES_DILATION, "the dilation is ignored", "dilation_ignored",
                                    RF_VALUES),
        "sum_of_spans": Mistake(RF_SUM_OF_SPANS, "the layers share their end samples",
                                "span_counted_per_layer", RF_VALUES),
        "product": Mistake(RF_PRODUCT, "they do not multiply it", "reach_multiplied", RF_VALUES),
        "layer_count_off_by_one": Mistake(RF_LAYER_OFF_BY_ONE, "one layer is left out",
                                          "layer_count_off_by_one", RF_VALUES),
        "numpy_integer": Mistake(RF_NUMPY_INT, "not a numpy number", "numpy_number", ("Python int",)),
        "float_count": Mistake(RF_FLOAT, "not a float", "float_count", ("Python int",)),
    },
    "estimate_delay": {
        "sign_error": Mistake(DELAY_SIGN, "the sign is wrong", "lag_sign_flipped",
                              ("values", "negative lags")),
        "full_index": Mistake(DELAY_FULL_INDEX, "subtract len(x) - 1 to turn it into a lag",
                              "full_index_not_shifted", ("values", "negative lags")),
        "wrong_length_subtracted": Mistake(DELAY_WRONG_LENGTH, "not len(y) - 1", "shifted_by_len_y",
                                           ("values", "negative lags")),
        "circular": Mistake(DELAY_CIRCULAR, "a circular (FFT) correlation of length len(y) wraps",
                            "circular_correlation", ("negative lags",)),
        "fft_no_unwrap": Mistake(DELAY_NO_UNWRAP, "the upper indices hold the negative lags",
                                 "fft_lags_not_unwrapped", ("negative lags",)),
        "args_swapped": Mistake(DELAY_ARGS_SWAPPED, "the sign is wrong", "correlation_arguments_swapped",
                                ("values", "negative lags")),
        "full_index_of_x_y": Mistake(DELAY_XY_INDEX, "correlate y with x and subtract len(x) - 1",
                                     "full_index_of_swapped_correlation", ("values", "negative lags")),
        "numpy_integer": Mistake(DELAY_NUMPY_INT, "not a numpy number", "numpy_number", ("Python int",)),
    },
}

CORRECT = {
    "audio_layer": {
        "loops": AUDIO_LOOPS,
        "einsum_windows": AUDIO_EINSUM_WINDOWS,
        "tensordot": AUDIO_TENSORDOT,
        "fft": AUDIO_FFT,
        "float32": AUDIO_FLOAT32,
    },
    "conv1d": {
        "loops": CONV1D_LOOPS,
        "einsum_windows": CONV1D_EINSUM_WINDOWS,
        "im2col": CONV1D_IM2COL,
        "fft": CONV1D_FFT,
        "float32_tensordot": CONV1D_FLOAT32,
    },
    "causal_conv1d": {
        "loops": CAUSAL_LOOPS,
        "einsum_windows": CAUSAL_EINSUM_WINDOWS,
        "fft": CAUSAL_FFT,
        "float32": CAUSAL_FLOAT32,
        "on_conv1d": CAUSAL_ON_CONV1D,
    },
    "receptive_field": {
        "formula": RF_FORMULA,
        "reachable_set": RF_REACHABLE_SET,
        "numpy": RF_NUMPY,
    },
    "estimate_delay": {
        "np_correlate_lags": DELAY_NP_CORRELATE,
        "loop_over_lags": DELAY_LOOP,
        "fft_unwrapped": DELAY_FFT,
        "scipy_correlation_lags": DELAY_SCIPY,
        "numpy_item": DELAY_ITEM,
    },
}
