"""convref: the reference convolutional layer of the convgrade course (numpy only).

``correlate``/``convolve`` for one channel, ``conv`` for the whole layer, ``dense_matrix`` for
the layer written as the constrained dense layer it is, and the shape helpers they share.
"""
from .dense import dense_matrix
from .layer import conv, convolve, correlate
from .padding import BOUNDARIES, pad
from .shapes import output_shape

__all__ = ["conv", "correlate", "convolve", "dense_matrix", "output_shape", "pad", "BOUNDARIES"]
