"""The boundaries checks in-process, against independent oracles and the catalogue.

Fast companions of tests/test_assignments.py (which grades the same catalogue through the
real pipeline): the oracles the checks use agree with brute force written from the
definitions (and the notebook's claim about how libraries split 'same' padding agrees with
scipy and numpy), the instructor's solution passes every check with every credit group,
every catalogued mistake fails with its misconception, its message and exactly the credit
groups it breaks (library shortcuts are only detectable in the kernel, so they are skipped
here), every correct variant passes, and the holes the conversion closed stay closed:
integer images, the type of a count, every ValueError the task asks for, corr2d_pad and
equivariance_error charged only for their own mistakes when built on a wrong pad2d or
corr2d_pad.
"""
from __future__ import annotations

import itertools

import nbformat
import numpy as np
import pytest
import scipy.ndimage
import scipy.signal

import convref
from conftest import ROOT
from convgrade.cases import seeded
from convgrade.catalogue import LIBRARY, Mistake, mistakes, variants
from convgrade.catalogue import boundaries as catalogue
from convgrade.check import boundaries as check
from convgrade.verdict import ERRORS, VALUES, CheckFailed, Misconception, judging

SOURCE = ROOT / "solutions" / "boundaries" / "boundaries.ipynb"

GROUPS = {"output_size": check.OUTPUT_SIZE_GROUPS, "pad2d": check.PAD_GROUPS,
          "corr2d_pad": check.CORR_GROUPS, "border_mask": check.MASK_GROUPS,
          "equivariance_error": check.EQUIVARIANCE_GROUPS, "border_fraction": check.FRACTION_GROUPS}

#: The catalogued mistakes whose feedback cannot name their misconception (at most 10 %).
UNNAMED: set = set()


def _define(code: str, name: str):
    namespace = {"np": np}
    exec(compile(code, f"<{name}>", "exec"), namespace)  # noqa: S102 - catalogue code
    return namespace[name]


def _solutions() -> dict:
    nb = nbformat.read(SOURCE, 4)
    return {c.metadata.nbgrader.grade_id: c.source for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}


def _solution(function: str):
    """The instructor's function, with the solution's other functions it calls in reach."""
    namespace = {"np": np}
    for code in _solutions().values():
        exec(compile(code, "<solution>", "exec"), namespace)  # noqa: S102 - the source notebook
    return namespace[function]


def _failure(function: str, student) -> CheckFailed:
    with pytest.raises(CheckFailed) as failed:
        getattr(check, f"test_{function}")(student)
    assert failed.value.judgement is not None
    return failed.value


def _lost(failure: CheckFailed) -> set:
    return {g.name for g in failure.judgement.groups if not g.passed}


# -- the oracles against brute force ---------------------------------------------------------

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
    for X, K, padding, mode, _group in check._corr_cases()[:30]:
        X = X.astype(float)
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


def _padded_correlation(X, K, pairs):
    Xp = np.pad(X, pairs)
    kh, kw = K.shape
    return np.array([[np.sum(K * Xp[i:i + kh, j:j + kw]) for j in range(Xp.shape[1] - kw + 1)]
                     for i in range(Xp.shape[0] - kh + 1)])


@pytest.mark.parametrize("kernel", [(2, 2), (4, 4), (2, 3), (4, 1)])
def test_how_libraries_split_same_padding_is_what_the_notebook_says(kernel):
    """Section 3 and the hidden message: scipy.signal.correlate2d splits an even kernel's
    'same' padding as PyTorch does (smaller half first); scipy.signal.correlate,
    scipy.ndimage.correlate and np.correlate put the larger half first."""
    rng = np.random.default_rng(11)
    X, K = rng.standard_normal((6, 7)), rng.standard_normal(kernel)
    (kh, kw) = kernel
    smaller_first = _padded_correlation(X, K, (((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2)))
    larger_first = _padded_correlation(X, K, ((kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2)))
    np.testing.assert_allclose(convref.correlate(X, K, "same"), smaller_first, atol=1e-12)
    np.testing.assert_allclose(scipy.signal.correlate2d(X, K, "same"), smaller_first, atol=1e-12)
    np.testing.assert_allclose(scipy.signal.correlate(X, K, "same"), larger_first, atol=1e-12)
    np.testing.assert_allclose(scipy.ndimage.correlate(X, K, mode="constant"), larger_first, atol=1e-12)
    x, v = X[0], K[0]
    k = len(v)
    if k % 2 == 0:
        np.testing.assert_allclose(np.correlate(x, v, "same"),
                                   _padded_correlation(x[None], v[None], ((0, 0), (k // 2, (k - 1) // 2)))[0],
                                   atol=1e-12)
    message = check.SAME_LARGER_FIRST.message
    assert "scipy.signal.correlate2d follows" in message
    assert all(name in message for name in ("scipy.signal.correlate,", "scipy.ndimage.correlate",
                                            "np.correlate"))
    text = nbformat.read(SOURCE, 4).cells[10].source
    assert "`scipy.signal.correlate2d` follows the same rule as PyTorch" in text
    assert "`scipy.signal.correlate`, `scipy.ndimage.correlate` and `np.correlate` put the larger" in text


# -- the module is built on the engine --------------------------------------------------------

def test_the_check_module_uses_the_engine_only():
    source = (ROOT / "autograder" / "check" / "boundaries.py").read_text()
    for banned in ("from ..checks", "from ..remote", "import remote", "_same_number", "def run(",
                   "def _must_raise", "def _reason", "def _matches", "def _truncated"):
        assert banned not in source, banned
    for name, value in vars(check).items():
        if isinstance(value, Misconception):
            assert value.key and " " not in value.key, name
            assert " _" not in value.message and "`_" not in value.message, name


# -- the solution, the catalogue ---------------------------------------------------------------

@pytest.mark.parametrize("function", sorted(GROUPS))
def test_solution_passes_every_group(function):
    judgement = getattr(check, f"test_{function}")(_solution(function))
    assert judgement.passed
    assert [(g.name, g.weight) for g in judgement.groups] == list(GROUPS[function].items())


def test_groups_and_weights_are_declared():
    """Every function's task states several requirements: several groups, and the values
    weigh more than the type, the integer images and the ValueError together."""
    for function, groups in GROUPS.items():
        assert len(groups) >= 2, function
        extras = sum(w for g, w in groups.items() if g in (ERRORS, check.PYTHON_INT, check.INTEGERS))
        assert sum(groups.values()) - extras > extras, function
    for function in ("output_size", "pad2d", "corr2d_pad"):
        assert ERRORS in GROUPS[function], function


WRONG = mistakes(catalogue, shortcuts=False)
CORRECT = variants(catalogue)


@pytest.mark.parametrize("function, name, mistake", WRONG,
                         ids=[f"{fn}-{name}" for fn, name, _ in WRONG])
def test_catalogued_mistake_is_named_and_loses_exactly_its_groups(function, name, mistake):
    failure = _failure(function, _define(mistake.code, function))
    assert _lost(failure) == set(mistake.breaks)
    assert mistake.message in str(failure)
    if (function, name) not in UNNAMED:
        assert failure.judgement.misconception == mistake.misconception
    assert "convref" not in str(failure) and " _" not in str(failure)


@pytest.mark.parametrize("seed", [7, 2024])
def test_the_verdicts_do_not_depend_on_the_seed(seed):
    """Each submission is checked on cases of its own seed: the same verdicts on others."""
    for function, name, mistake in WRONG:
        with seeded(seed):
            failure = _failure(function, _define(mistake.code, function))
        assert _lost(failure) == set(mistake.breaks), (function, name)
        if (function, name) not in UNNAMED:
            assert failure.judgement.misconception == mistake.misconception, (function, name)
    for function, name, code in CORRECT:
        with seeded(seed):
            assert getattr(check, f"test_{function}")(_define(code, function)).passed, (function, name)


def test_nearly_every_mistake_is_named():
    mistakes = [m for table in catalogue.WRONG.values() for m in table.values()]
    assert len(UNNAMED) <= 0.1 * len(mistakes)


@pytest.mark.parametrize("function, name, code", CORRECT,
                         ids=[f"{fn}-{name}" for fn, name, _ in CORRECT])
def test_correct_variant_passes(function, name, code):
    assert getattr(check, f"test_{function}")(_define(code, function)).passed


def test_catalogue_entries_are_mistakes_within_their_groups():
    for function, table in catalogue.WRONG.items():
        assert len(table) >= 4 and len(catalogue.CORRECT[function]) >= 3, function
        for name, mistake in table.items():
            assert isinstance(mistake, Mistake) and mistake.misconception, (function, name)
            assert mistake.breaks and set(mistake.breaks) <= set(GROUPS[function]), (function, name)
            if mistake.misconception == LIBRARY:
                assert set(mistake.breaks) == set(GROUPS[function]), (function, name)
    for function in ("corr2d_pad", "border_mask", "equivariance_error"):
        assert any(m.misconception == LIBRARY for m in catalogue.WRONG[function].values()), function


def test_every_check_has_a_test_cell():
    nb = nbformat.read(SOURCE, 4)
    cells = {c.metadata.nbgrader.grade_id for c in nb.cells if c.metadata.get("nbgrader")}
    for function in catalogue.WRONG:
        assert function in cells and f"test_{function}" in cells
        assert hasattr(check, f"test_{function}")


def test_a_blank_answer_loses_every_group():
    def blank(*args, **kwargs):
        raise NotImplementedError()

    for function in GROUPS:
        failure = _failure(function, blank)
        assert failure.judgement.fraction == 0
        assert failure.judgement.misconception == "unanswered"
        assert "not answered yet" in str(failure)


# -- the holes: integer images, the type of a count, the ValueErrors ----------------------------

@pytest.mark.parametrize("function", ["pad2d", "corr2d_pad", "equivariance_error"])
def test_integer_images_reach_the_function(function):
    solution = _solution(function)
    seen = []

    def spy(X, *rest, **kwargs):
        seen.append(np.asarray(X).dtype.kind)
        return solution(X, *rest, **kwargs)
    getattr(check, f"test_{function}")(spy)
    assert "i" in seen and "f" in seen


@pytest.mark.parametrize("function", ["corr2d_pad", "equivariance_error"])
def test_an_answer_truncated_on_integer_images_loses_only_that_group(function):
    solution = _solution(function)

    def truncating(X, *rest, **kwargs):
        out = solution(X, *rest, **kwargs)
        return out.astype(np.asarray(X).dtype)
    failure = _failure(function, truncating)
    assert _lost(failure) == {check.INTEGERS}
    assert failure.judgement.misconception == "truncated_to_integers"


@pytest.mark.parametrize("convert, key", [(np.int64, "numpy_number"), (np.float64, "numpy_number"),
                                          (float, "float_count")])
def test_a_count_of_the_wrong_type_loses_only_the_type_group(convert, key):
    solution = _solution("output_size")
    failure = _failure("output_size", lambda *a, **k: convert(solution(*a, **k)))
    assert _lost(failure) == {check.PYTHON_INT}
    assert failure.judgement.misconception == key


def test_a_wrong_count_of_the_right_type_keeps_the_type_group():
    solution = _solution("output_size")
    failure = _failure("output_size", lambda *a, **k: solution(*a, **k) + 1)
    assert _lost(failure) == {VALUES}


def test_every_value_error_the_tasks_ask_for_is_checked():
    """A function right on every value that forgets one ValueError keeps its value groups."""
    def no_error(n, k, padding=0, stride=1, dilation=1):
        return (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    failure = _failure("output_size", no_error)
    assert _lost(failure) == {ERRORS} and failure.judgement.misconception == "missing_value_error"

    pad2d = _solution("pad2d")
    for forgotten in ({"mode": "mirror"}, {"mode": "reflect"}):
        def forgets(X, pad, mode="zeros", forgotten=forgotten):
            if mode == forgotten["mode"]:
                if mode == "mirror":
                    return np.pad(np.asarray(X, dtype=float), pad)
                return np.pad(np.asarray(X, dtype=float), pad, "reflect")   # no size check
            return pad2d(X, pad, mode)
        failure = _failure("pad2d", forgets)
        assert _lost(failure) == {ERRORS}, forgotten
        assert failure.judgement.misconception == "missing_value_error"

    corr2d_pad = _solution("corr2d_pad")

    def empty_when_too_big(X, K, padding="valid", mode="zeros"):
        try:
            return corr2d_pad(X, K, padding, mode)
        except ValueError:
            return np.zeros((0, 0))
    failure = _failure("corr2d_pad", empty_when_too_big)
    assert _lost(failure) == {ERRORS} and "the kernel does not fit" in str(failure)


def test_a_kernel_larger_than_the_image_is_a_group_of_its_own():
    def unclamped(n, k):
        return 1 - ((n - k + 1) / n) ** 2
    failure = _failure("border_fraction", unclamped)
    assert _lost(failure) == {check.LARGE_KERNEL}


def test_each_padding_mode_is_a_group_of_its_own():
    pad2d = _solution("pad2d")
    for mode in check.MODES:
        def wrong_in(X, pad, mode="zeros", broken=mode):
            out = pad2d(X, pad, mode)
            return out + 1 if mode == broken else out
        failure = _failure("pad2d", wrong_in)
        assert _lost(failure) == {f"mode {mode!r}"}


# -- charge each mistake once -----------------------------------------------------------------

def _corr2d_pad_on(pad2d, extra=lambda Y: Y):
    """corr2d_pad as the solution writes it, calling ``pad2d``."""
    def corr2d_pad(X, K, padding="valid", mode="zeros"):
        X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
        KH, KW = K.shape
        pairs = check._resolve(padding, KH, KW)
        Xp = pad2d(X, pairs, mode)
        OH, OW = Xp.shape[0] - KH + 1, Xp.shape[1] - KW + 1
        if OH < 1 or OW < 1:
            raise ValueError("kernel does not fit")
        Y = np.zeros((OH, OW))
        for a in range(KH):
            for b in range(KW):
                Y += K[a, b] * Xp[a:a + OH, b:b + OW]
        return extra(Y)
    corr2d_pad.reaches = frozenset({"pad2d"})            # what the grader reads in the source
    return corr2d_pad


def _equivariance_on(corr2d_pad):
    def equivariance_error(X, K, shift, mode="zeros"):
        moved = corr2d_pad(np.roll(X, shift, axis=(0, 1)), K, "same", mode)
        return np.abs(moved - np.roll(corr2d_pad(X, K, "same", mode), shift, axis=(0, 1)))
    equivariance_error.reaches = frozenset({"corr2d_pad"})
    return equivariance_error


@pytest.mark.parametrize("variant", ["numpy_symmetric", "circular_wrong_side", "before_after_swapped",
                                     "replicate_symmetric", "mode_ignored"])
def test_a_corr2d_pad_built_on_a_wrong_pad2d_is_charged_once(variant):
    wrong = _define(catalogue.WRONG["pad2d"][variant].code, "pad2d")
    with judging(lookup={"pad2d": wrong}.__getitem__):
        _failure("pad2d", wrong)
        judgement = check.test_corr2d_pad(_corr2d_pad_on(wrong))
    assert judgement.passed and "fix pad2d first" in judgement.note


def test_a_corr2d_pad_that_raises_only_where_its_wrong_pad2d_raises_is_charged_once():
    """Where a pad2d with swapped axes refuses a reflect padding, the corr2d_pad built on it
    raises the same error: that error is pad2d's, so corr2d_pad keeps its groups."""
    wrong = _define(catalogue.PAD_AXES_SWAPPED, "pad2d")
    with judging(lookup={"pad2d": wrong}.__getitem__):
        _failure("pad2d", wrong)
        judgement = check.test_corr2d_pad(_corr2d_pad_on(wrong))
    assert judgement.passed and "fix pad2d first" in judgement.note


def test_a_corr2d_pad_that_raises_an_error_of_its_own_is_charged():
    wrong = _define(catalogue.PAD_AXES_SWAPPED, "pad2d")
    built_on_it = _corr2d_pad_on(wrong)

    def corr2d_pad(X, K, padding=0, mode="zeros"):
        if mode == "reflect":
            raise KeyError("reflect")                  # not what pad2d raises there
        return built_on_it(X, K, padding, mode)
    corr2d_pad.reaches = frozenset({"pad2d"})
    with judging(lookup={"pad2d": wrong}.__getitem__):
        _failure("pad2d", wrong)
        failure = _failure("corr2d_pad", corr2d_pad)
    assert check.PADDING_MODES in _lost(failure) and not failure.judgement.note


def test_without_evidence_of_pad2d_corr2d_pad_is_charged():
    wrong = _define(catalogue.PAD_SYMMETRIC, "pad2d")
    corr2d_pad = _corr2d_pad_on(wrong)
    _failure("corr2d_pad", corr2d_pad)                    # no judging context at all
    with judging(lookup={"pad2d": wrong}.__getitem__):
        _failure("pad2d", wrong)
        del corr2d_pad.reaches                            # the source does not call pad2d
        failure = _failure("corr2d_pad", corr2d_pad)
    assert _lost(failure) == {check.PADDING_MODES}


def test_a_corr2d_pad_wrong_on_its_own_is_charged_on_a_wrong_pad2d_too():
    wrong = _define(catalogue.PAD_SYMMETRIC, "pad2d")
    with judging(lookup={"pad2d": wrong}.__getitem__):
        _failure("pad2d", wrong)
        failure = _failure("corr2d_pad", _corr2d_pad_on(wrong, extra=lambda Y: 2 * Y))
    assert check.VALID in _lost(failure) and not failure.judgement.note


def test_a_corr2d_pad_built_on_a_right_pad2d_passes():
    right = _solution("pad2d")
    with judging(lookup={"pad2d": right}.__getitem__):
        check.test_pad2d(right)
        assert check.test_corr2d_pad(_corr2d_pad_on(right)).passed


@pytest.mark.parametrize("variant", ["flipped_kernel", "same_larger_half_first", "numpy_symmetric"])
def test_an_equivariance_error_built_on_a_wrong_corr2d_pad_is_charged_once(variant):
    wrong = _define(catalogue.WRONG["corr2d_pad"][variant].code, "corr2d_pad")
    with judging(lookup={"corr2d_pad": wrong}.__getitem__):
        _failure("corr2d_pad", wrong)
        judgement = check.test_equivariance_error(_equivariance_on(wrong))
    assert judgement.passed and "fix corr2d_pad first" in judgement.note


def test_without_evidence_of_corr2d_pad_equivariance_error_is_charged():
    wrong = _define(catalogue.CORR_FLIPPED, "corr2d_pad")
    equivariance_error = _equivariance_on(wrong)
    with judging(lookup={"corr2d_pad": wrong}.__getitem__):
        _failure("corr2d_pad", wrong)
        del equivariance_error.reaches
        failure = _failure("equivariance_error", equivariance_error)
    assert failure.judgement.misconception == "kernel_flipped"
