"""The delta_zero checks in-process, against independent oracles and the catalogue.

Fast companions of tests/test_assignments.py (which grades the same catalogue through the
real pipeline): the references the checks use agree with plain per-pixel loops, the
instructor's solution passes every check, every catalogued mistake fails with its message
(library shortcuts are only detectable in the kernel, so they are skipped here), and every
correct variant passes.
"""
from __future__ import annotations


import nbformat
import numpy as np
import pytest

import convref
from conftest import ROOT
from convgrade.catalogue import delta_zero as catalogue
from convgrade.check import delta_zero as check
from convgrade.checks import CheckFailed

SOURCE = ROOT / "solutions" / "delta_zero" / "delta_zero.ipynb"


def _define(code: str, name: str):
    namespace = {"np": np}
    exec(compile(code, f"<{name}>", "exec"), namespace)  # noqa: S102 - catalogue code
    return namespace[name]


def _solutions() -> dict:
    nb = nbformat.read(SOURCE, 4)
    return {c.metadata.nbgrader.grade_id: c.source for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}


# -- the references against plain loops ------------------------------------------------------

@pytest.mark.parametrize("c, d, h, w", [(1, 1, 1, 1), (3, 2, 2, 5), (2, 4, 3, 1)])
def test_dense_matrix_oracle_is_the_kronecker_product(c, d, h, w):
    V = np.random.default_rng(c * 100 + d * 10 + h).standard_normal((d, c))
    M = convref.dense_matrix(V[:, :, None, None], (c, h, w))
    np.testing.assert_allclose(M, np.kron(V, np.eye(h * w)), atol=1e-12)


def test_stacked_reference_is_an_mlp_per_pixel():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 4, 5))
    params = check._params([3, 6, 4, 2], 1)
    out = check._mlp(X, params, layer=check._layer)
    for i in range(4):
        for j in range(5):
            h = X[:, i, j]
            for k, (W, b) in enumerate(params):
                h = W @ h + b
                if k < len(params) - 1:
                    h = np.maximum(h, 0)
            np.testing.assert_allclose(out[:, i, j], h, atol=1e-12)


def test_probe_copies_differ_in_one_pixel_only():
    X = np.random.default_rng(1).standard_normal((2, 3, 4))
    V = np.ones((2, 2))
    probe = check.Probe(X, (V,), {}, [(1, 2), (0, 0)], lambda Z: check._layer(Z, V),
                        lambda Z: check._layer_magnitude(Z, V), seed=5)
    for (p, q), Y in zip(probe.pixels, probe.copies):
        changed = np.any(Y != X, axis=0)
        assert changed[p, q] and changed.sum() == 1


# -- the solution, the catalogue ---------------------------------------------------------------

@pytest.mark.parametrize("function", sorted(catalogue.CORRECT))
def test_solution_passes(function):
    f = _define(_solutions()[function], function)
    getattr(check, f"test_{function}")(f)


WRONG = [(fn, name, code, msg) for fn, entries in catalogue.WRONG.items()
         for name, (code, msg) in entries.items() if msg != catalogue.SHORTCUT]
CORRECT = [(fn, name, code) for fn, entries in catalogue.CORRECT.items()
           for name, code in entries.items()]


@pytest.mark.parametrize("function, name, code, message", WRONG,
                         ids=[f"{fn}-{name}" for fn, name, _, _ in WRONG])
def test_catalogued_mistake_fails_with_its_message(function, name, code, message):
    with pytest.raises(CheckFailed) as failed:
        getattr(check, f"test_{function}")(_define(code, function))
    assert message in str(failed.value)


@pytest.mark.parametrize("function, name, code", CORRECT,
                         ids=[f"{fn}-{name}" for fn, name, _ in CORRECT])
def test_correct_variant_passes(function, name, code):
    getattr(check, f"test_{function}")(_define(code, function))


def test_every_check_has_a_test_cell():
    nb = nbformat.read(SOURCE, 4)
    cells = {c.metadata.nbgrader.grade_id for c in nb.cells if c.metadata.get("nbgrader")}
    for function in catalogue.WRONG:
        assert function in cells and f"test_{function}" in cells
        assert hasattr(check, f"test_{function}")


def test_property_feedback_for_uncatalogued_answers():
    def ignores_input(X, V, u=None):
        return np.zeros((np.shape(V)[0],) + np.shape(X)[1:])

    def leaks_the_image_mean(X, V, u=None):
        out = np.einsum("dc,chw->dhw", V, X)
        return out + 0.1 * out.mean(axis=(1, 2), keepdims=True)

    with pytest.raises(CheckFailed, match="at that pixel unchanged"):
        check.test_conv1x1(ignores_input)
    with pytest.raises(CheckFailed, match="mixes pixels"):
        check.test_conv1x1(leaks_the_image_mean)
