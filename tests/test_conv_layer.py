"""The hidden checks of ``conv_layer`` in-process (fast feedback; the kernel pipeline is covered
by test_assignments): the cases agree with brute-force loops written here, the solution and
every correct variant keep full marks, every catalogued mistake loses exactly its credit groups
with its misconception named, and a function built on a wrong graded function is charged only
for its own mistakes."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from conftest import source_nb
from convgrade.cases import seeded
from convgrade.catalogue import LIBRARY
from convgrade.catalogue import conv_layer as catalogue
from convgrade.check import conv_layer as check
from convgrade.verdict import CheckFailed, judging

FUNCTIONS = ["dense_param_count", "conv_param_count", "reindex", "corr2d", "conv2d", "local_layer",
             "dense_from_kernel", "corr2d_multi_in", "corr2d_multi_in_out", "conv_layer"]
GROUPS = {"dense_param_count": check.COUNT_GROUPS, "conv_param_count": check.COUNT_GROUPS,
          "reindex": check.REINDEX_GROUPS, "corr2d": check.CORR_GROUPS, "conv2d": check.CORR_GROUPS,
          "local_layer": check.LOCAL_GROUPS, "dense_from_kernel": check.DENSE_FROM_KERNEL_GROUPS,
          "corr2d_multi_in": check.MULTI_IN_GROUPS,
          "corr2d_multi_in_out": check.MULTI_IN_OUT_GROUPS, "conv_layer": check.LAYER_GROUPS}
#: Mistakes the feedback does not name (allowed misses of the 90 % rule): they must still lose
#: exactly their groups. (Those that raise are named from the error now.)
RAISES = set()


def _solutions():
    ns = {"np": np}
    for cell in source_nb("conv_layer").cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            exec(cell.source, ns)
    return ns


def _function(code, name):
    ns = {}
    exec(code, ns)
    return ns[name]


def _judge(function, name, seed=None):
    """The judgement of ``name``'s check on ``function`` (None when it raised no CheckFailed:
    then the check passed and returned one)."""
    test = getattr(check, f"test_{name}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)      # numpy's overflow warnings
        if seed is None:
            try:
                return test(function)
            except CheckFailed as failure:
                return failure.judgement
        with seeded(seed):
            try:
                return test(function)
            except CheckFailed as failure:
                return failure.judgement


def _lost(judgement) -> set:
    return {g.name for g in judgement.groups if not g.passed}


# -- brute-force oracles, written from the notebook's definitions ------------------------------

def _kernel_ok(V):
    V = np.asarray(V)
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")


def brute_dense_param_count(in_shape, out_shape, bias=True):
    n = [1, 1]
    for k, shape in enumerate((in_shape, out_shape)):
        for s in (shape if isinstance(shape, tuple) else (shape,)):
            n[k] *= int(s)
    return n[0] * n[1] + (n[1] if bias else 0)


def brute_conv_param_count(kernel_size, in_channels, out_channels, bias=True):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return sum(kh * kw * in_channels + (1 if bias else 0) for _ in range(out_channels))


def brute_reindex(W):
    h, w = W.shape[:2]
    V = np.zeros((h, w, 2 * h - 1, 2 * w - 1))
    for i in range(h):
        for j in range(w):
            for a in range(-(h - 1), h):
                for b in range(-(w - 1), w):
                    if 0 <= i + a < h and 0 <= j + b < w:
                        V[i, j, a + h - 1, b + w - 1] = W[i, j, i + a, j + b]
    return V


def brute_corr2d(X, K):
    (H, W), (KH, KW) = np.shape(X), np.shape(K)
    if KH > H or KW > W:
        raise ValueError("kernel larger than image")
    Y = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            for a in range(KH):
                for b in range(KW):
                    Y[i, j] += K[a, b] * X[i + a, j + b]
    return Y


def brute_conv2d(X, K):
    (H, W), (KH, KW) = np.shape(X), np.shape(K)
    if KH > H or KW > W:
        raise ValueError("kernel larger than image")
    Y = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            for a in range(KH):
                for b in range(KW):
                    Y[i, j] += K[KH - 1 - a, KW - 1 - b] * X[i + a, j + b]
    return Y


def brute_local_layer(X, V, u=0.0):
    _kernel_ok(V)
    d = V.shape[0] // 2
    H, W = X.shape
    out = np.full((H, W), float(u))
    for i in range(H):
        for j in range(W):
            for a in range(-d, d + 1):
                for b in range(-d, d + 1):
                    if 0 <= i + a < H and 0 <= j + b < W:
                        out[i, j] += V[a + d, b + d] * X[i + a, j + b]
    return out


def brute_dense_from_kernel(V, h, w):
    _kernel_ok(V)
    d = V.shape[0] // 2
    W = np.zeros((h, w, h, w))
    for i in range(h):
        for j in range(w):
            for k in range(h):
                for m in range(w):
                    if abs(k - i) <= d and abs(m - j) <= d:
                        W[i, j, k, m] = V[k - i + d, m - j + d]
    return W


def brute_corr2d_multi_in(X, K):
    if X.shape[0] != K.shape[0]:
        raise ValueError("channel counts differ")
    return sum(brute_corr2d(X[c], K[c]) for c in range(X.shape[0]))


def brute_corr2d_multi_in_out(X, K):
    return np.stack([sum(brute_corr2d(X[c], k[c]) for c in range(X.shape[0])) for k in K])


def brute_conv_layer(X, V, u=None):
    (N, C, H, W), (D, CV, KH, KW) = X.shape, V.shape
    if C != CV:
        raise ValueError("channel counts differ")
    out = np.zeros((N, D, H - KH + 1, W - KW + 1))
    for n in range(N):
        for d in range(D):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    total = 0.0 if u is None else float(u[d])
                    for c in range(C):
                        for a in range(KH):
                            for b in range(KW):
                                total += V[d, c, a, b] * X[n, c, i + a, j + b]
                    out[n, d, i, j] = total
    return out


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("seed", [None, 7])
def test_cases_agree_with_brute_force_loops(name, seed):
    """Every case's right answer (and every ValueError asked for) is what the loops give."""
    judgement = _judge(globals()[f"brute_{name}"], name, seed)
    assert judgement.passed, judgement.message


# -- the solution, the groups, the correct variants ---------------------------------------------

@pytest.mark.parametrize("name", FUNCTIONS)
def test_solution_keeps_every_group_stated_in_the_module(name):
    judgement = _judge(_solutions()[name], name)
    assert judgement.passed, judgement.message
    assert [(g.name, g.weight) for g in judgement.groups] == list(GROUPS[name].items())


def test_every_function_has_two_credit_groups_or_more():
    assert all(len(groups) >= 2 for groups in GROUPS.values())


@pytest.mark.parametrize("name,variant", [(f, n) for f, v in catalogue.CORRECT.items() for n in v])
def test_correct_variant_keeps_full_marks(name, variant):
    judgement = _judge(_function(catalogue.CORRECT[name][variant], name), name)
    assert judgement.passed, judgement.message


# -- the catalogue of mistakes ----------------------------------------------------------------

WRONG = [(f, n) for f, v in catalogue.WRONG.items() for n, m in v.items() if m.misconception != LIBRARY]


@pytest.mark.parametrize("name,variant", WRONG)
def test_mistake_loses_exactly_its_groups_and_is_named(name, variant):
    mistake = catalogue.WRONG[name][variant]
    judgement = _judge(_function(mistake.code, name), name)
    assert not judgement.passed, f"{name}={variant} kept full marks"
    assert _lost(judgement) == set(mistake.breaks), judgement.message
    assert mistake.message in judgement.message
    if (name, variant) in RAISES:
        assert judgement.misconception is None
    else:
        assert judgement.misconception == mistake.misconception, judgement.message


@pytest.mark.parametrize("name,variant", WRONG)
def test_mistake_is_judged_alike_on_other_cases(name, variant):
    """The cases are drawn per submission: another seed, the same verdict."""
    mistake = catalogue.WRONG[name][variant]
    judgement = _judge(_function(mistake.code, name), name, seed=20240611)
    assert _lost(judgement) == set(mistake.breaks), judgement.message
    assert mistake.message in judgement.message
    if (name, variant) not in RAISES:
        assert judgement.misconception == mistake.misconception, judgement.message


def test_catalogue_size_and_named_share():
    for name in FUNCTIONS:
        assert len(catalogue.WRONG[name]) >= 4, name
        assert len(catalogue.CORRECT[name]) >= 3, name
        for mistake in catalogue.WRONG[name].values():
            assert set(mistake.breaks) <= set(GROUPS[name]), (name, mistake.breaks)
    total = sum(map(len, catalogue.WRONG.values()))
    assert len(RAISES) <= 0.1 * total


# -- the holes of the review -------------------------------------------------------------------

def test_a_numpy_count_loses_only_the_python_int_group():
    def conv_param_count(kernel_size, in_channels, out_channels, bias=True):
        kh, kw = (kernel_size,) * 2 if np.ndim(kernel_size) == 0 else kernel_size
        return np.int64(kh * kw * in_channels * out_channels + (out_channels if bias else 0))
    judgement = _judge(conv_param_count, "conv_param_count")
    assert _lost(judgement) == {"Python int"}
    assert judgement.misconception == "numpy_number"
    assert judgement.fraction == pytest.approx(3 / 4)


def test_a_python_float_count_loses_only_the_python_int_group_while_it_is_exact():
    def conv_param_count(kernel_size, in_channels, out_channels, bias=True):
        return float(brute_conv_param_count(kernel_size, in_channels, out_channels, bias))
    judgement = _judge(conv_param_count, "conv_param_count")
    assert _lost(judgement) == {"Python int"} and judgement.misconception == "float_count"


def test_a_dense_count_beyond_2_63_must_stay_exact():
    judgement = _judge(lambda i, o, bias=True: brute_dense_param_count(i, o, bias) % 2**63,
                       "dense_param_count")
    assert _lost(judgement) == {"values"}


def test_a_wrong_count_is_not_charged_in_the_python_int_group():
    judgement = _judge(lambda i, o, bias=True: brute_dense_param_count(i, o, bias) + 1,
                       "dense_param_count")
    assert _lost(judgement) == {"values", "bias=False"}


def test_a_perfect_local_layer_missing_one_value_error_keeps_its_value_groups():
    def local_layer(X, V, u=0.0):
        if np.ndim(V) != 2 or np.shape(V)[0] % 2 == 0:          # forgets "square"
            raise ValueError("V needs an odd side")
        out = np.full(X.shape, float(u))
        P = np.pad(np.asarray(X, dtype=float), [(n // 2, n // 2) for n in V.shape])
        for a in range(V.shape[0]):
            for b in range(V.shape[1]):
                out += V[a, b] * P[a:a + X.shape[0], b:b + X.shape[1]]
        return out
    judgement = _judge(local_layer, "local_layer")
    assert _lost(judgement) == {"ValueError"} and judgement.misconception == "missing_value_error"
    assert "3x5 kernel" in judgement.message
    assert judgement.fraction == pytest.approx(4 / 5)


@pytest.mark.parametrize("name,groups", [("corr2d_multi_in", {"ValueError"}),
                                         ("conv_layer", {"ValueError"})])
def test_the_channel_count_value_error_is_its_own_group(name, groups):
    """A loop over the input's channels that reads the kernel's: right values, no check."""
    solution = _solutions()[name]

    def unchecked(X, V, *args, **kwargs):
        axis = 0 if name == "corr2d_multi_in" else 1
        if X.shape[axis] != V.shape[axis] and min(X.shape[axis], V.shape[axis]) > 0:
            c = min(X.shape[axis], V.shape[axis])      # quietly drops the extra channels
            X, V = np.take(X, range(c), axis), np.take(V, range(c), axis)
        return solution(X, V, *args, **kwargs)
    judgement = _judge(unchecked, name)
    assert _lost(judgement) == groups and judgement.misconception == "missing_value_error"


@pytest.mark.parametrize("name", ["corr2d", "conv2d", "local_layer", "corr2d_multi_in",
                                  "corr2d_multi_in_out", "conv_layer"])
def test_an_output_shaped_like_an_integer_input_loses_only_the_integer_group(name):
    solution = _solutions()[name]

    def like_the_input(X, *args, **kwargs):
        out = solution(X, *args, **kwargs)
        return out.astype(np.asarray(X).dtype)        # np.zeros_like(X) filled entry by entry
    judgement = _judge(like_the_input, name)
    assert _lost(judgement) == {"integer images"}, judgement.message
    assert judgement.misconception == "truncated_to_integers"


def test_corr2d_with_a_square_kernel_assumed_is_told_so():
    judgement = _judge(_function(catalogue.CORR2D_SQUARE_KERNEL, "corr2d"), "corr2d")
    assert judgement.misconception == "kernel_assumed_square"
    assert "K.shape[1]" in judgement.message


@pytest.mark.parametrize("name,misconception,wrong", [
    ("conv_layer", "bias_wrong_axis",
     lambda X, V, u=None: brute_conv_layer(X, V) + (0 if u is None else np.asarray(u))),
    ("conv_layer", "channels_averaged",
     lambda X, V, u=None: brute_conv_layer(X, V, u) - (brute_conv_layer(X, V) * (1 - 1 / X.shape[1]))),
    ("conv_layer", "one_channel_only",
     lambda X, V, u=None: brute_conv_layer(X[:, :1], V[:, :1], u) if X.shape[1] == V.shape[1]
     else brute_conv_layer(X, V, u)),
    ("corr2d_multi_in", "channels_averaged",
     lambda X, K: brute_corr2d_multi_in(X, K) / X.shape[0]),
    ("corr2d_multi_in", "one_channel_only",
     lambda X, K: brute_corr2d(X[0], K[0]) if len(X) == len(K) else brute_corr2d_multi_in(X, K)),
    ("corr2d", "worked_example_hard_coded", lambda X, K: np.array([[19.0, 25.0], [37.0, 43.0]])),
    ("conv2d", "worked_example_hard_coded", lambda X, K: np.array([[5.0, 11.0], [23.0, 29.0]])),
])
def test_misconceptions_that_used_to_get_a_generic_message(name, misconception, wrong):
    judgement = _judge(wrong, name)
    assert not judgement.passed and judgement.misconception == misconception, judgement.message
    assert "values differ" not in judgement.message


# -- charge each mistake once: Depends, in-process ---------------------------------------------

FLIPPED_CORR2D = catalogue.CORR2D_FLIPPED


def _student(code, name, **graded):
    """``name`` from ``code``, whose globals hold the other graded functions ``graded``, with
    the grader's evidence (``reaches``) that its source calls them."""
    ns = dict(graded)
    exec(code, ns)
    function = ns[name]
    function.reaches = frozenset(graded)
    return function


def _judged_after(dependency_name, dependency, name, function):
    """Judge ``dependency`` then ``function`` in one notebook (the grader's ``judging``)."""
    lookup = {dependency_name: dependency}.get
    with judging(lookup=lookup) as state:
        first = _judge(dependency, dependency_name)
        second = _judge(function, name)
    return first, second, state


BUILT_ON = {
    "conv2d": ("corr2d", FLIPPED_CORR2D, """\
import numpy as np
def conv2d(X, K):
    return corr2d(X, np.asarray(K)[::-1, ::-1])
"""),
    "corr2d_multi_in": ("corr2d", FLIPPED_CORR2D, """\
def corr2d_multi_in(X, K):
    if X.shape[0] != K.shape[0]:
        raise ValueError("channel counts differ")
    return sum(corr2d(x, k) for x, k in zip(X, K))
"""),
    "local_layer": ("corr2d", FLIPPED_CORR2D, """\
import numpy as np
def local_layer(X, V, u=0.0):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    return u + corr2d(np.pad(X, V.shape[0] // 2), V)
"""),
    "dense_from_kernel": ("local_layer", catalogue.LOCAL_FLIPPED, """\
import numpy as np
def dense_from_kernel(V, h, w):
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.shape[0] % 2 == 0:
        raise ValueError("V must be square with an odd side")
    W = np.zeros((h, w, h, w))
    for k in range(h):
        for l in range(w):
            impulse = np.zeros((h, w))
            impulse[k, l] = 1.0
            W[:, :, k, l] = local_layer(impulse, V)
    return W
"""),
    "corr2d_multi_in_out": ("corr2d_multi_in", catalogue.CMI_FLIPPED, """\
import numpy as np
def corr2d_multi_in_out(X, K):
    return np.stack([corr2d_multi_in(X, k) for k in K])
"""),
    "conv_layer": ("corr2d_multi_in_out", catalogue.CMIO_FLIPPED, """\
import numpy as np
def conv_layer(X, V, u=None):
    if X.shape[1] != V.shape[1]:
        raise ValueError("channel counts differ")
    out = np.stack([corr2d_multi_in_out(x, V) for x in X])
    return out if u is None else out + np.asarray(u)[None, :, None, None]
"""),
}


@pytest.mark.parametrize("name", list(BUILT_ON))
def test_a_function_built_on_a_wrong_graded_function_is_charged_once(name):
    dependency_name, dependency_code, code = BUILT_ON[name]
    dependency = _function(dependency_code, dependency_name)
    function = _student(code, name, **{dependency_name: dependency})
    first, second, state = _judged_after(dependency_name, dependency, name, function)
    assert not first.passed and first.misconception        # the dependency's mistake is named
    assert second.passed, second.message                    # and not charged again
    assert f"fix {dependency_name} first" in second.message
    assert state.judged[name] is second


@pytest.mark.parametrize("name", list(BUILT_ON))
def test_without_the_evidence_of_the_call_the_mistake_is_charged(name):
    dependency_name, dependency_code, code = BUILT_ON[name]
    dependency = _function(dependency_code, dependency_name)
    function = _student(code, name, **{dependency_name: dependency})
    function.reaches = frozenset()
    _, second, _ = _judged_after(dependency_name, dependency, name, function)
    named = "convolution_not_flipped" if name == "conv2d" else "kernel_flipped"
    assert not second.passed and second.misconception == named, second.message


@pytest.mark.parametrize("name", list(BUILT_ON))
def test_a_mistake_of_its_own_is_charged_on_a_wrong_dependency(name):
    """Built on the wrong dependency AND wrong itself (every value doubled): not excused."""
    dependency_name, dependency_code, code = BUILT_ON[name]
    dependency = _function(dependency_code, dependency_name)
    function = _student(code, name, **{dependency_name: dependency})

    def doubled(*args, **kwargs):
        return 2 * function(*args, **kwargs)
    doubled.reaches = function.reaches
    _, second, _ = _judged_after(dependency_name, dependency, name, doubled)
    assert not second.passed and "values" in _lost(second)
