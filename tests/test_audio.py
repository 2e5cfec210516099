"""The hidden checks of ``audio`` against independent brute-force oracles, and the whole
catalogue in-process (fast feedback; the kernel pipeline is covered by test_assignments)."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import source_nb
from convgrade.catalogue import audio as catalogue
from convgrade.check import audio as check
from convgrade.checks import CheckFailed, close


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


def test_conv1d_cases_match_the_definition():
    for case in check._conv1d_cases():
        x, w = case.args
        s, p, d = case.params
        want = _brute_conv1d(x, w, case.kwargs["b"], s, p, p, d)
        assert close(case.expected, want, case.magnitude), case.about


def test_causal_cases_match_the_definition():
    for case in check._causal_cases():
        x, w = case.args
        d = case.kwargs["dilation"]
        want = _brute_conv1d(x, w, case.kwargs["b"], 1, d * (w.shape[-1] - 1), 0, d)
        assert want.shape[-1] == x.shape[-1]
        assert close(case.expected, want, case.magnitude), case.about


def test_audio_layer_reference_is_the_formula():
    rng = np.random.default_rng(0)
    X, V, u = rng.standard_normal((9, 2)), rng.standard_normal((4, 2, 3)), rng.standard_normal(3)
    want = np.array([[u[d] + sum(V[a, c, d] * X[t + a, c] for a in range(4) for c in range(2))
                      for d in range(3)] for t in range(6)])
    np.testing.assert_allclose(check._audio_ref(X, V, u), want)


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


def _solutions():
    ns = {"np": np}
    for cell in source_nb("audio").cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            exec(cell.source, ns)
    return ns


@pytest.mark.parametrize("function", list(catalogue.WRONG))
def test_solution_passes_in_process(function):
    getattr(check, f"test_{function}")(_solutions()[function])


@pytest.mark.parametrize("function,name", [(f, n) for f, v in catalogue.WRONG.items() for n in v])
def test_wrong_entry_gets_its_message_in_process(function, name):
    code, message = catalogue.WRONG[function][name]
    ns = {}
    exec(code, ns)
    if message == catalogue.SHORTCUT:       # only the kernel's tripwire sees the call
        return
    with pytest.raises(CheckFailed) as failure:
        getattr(check, f"test_{function}")(ns[function])
    assert message in str(failure.value)


@pytest.mark.parametrize("function,name", [(f, n) for f, v in catalogue.CORRECT.items() for n in v])
def test_correct_entry_passes_in_process(function, name):
    ns = {}
    exec(catalogue.CORRECT[function][name], ns)
    getattr(check, f"test_{function}")(ns[function])


def test_causality_probe_catches_a_layer_that_reads_one_sample_ahead():
    def peeking(x, w, b=None, dilation=1):
        out = _solutions()["causal_conv1d"](x, w, b, dilation)
        ahead = np.concatenate([x[..., 1:], np.zeros(x.shape[:-1] + (1,))], axis=-1)
        return out + 1e-3 * ahead.sum(axis=-2, keepdims=True)
    with pytest.raises(CheckFailed, match="reads the future"):
        check.test_causal_conv1d(peeking)
