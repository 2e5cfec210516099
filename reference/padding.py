"""Boundary handling: grow an array with zeros, a mirror image, its edge values or itself.

The four modes are PyTorch's ``padding_mode`` names. ``reflect`` mirrors without repeating the
edge sample (``[1 2 3] -> 3 2 [1 2 3] 2 1``), ``replicate`` repeats the edge, ``circular``
wraps around as if the signal were periodic.
"""
from __future__ import annotations

import numbers

import numpy as np

BOUNDARIES = ("zeros", "reflect", "replicate", "circular")
_NUMPY_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def check_boundary(mode: str) -> str:
    """Return ``mode`` if it is a known boundary name, else raise a ValueError naming the choices."""
    if mode not in BOUNDARIES:
        raise ValueError(f"unknown boundary {mode!r}; expected one of {BOUNDARIES}")
    return mode


def pad(x, padding, mode: str = "zeros"):
    """Pad the trailing axes of ``x``.

    ``padding`` is an int (that much on both sides of every axis) or a sequence of
    ``(before, after)`` pairs for the last ``len(padding)`` axes; leading axes (batch,
    channels) are left alone. Works on numpy object arrays too (sympy symbols).
    """
    check_boundary(mode)
    x = np.asarray(x)
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        pairs = ((int(padding), int(padding)),) * x.ndim
    else:
        pairs = tuple((int(a), int(b)) for a, b in padding)
    if len(pairs) > x.ndim:
        raise ValueError(f"{len(pairs)} padding pairs for an array with {x.ndim} axes")
    if any(v < 0 for p in pairs for v in p):
        raise ValueError(f"padding must be non-negative, got {padding!r}")
    if not any(v for p in pairs for v in p):
        return x
    full = ((0, 0),) * (x.ndim - len(pairs)) + pairs
    for axis, (before, after) in enumerate(full):
        n = x.shape[axis]
        if (before or after) and n == 0:
            raise ValueError("cannot pad an empty axis")
        if mode == "reflect" and max(before, after) >= n:
            raise ValueError(f"reflect padding of {max(before, after)} needs more than that many "
                             f"samples along an axis of size {n}")
    if mode == "zeros":                  # what np.pad does, without its per-call overhead
        out = np.zeros(tuple(n + a + b for n, (a, b) in zip(x.shape, full)), dtype=x.dtype)
        out[tuple(slice(a, a + n) for n, (a, _) in zip(x.shape, full))] = x
        return out
    return np.pad(x, full, mode=_NUMPY_MODE[mode])
