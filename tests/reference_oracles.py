"""Oracles for the convref tests, written without any of convref's code.

Everything here is either a nested loop over the textbook sum
``H[n, d, o] = b[d] + sum_{c, a} W[d, c, a] X[n, g*C/g + c, o*stride + a*dilation - before]``
with explicit index maps for the boundaries, or scipy used the way its documentation says.
No ``np.pad``, no ``convref.pad``, no sliding windows.
"""
from __future__ import annotations

import numbers

import numpy as np

MODES = ("valid", "same", "full")
BOUNDARY_NAMES = ("zeros", "reflect", "replicate", "circular")


# ----------------------------------------------------------------------------- index maps
def map_index(i: int, n: int, boundary: str):
    """Where index ``i`` of an axis of length ``n`` reads from, or None for a zero.

    reflect: ``3 2 [1 2 3] 2 1`` (mirror without repeating the edge);
    replicate: ``1 1 [1 2 3] 3 3``; circular: ``2 3 [1 2 3] 1 2``; zeros: None outside.
    """
    if 0 <= i < n:
        return i
    if boundary == "zeros":
        return None
    if boundary == "replicate":
        return 0 if i < 0 else n - 1
    if boundary == "circular":
        return i % n
    if boundary == "reflect":
        period = 2 * (n - 1)
        if period == 0:
            return 0
        i %= period
        return period - i if i >= n else i
    raise AssertionError(f"no index map for {boundary!r}")


def pad_by_maps(x, pairs, boundary):
    """Pad the trailing ``len(pairs)`` axes of ``x`` with :func:`map_index`, one element at a time."""
    x = np.asarray(x)
    lead = x.ndim - len(pairs)
    shape = x.shape[:lead] + tuple(n + b + a for n, (b, a) in zip(x.shape[lead:], pairs))
    out = np.zeros(shape, dtype=x.dtype)
    for idx in np.ndindex(*shape):
        src = []
        for i, n, (b, _) in zip(idx[lead:], x.shape[lead:], pairs):
            j = map_index(i - b, n, boundary)
            if j is None:
                break
            src.append(j)
        else:
            out[idx] = x[idx[:lead] + tuple(src)]
    return out


# ----------------------------------------------------------------------------- shapes
def as_tuple(value, rank):
    if isinstance(value, numbers.Integral):
        return (int(value),) * rank
    return tuple(int(v) for v in value)


def resolve_padding(padding, kernel_size, dilation):
    """``(before, after)`` per axis: PyTorch's rule for "same" is floor(total/2) before."""
    rank = len(kernel_size)
    dilation = as_tuple(dilation, rank)
    totals = [d * (k - 1) for k, d in zip(kernel_size, dilation)]
    if padding == "valid":
        return ((0, 0),) * rank
    if padding == "full":
        return tuple((t, t) for t in totals)
    if padding == "same":
        return tuple((t // 2, t - t // 2) for t in totals)
    if isinstance(padding, numbers.Integral):
        return ((int(padding), int(padding)),) * rank
    return tuple((int(p), int(p)) if isinstance(p, numbers.Integral) else (int(p[0]), int(p[1]))
                 for p in padding)


def out_len(n, k, stride=1, dilation=1, before=0, after=0):
    """The course formula ``floor((n + before + after - d*(k-1) - 1) / s) + 1``."""
    return (n + before + after - dilation * (k - 1) - 1) // stride + 1


# ----------------------------------------------------------------------------- brute force
def _oracle_dtype(*arrays):
    if any(a.dtype == object for a in arrays):
        return object
    if any(a.dtype.kind == "c" for a in arrays):
        return np.complex128
    return np.float64


def brute_conv(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, boundary="zeros"):
    """The conv layer as nested loops over the textbook sum (PyTorch's conv semantics).

    ``x (N, C, *S)`` or ``(C, *S)``, ``w (D, C/groups, *K)``. Numbers are summed in float64
    (complex128); object arrays (sympy) are summed as objects.
    """
    x, w = np.asarray(x), np.asarray(w)
    rank = w.ndim - 2
    batched = x.ndim == rank + 2
    if not batched:
        x = x[None]
    dtype = _oracle_dtype(x, w) if b is None else _oracle_dtype(x, w, np.asarray(b))
    if dtype is not object:
        x, w = x.astype(dtype), w.astype(dtype)
    stride, dilation = as_tuple(stride, rank), as_tuple(dilation, rank)
    kernel_size = w.shape[2:]
    pairs = resolve_padding(padding, kernel_size, dilation)
    n_batch, channels, sizes = x.shape[0], x.shape[1], x.shape[2:]
    depth = w.shape[0]
    cg, dg = channels // groups, depth // groups
    out_shape = tuple(out_len(n, k, s, d, pb, pa) for n, k, s, d, (pb, pa)
                      in zip(sizes, kernel_size, stride, dilation, pairs))
    out = np.empty((n_batch, depth) + out_shape, dtype=object)
    for n in range(n_batch):
        for d in range(depth):
            first = (d // dg) * cg
            for o in np.ndindex(*out_shape):
                total = 0 if b is None else b[d]
                for c in range(cg):
                    for a in np.ndindex(*kernel_size):
                        src = []
                        for ax in range(rank):
                            i = o[ax] * stride[ax] + a[ax] * dilation[ax] - pairs[ax][0]
                            j = map_index(i, sizes[ax], boundary)
                            if j is None:
                                break
                            src.append(j)
                        else:
                            total = total + w[(d, c) + a] * x[(n, first + c) + tuple(src)]
                out[(n, d) + o] = total
    if dtype is not object:
        out = out.astype(dtype)
    return out if batched else out[0]


def brute_correlate(x, k, mode="valid", boundary="zeros", stride=1, dilation=1):
    """Single-channel correlation ``y[i] = sum_a k[a] x[i*s + a*d - before]`` as loops."""
    return brute_conv(np.asarray(x)[None], np.asarray(k)[None, None], stride=stride,
                      padding=mode, dilation=dilation, boundary=boundary)[0]


def map_indices(i, n: int, boundary: str):
    """:func:`map_index` for an integer array ``i``; -1 marks a zero (outside, zeros mode)."""
    return np.array([-1 if (j := map_index(int(v), n, boundary)) is None else j for v in i],
                    dtype=int)


def brute_reads(shape, kernel_size, bad, mode="valid", boundary="zeros", stride=1, dilation=1):
    """Boolean map: does output ``o``'s window read any input position flagged in ``bad``?

    One output at a time: the window's source indices per axis come from the index maps
    (tabulated once per axis), then ``bad`` is looked up at their outer product.
    """
    rank = len(shape)
    stride, dilation = as_tuple(stride, rank), as_tuple(dilation, rank)
    pairs = resolve_padding(mode, kernel_size, dilation)
    out_shape = tuple(out_len(n, k, s, d, pb, pa) for n, k, s, d, (pb, pa)
                      in zip(shape, kernel_size, stride, dilation, pairs))
    # table[ax][p] = source of padded position p along axis ax (-1: a zero)
    table = [map_indices(np.arange(n + pb + pa) - pb, n, boundary)
             for n, (pb, pa) in zip(shape, pairs)]
    hit = np.zeros(out_shape, dtype=bool)
    for o in np.ndindex(*out_shape):
        src = [table[ax][o[ax] * stride[ax] + np.arange(kernel_size[ax]) * dilation[ax]]
               for ax in range(rank)]
        src = [s_[s_ >= 0] for s_ in src]
        if all(s_.size for s_ in src):
            hit[o] = bool(bad[np.ix_(*src)].any())
    return hit


# ----------------------------------------------------------------------------- scipy
def scipy_mode(op, x, k, mode):
    """convref's ``valid``/``same``/``full`` result from scipy.signal, via the full output.

    ``full[m]`` of both scipy.signal.correlate and scipy.signal.convolve is what convref
    gets with ``k-1`` samples of zero padding before; convref's "same" pads ``(k-1)//2``
    before (PyTorch), so output ``j`` is ``full[j + (k-1) - (k-1)//2] = full[j + k//2]``.
    scipy's own "same" starts at ``(k-1)//2`` instead: the two agree for odd kernels only.
    """
    from scipy import signal

    func = signal.correlate if op == "correlate" else signal.convolve
    full = func(x, k, mode="full", method="direct")
    if mode == "full":
        return full
    if mode == "valid":
        cut = tuple(slice(kk - 1, n) for n, kk in zip(x.shape, k.shape))
    else:
        cut = tuple(slice(kk // 2, kk // 2 + n) for n, kk in zip(x.shape, k.shape))
    return full[cut]


def dilate_kernel(k, dilation):
    """Insert ``dilation - 1`` zeros between taps along every axis (an explicit loop)."""
    k = np.asarray(k)
    dilation = as_tuple(dilation, k.ndim)
    out = np.zeros(tuple(d * (n - 1) + 1 for n, d in zip(k.shape, dilation)), dtype=k.dtype)
    for a in np.ndindex(*k.shape):
        out[tuple(i * d for i, d in zip(a, dilation))] = k[a]
    return out


# ----------------------------------------------------------------------------- tolerances
def bound_scale(x, w, b=None, groups=1):
    """An upper bound on any output's magnitude: ``max|x| * max_d sum|w[d]| + max|b|``."""
    x, w = np.abs(np.asarray(x)), np.abs(np.asarray(w))
    per_out = w.reshape(w.shape[0], -1).sum(axis=1).max()
    scale = float(x.max()) * float(per_out)
    if b is not None:
        scale += float(np.abs(np.asarray(b)).max())
    return max(scale, 1e-300)


def assert_close(actual, expected, scale, rtol=1e-9, eps=1e-10):
    """``assert_allclose`` with an absolute tolerance ``eps * scale`` (scale from bound_scale)."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=eps * scale)
