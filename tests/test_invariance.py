"""The hidden checks of ``invariance`` against independent oracles: their reference answers,
the scenes and pictures they generate, and the whole catalogue run in-process (the real
pipeline is exercised by test_assignments.py)."""
from __future__ import annotations

import nbformat
import numpy as np
import pytest

from conftest import ROOT
from convgrade.catalogue import invariance as catalogue
from convgrade.check import invariance as check
from convgrade.checks import CheckFailed


def loop_corr(X, K):
    (H, W), (kh, kw) = X.shape, K.shape
    return np.array([[np.sum(X[i:i + kh, j:j + kw] * K) for j in range(W - kw + 1)]
                     for i in range(H - kh + 1)])


def loop_shift(X, dy, dx):
    Y = np.zeros_like(X, dtype=float)
    H, W = X.shape[-2:]
    for i in range(H):
        for j in range(W):
            if 0 <= i - dy < H and 0 <= j - dx < W:
                Y[..., i, j] = X[..., i - dy, j - dx]
    return Y


def loop_ncc(S, T):
    h, w = T.shape
    Tc = T - T.mean()
    out = np.zeros((S.shape[0] - h + 1, S.shape[1] - w + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            P = S[i:i + h, j:j + w]
            if P.std() > check.FLAT:
                Pc = P - P.mean()
                out[i, j] = np.sum(Pc * Tc) / (np.linalg.norm(Pc) * np.linalg.norm(Tc))
    return out


def test_shift_oracle_matches_the_definition():
    for X, dy, dx in check._shift_cases():
        np.testing.assert_array_equal(check.shift_oracle(X, dy, dx), loop_shift(X, dy, dx))


def test_equivariance_gap_vanishes_away_from_the_zeros():
    rng = np.random.default_rng(0)
    for dy, dx in [(2, -1), (-3, 2), (0, 4), (5, 5)]:
        X, K = rng.standard_normal((9, 10)), rng.standard_normal((3, 2))
        G = check.gap_oracle(X, K, dy, dx)
        oh, ow = G.shape
        rows = slice(max(dy, 0), oh + min(dy, 0))
        cols = slice(max(dx, 0), ow + min(dx, 0))
        np.testing.assert_allclose(G[rows, cols], 0, atol=1e-12)
        assert np.abs(G).max() > 1e-3


def test_rotation_identity_and_symmetric_kernels():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((6, 8))
    for K, _ in check.rot_kernels():
        if K.shape[0] != K.shape[1] or K.shape[0] > 6:
            continue
        np.testing.assert_allclose(loop_corr(np.rot90(X), K),
                                   np.rot90(loop_corr(X, np.rot90(K, -1))), atol=1e-12)
        gap = check.rotation_gap_oracle(X, K)
        assert (np.abs(gap).max() < 1e-12) == check._rot_symmetric(K)


def test_rot_kernels_separate_every_look_alike_symmetry():
    kernels = [K for K, _ in check.rot_kernels()]
    truth = [check._rot_symmetric(K) for K in kernels]
    assert any(truth) and not all(truth)
    for predicate in (lambda K: K.shape[0] == K.shape[1] and np.array_equal(K, K.T),
                      lambda K: np.array_equal(K, K[::-1, ::-1]),
                      lambda K: np.array_equal(K, K[::-1]) and np.array_equal(K, K[:, ::-1])):
        assert [predicate(K) for K in kernels] != truth


def test_ncc_oracle_matches_window_by_window_definition():
    cases = check._ncc_cases() + [(S, T) for S, T, _ in check.waldo_cases(10)]
    for S, T in cases:
        want, flat = check.ncc_oracle(S, T)
        np.testing.assert_allclose(want, loop_ncc(S, T), atol=1e-9)
        assert np.all(want[flat] == 0)


def test_check_scenes_keep_flat_and_textured_windows_apart():
    """Every window is exactly flat or has a standard deviation far above the 1e-4 line, so
    no correct computation can land on the other side of it."""
    from numpy.lib.stride_tricks import sliding_window_view
    cases = check._ncc_cases() + [(S, T) for S, T, _ in check.waldo_cases(10)]
    flats = 0
    for S, T in cases:
        spread = sliding_window_view(S, T.shape).std(axis=(2, 3))
        assert np.all((spread < 1e-12) | (spread > 5e-4))
        flats += int(np.sum(spread < 1e-12))
    assert flats > 100


def test_waldo_scenes_fool_plain_correlation_but_not_ncc():
    scenes = check.waldo_cases(10)
    cosine_fooled = 0
    for S, T, (r, c) in scenes:
        ncc, _ = check.ncc_oracle(S, T)
        assert ncc[r, c] == pytest.approx(1.0)
        assert check._argmax(ncc) == (r, c)
        assert np.sort(ncc.ravel())[-2] < 0.97
        assert check._argmax(loop_corr(S, T - T.mean())) != (r, c)
        cosine_fooled += check._argmax(check._cosine(S, T)) != (r, c)
        assert (c, r) != (r, c) and (T.shape[0] > 1 or T.shape[1] > 1)
    assert cosine_fooled >= 3


def test_pig_images_follow_the_rules_in_the_notebook():
    for X, flies, _ in check.pig_images():
        _, H, W = X.shape
        assert H % 2 == 0 and 8 <= H <= 32 and 8 <= W <= 32
        pig = X[0] == 1.0
        assert 1 <= pig.sum() <= 9 and np.all(X[0][~pig] <= 0.2) and np.all(X[0][~pig] >= 0)
        rows = np.flatnonzero(pig.any(axis=1))
        assert (rows.max() < H // 2) if flies else (rows.min() >= H // 2)
    assert {p for _, _, p in check.pig_images()} == {"random", "middle", "edge"}


def test_coordinates():
    np.testing.assert_allclose(check.coords(5), [-1, -0.5, 0, 0.5, 1])
    np.testing.assert_array_equal(check.coords(1), [0])
    out = check.coord_oracle(np.zeros((2, 3, 4)))
    assert out.shape == (4, 3, 4)
    np.testing.assert_allclose(out[2, :, 0], [-1, 0, 1])
    np.testing.assert_allclose(out[3, 0], [-1, -1 / 3, 1 / 3, 1])


def _given_namespace():
    nb = nbformat.read(ROOT / "solutions" / "invariance" / "invariance.ipynb", 4)
    namespace = {}
    exec("import numpy as np", namespace)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id", "").startswith("given_"):
            exec(cell.source, namespace)
    return namespace


def _load(code, name):
    namespace = _given_namespace()
    exec(code, namespace)
    return namespace[name]


WRONG = [(fn, name, code, msg) for fn, table in catalogue.WRONG.items()
         for name, (code, msg) in table.items() if msg != catalogue.SHORTCUT]
CORRECT = [(fn, name, code) for fn, table in catalogue.CORRECT.items() for name, code in table.items()]


@pytest.mark.parametrize("function,name,code,message", WRONG, ids=[f"{w[0]}-{w[1]}" for w in WRONG])
def test_catalogued_mistake_fails_in_process(function, name, code, message):
    with pytest.raises(CheckFailed) as failure, np.errstate(all="ignore"):
        getattr(check, f"test_{function}")(_load(code, function))
    assert message in str(failure.value)


@pytest.mark.parametrize("function,name,code", CORRECT, ids=[f"{c[0]}-{c[1]}" for c in CORRECT])
def test_catalogued_correct_answer_passes_in_process(function, name, code):
    getattr(check, f"test_{function}")(_load(code, function))


def test_ncc_map_names_a_mistake_only_at_flat_windows():
    def flat_windows_half(scene, template):
        want, flat = check.ncc_oracle(scene, template)
        if np.std(template) <= check.FLAT:
            raise ValueError("flat template")
        return np.where(flat, 0.5, want)

    with pytest.raises(CheckFailed, match="wrong only at flat windows"):
        check.test_ncc_map(flat_windows_half)


def test_solution_notebook_functions_pass_every_check():
    nb = nbformat.read(ROOT / "solutions" / "invariance" / "invariance.ipynb", 4)
    namespace = _given_namespace()
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")
               and c.cell_type == "code"]
    for cell in answers:
        exec(cell.source, namespace)
    for cell in answers:
        name = cell.metadata.nbgrader.grade_id
        getattr(check, f"test_{name}")(namespace[name])
