"""The hidden checks of ``audio`` against independent brute-force oracles, and the whole
catalogue in-process (fast feedback; the kernel pipeline is covered by test_assignments):
each mistake loses exactly its credit groups with its misconception named, each correct
variant keeps every group."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import source_nb
from convgrade.cases import seeded
from convgrade.catalogue import LIBRARY
from convgrade.catalogue import audio as catalogue
from convgrade.check import audio as check
from convgrade.verdict import ERRORS, VALUES, CheckFailed, close, judging

GROUPS = {"audio_layer": check.AUDIO_GROUPS, "conv1d": check.CONV1D_GROUPS,
          "causal_conv1d": check.CAUSAL_GROUPS, "receptive_field": check.RF_GROUPS,
          "estimate_delay": check.DELAY_GROUPS}


def _brute_conv1d(x, w, b, stride, before, after, dilation):
    """The layer's defining sum, one output at a time (zeros outside x)."""
    single = x.ndim == 2
    x3 = x[None] if single else x
    N, C, T = x3.shape
    D, _, K = w.shape
    L = (T + before + after - dilation * (K - 1) - 1) // stride + 1
    out = np.zeros((N, D, L))
    for n in range(N):
        for d in range(D):
            for t in range(L):
                total = 0.0 if b is None else b[d]
                for c in range(C):
                    for k in range(K):
                        i = t * stride + k * dilation - before
                        if 0 <= i < T:
                            total += w[d, c, k] * x3[n, c, i]
                out[n, d, t] = total
    return out[0] if single else out


def _brute_lag(x, y):
    best, lag = -np.inf, None
    for L in range(-(len(x) - 1), len(y)):
        score = sum(x[t] * y[t + L] for t in range(len(x)) if 0 <= t + L < len(y))
        if score > best:
            best, lag = score, L
    return lag


def _solutions():
    ns = {"np": np}
    for cell in source_nb("audio").cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            exec(cell.source, ns)
    return ns


SOLUTIONS = _solutions()


def _load(code, function):
    """A catalogue variant as a function (one built on conv1d sees the instructor's)."""
    ns = {"conv1d": SOLUTIONS["conv1d"]}
    exec(code, ns)
    return ns[function]


def _failure(function, student):
    with pytest.raises(CheckFailed) as failure:
        getattr(check, f"test_{function}")(student)
    judgement = failure.value.judgement
    return judgement, {g.name for g in judgement.groups if not g.passed}, str(failure.value)


# -- the cases against independent oracles --------------------------------------------------

def test_conv1d_cases_match_the_definition():
    cases = [c for c in check._conv1d_cases() if c.raises is None]
    for case in cases:
        x, w = case.args
        s, p, d = (case.kwargs[k] for k in ("stride", "padding", "dilation"))
        want = _brute_conv1d(x, w, case.kwargs["b"], s, p, p, d)
        assert close(case.expected, want, case.magnitude), case.about
    assert {c.group for c in cases} == set(check.CONV1D_GROUPS) - {ERRORS}


def test_conv1d_groups_isolate_their_requirement():
    """Each group switches on its own requirement over the plain case (one float signal,
    b=None, stride 1, no padding, no dilation), and only that one."""
    for case in check._conv1d_cases():
        if case.raises:
            assert case.group == ERRORS
            continue
        x, w = case.args
        options = (case.kwargs["stride"], case.kwargs["padding"], case.kwargs["dilation"]) != (1, 0, 1)
        assert options == (case.group == check.OPTIONS), case.about
        assert (case.kwargs["b"] is not None) == (case.group == check.BIAS), case.about
        assert (x.ndim == 3) == (case.group == check.BATCH), case.about
        integer = np.issubdtype(x.dtype, np.integer)
        assert integer == (case.group == check.INTEGERS), case.about
        if integer:     # an output built like x would cut these values
            assert not np.array_equal(case.expected, np.trunc(case.expected)), case.about


def test_conv1d_errors_asked_for_are_checked():
    """Both ValueErrors of the task, also where numpy would not raise by itself (a one-channel
    signal broadcasts against a two-channel kernel) and where padding is not enough."""
    bad = [c for c in check._conv1d_cases() if c.raises]
    assert all(c.raises == "ValueError" and c.group == ERRORS for c in bad)
    channels = [c for c in bad if c.args[0].shape[-2] != c.args[1].shape[1]]
    assert any(c.args[0].shape[-2] == 1 for c in channels)
    long = [c for c in bad if c.args[0].shape[-2] == c.args[1].shape[1]]
    for case in long:
        x, w = case.args
        span = case.kwargs.get("dilation", 1) * (w.shape[-1] - 1) + 1
        assert span > x.shape[-1] + 2 * case.kwargs.get("padding", 0), case.about
    assert any(c.kwargs.get("padding") for c in long) and any(c.kwargs.get("dilation") for c in long)


def test_causal_cases_match_the_definition():
    cases = check._causal_cases()
    for case in cases:
        x, w = case.args
        d = case.kwargs["dilation"]
        want = _brute_conv1d(x, w, case.kwargs["b"], 1, d * (w.shape[-1] - 1), 0, d)
        assert want.shape[-1] == x.shape[-1]
        assert close(case.expected, want, case.magnitude), case.about
        assert (d > 1) == (case.group == check.DILATION), case.about
        assert (x.ndim == 3) == (case.group == check.BATCH), case.about
    assert {c.group for c in cases} == set(check.CAUSAL_GROUPS) - {check.CAUSALITY}


def test_audio_layer_reference_is_the_formula():
    rng = np.random.default_rng(0)
    X, V, u = rng.standard_normal((9, 2)), rng.standard_normal((4, 2, 3)), rng.standard_normal(3)
    want = np.array([[u[d] + sum(V[a, c, d] * X[t + a, c] for a in range(4) for c in range(2))
                      for d in range(3)] for t in range(6)])
    np.testing.assert_allclose(check._audio_ref(X, V, u), want)
    cases = check._audio_cases()
    assert {c.group for c in cases} == set(check.AUDIO_GROUPS)
    for case in cases:
        integer = np.issubdtype(case.args[0].dtype, np.integer)
        assert integer == (case.group == check.RECORDINGS), case.about
        assert (case.kwargs["u"] is not None) == (case.group == check.BIAS_U), case.about


def test_delay_cases_have_one_clear_peak_at_the_built_lag():
    rows = check._delay_cases()
    assert len(rows) >= 25
    lags = [lag for _, _, lag, _ in rows]
    assert 0 in lags and min(lags) < 0 and max(lags) > 0
    for x, y, lag, about in rows:
        assert -(len(x) - 1) <= lag <= len(y) - 1, about
        if len(x) * len(y) <= 40_000:
            assert _brute_lag(x, y) == lag, about
        r = np.correlate(y, x, "full")          # numpy's correlation, not convref's
        assert int(np.argmax(r)) - (len(x) - 1) == lag, about
        top = np.sort(r)[-2:]
        assert len(r) == 1 or top[1] - top[0] > 1e-6 * abs(top[1]), about   # no near tie


def test_receptive_field_cases_match_an_impulse_through_the_stack():
    """Push one output back through the layers and count the input samples it reaches."""
    seen = []

    def spy(kernel_size, dilations):
        seen.append((kernel_size, dilations))
        ks = [kernel_size] * len(dilations) if isinstance(kernel_size, int) else kernel_size
        reach = {0}
        for k, d in zip(ks, dilations):
            reach = {r + j * d for r in reach for j in range(k)}
        return max(reach) + 1

    check.test_receptive_field(spy)
    assert len(seen) >= 20
    assert any(isinstance(k, int) for k, _ in seen) and any(isinstance(k, list) for k, _ in seen)
    assert any(not d for _, d in seen)


# -- the solution, the catalogue ----------------------------------------------------------

@pytest.mark.parametrize("function", list(catalogue.WRONG))
def test_solution_passes_in_process(function):
    judgement = getattr(check, f"test_{function}")(SOLUTIONS[function])
    assert [g.name for g in judgement.groups] == list(GROUPS[function])
    assert judgement.fraction == 1


@pytest.mark.parametrize("function,name", [(f, n) for f, v in catalogue.WRONG.items() for n in v])
def test_wrong_entry_is_named_and_loses_exactly_its_groups(function, name):
    mistake = catalogue.WRONG[function][name]
    assert set(mistake.breaks) <= set(GROUPS[function]), mistake.breaks
    if mistake.misconception == LIBRARY:       # only the kernel's tripwire sees the call
        assert mistake.breaks == tuple(GROUPS[function])
        return
    judgement, lost, message = _failure(function, _load(mistake.code, function))
    assert judgement.misconception == mistake.misconception, message
    assert lost == set(mistake.breaks), message
    assert mistake.message in message
    assert 0 <= judgement.fraction < 1


@pytest.mark.parametrize("function,name", [(f, n) for f, v in catalogue.CORRECT.items() for n in v])
def test_correct_entry_passes_in_process(function, name):
    judgement = getattr(check, f"test_{function}")(_load(catalogue.CORRECT[function][name], function))
    assert judgement.fraction == 1


@pytest.mark.parametrize("function", list(catalogue.WRONG))
def test_a_blank_answer_loses_every_group(function):
    def blank(*args, **kwargs):
        raise NotImplementedError()
    judgement, lost, message = _failure(function, blank)
    assert lost == set(GROUPS[function]) and judgement.misconception == "unanswered"
    assert "not answered yet" in message


def test_every_function_with_several_requirements_has_several_groups():
    for function, groups in GROUPS.items():
        assert len(groups) >= 2, function
        assert max(groups, key=groups.get) == VALUES, function     # values weigh most


# -- the holes of the review ------------------------------------------------------------------

def test_conv1d_right_on_every_value_but_silent_on_a_long_kernel_keeps_its_value_groups():
    def no_length_check(x, w, b=None, stride=1, padding=0, dilation=1):
        if np.shape(x)[-2] != np.shape(w)[1]:
            raise ValueError("channels")
        span = dilation * (np.shape(w)[-1] - 1) + 1
        if span > np.shape(x)[-1] + 2 * padding:
            return np.zeros(np.shape(x)[:-2] + (np.shape(w)[0], 0))
        return SOLUTIONS["conv1d"](x, w, b, stride, padding, dilation)
    judgement, lost, message = _failure("conv1d", no_length_check)
    assert lost == {ERRORS} and judgement.misconception == "missing_value_error"
    assert judgement.fraction == 1 - check.CONV1D_GROUPS[ERRORS] / sum(check.CONV1D_GROUPS.values())
    assert "must raise ValueError" in message and "longer than" in message


@pytest.mark.parametrize("function,group", [("audio_layer", check.RECORDINGS),
                                            ("conv1d", check.INTEGERS),
                                            ("causal_conv1d", check.INTEGERS)])
def test_an_output_built_like_an_integer_input_loses_only_the_integer_group(function, group):
    solution = SOLUTIONS[function]

    def like_the_input(first, *args, **kwargs):
        out = solution(first, *args, **kwargs)
        return out.astype(np.asarray(first).dtype)      # what np.zeros_like(X) stores
    judgement, lost, message = _failure(function, like_the_input)
    assert lost == {group} and judgement.misconception == "truncated_to_integers"
    assert "truncated to integers" in message


@pytest.mark.parametrize("function", ["receptive_field", "estimate_delay"])
def test_a_numpy_integer_loses_only_the_type_group(function):
    solution = SOLUTIONS[function]
    judgement, lost, message = _failure(function, lambda *a: np.int64(solution(*a)))
    assert lost == {check.PYTHON_INT} and judgement.misconception == "numpy_number"
    judgement, lost, message = _failure(function, lambda *a: float(solution(*a)))
    assert lost == {check.PYTHON_INT} and judgement.misconception == "float_count"


@pytest.mark.parametrize("function", ["receptive_field", "estimate_delay"])
def test_visible_test_and_hidden_check_agree_on_the_type(function):
    """The visible test cell refuses what the hidden check refuses: a numpy integer."""
    cell = next(c for c in source_nb("audio").cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == f"test_{function}")
    visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
    assert "isinstance(" in visible and "np.integer" not in visible
    exec(visible, {"np": np, function: SOLUTIONS[function]})
    wrong = catalogue.WRONG[function]["numpy_integer"].code
    with pytest.raises(AssertionError):
        exec(visible, {"np": np, function: _load(wrong, function)})


def test_a_layer_count_off_by_one_is_named_either_way():
    for skip in (slice(1, None), slice(None, -1)):
        def one_layer_less(kernel_size, dilations, skip=skip):
            ks = [kernel_size] * len(dilations) if isinstance(kernel_size, int) else list(kernel_size)
            return 1 + sum((k - 1) * d for k, d in list(zip(ks, dilations))[skip])
        judgement, lost, message = _failure("receptive_field", one_layer_less)
        assert judgement.misconception == "layer_count_off_by_one", message
        assert lost == {VALUES, check.PER_LAYER}


def test_a_true_convolution_handed_in_for_the_layers_is_named():
    """conv1d and the causal layer are cross-correlations (the deep-learning convention): the
    signal-processing convolution, kernel reversed, is named as a flipped kernel."""
    def true_conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
        return SOLUTIONS["conv1d"](x, np.asarray(w)[..., ::-1], b, stride, padding, dilation)
    judgement, _, _ = _failure("conv1d", true_conv1d)
    assert judgement.misconception == "kernel_flipped"

    def true_audio_layer(X, V, u=None):
        return SOLUTIONS["audio_layer"](X, np.asarray(V)[::-1], u)
    judgement, _, _ = _failure("audio_layer", true_audio_layer)
    assert judgement.misconception == "kernel_flipped"


# -- causality, judged by hand ---------------------------------------------------------------

def test_causality_probe_catches_a_layer_that_reads_one_sample_ahead():
    def peeking(x, w, b=None, dilation=1):
        out = SOLUTIONS["causal_conv1d"](x, w, b, dilation)
        ahead = np.concatenate([x[..., 1:], np.zeros(x.shape[:-1] + (1,))], axis=-1)
        return out + 1e-3 * ahead.sum(axis=-2, keepdims=True)
    judgement, lost, message = _failure("causal_conv1d", peeking)
    assert check.CAUSALITY in lost and "reads the future" in message
    assert next(g for g in judgement.groups if g.name == check.CAUSALITY).misconception == \
        "reads_the_future"


def test_a_layer_that_ignores_its_input_gets_no_causality_credit():
    def silent(x, w, b=None, dilation=1):
        return np.zeros(np.shape(x)[:-2] + (np.shape(w)[0], np.shape(x)[-1]))
    judgement, lost, message = _failure("causal_conv1d", silent)
    assert lost == set(check.CAUSAL_GROUPS) and "does not hear its input" in message


def test_a_layer_that_raises_everywhere_gets_no_causality_credit():
    def broken(x, w, b=None, dilation=1):
        raise IndexError("oops")
    judgement, lost, message = _failure("causal_conv1d", broken)
    assert lost == set(check.CAUSAL_GROUPS)


def test_a_causal_layer_of_the_wrong_length_keeps_its_causality_credit():
    judgement, lost, _ = _failure("causal_conv1d", _load(
        catalogue.WRONG["causal_conv1d"]["full_length"].code, "causal_conv1d"))
    assert check.CAUSALITY not in lost


# -- charge each mistake once --------------------------------------------------------------

def _on_conv1d(conv1d, code=catalogue.CAUSAL_ON_CONV1D):
    ns = {"conv1d": conv1d}
    exec(code, ns)
    function = ns["causal_conv1d"]
    function.reaches = frozenset({"conv1d", "np"})     # what the grader reads from the source
    return function


FLIPPED_CONV1D = _load(catalogue.WRONG["conv1d"]["flipped_kernel"].code, "conv1d")


def test_a_causal_layer_built_on_a_wrong_conv1d_is_charged_only_there():
    causal = _on_conv1d(FLIPPED_CONV1D)
    with judging(lookup={"conv1d": FLIPPED_CONV1D}.get) as state:
        with pytest.raises(CheckFailed):
            check.test_conv1d(FLIPPED_CONV1D)
        judgement = check.test_causal_conv1d(causal)          # passes: nothing of its own is wrong
    assert judgement.fraction == 1 and "fix conv1d first" in judgement.message
    assert state.judged["causal_conv1d"] is judgement


def test_without_the_evidence_the_wrong_values_are_charged():
    causal = _on_conv1d(FLIPPED_CONV1D)
    causal.reaches = frozenset()                               # the source does not call conv1d
    with judging(lookup={"conv1d": FLIPPED_CONV1D}.get):
        with pytest.raises(CheckFailed):
            check.test_conv1d(FLIPPED_CONV1D)
        judgement, lost, _ = _failure("causal_conv1d", causal)
    assert judgement.misconception == "kernel_flipped" and check.CAUSALITY not in lost
    with pytest.raises(CheckFailed):                           # nor outside the grader
        check.test_causal_conv1d(_on_conv1d(FLIPPED_CONV1D))


def test_a_causal_layer_with_its_own_mistake_on_a_wrong_conv1d_is_charged():
    own = catalogue.CAUSAL_ON_CONV1D.replace("[(span, 0)]", "[(0, span)]")     # pads the future
    assert own != catalogue.CAUSAL_ON_CONV1D
    causal = _on_conv1d(FLIPPED_CONV1D, own)
    with judging(lookup={"conv1d": FLIPPED_CONV1D}.get):
        with pytest.raises(CheckFailed):
            check.test_conv1d(FLIPPED_CONV1D)
        judgement, lost, message = _failure("causal_conv1d", causal)
    assert check.CAUSALITY in lost and VALUES in lost and "fix conv1d first" not in message


# -- fresh inputs --------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_fft_delay_mistakes_lose_only_the_negative_lags_on_any_draw(seed):
    """The circular and not-unwrapped FFT correlations are right on lags >= 0 whatever the
    noise: they keep the other groups on every seed."""
    for name in ("circular", "fft_no_unwrap"):
        mistake = catalogue.WRONG["estimate_delay"][name]
        with seeded(seed):
            judgement, lost, _ = _failure("estimate_delay", _load(mistake.code, "estimate_delay"))
        assert lost == set(mistake.breaks) and judgement.misconception == mistake.misconception


@pytest.mark.parametrize("seed", [11])
def test_the_catalogue_holds_on_other_seeds(seed):
    for function, table in catalogue.WRONG.items():
        for name, mistake in table.items():
            if mistake.misconception == LIBRARY:
                continue
            with seeded(seed):
                judgement, lost, message = _failure(function, _load(mistake.code, function))
            assert (judgement.misconception, lost) == (mistake.misconception, set(mistake.breaks)), \
                f"{function}={name}: {message}"
