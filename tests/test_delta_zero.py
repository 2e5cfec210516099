"""The delta_zero checks in-process, against independent oracles and the catalogue.

Fast companions of tests/test_assignments.py (which grades the same catalogue through the
real pipeline): the references the checks use agree with plain per-pixel loops, the
instructor's solution passes every check with every credit group, every catalogued mistake
fails with its misconception, its message and exactly the credit groups it breaks (library
shortcuts are only detectable in the kernel, so they are skipped here), every correct variant
passes, and the holes the conversion closed stay closed: integer images, the type of a count,
pixel independence judged apart from the values, conv1x1_matrix charged only for its own
mistakes when it is built on a wrong conv1x1.
"""
from __future__ import annotations

import nbformat
import numpy as np
import pytest

import convref
from conftest import ROOT
from convgrade.cases import seeded
from convgrade.catalogue import LIBRARY, Mistake, mistakes, variants
from convgrade.catalogue import delta_zero as catalogue
from convgrade.check import delta_zero as check
from convgrade.verdict import VALUES, CheckFailed, judging

SOURCE = ROOT / "solutions" / "delta_zero" / "delta_zero.ipynb"

GROUPS = {"conv1x1": check.CONV1X1_GROUPS, "pixelwise_dense": check.DENSE_GROUPS,
          "pixelwise_mlp": check.MLP_GROUPS, "conv1x1_matrix": check.MATRIX_GROUPS,
          "conv1x1_param_count": check.COUNT_GROUPS, "mlp_param_count": check.COUNT_GROUPS}

#: The catalogued mistakes whose feedback cannot name their misconception (at most 10 %): an
#: error raised names none, so a conv1x1 that crashes on u=None is told where it raised.
UNNAMED = set()         # every catalogued mistake is named (crashes on u=None: from the error)


def _define(code: str, name: str):
    namespace = {"np": np}
    exec(compile(code, f"<{name}>", "exec"), namespace)  # noqa: S102 - catalogue code
    return namespace[name]


def _solutions() -> dict:
    nb = nbformat.read(SOURCE, 4)
    return {c.metadata.nbgrader.grade_id: c.source for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}


def _failure(function: str, student) -> CheckFailed:
    with pytest.raises(CheckFailed) as failed:
        getattr(check, f"test_{function}")(student)
    assert failed.value.judgement is not None
    return failed.value


def _lost(failure: CheckFailed) -> set:
    return {g.name for g in failure.judgement.groups if not g.passed}


# -- the references against plain loops ------------------------------------------------------

@pytest.mark.parametrize("c, d, h, w", [(1, 1, 1, 1), (3, 2, 2, 5), (2, 4, 3, 1)])
def test_dense_matrix_oracle_is_the_kronecker_product(c, d, h, w):
    V = np.random.default_rng(c * 100 + d * 10 + h).standard_normal((d, c))
    M = convref.dense_matrix(V[:, :, None, None], (c, h, w))
    np.testing.assert_allclose(M, np.kron(V, np.eye(h * w)), atol=1e-12)


def test_layer_reference_is_a_dense_layer_per_pixel():
    rng = np.random.default_rng(3)
    X, V, u = rng.standard_normal((3, 2, 4)), rng.standard_normal((5, 3)), rng.standard_normal(5)
    out = check._layer(X, V, u)
    for i in range(2):
        for j in range(4):
            np.testing.assert_allclose(out[:, i, j], V @ X[:, i, j] + u, atol=1e-12)
    np.testing.assert_allclose(check._quick(X, V, u), out, atol=1e-12)


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


def test_wrong_answers_are_what_the_mistakes_compute():
    """The answers the misconceptions predict, against the catalogue's code itself."""
    rng = np.random.default_rng(4)
    X, V, u = rng.standard_normal((3, 4, 3)), rng.standard_normal((3, 3)), rng.standard_normal(3)
    wrong = check._layer_wrong(X, V, u, check.CONV1X1)
    for name, misconception in [("C1_CHANNELS_LAST", check.CHANNELS_LAST),
                                ("C1_FORTRAN_RESHAPE", check.MIXES_PIXELS),
                                ("C1_BIAS_LAST_AXIS", check.CONV1X1.bias_axis),
                                ("C1_TRANSPOSED_V", check.CONV1X1.transposed)]:
        got = _define(getattr(catalogue, name), "conv1x1")(X, V, u)
        answers = wrong[misconception]
        answers = answers if isinstance(answers, tuple) else (answers,)
        assert any(np.shape(a) == got.shape and np.allclose(a, got) for a in answers), name
    # a bias on the last axis of a one-column image grows that axis to D: still named
    X1 = rng.standard_normal((3, 3, 1))
    got = _define(catalogue.C1_BIAS_LAST_AXIS, "conv1x1")(X1, V, u)
    assert any(np.shape(a) == got.shape and np.allclose(a, got)
               for a in check._layer_wrong(X1, V, u, check.CONV1X1)[check.CONV1X1.bias_axis])


def test_probe_copies_differ_in_one_pixel_only():
    X = np.random.default_rng(1).standard_normal((2, 3, 4))
    V = np.array([[1.0, 0.5], [-0.5, 1.0]])
    probe = check.Probe(X, (V,), {}, [(1, 2), (0, 0)], lambda Z: check._layer(Z, V),
                        lambda Z: check._layer_magnitude(Z, V), seed=5)
    for (p, q), Y in zip(probe.pixels, probe.copies):
        changed = np.any(Y != X, axis=0)
        assert changed[p, q] and changed.sum() == 1


# -- the solution, the catalogue ---------------------------------------------------------------

@pytest.mark.parametrize("function", sorted(catalogue.CORRECT))
def test_solution_passes_every_group(function):
    f = _define(_solutions()[function], function)
    judgement = getattr(check, f"test_{function}")(f)
    assert judgement.passed
    assert [(g.name, g.weight) for g in judgement.groups] == list(GROUPS[function].items())


def test_groups_and_weights_are_declared():
    """Every function whose task states several requirements has several groups; values
    weigh most."""
    for function, groups in GROUPS.items():
        assert len(groups) >= 2, function
        assert list(groups)[0] == VALUES and groups[VALUES] == max(groups.values()), function


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
            assert getattr(check, f"test_{function}")(_define(code, function)).passed


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


# -- the holes: integer images, the type of a count -------------------------------------------

@pytest.mark.parametrize("function", ["conv1x1", "pixelwise_dense", "pixelwise_mlp"])
def test_integer_images_reach_the_function(function):
    seen = []
    solution = _define(_solutions()[function], function)

    def spy(X, *rest, **kwargs):
        seen.append(np.asarray(X).dtype.kind)
        return solution(X, *rest, **kwargs)

    getattr(check, f"test_{function}")(spy)
    assert "i" in seen and "f" in seen


@pytest.mark.parametrize("function", ["conv1x1", "pixelwise_dense", "pixelwise_mlp"])
def test_an_answer_truncated_on_integer_images_loses_only_that_group(function):
    solution = _define(_solutions()[function], function)

    def truncating(X, *rest, **kwargs):
        out = solution(X, *rest, **kwargs)
        return np.trunc(out) if np.asarray(X).dtype.kind in "iu" else out

    failure = _failure(function, truncating)
    assert _lost(failure) == {check.INTEGER}
    assert failure.judgement.misconception == "truncated_to_integers"


@pytest.mark.parametrize("function", ["conv1x1_param_count", "mlp_param_count"])
def test_a_count_of_the_wrong_type_loses_only_the_type_group(function):
    solution = _define(_solutions()[function], function)
    for convert, key in [(np.int64, "numpy_number"), (float, "float_count")]:
        failure = _failure(function, lambda *a, **k: convert(solution(*a, **k)))
        assert _lost(failure) == {check.PYTHON_INT}
        assert failure.judgement.misconception == key


def test_a_wrong_count_of_the_right_type_keeps_the_type_group():
    failure = _failure("conv1x1_param_count", lambda c, d, bias=True: c * d + d + 1)
    assert _lost(failure) == {VALUES, check.BIAS_OFF}


def test_a_count_that_is_no_number_is_told_so():
    failure = _failure("mlp_param_count", lambda sizes, bias=True: str(sum(sizes)))
    assert _lost(failure) == set(check.COUNT_GROUPS)
    assert "expected a number" in str(failure) and "return a Python int, not str" in str(failure)


# -- pixel independence, judged apart from the values -----------------------------------------

def test_pixel_independence_for_uncatalogued_answers():
    def ignores_input(X, V, u=None):
        return np.zeros((np.shape(V)[0],) + np.shape(X)[1:])

    def leaks_the_image_mean(X, V, u=None):
        out = np.einsum("dc,chw->dhw", V, X)
        out = out if u is None else out + np.asarray(u)[:, None, None]
        return out + 0.1 * out.mean(axis=(1, 2), keepdims=True)

    def off_by_a_constant(X, V, u=None):         # wrong values, but pixel by pixel
        out = np.einsum("dc,chw->dhw", V, X) + 1.0
        return out if u is None else out + np.asarray(u)[:, None, None]

    failure = _failure("conv1x1", ignores_input)
    assert check.PIXELS in _lost(failure) and "never changed the output" in str(failure)
    failure = _failure("conv1x1", leaks_the_image_mean)
    assert check.PIXELS in _lost(failure) and "mixes pixels" in str(failure)
    assert "other pixels" in str(failure)
    failure = _failure("conv1x1", off_by_a_constant)
    assert _lost(failure) == {VALUES, check.NO_BIAS, check.INTEGER}


def test_the_probes_confirm_a_mixing_mistake_under_its_own_name():
    failure = _failure("pixelwise_dense", _define(catalogue.PD_CHANNELS_LAST, "pixelwise_dense"))
    pixels = next(g for g in failure.judgement.groups if g.name == check.PIXELS)
    assert pixels.misconception == "channels_last_reshape"
    assert str(failure).count(check.CHANNELS_LAST.message) == 1


def test_a_probe_that_raises_or_has_the_wrong_shape_loses_the_group():
    def raises_on_square_images(X, W, b):
        if X.shape[0] == X.shape[2]:
            raise ValueError("square")
        return np.einsum("dc,chw->dhw", W, X) + b[:, None, None]

    def channels_last_on_square_images(X, W, b):
        out = np.einsum("dc,chw->dhw", W, X) + b[:, None, None]
        return np.moveaxis(out, 0, -1) if X.shape[0] == X.shape[2] else out

    for student, said in [(raises_on_square_images, "raised on"),
                          (channels_last_on_square_images, "the output channels come last")]:
        failure = _failure("pixelwise_dense", student)
        pixels = next(g for g in failure.judgement.groups if g.name == check.PIXELS)
        assert not pixels.passed and said in pixels.message


# -- charge each mistake once: conv1x1_matrix on the student's conv1x1 ---------------------------

def _matrix_on(conv1x1, extra=lambda M: M):
    def conv1x1_matrix(V, h, w):
        C = np.shape(V)[1]
        n = C * h * w
        return extra(np.stack([conv1x1(e.reshape(C, h, w), V).ravel() for e in np.eye(n)], axis=1))
    conv1x1_matrix.reaches = frozenset({"conv1x1"})       # what the grader reads in the source
    return conv1x1_matrix


def test_a_matrix_built_on_a_wrong_conv1x1_is_charged_once():
    wrong = _define(catalogue.C1_RELU, "conv1x1")
    with judging(lookup={"conv1x1": wrong}.__getitem__):
        _failure("conv1x1", wrong)
        judgement = check.test_conv1x1_matrix(_matrix_on(wrong))
    assert judgement.passed and "fix conv1x1 first" in judgement.note


def test_without_evidence_of_the_dependency_the_matrix_is_charged():
    wrong = _define(catalogue.C1_RELU, "conv1x1")
    matrix = _matrix_on(wrong)
    _failure("conv1x1_matrix", matrix)                    # no judging context at all
    with judging(lookup={"conv1x1": wrong}.__getitem__):
        _failure("conv1x1", wrong)
        del matrix.reaches                                # the source does not call conv1x1
        _failure("conv1x1_matrix", matrix)


def test_a_matrix_wrong_on_its_own_is_charged_on_a_wrong_conv1x1_too():
    wrong = _define(catalogue.C1_RELU, "conv1x1")
    with judging(lookup={"conv1x1": wrong}.__getitem__):
        _failure("conv1x1", wrong)
        failure = _failure("conv1x1_matrix", _matrix_on(wrong, extra=lambda M: 2 * M))
    assert VALUES in _lost(failure) and not failure.judgement.note


def test_a_matrix_built_on_a_right_conv1x1_passes():
    right = _define(_solutions()["conv1x1"], "conv1x1")
    with judging(lookup={"conv1x1": right}.__getitem__):
        check.test_conv1x1(right)
        assert check.test_conv1x1_matrix(_matrix_on(right)).passed
