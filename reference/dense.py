"""A conv layer is a dense layer with constraints: here is its weight matrix, written out.

This is the lecture's starting point run backwards: the fully connected layer whose weights
are shared across positions (translation invariance) and zero far away (locality).
"""
from __future__ import annotations

import math

import numpy as np

from .layer import conv


def dense_matrix(w, input_shape, **conv_options):
    """The matrix ``M (D*prod(O), C*prod(S))`` with ``M @ x.ravel() == conv(x, w, **opts).ravel()``.

    ``input_shape`` is one unbatched input ``(C, *S)``; ``conv_options`` are any of
    :func:`convref.conv`'s keyword options except the bias (a dense layer's bias is a separate
    vector). Column ``p`` of ``M`` is the layer's response to the ``p``-th unit input.
    """
    if conv_options.get("b") is not None:
        raise TypeError("dense_matrix describes the linear part only; add the bias separately")
    conv_options.pop("b", None)
    input_shape = tuple(int(n) for n in input_shape)
    w = np.asarray(w)
    if len(input_shape) != w.ndim - 1:
        raise ValueError(f"input_shape must be (C, *S) with {w.ndim - 2} spatial axes, "
                         f"got {input_shape}")
    size = math.prod(input_shape)
    basis = np.eye(size).reshape((size,) + input_shape)
    responses = conv(basis, w, **conv_options)                 # (P, D, *O)
    return responses.reshape(size, -1).T
