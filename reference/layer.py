"""The convolutional layer and the two single-channel operations built on it.

``conv`` follows ``torch.nn.functional.conv{1,2,3}d``: input ``(N, C, *S)`` or ``(C, *S)``,
weights ``(D, C // groups, *K)``, optional bias ``(D,)``. ``correlate`` and ``convolve`` are
the one-channel special cases the chapter starts from.

NaN policy: NaN and inf are not errors; they reach exactly the outputs whose window reads
them (``inf * 0`` is NaN, as in the sum that defines the layer). Such inputs always take the
direct path, because an FFT would spread them over the whole output.
"""
from __future__ import annotations

import numbers

import numpy as np

from .direct import correlate_direct
from .padding import check_boundary, pad
from .shapes import PADDING_WORDS, output_shape, pad_pairs, positive
from .spectral import correlate_fft, fft_is_cheaper

METHODS = ("auto", "direct", "fft")


def _as_array(value, name):
    arr = np.asarray(value)
    if arr.dtype.kind not in "biufcO":
        raise TypeError(f"{name} must hold numbers (or sympy expressions in an object array), "
                        f"got dtype {arr.dtype}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    return arr


def _result_dtype(*arrays):
    if any(a.dtype == object for a in arrays):
        return np.dtype(object)
    dtype = np.result_type(*arrays)
    return np.dtype(np.float64) if dtype.kind in "biu" else dtype


def conv(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros",
         flip=False, method="auto"):
    """Conv layer with PyTorch's semantics, for 1-, 2- and 3-D signals.

    ``x (N, C, *S)`` or ``(C, *S)``, ``w (D, C // groups, *K)``, ``b (D,)`` ->
    ``(N, D, *O)`` or ``(D, *O)`` with ``O`` from :func:`convref.output_shape`.
    ``padding`` is an int, a tuple, ``"valid"``, ``"same"`` or ``"full"``; ``padding_mode`` is
    ``zeros``, ``reflect``, ``replicate`` or ``circular``; ``flip=True`` flips every spatial
    axis of the kernel (true convolution). ``method`` picks the direct or FFT path
    (``"auto"`` chooses by cost).
    """
    x = _as_array(x, "input")
    w = _as_array(w, "kernel")
    if not 3 <= w.ndim <= 5:
        raise ValueError(f"kernel must be (D, C/groups, *K) with 1 to 3 spatial axes, "
                         f"got shape {w.shape}")
    rank = w.ndim - 2
    if x.ndim not in (rank + 1, rank + 2):
        raise ValueError(f"wrong rank: a {rank}-D conv takes input (C, *S) or (N, C, *S) with "
                         f"{rank} spatial axes, got shape {x.shape}")
    batched = x.ndim == rank + 2
    if not batched:
        x = x[None]
    if not (isinstance(groups, numbers.Integral) and groups >= 1):
        raise ValueError(f"groups must be a positive int, got {groups!r}")
    channels, depth = x.shape[1], w.shape[0]
    if channels % groups or depth % groups:
        raise ValueError(f"groups={groups} must divide both the input channels ({channels}) "
                         f"and the output channels ({depth})")
    if w.shape[1] * groups != channels:
        raise ValueError(f"channel mismatch: input has {channels} channels but the kernel "
                         f"expects {w.shape[1] * groups} ({w.shape[1]} per group x {groups} groups)")
    if b is not None:
        b = _as_array(b, "bias")
        if b.shape != (depth,):
            raise ValueError(f"bias must have shape ({depth},), one per output channel, got {b.shape}")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    check_boundary(padding_mode)
    stride = positive(stride, rank, "stride")
    dilation = positive(dilation, rank, "dilation")
    kernel_size = w.shape[2:]
    pairs = pad_pairs(padding, kernel_size, dilation, stride)
    out_spatial = output_shape(x.shape[2:], kernel_size, stride, pairs, dilation)
    if flip:
        w = w[(Ellipsis,) + (slice(None, None, -1),) * rank]

    dtype = _result_dtype(x, w) if b is None else _result_dtype(x, w, b)
    xp = pad(x, pairs, padding_mode)
    symbolic = dtype == object
    if method == "auto":
        finite = not symbolic and bool(np.isfinite(xp).all() and np.isfinite(w).all())
        per_group = (xp.shape[0], channels // groups) + xp.shape[2:]
        use_fft = finite and fft_is_cheaper(per_group, (depth // groups,) + w.shape[1:], out_spatial)
    else:
        if method == "fft" and symbolic:
            raise TypeError("the FFT path needs numbers; symbolic arrays take method='direct'")
        use_fft = method == "fft"
    engine = correlate_fft if use_fft else correlate_direct

    cg, dg = channels // groups, depth // groups
    parts = [engine(xp[:, g * cg:(g + 1) * cg], w[g * dg:(g + 1) * dg], stride, dilation, dtype)
             for g in range(groups)]
    out = parts[0] if groups == 1 else np.concatenate(parts, axis=1)
    if b is not None:
        out = out + b.reshape((depth,) + (1,) * rank).astype(dtype, copy=False)
    return out if batched else out[0]


def correlate(x, k, mode="valid", boundary="zeros", stride=1, dilation=1, method="auto"):
    """Single-channel cross-correlation ``y[i] = sum_a k[a] x[i*stride + a*dilation]``.

    ``x`` and ``k`` have the same rank (1, 2 or 3). ``mode`` is ``valid``, ``same`` (PyTorch's
    rule: the smaller half of the padding goes first) or ``full``; ``boundary`` is how the
    padding is filled: ``zeros``, ``reflect``, ``replicate`` or ``circular``.
    """
    if mode not in PADDING_WORDS:
        raise ValueError(f"unknown mode {mode!r}; expected one of {PADDING_WORDS}")
    x = _as_array(x, "input")
    k = _as_array(k, "kernel")
    if not 1 <= k.ndim <= 3 or x.ndim != k.ndim:
        raise ValueError(f"input and kernel must have the same rank, 1 to 3; got shapes "
                         f"{x.shape} and {k.shape}")
    return conv(x[None], k[None, None], padding=mode, padding_mode=boundary, stride=stride,
                dilation=dilation, method=method)[0]


def convolve(x, k, mode="valid", boundary="zeros", stride=1, dilation=1, method="auto"):
    """True convolution ``y[i] = sum_a k[a] x[i - a]``: :func:`correlate` with every axis of
    ``k`` flipped. Same arguments and shapes as :func:`correlate`."""
    k = _as_array(k, "kernel")
    return correlate(x, k[(slice(None, None, -1),) * k.ndim], mode, boundary, stride, dilation, method)
