"""Shape bookkeeping for the conv layer: per-axis options, padding rules, output sizes.

Everything here is pure arithmetic on integers, so the formulas the course teaches
(``out = floor((n + before + after - dilation*(k-1) - 1) / stride) + 1``) live in one place.
"""
from __future__ import annotations

import numbers

PADDING_WORDS = ("valid", "same", "full")


def per_axis(value, rank: int, name: str) -> tuple:
    """Expand an int or a length-``rank`` sequence of ints into a tuple of ``rank`` ints."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (int(value),) * rank
    try:
        items = tuple(value)
    except TypeError:
        raise TypeError(f"{name} must be an int or a tuple of {rank} ints, got {value!r}") from None
    if len(items) != rank or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                                     for v in items):
        raise TypeError(f"{name} must be an int or a tuple of {rank} ints, got {value!r}")
    return tuple(int(v) for v in items)


def positive(value, rank: int, name: str) -> tuple:
    """Like :func:`per_axis`, and every entry must be at least 1 (stride, dilation)."""
    values = per_axis(value, rank, name)
    if any(v < 1 for v in values):
        raise ValueError(f"{name} must be positive, got {value!r}")
    return values


def pad_pairs(padding, kernel_size: tuple, dilation: tuple, stride: tuple = None) -> tuple:
    """Resolve ``padding`` into one ``(before, after)`` pair per spatial axis.

    ``padding`` is ``"valid"`` (none), ``"same"`` (total ``dilation*(k-1)``, the smaller half
    before: PyTorch's rule, so even kernels work), ``"full"`` (``dilation*(k-1)`` on both sides),
    an int, a tuple of ints (symmetric per axis) or a tuple of ``(before, after)`` pairs.
    """
    rank = len(kernel_size)
    if isinstance(padding, str):
        span = [d * (k - 1) for k, d in zip(kernel_size, dilation)]
        if padding == "valid":
            return ((0, 0),) * rank
        if padding == "same":
            if stride is not None and any(s != 1 for s in stride):
                raise ValueError("padding='same' needs stride 1 (as in PyTorch)")
            return tuple((t // 2, t - t // 2) for t in span)
        if padding == "full":
            return tuple((t, t) for t in span)
        raise ValueError(f"unknown padding mode {padding!r}; expected one of {PADDING_WORDS}, "
                         "an int or a tuple")
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        pairs = ((int(padding), int(padding)),) * rank
    else:
        try:
            items = tuple(padding)
        except TypeError:
            raise TypeError(f"padding must be a mode name, an int or a tuple, got {padding!r}") from None
        if len(items) != rank:
            raise ValueError(f"padding {padding!r} has {len(items)} entries for {rank} spatial axes")
        pairs = tuple((p, p) if isinstance(p, numbers.Integral) else tuple(p) for p in items)
        if not all(len(p) == 2 and all(isinstance(v, numbers.Integral) for v in p) for p in pairs):
            raise TypeError(f"padding must hold ints or (before, after) pairs, got {padding!r}")
        pairs = tuple((int(a), int(b)) for a, b in pairs)
    if any(v < 0 for p in pairs for v in p):
        raise ValueError(f"padding must be non-negative, got {padding!r}")
    return pairs


def output_shape(input_shape, kernel_size, stride=1, padding=0, dilation=1) -> tuple:
    """Spatial output shape of a conv layer: one ``floor((n+pad-dil*(k-1)-1)/s)+1`` per axis.

    ``input_shape`` and ``kernel_size`` are the spatial sizes only (e.g. ``(H, W)`` and
    ``(KH, KW)``). Raises ``ValueError`` when the kernel does not fit in the padded input.
    """
    input_shape = tuple(int(n) for n in input_shape)
    kernel_size = tuple(int(k) for k in kernel_size)
    rank = len(kernel_size)
    if len(input_shape) != rank:
        raise ValueError(f"input has {len(input_shape)} spatial axes but the kernel has {rank}")
    stride = positive(stride, rank, "stride")
    dilation = positive(dilation, rank, "dilation")
    pairs = pad_pairs(padding, kernel_size, dilation, stride)
    out = []
    for n, k, s, d, (before, after) in zip(input_shape, kernel_size, stride, dilation, pairs):
        span = d * (k - 1) + 1
        if span > n + before + after:
            raise ValueError(f"kernel larger than the padded input: a kernel spanning {span} "
                             f"does not fit in {n} + {before + after} padding")
        out.append((n + before + after - span) // s + 1)
    return tuple(out)
