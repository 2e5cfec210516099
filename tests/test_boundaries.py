"""The hidden checks of ``boundaries`` against independent oracles, and the way they diagnose.

The pipeline tests (tests/test_assignments.py) grade the catalogue through nbgrader; these
tests pin down, in-process and fast, that the oracles the checks use agree with brute force
written from the definitions, and that a misconception is only named when it explains every
wrong answer.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import convref
from convgrade.catalogue import boundaries as catalogue
from convgrade.check import boundaries as check
from convgrade.checks import Case, CheckFailed


def brute_pad(X, pairs, mode):
    """Padding written from the index rule of each mode, one pixel at a time."""
    (t, b), (l, r) = pairs
    H, W = X.shape

    def source(i, n):
        if mode == "zeros":
            return i if 0 <= i < n else None
        if mode == "replicate":
            return min(max(i, 0), n - 1)
        if mode == "circular":
            return i % n
        while not 0 <= i < n:                        # reflect: mirror on the edge pixels
            i = -i if i < 0 else 2 * (n - 1) - i
        return i

    out = np.zeros((H + t + b, W + l + r))
    for i in range(H + t + b):
        for j in range(W + l + r):
            si, sj = source(i - t, H), source(j - l, W)
            if si is not None and sj is not None:
                out[i, j] = X[si, sj]
    return out


def brute_corr(X, K, pairs, mode):
    Xp = brute_pad(X, pairs, mode)
    kh, kw = K.shape
    oh, ow = Xp.shape[0] - kh + 1, Xp.shape[1] - kw + 1
    return np.array([[np.sum(K * Xp[i:i + kh, j:j + kw]) for j in range(ow)] for i in range(oh)])


PADDINGS = ["valid", "same", "full", 0, 2, (1, 0), (0, 3), (2, 1)]


@pytest.mark.parametrize("padding", PADDINGS)
def test_padding_rule_matches_convref(padding):
    for kh, kw in itertools.product(range(1, 6), repeat=2):
        want = convref.shapes.pad_pairs(padding, (kh, kw), (1, 1))
        assert check._resolve(padding, kh, kw) == want


def test_pad_oracle_matches_brute_force():
    rng = np.random.default_rng(0)
    for mode in check.MODES:
        for (h, w), pairs in itertools.product([(1, 1), (2, 3), (4, 5), (5, 2)],
                                               [((0, 0), (0, 0)), ((1, 0), (0, 2)), ((1, 1), (1, 1)),
                                                ((3, 0), (1, 4))]):
            if not check._pad_allowed((h, w), pairs, mode):
                continue
            X = rng.standard_normal((h, w))
            np.testing.assert_array_equal(convref.pad(X, pairs, mode), brute_pad(X, pairs, mode))


def test_corr_cases_match_brute_force():
    for X, K, padding, mode in check._corr_cases()[:20]:
        want = convref.conv(X[None], K[None, None], padding=padding, padding_mode=mode)[0]
        pairs = check._resolve(padding, *K.shape)
        np.testing.assert_allclose(want, brute_corr(X, K, pairs, mode), atol=1e-12)


def test_mask_oracle_matches_window_bounds():
    for shape, kernel_shape, padding in check._mask_cases():
        (h, w), (kh, kw) = shape, kernel_shape
        (t, _), (l, _) = check._resolve(padding, kh, kw)
        mask = check._mask_oracle(shape, kernel_shape, padding)
        for i, j in np.ndindex(*mask.shape):
            outside = i - t < 0 or i - t + kh > h or j - l < 0 or j - l + kw > w
            assert mask[i, j] == outside, (shape, kernel_shape, padding, i, j)


def test_border_fraction_formula_matches_mask_count():
    for n, k in itertools.product(range(1, 13), range(1, 16)):
        count = check._mask_oracle((n, n), (k, k), "same").mean()
        assert abs(check._fraction(n, k) - count) < 1e-12


def test_equivariance_is_exact_for_circular_and_local_for_zeros():
    """The claim the notebook makes: circular padding gives zero error everywhere; with zeros
    the error lives only where a window (before or after the roll) reads padding or crosses
    the seam."""
    rng = np.random.default_rng(3)
    for (h, w), (kh, kw), shift in [((9, 7), (3, 3), (2, -3)), ((8, 8), (2, 4), (5, 1)),
                                    ((6, 10), (5, 2), (0, 4))]:
        X, K = rng.standard_normal((h, w)), rng.standard_normal((kh, kw))
        assert check._equivariance(X, K, shift, "circular").max() < 1e-12
        E = check._equivariance(X, K, shift, "zeros")
        border = check._mask_oracle((h, w), (kh, kw), "same")
        moved_border = np.roll(border, shift, axis=(0, 1))
        (t, _), (l, _) = check._resolve("same", kh, kw)
        rows = (np.arange(h) - t - shift[0]) % h           # first source row of each window
        cols = (np.arange(w) - l - shift[1]) % w
        seam = ((rows + kh > h)[:, None]) | ((cols + kw > w)[None, :])
        assert np.all(E[~(border | moved_border | seam)] < 1e-12)


def test_a_misconception_is_named_only_when_it_explains_every_miss():
    cases = [Case((i,), i, f"case {i}", wrong={"plus one": i + 1, "doubled": 2 * i})
             for i in (1, 2, 3)]
    # on case 1, "plus one" and "doubled" agree (2); only "doubled" explains cases 2 and 3
    with pytest.raises(CheckFailed, match="doubled"):
        check.run(lambda i: 2 * i, "f", cases)
    with pytest.raises(CheckFailed, match="plus one"):
        check.run(lambda i: i + 1, "f", cases)
    # a mixture of both is no single misconception: the first miss is described
    with pytest.raises(CheckFailed, match="case 1"):
        check.run(lambda i: 2 * i if i == 3 else i + 1, "f", cases)
    assert check.run(lambda i: i, "f", cases) == 3


def test_raising_cases_do_not_hide_a_misconception():
    cases = [Case((i,), i, f"case {i}", wrong={"plus one": i + 1}) for i in (1, 2, 3)]

    def f(i):
        if i == 1:
            raise ValueError("no")
        return i + 1
    with pytest.raises(CheckFailed, match="plus one"):
        check.run(f, "f", cases)

    def g(i):
        if i == 2:
            raise ValueError("no")
        return i
    with pytest.raises(CheckFailed, match="raised on case 2"):
        check.run(g, "f", cases)


def test_scalar_answers_have_a_float_tolerance():
    cases = [Case((0.1,), 1 - 0.9 ** 2, "x")]
    assert check.run(lambda x: 0.19, "f", cases) == 1
    assert check.run(lambda x: np.float32(0.19), "f", cases) == 1
    with pytest.raises(CheckFailed):
        check.run(lambda x: 0.1901, "f", cases)


def test_every_wrong_entry_is_caught_in_process():
    """Each catalogued mistake fails its check with its message (library shortcuts are only
    visible in the student's kernel, so they are left to the pipeline test)."""
    for function, table in catalogue.WRONG.items():
        for name, (code, message) in table.items():
            if message == catalogue.SHORTCUT:
                continue
            namespace = {}
            exec(code, namespace)
            with pytest.raises(CheckFailed) as failure:
                getattr(check, f"test_{function}")(namespace[function])
            assert message in str(failure.value), (function, name, str(failure.value))


def test_every_correct_entry_passes_in_process():
    for function, table in catalogue.CORRECT.items():
        for code in table.values():
            namespace = {}
            exec(code, namespace)
            getattr(check, f"test_{function}")(namespace[function])
