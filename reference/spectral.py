"""The FFT path: cross-correlation as a product of spectra, for kernels too large to slide.

Correlating with ``w`` is convolving with ``w`` flipped, and convolution is a pointwise
product after a Fourier transform; the valid part of the full result is then cut out.
Work is done one batch item at a time, so memory is ``D`` spectra of the padded size.
"""
from __future__ import annotations

import math

import numpy as np


def next_fast_len(n: int) -> int:
    """Smallest ``m >= n`` whose only prime factors are 2, 3 and 5 (cheap FFT sizes)."""
    best = 2 ** math.ceil(math.log2(max(n, 1)))
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def correlate_fft(x, w, stride, dilation, dtype):
    """Same contract as :func:`convref.direct.correlate_direct`, computed with ``numpy.fft``."""
    rank = w.ndim - 2
    axes = tuple(range(-rank, 0))
    depth, channels = w.shape[:2]
    span = tuple(d * (k - 1) + 1 for k, d in zip(w.shape[2:], dilation))
    if any(d > 1 for d in dilation):                            # a dilated kernel has holes
        holes = np.zeros(w.shape[:2] + span, dtype=w.dtype)
        holes[(Ellipsis,) + tuple(slice(None, None, d) for d in dilation)] = w
        w = holes
    flipped = w[(Ellipsis,) + (slice(None, None, -1),) * rank]
    sizes = x.shape[2:]
    fft_shape = tuple(next_fast_len(n + s - 1) for n, s in zip(sizes, span))
    if np.dtype(dtype).kind == "c":                             # complex: the full transform
        work, forward, inverse = dtype, np.fft.fftn, np.fft.ifftn
    else:
        work = np.float32 if dtype == np.float32 else np.float64
        forward, inverse = np.fft.rfftn, np.fft.irfftn
    w_hat = forward(flipped.astype(work, copy=False), fft_shape, axes=axes)   # (D, C, *F)
    keep = tuple(slice(s - 1, n, st) for s, n, st in zip(span, sizes, stride))
    outs = []
    for item in x:                                              # (C, *S)
        x_hat = forward(item.astype(work, copy=False), fft_shape, axes=axes)
        y_hat = np.einsum("c...,dc...->d...", x_hat, w_hat)
        outs.append(inverse(y_hat, fft_shape, axes=axes)[(slice(None),) + keep])
    return np.stack(outs).astype(dtype, copy=False)


def fft_is_cheaper(x_shape, w_shape, out_shape) -> bool:
    """Rough flop model: direct is ``N*D*C*O*K`` products, FFT is a few transforms of size F."""
    n_batch, channels = x_shape[:2]
    depth = w_shape[0]
    direct = n_batch * depth * channels * math.prod(out_shape) * math.prod(w_shape[2:])
    fft_size = math.prod(next_fast_len(n + k - 1) for n, k in zip(x_shape[2:], w_shape[2:]))
    transforms = (n_batch * channels + depth * channels + n_batch * depth) * fft_size
    spectral = 2.5 * transforms * math.log2(max(fft_size, 2)) + 2 * n_batch * depth * channels * fft_size
    return direct > 4 * spectral
