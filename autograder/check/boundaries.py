"""Hidden checks of the assignment ``boundaries``: one function per test cell.

Each ``test_<name>(<name>)`` compares the student's function with ``convref`` (or a
brute-force oracle written here) on hypothesis cases drawn fresh for each submission, which
include non-square images, even and asymmetric kernels, size-1 edges and padding wider than
the kernel, and names the misconception a wrong answer shows. A misconception is only named when it explains
every case the answer gets wrong, so two mistakes that agree on one case are told apart.
"""
from __future__ import annotations

import numbers

import numpy as np
from hypothesis import strategies as st

import convref

from ..checks import (Case, CheckFailed, call_checked, close, dims, draw, judge, rng_array, seeds,
                      shapes_of)
from ..remote import StudentError

N_CASES = 25
MODES = ("zeros", "reflect", "replicate", "circular")
FLOAT_TOL = 2e-6      # fractions in [0, 1]: any float32 or float64 computation is this close
SHORTCUT = ("{name} calls {calls}, a library convolution. This task asks you to write it "
            "yourself (numpy slicing, np.pad, einsum, tensordot, stride tricks and numpy.fft are "
            "all fine).")


# -- running a batch and diagnosing it -------------------------------------------------------

def _number(value):
    """``value`` as a Python number, or None when it is not a single real number."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(-1)[0].item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    return value


def _scalar(case) -> bool:
    return isinstance(case.expected, numbers.Real) and not isinstance(case.expected, bool)


def _same_number(got, want) -> bool:
    if isinstance(want, numbers.Integral):
        return got == want
    return abs(got - want) <= FLOAT_TOL * max(1.0, abs(want))


def _matches(got, answer, case) -> bool:
    """Whether ``got`` is ``answer`` (a misconception's answer) up to the check's tolerance."""
    if answer is None:
        return False
    if _scalar(case):
        value = _number(got)
        return value is not None and _same_number(value, answer)
    if not (isinstance(got, np.ndarray) and got.shape == np.shape(answer)):
        return False
    magnitude = case.magnitude
    if magnitude is not None and np.shape(magnitude) != got.shape:
        magnitude = float(np.max(magnitude))    # a wrong-shaped answer: one scale for all
    return close(got, answer, magnitude)


def _reason(got, case, shape_hint):
    """None when ``got`` is right, else the generic reason it is not."""
    if _scalar(case):
        value = _number(got)
        if value is None:
            return f"expected a number, got {type(got).__name__}"
        return None if _same_number(value, case.expected) else f"{value} is not the right value"
    bare = Case(case.args, case.expected, case.about, case.kwargs, case.magnitude)
    return judge(got, bare, shape_hint)


def run(function, name: str, cases, shape_hint=None) -> int:
    """Call ``function`` on every case in one batch; raise CheckFailed unless all are right.

    The feedback names the first misconception (in the order the cases list them) whose
    answer equals the student's on EVERY case where the student returns a wrong answer
    (cases where the function raised do not count against it); otherwise it describes the
    first case that went wrong, as :func:`convgrade.checks.run_cases` does.
    """
    results = call_checked(function, name, [(c.args, c.kwargs) for c in cases], SHORTCUT)
    events = []                                   # (case, got, reason) of every wrong case
    for case, got in zip(cases, results):
        if isinstance(got, StudentError):
            events.append((case, got, None))
        else:
            reason = _reason(got, case, shape_hint)
            if reason:
                events.append((case, got, reason))
    if not events:
        return len(cases)
    misses = [event for event in events if event[2] is not None]
    for message in dict.fromkeys(m for case, _, _ in misses for m in case.wrong):
        if all(_matches(g, case.wrong.get(message), case) for case, g, _ in misses):
            raise CheckFailed(f"{name} is wrong on {misses[0][0].about}: {message.strip()}")
    first, got, reason = events[0]
    if reason is None:
        raise CheckFailed(f"{name} raised on {first.about}: {got}")
    for message, answer in first.wrong.items():
        if _matches(got, answer, first):
            reason = message.strip()
            break
    raise CheckFailed(f"{name} is wrong on {first.about}: {reason}")


def _must_raise(function, name, calls, why):
    """Each ``(args, kwargs, about)`` in ``calls`` must raise ValueError."""
    results = call_checked(function, name, [(args, kwargs) for args, kwargs, _ in calls],
                           "{name} calls {calls}, a library convolution.")
    for (_, _, about), got in zip(calls, results):
        if not (isinstance(got, StudentError) and str(got).startswith("ValueError")):
            did = (f"it raised {str(got).split(':')[0]}" if isinstance(got, StudentError)
                   else "it returned a result")
            raise CheckFailed(f"{name} must raise ValueError on {about} ({why}); {did}")
    return len(calls)


# -- output sizes ----------------------------------------------------------------------------

def _out(n, k, p=0, s=1, d=1):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def test_output_size(output_size):
    """floor((n + 2p - d(k-1) - 1)/s) + 1 against convref.output_shape; ValueError when the
    dilated kernel is longer than the padded input."""
    # the last two fixed cases tell mistakes from "one short": with dilation 3 a span of
    # dilation*k is two short, and with padding 2 padding one side only is two short
    fixed = [(5, 3, 0, 1, 1), (7, 3, 1, 2, 1), (8, 3, 1, 2, 1), (10, 3, 0, 1, 2), (1, 1, 0, 1, 1),
             (4, 4, 0, 1, 1), (6, 2, 0, 4, 1), (3, 5, 1, 1, 1), (28, 5, 2, 3, 2), (2, 7, 0, 1, 1),
             (13, 4, 1, 1, 3), (9, 3, 2, 1, 1)]
    strategy = st.tuples(dims(1, 40), dims(1, 9), st.integers(0, 5), dims(1, 5), dims(1, 3))
    fits, misfits = [], []
    for n, k, p, s, d in fixed + draw(strategy, 60):
        (fits if d * (k - 1) + 1 <= n + 2 * p else misfits).append((n, k, p, s, d))
    cases = []
    for n, k, p, s, d in fits[:N_CASES + 5]:
        (want,) = convref.output_shape((n,), (k,), s, p, d)
        span, total = d * (k - 1) + 1, n + 2 * p
        wrong = {
            "one short: there are (n + 2p - span) // stride + 1 window positions (count the "
            "first one too)": _out(n, k, p, s, d) - 1,
            "the dilation is ignored: a kernel of k taps with dilation d spans d*(k-1) + 1 pixels":
            _out(n, k, p, s, 1),
            "a dilated kernel spans dilation*(k-1) + 1 pixels, not dilation*k":
            (total - d * k) // s + 1,
            "this rounds up: a window that would stick out past the end does not count, so "
            "round the division DOWN": -(-(total - span) // s) + 1,
            "the padding goes on BOTH sides: the padded length is n + 2*padding":
            (n + p - span) // s + 1,
            "use floor division (//): the number of positions is a whole number":
            (total - span) / s + 1,
        }
        if s > 1:
            wrong["the stride divides the number of steps, (n + 2p - span), not the padded "
                  "length itself"] = total // s - span + 1
        cases.append(Case((n, k), want, f"n={n}, k={k}, padding={p}, stride={s}, dilation={d}",
                          kwargs={"padding": p, "stride": s, "dilation": d}, wrong=wrong))
    # the defaults padding=0, stride=1, dilation=1
    cases.append(Case((9, 4), 6, "n=9, k=4 with the default padding, stride and dilation"))
    count = run(output_size, "output_size", cases)
    calls = [((n, k), {"padding": p, "stride": s, "dilation": d},
              f"n={n}, k={k}, padding={p}, stride={s}, dilation={d}") for n, k, p, s, d in misfits[:8]]
    calls.append(((3, 4), {}, "n=3, k=4"))
    return count + _must_raise(output_size, "output_size", calls,
                               "the kernel does not fit in the padded input")


# -- padding ---------------------------------------------------------------------------------

def _pairs_of(pad):
    if isinstance(pad, numbers.Integral):
        return ((pad, pad), (pad, pad))
    return tuple(tuple(p) for p in pad)


_NUMPY_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _np_pad(X, pairs, mode):
    """What numpy's np.pad gives for ``mode``; unlike convref.pad it accepts reflect or wrap
    padding longer than the image (mistaken answers often go there)."""
    return np.pad(X, pairs, _NUMPY_MODE[mode])


def _wrap_wrong_side(X, pairs):
    """'circular' that copies each side's own edge rows instead of the opposite side's."""
    (t, b), (l, r) = pairs
    X = np.concatenate([X[:t], X, X[X.shape[0] - b:]], axis=0)
    return np.concatenate([X[:, :l], X, X[:, X.shape[1] - r:]], axis=1)


def _pad_wrongs(X, pairs, mode):
    """Misconceptions for padding X by ``pairs`` in ``mode`` (answers of the padded array)."""
    (t, b), (l, r) = pairs
    pad = _np_pad
    wrong = {}
    if mode == "reflect":
        wrong["reflect mirrors WITHOUT repeating the edge pixel ([1 2 3] -> 3 2 | 1 2 3 | 2 1); "
              "this repeats it, which is numpy's mode 'symmetric'"] = np.pad(X, pairs, "symmetric")
    if mode == "circular":
        wrong["circular padding wraps around: the rows added at the top come from the BOTTOM "
              "of the image (and the columns on the left from its right side)"] = _wrap_wrong_side(X, pairs)
    if mode != "zeros":
        wrong[f"the mode is ignored: {mode!r} must not fill the border with zeros"] = pad(X, pairs, "zeros")
    if mode == "replicate":
        wrong["replicate repeats the edge pixel itself; this mirrors the image"] = pad(X, pairs, "reflect")
    swapped = ((l, r), (t, b))
    if swapped != pairs:
        wrong["the axes are swapped: pad = ((top, bottom), (left, right)), the first pair for the "
              "rows, the second for the columns"] = pad(X, swapped, mode)
    flipped = ((b, t), (r, l))
    if flipped != pairs:
        wrong["before and after are swapped: in each pair the first number pads the top "
              "(or left), the second the bottom (or right)"] = pad(X, flipped, mode)
    return wrong


def _pad_cases():
    fixed = [((2, 3), 1, "zeros", 0), ((2, 3), 1, "reflect", 1), ((2, 3), 1, "replicate", 2),
             ((2, 3), 1, "circular", 3), ((3, 4), ((1, 0), (0, 2)), "zeros", 4),
             ((4, 5), ((2, 1), (0, 3)), "reflect", 5), ((5, 3), ((0, 2), (1, 2)), "circular", 6),
             ((1, 4), ((0, 0), (2, 3)), "reflect", 7), ((1, 1), 3, "replicate", 8),
             ((3, 3), ((2, 0), (1, 0)), "replicate", 9), ((4, 6), 0, "circular", 10),
             ((6, 4), ((3, 1), (2, 0)), "circular", 11), ((6, 7), 2, "zeros", 12)]
    pad_strategy = st.one_of(st.integers(0, 4), st.tuples(st.tuples(st.integers(0, 4), st.integers(0, 4)),
                                                          st.tuples(st.integers(0, 4), st.integers(0, 4))))
    drawn = draw(st.tuples(st.tuples(dims(1, 7), dims(1, 7)), pad_strategy, st.sampled_from(MODES), seeds)
                 .filter(lambda c: _pad_allowed(c[0], _pairs_of(c[1]), c[2])), N_CASES)
    return [(rng_array(s, shape), pad, mode) for shape, pad, mode, s in fixed + drawn]


def _pad_allowed(shape, pairs, mode):
    if mode == "reflect":
        return all(max(p) < n for p, n in zip(pairs, shape))
    if mode == "circular":
        return all(max(p) <= n for p, n in zip(pairs, shape))
    return True


def test_pad2d(pad2d):
    """Each mode against convref.pad, on int and ((top, bottom), (left, right)) paddings; the
    default mode is zeros; ValueError for an unknown mode and for reflect padding as large as
    the image."""
    cases = []
    for X, pad, mode in _pad_cases():
        pairs = _pairs_of(pad)
        want = convref.pad(X, pairs, mode)
        about = f"a {shapes_of(X)} image, pad={pad!r}, mode={mode!r}"
        wrong = _pad_wrongs(X, pairs, mode)
        (t, b), (l, r) = pairs
        if b or r:
            wrong["every pair pads both sides: the second number adds rows at the bottom (or "
                  "columns on the right)"] = _np_pad(X, ((t, 0), (l, 0)), mode)
        if t or l:
            wrong["every pair pads both sides: the first number adds rows at the top (or "
                  "columns on the left)"] = _np_pad(X, ((0, b), (0, r)), mode)
        if isinstance(pad, int) and pad:
            wrong["an int pads all four sides: rows above and below AND columns left and right"] = \
                _np_pad(X, ((pad, pad), (0, 0)), mode)
        kwargs = {} if mode == "zeros" and len(cases) % 2 else {"mode": mode}
        cases.append(Case((X, pad), want, about + ("" if kwargs else " (mode left at its default)"),
                          kwargs=kwargs, wrong=wrong))

    def hint(case, shape):
        X, pad = case.args
        (t, b), (l, r) = _pairs_of(pad)
        h, w = X.shape
        if shape == (h + l + r, w + t + b) and (t + b != l + r):
            return ("the axes are swapped: pad = ((top, bottom), (left, right)), the first pair "
                    "for the rows, the second for the columns")
        if shape in ((h + t, w + l), (h + b, w + r)) and shape != case.expected.shape:
            return "every pair pads both sides: the padded image has H + top + bottom rows"
        return f"output shape {shape}, expected (H + top + bottom, W + left + right) = {case.expected.shape}"

    count = run(pad2d, "pad2d", cases, hint)
    calls = [((np.ones((3, 4)), 1), {"mode": "mirror"}, "mode='mirror' (not one of the four modes)"),
             ((np.ones((3, 4)), ((0, 0), (4, 0))), {"mode": "reflect"},
              "a 3x4 image with reflect padding of 4 columns"),
             ((np.ones((2, 5)), 2), {"mode": "reflect"}, "a 2x5 image with reflect padding 2")]
    return count + _must_raise(pad2d, "pad2d", calls,
                               "reflect needs fewer padded rows/columns than the image has, "
                               "and only the four modes exist")


# -- padded cross-correlation -----------------------------------------------------------------

def _resolve(padding, kh, kw):
    """((top, bottom), (left, right)) of corr2d_pad's ``padding`` for a (kh, kw) kernel."""
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "same":
        return (((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2))
    if padding == "full":
        return ((kh - 1, kh - 1), (kw - 1, kw - 1))
    if isinstance(padding, numbers.Integral):
        return ((padding, padding), (padding, padding))
    ph, pw = padding
    return ((ph, ph), (pw, pw))


def _padded_corr(X, K, pairs, mode="zeros", pad=None):
    """Valid correlation of X padded by ``pairs`` (None when the kernel does not fit)."""
    Xp = (pad or _np_pad)(X, pairs, mode)
    if any(k > n for k, n in zip(K.shape, Xp.shape)):
        return None
    return convref.correlate(Xp, K)


def _allowed(shape, pairs, mode):
    return _pad_allowed(shape, pairs, mode)


def _corr_cases():
    fixed = [((3, 3), (2, 2), "valid", "zeros", 0), ((3, 3), (2, 2), "same", "zeros", 1),
             ((3, 3), (2, 2), "full", "zeros", 2), ((3, 3), (2, 2), "same", "circular", 3),
             ((5, 6), (3, 2), "same", "reflect", 4), ((4, 7), (2, 4), "same", "replicate", 5),
             ((6, 5), (4, 3), "full", "zeros", 6), ((5, 5), (3, 3), (2, 1), "zeros", 7),
             ((4, 6), (1, 3), (0, 2), "circular", 8), ((1, 6), (1, 3), "same", "reflect", 9),
             ((6, 1), (2, 1), "same", "zeros", 10), ((5, 4), (3, 3), 1, "replicate", 11),
             ((2, 2), (4, 4), "same", "zeros", 12), ((7, 5), (2, 2), "same", "reflect", 13),
             ((6, 6), (2, 2), "same", "circular", 14), ((4, 5), (3, 2), "full", "replicate", 15)]
    padding = st.one_of(st.sampled_from(["valid", "same", "full"]), st.integers(0, 3),
                        st.tuples(st.integers(0, 3), st.integers(0, 3)))
    drawn = draw(st.tuples(st.tuples(dims(1, 8), dims(1, 8)), st.tuples(dims(1, 5), dims(1, 5)), padding,
                           st.sampled_from(MODES), seeds).filter(_corr_ok), N_CASES)
    return [(rng_array(s, xs), rng_array(s + 1, ks), p, m) for xs, ks, p, m, s in fixed + drawn]


def _corr_ok(c):
    shape, (kh, kw), padding, mode = c[:4]
    pairs = _resolve(padding, kh, kw)
    fits = all(n + a + b >= k for n, (a, b), k in zip(shape, pairs, (kh, kw)))
    return fits and _allowed(shape, pairs, mode)


def _about(X, K, padding, mode):
    return f"a {shapes_of(X)} image with a {shapes_of(K)} kernel, padding={padding!r}, mode={mode!r}"


def _corr_wrongs(X, K, padding, mode):
    kh, kw = K.shape
    pairs = _resolve(padding, kh, kw)
    (t, b), (l, r) = pairs
    wrong = {}

    def add(message, new_pairs, new_mode=mode, pad=None):
        answer = _padded_corr(X, K, new_pairs, new_mode, pad)
        if answer is not None:
            wrong.setdefault(message, answer)

    if padding == "same":
        add("'same' puts the SMALLER half of the padding first: (k-1)//2 rows above and k//2 "
            "below (PyTorch's rule); this pads the larger half first (the rule of scipy and "
            "np.convolve), which only differs for even kernels",
            ((kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2)))
        add("with 'same', padding k//2 on both sides is one row or column too many for an even "
            "kernel: pad (k-1)//2 before and k//2 after",
            ((kh // 2, kh // 2), (kw // 2, kw // 2)))
    if padding == "full":
        add("'full' pads k-1 rows and columns on each side (every position where kernel and image "
            "overlap at least one pixel), not k", ((kh, kh), (kw, kw)))
    if isinstance(padding, tuple) and padding[0] != padding[1]:
        add("padding=(ph, pw) pads ph rows above and below and pw columns left and right; these "
            "are swapped", ((padding[1], padding[1]), (padding[0], padding[0])))
    if b or r:
        add("the padding must go on both sides: this puts all of it after (at the bottom and the "
            "right)", ((0, t + b), (0, l + r)))
        add("the padding must go on both sides: this adds only the rows and columns that belong "
            "before the image", ((t, 0), (l, 0)))
    if mode == "reflect":
        add("reflect mirrors WITHOUT repeating the edge pixel ([1 2 3] -> 3 2 | 1 2 3 | 2 1); "
            "this repeats it, which is numpy's mode 'symmetric'", pairs,
            pad=lambda x, p, m: np.pad(x, p, "symmetric"))
    if mode == "circular":
        add("circular padding wraps around: the rows added at the top come from the BOTTOM of the "
            "image (and the columns on the left from its right side)", pairs,
            pad=lambda x, p, m: _wrap_wrong_side(x, p))
    if mode != "zeros":
        add(f"the mode is ignored: {mode!r} must not fill the border with zeros", pairs, "zeros")
    flipped = _padded_corr(X, K[::-1, ::-1], pairs, mode)
    if flipped is not None:
        wrong["the kernel is flipped: corr2d_pad is a cross-correlation, K[a, b] multiplies "
              "the padded X[i + a, j + b]"] = flipped
    return wrong


def test_corr2d_pad(corr2d_pad):
    """Valid/same/full/int/(ph, pw) padding in four modes against convref.conv; defaults
    padding='valid', mode='zeros'; ValueError when a valid kernel does not fit."""
    cases = []
    for index, (X, K, padding, mode) in enumerate(_corr_cases()):
        want = convref.conv(X[None], K[None, None], padding=padding, padding_mode=mode)[0]
        magnitude = convref.conv(np.abs(X)[None], np.abs(K)[None, None], padding=padding,
                                 padding_mode=mode)[0]
        if index == 0:
            args, kwargs, about = (X, K), {}, f"a {shapes_of(X)} image with a {shapes_of(K)} kernel and the defaults"
        else:
            args, kwargs, about = (X, K), {"padding": padding, "mode": mode}, _about(X, K, padding, mode)
        cases.append(Case(args, want, about, kwargs=kwargs, magnitude=magnitude,
                          wrong=_corr_wrongs(X, K, padding, mode)))

    def hint(case, shape):
        X, K = case.args
        padding = case.kwargs.get("padding", "valid")
        (h, w), (kh, kw) = X.shape, K.shape
        if padding == "same" and shape == (h, w):
            return None
        if padding == "same":
            return f"'same' keeps the image's shape: expected {X.shape}"
        if padding == "full" and shape == (h + kh + 1, w + kw + 1):
            return "'full' pads k-1 on each side, not k: the output is (H + KH - 1, W + KW - 1)"
        if padding == "full" and shape == (h, w):
            return "'full' is larger than the image: (H + KH - 1, W + KW - 1)"
        if isinstance(padding, tuple) and shape == (h + 2 * padding[1] - kh + 1, w + 2 * padding[0] - kw + 1):
            return ("padding=(ph, pw) pads ph rows above and below and pw columns left and right; "
                    "these are swapped")
        if isinstance(padding, int) and shape in ((h + padding - kh + 1, w + padding - kw + 1),):
            return "an int padding p adds p rows and columns on EVERY side (2p per axis)"
        return None

    count = run(corr2d_pad, "corr2d_pad", cases, hint)
    calls = [((rng_array(1, (3, 5)), rng_array(2, (4, 2))), {}, "a 3x5 image with a 4x2 kernel and padding='valid'"),
             ((rng_array(3, (4, 2)), rng_array(4, (2, 3))), {"padding": "valid"},
              "a 4x2 image with a 2x3 kernel and padding='valid'")]
    return count + _must_raise(corr2d_pad, "corr2d_pad", calls, "the kernel does not fit in the image")


# -- which outputs read the border ------------------------------------------------------------

def _mask_oracle(shape, kernel_shape, padding):
    """Brute force via convref: an all-ones image correlated with an all-ones kernel reaches
    KH*KW exactly where the window lies inside the image."""
    ones = convref.conv(np.ones((1,) + tuple(shape)), np.ones((1, 1) + tuple(kernel_shape)), padding=padding)[0]
    return ones < np.prod(kernel_shape) - 0.5


def _mask_of_widths(out_shape, pairs):
    """True on the first ``before`` and last ``after`` rows/columns of each axis."""
    (t, b), (l, r) = pairs
    oh, ow = out_shape
    rows, cols = np.arange(oh), np.arange(ow)
    return ((rows < t) | (rows >= oh - b))[:, None] | ((cols < l) | (cols >= ow - r))[None, :]


def _mask_cases():
    fixed = [((4, 5), (3, 3), "same"), ((4, 5), (2, 2), "same"), ((4, 5), (3, 3), "valid"),
             ((4, 5), (3, 3), "full"), ((6, 3), (4, 1), "same"), ((5, 7), (2, 3), 1),
             ((3, 8), (3, 2), (2, 0)), ((1, 1), (1, 1), "same"), ((2, 2), (5, 4), "same"),
             ((6, 6), (4, 4), "full"), ((7, 4), (2, 2), 3), ((5, 5), (1, 1), 2)]
    padding = st.one_of(st.sampled_from(["valid", "same", "full"]), st.integers(0, 3),
                        st.tuples(st.integers(0, 3), st.integers(0, 3)))
    drawn = draw(st.tuples(st.tuples(dims(1, 9), dims(1, 9)), st.tuples(dims(1, 5), dims(1, 5)), padding)
                 .filter(lambda c: _corr_ok(c + ("zeros",))), N_CASES)
    return fixed + drawn


def test_border_mask(border_mask):
    """The (OH, OW) boolean map of outputs whose window reads padding, against a brute-force
    convref oracle, for every padding word, ints and (ph, pw)."""
    cases = []
    for shape, kernel_shape, padding in _mask_cases():
        want = _mask_oracle(shape, kernel_shape, padding)
        kh, kw = kernel_shape
        pairs = _resolve(padding, kh, kw)
        wrong = {"True must mark the outputs whose window reads padding; this marks the ones "
                 "that only read the image": ~want if want.any() and not want.all() else None}
        if padding == "same":
            wrong["'same' pads (k-1)//2 before and k//2 after (PyTorch's rule), so the border is "
                  "(k-1)//2 rows thick at the top and k//2 at the bottom; this puts the thicker "
                  "side first"] = _mask_of_widths(want.shape, ((kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2)))
        wrong["the border is as thick as the padding on that side, not k//2 rows and columns "
              "everywhere"] = _mask_of_widths(want.shape, ((kh // 2,) * 2, (kw // 2,) * 2))
        wrong["the border runs along every side that has padding: this only marks the top and "
              "left"] = _mask_of_widths(want.shape, ((pairs[0][0], 0), (pairs[1][0], 0)))
        wrong["the border runs along every side that has padding: this only marks the bottom "
              "and right"] = _mask_of_widths(want.shape, ((0, pairs[0][1]), (0, pairs[1][1])))
        cases.append(Case((tuple(shape), tuple(kernel_shape), padding), want,
                          f"a {shape[0]}x{shape[1]} image, a {kh}x{kw} kernel and padding={padding!r}",
                          wrong=wrong))

    def hint(case, shape):
        (h, w), _, _ = case.args
        if shape == (h, w) and case.expected.shape != (h, w):
            return ("the mask has one entry per OUTPUT pixel: its shape is the output's, "
                    f"{case.expected.shape}, not the image's")
        return None
    return run(border_mask, "border_mask", cases, hint)


# -- shift equivariance -----------------------------------------------------------------------

def _same(X, K, mode):
    return convref.correlate(X, K, "same", boundary=mode)


def _roll(A, shift):
    return np.roll(A, shift, axis=(0, 1))


def _equivariance(X, K, shift, mode, roll_in=_roll, roll_out=_roll, signed=False):
    diff = _same(roll_in(X, shift), K, mode) - roll_out(_same(X, K, mode), shift)
    return diff if signed else np.abs(diff)


def _equi_cases():
    fixed = [((8, 8), (3, 3), (2, 0), "zeros", 0), ((8, 8), (3, 3), (2, 0), "circular", 1),
             ((6, 9), (3, 2), (1, -3), "zeros", 2), ((7, 5), (2, 3), (-2, 1), "circular", 3),
             ((5, 6), (3, 3), (1, 2), "reflect", 4), ((9, 4), (4, 2), (3, 3), "replicate", 5),
             ((1, 7), (1, 3), (0, 2), "zeros", 6), ((5, 5), (1, 1), (2, 2), "zeros", 7),
             ((6, 6), (5, 5), (0, 0), "zeros", 8), ((4, 7), (2, 2), (-1, 5), "zeros", 9)]
    drawn = draw(st.tuples(st.tuples(dims(1, 9), dims(1, 9)), st.tuples(dims(1, 5), dims(1, 5)),
                           st.tuples(st.integers(-8, 8), st.integers(-8, 8)), st.sampled_from(MODES), seeds)
                 .filter(lambda c: _allowed(c[0], _resolve("same", *c[1]), c[3])), N_CASES)
    return [(rng_array(s, xs), rng_array(s + 1, ks), shift, mode) for xs, ks, shift, mode, s in fixed + drawn]


def test_equivariance_error(equivariance_error):
    """|corr_same(shift(X)) - shift(corr_same(X))| per pixel against convref and np.roll, in
    all four modes (exactly zero for circular, nonzero near the edges for the others)."""
    cases = []
    for X, K, shift, mode in _equi_cases():
        dy, dx = shift
        want = _equivariance(X, K, shift, mode)
        magnitude = (_same(np.abs(_roll(X, shift)), np.abs(K), mode)
                     + _roll(_same(np.abs(X), np.abs(K), mode), shift))
        back = (-dy, -dx)
        wrong = {
            "the error map is the ABSOLUTE difference |corr(shift(X)) - shift(corr(X))|":
            _equivariance(X, K, shift, mode, signed=True),
            "the error map is the ABSOLUTE difference |corr(shift(X)) - shift(corr(X))| ":
            -_equivariance(X, K, shift, mode, signed=True),
            "shift the output the same way as the input: roll both by (dy, dx), with the same signs":
            _equivariance(X, K, shift, mode, roll_out=lambda A, s: _roll(A, back)),
            "shift = (dy, dx): dy rows down along axis 0, dx columns right along axis 1; the two "
            "are swapped": _equivariance(X, K, (dx, dy), mode),
            "np.roll needs axis=(0, 1): without it numpy shifts the flattened array by dy + dx":
            _equivariance(X, K, shift, mode, roll_in=lambda A, s: np.roll(A, sum(s)),
                          roll_out=lambda A, s: np.roll(A, sum(s))),
            "the correlation must use the requested boundary mode; this one pads with zeros":
            _equivariance(X, K, shift, "zeros") if mode != "zeros" else None,
            "the kernel is flipped: the correlation is H[i, j] = sum K[a, b] X[i + a, j + b] with "
            "'same' padding": _equivariance(X, K[::-1, ::-1], shift, mode),
        }
        cases.append(Case((X, K, shift), want,
                          f"a {shapes_of(X)} image with a {shapes_of(K)} kernel, shift={shift}, mode={mode!r}",
                          kwargs={"mode": mode}, magnitude=magnitude, wrong=wrong))

    def hint(case, shape):
        X, K, _ = case.args
        (h, w), (kh, kw) = X.shape, K.shape
        if shape == (h - kh + 1, w - kw + 1):
            return "use 'same' padding, so that the error map has the image's shape"
        return f"the error map has the image's shape {X.shape}"
    return run(equivariance_error, "equivariance_error", cases, hint)


# -- how much of a 'same' output is border ---------------------------------------------------

def _fraction(n, k):
    inside = max(n - k + 1, 0)
    return 1 - (inside / n) ** 2


def test_border_fraction(border_fraction):
    """1 - (max(n-k+1, 0)/n)^2, against a brute-force count on convref's mask."""
    fixed = [(10, 1), (10, 3), (10, 2), (4, 5), (1, 1), (1, 2), (3, 6), (32, 4), (100, 7), (5, 5),
             (6, 7), (2, 2), (50, 64)]
    pairs = fixed + draw(st.tuples(dims(1, 60), dims(1, 70)), N_CASES)
    cases = []
    for n, k in pairs:
        want = float(np.mean(_mask_oracle((n, n), (k, k), "same"))) if n <= 40 else _fraction(n, k)
        inside = max(n - k + 1, 0)
        wrong = {
            "a 'same' output is n x n: the fraction of TWO-dimensional positions, 1 minus the "
            "interior square's share": 1 - inside / n,
            "when the kernel is wider than the image no window fits inside, so every output reads "
            "padding": 1 - ((n - k + 1) / n) ** 2,
            "for an even kernel 'same' pads (k-1)//2 before and k//2 after, k-1 in total, not "
            "k//2 on both sides": 1 - (max(n - 2 * (k // 2), 0) / n) ** 2,
            "return the FRACTION of the n*n outputs (between 0 and 1), not their number":
            n * n - inside * inside,
            "return a fraction between 0 and 1, not a percentage": 100 * (1 - (inside / n) ** 2),
            "'same' pads k-1 rows in total, (k-1)//2 above and k//2 below, not k-1 on each side":
            1 - (max(n - 2 * (k - 1), 0) / n) ** 2,
            "the fraction counts the outputs that read padding, not the ones that do not":
            (inside / n) ** 2,
        }
        cases.append(Case((n, k), want, f"n={n}, k={k}", wrong=wrong))
    return run(border_fraction, "border_fraction", cases)
