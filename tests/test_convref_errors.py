"""Bad inputs: each raises the right exception type with a message that says what is wrong."""
from __future__ import annotations

import numpy as np
import pytest
import sympy

import convref

X1 = np.ones((3, 10))            # (C, T)
W1 = np.ones((2, 3, 3))          # (D, C, K)
X2 = np.ones((2, 3, 8, 8))       # (N, C, H, W)
W2 = np.ones((4, 3, 3, 3))       # (D, C, KH, KW)

BAD_CALLS = [
    ("channel mismatch 2-D", lambda: convref.conv(X2, np.ones((4, 2, 3, 3))),
     ValueError, "channel mismatch"),
    ("channel mismatch 1-D", lambda: convref.conv(np.ones((4, 10)), W1),
     ValueError, "channel mismatch"),
    ("kernel larger than input", lambda: convref.conv(X2, np.ones((4, 3, 9, 3))),
     ValueError, "kernel larger than the padded input"),
    ("kernel larger than padded input", lambda: convref.conv(X1, np.ones((2, 3, 15)), padding=2),
     ValueError, "kernel larger than the padded input"),
    ("dilated kernel too large", lambda: convref.correlate(np.ones(7), np.ones(3), dilation=4),
     ValueError, "kernel larger than the padded input"),
    ("correlate kernel larger", lambda: convref.correlate(np.ones((4, 4)), np.ones((5, 2))),
     ValueError, "kernel larger than the padded input"),
    ("output_shape kernel larger", lambda: convref.output_shape((4,), (5,)),
     ValueError, "kernel larger than the padded input"),
    ("unknown mode", lambda: convref.correlate(np.ones(8), np.ones(3), mode="middle"),
     ValueError, "unknown mode"),
    ("unknown mode convolve", lambda: convref.convolve(np.ones(8), np.ones(3), mode="Same"),
     ValueError, "unknown mode"),
    ("unknown padding word", lambda: convref.conv(X1, W1, padding="half"),
     ValueError, "unknown padding mode"),
    ("unknown boundary", lambda: convref.correlate(np.ones(8), np.ones(3), "same", "mirror"),
     ValueError, "unknown boundary"),
    ("unknown padding_mode", lambda: convref.conv(X1, W1, padding=1, padding_mode="constant"),
     ValueError, "unknown boundary"),
    ("unknown pad mode", lambda: convref.pad(np.ones(4), 1, "wrap"),
     ValueError, "unknown boundary"),
    ("unknown method", lambda: convref.conv(X1, W1, method="winograd"),
     ValueError, "unknown method"),
    ("zero stride", lambda: convref.conv(X1, W1, stride=0),
     ValueError, "stride must be positive"),
    ("negative stride tuple", lambda: convref.conv(X2, W2, stride=(1, -1)),
     ValueError, "stride must be positive"),
    ("zero stride correlate", lambda: convref.correlate(np.ones(8), np.ones(3), stride=0),
     ValueError, "stride must be positive"),
    ("zero dilation", lambda: convref.conv(X1, W1, dilation=0),
     ValueError, "dilation must be positive"),
    ("negative dilation tuple", lambda: convref.conv(X2, W2, dilation=(-2, 1)),
     ValueError, "dilation must be positive"),
    ("stride tuple wrong length", lambda: convref.conv(X2, W2, stride=(1, 1, 1)),
     TypeError, "stride must be an int or a tuple of 2 ints"),
    ("groups do not divide channels", lambda: convref.conv(X2, np.ones((4, 1, 3, 3)), groups=2),
     ValueError, "must divide"),
    ("groups do not divide out channels", lambda: convref.conv(np.ones((4, 9)),
                                                               np.ones((3, 2, 3)), groups=2),
     ValueError, "must divide"),
    ("zero groups", lambda: convref.conv(X1, W1, groups=0),
     ValueError, "groups must be a positive int"),
    ("input rank too high", lambda: convref.conv(np.ones((2, 2, 3, 10)), W1),
     ValueError, "wrong rank"),
    ("input rank too low", lambda: convref.conv(np.ones((8, 8)), W2),
     ValueError, "wrong rank"),
    ("kernel rank too low", lambda: convref.conv(X1, np.ones((3, 3))),
     ValueError, "kernel must be (D, C/groups, *K)"),
    ("kernel rank too high", lambda: convref.conv(X1, np.ones((1, 1, 1, 1, 1, 3))),
     ValueError, "kernel must be (D, C/groups, *K)"),
    ("correlate rank mismatch", lambda: convref.correlate(np.ones((5, 5)), np.ones(3)),
     ValueError, "same rank"),
    ("correlate rank 4", lambda: convref.correlate(np.ones((3,) * 4), np.ones((2,) * 4)),
     ValueError, "same rank"),
    ("empty input", lambda: convref.conv(np.ones((3, 0)), W1),
     ValueError, "input is empty"),
    ("empty kernel", lambda: convref.conv(X1, np.ones((2, 3, 0))),
     ValueError, "kernel is empty"),
    ("empty correlate input", lambda: convref.correlate(np.array([]), np.ones(1)),
     ValueError, "input is empty"),
    ("empty correlate kernel", lambda: convref.correlate(np.ones(4), np.array([])),
     ValueError, "kernel is empty"),
    ("bias wrong length", lambda: convref.conv(X1, W1, b=np.ones(3)),
     ValueError, "bias must have shape (2,)"),
    ("bias wrong rank", lambda: convref.conv(X1, W1, b=np.ones((2, 1))),
     ValueError, "bias must have shape (2,)"),
    ("string input", lambda: convref.conv(np.array([["a", "b", "c"]] * 3), W1),
     TypeError, "input must hold numbers"),
    ("string kernel", lambda: convref.correlate(np.ones(5), np.array(["1", "2"])),
     TypeError, "kernel must hold numbers"),
    ("string bias", lambda: convref.conv(X1, W1, b=np.array(["x", "y"])),
     TypeError, "bias must hold numbers"),
    ("bytes input", lambda: convref.correlate(np.array([b"ab", b"cd", b"ef"]), np.ones(2)),
     TypeError, "must hold numbers"),
    ("reflect padding too large", lambda: convref.conv(X1, W1, padding=10, padding_mode="reflect"),
     ValueError, "reflect padding of 10"),
    ("reflect full too large", lambda: convref.correlate(np.ones(3), np.ones(4), "full", "reflect"),
     ValueError, "reflect padding of 3"),
    ("reflect pad() too large", lambda: convref.pad(np.ones((2, 4)), ((1, 1), (0, 4)), "reflect"),
     ValueError, "reflect padding of 4"),
    ("same with stride 2", lambda: convref.conv(X2, W2, padding="same", stride=2),
     ValueError, "padding='same' needs stride 1"),
    ("same with stride tuple", lambda: convref.conv(X2, W2, padding="same", stride=(1, 2)),
     ValueError, "padding='same' needs stride 1"),
    ("correlate same stride 2", lambda: convref.correlate(np.ones(9), np.ones(3), "same", stride=2),
     ValueError, "padding='same' needs stride 1"),
    ("negative padding", lambda: convref.conv(X1, W1, padding=-1),
     ValueError, "padding must be non-negative"),
    ("padding tuple wrong length", lambda: convref.conv(X2, W2, padding=(1, 1, 1)),
     ValueError, "has 3 entries for 2 spatial axes"),
    ("padding of floats", lambda: convref.conv(X1, W1, padding=1.5),
     TypeError, "padding must be a mode name, an int or a tuple"),
    ("padding pairs of floats", lambda: convref.conv(X2, W2, padding=((1.0, 1), (0, 0))),
     TypeError, "padding must hold ints or (before, after) pairs"),
    ("dense_matrix with bias", lambda: convref.dense_matrix(W1, (3, 10), b=np.ones(2)),
     TypeError, "linear part only"),
    ("dense_matrix wrong input shape", lambda: convref.dense_matrix(W2, (3, 8)),
     ValueError, "input_shape must be (C, *S) with 2 spatial axes"),
    ("fft of symbols", lambda: convref.correlate(np.array(sympy.symbols("a b c d"), dtype=object),
                                                  np.ones(2), method="fft"),
     TypeError, "FFT path needs numbers"),
    ("pad too many pairs", lambda: convref.pad(np.ones(4), ((1, 1), (1, 1))),
     ValueError, "2 padding pairs for an array with 1 axes"),
]


@pytest.mark.parametrize("call,error,message", [c[1:] for c in BAD_CALLS],
                         ids=[c[0] for c in BAD_CALLS])
def test_bad_input_raises_with_a_useful_message(call, error, message):
    with pytest.raises(error) as caught:
        call()
    assert message in str(caught.value), str(caught.value)


def test_the_good_twins_of_the_bad_calls_work():
    # each family above is one argument away from a valid call
    assert convref.conv(X2, W2).shape == (2, 4, 6, 6)
    assert convref.conv(X2, W2, padding="same").shape == (2, 4, 8, 8)
    assert convref.conv(np.ones((2, 4, 8, 8)), np.ones((4, 2, 3, 3)), groups=2).shape == (2, 4, 6, 6)
    assert convref.conv(X1, W1, padding=2, padding_mode="reflect").shape == (2, 12)
    assert convref.correlate(np.ones(4), np.ones(4), "full", "reflect").shape == (7,)
    assert convref.conv(X1, W1, b=np.ones(2)).shape == (2, 8)
    assert convref.correlate(np.ones(9), np.ones(3), "valid", stride=2).shape == (4,)
    assert convref.output_shape((5,), (5,)) == (1,)
