"""The direct path: sliding windows gathered in bounded chunks, then one matrix product each.

``H[n, d, o] = sum_{c, a} W[d, c, a] X[n, c, o*stride + a*dilation]`` is a matrix product once
the windows of X are laid out as rows (im2col). The window view itself is free (a numpy
stride trick); only a chunk of rows is ever copied, so memory stays under ``budget`` bytes.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

#: Largest window chunk (bytes) the direct path copies at once.
MEMORY_BUDGET = 64 * 2**20


def windows(x, kernel_size, stride, dilation):
    """View of every (dilated, strided) window: ``(N, C, *S)`` -> ``(N, C, *O, *K)``, no copy."""
    rank = len(kernel_size)
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel_size, dilation))
    view = sliding_window_view(x, span, axis=tuple(range(2, 2 + rank)))
    steps = tuple(slice(None, None, s) for s in stride) + tuple(slice(None, None, d) for d in dilation)
    return view[(slice(None), slice(None)) + steps]


def correlate_direct(x, w, stride, dilation, dtype, budget=MEMORY_BUDGET):
    """Valid cross-correlation of padded ``x (N, C, *S)`` with ``w (D, C, *K)`` -> ``(N, D, *O)``."""
    rank = w.ndim - 2
    n_batch, channels = x.shape[:2]
    depth = w.shape[0]
    view = windows(x, w.shape[2:], stride, dilation)            # (N, C, *O, *K)
    out_shape = view.shape[2:2 + rank]
    # Rows are (n, o...) positions, columns are (c, k...) taps: move C next to the taps.
    rows_view = np.moveaxis(view, 1, 1 + rank)                  # (N, *O, C, *K)
    taps = channels * math.prod(w.shape[2:])
    kernel = w.reshape(depth, taps).T.astype(dtype, copy=False)  # (C*K, D)
    out = np.empty((n_batch,) + out_shape + (depth,), dtype=dtype)

    itemsize = np.dtype(dtype).itemsize if dtype != object else 8
    # Chunk along the first axis of (N, *O) whose trailing block of rows fits in the budget;
    # the axes before it are walked one index at a time (so wide rows stay under budget too).
    lead_shape = (n_batch,) + out_shape
    row_bytes = taps * itemsize
    axis = 0
    while axis < rank and math.prod(lead_shape[axis + 1:]) * row_bytes > budget:
        axis += 1
    step = max(1, budget // max(1, math.prod(lead_shape[axis + 1:]) * row_bytes))
    for index in np.ndindex(*lead_shape[:axis]):
        for start in range(0, lead_shape[axis], step):
            where = index + (slice(start, start + step),)
            block = rows_view[where]
            lead = block.shape[:len(lead_shape) - axis]
            cols = block.reshape(math.prod(lead), taps)         # the one copy (im2col)
            out[where] = (cols @ kernel).reshape(lead + (depth,))
    return np.moveaxis(out, -1, 1)
