"""The ``text`` assignment's hidden checks against independent oracles, in process.

The pipeline test (test_assignments.py) grades the catalogue through nbgrader; these tests
pin down the checks themselves: the brute-force layer count agrees with stacked convolutions
from convref, the made-up sentence pairs really separate order-sensitive from order-blind
features, the n-gram check is a property check (any kernel with the property passes), and
the multiple-choice key in the grader matches the instructor's notebook.
"""
from __future__ import annotations

import nbformat
import numpy as np
import pytest

import convref
from conftest import ROOT
from convgrade.catalogue import text as catalogue
from convgrade.check import text as check
from convgrade.checks import CheckFailed


def _stacked_layers(distance, kernel_size, limit=200):
    """Fewest stacked valid width-k convolutions (all-ones kernels, convref) after which one
    output depends on both of two tokens ``distance`` apart."""
    for layers in range(limit):
        length = distance + 1 + layers * (kernel_size - 1)      # long enough for any field
        reach = []
        for where in (0, distance):
            x = np.zeros((1, length))
            x[0, where] = 1.0
            for _ in range(layers):
                x = convref.conv(x, np.ones((1, 1, kernel_size)), method="direct")
            reach.append(x[0] > 0)
        if np.any(reach[0] & reach[1]):
            return layers
    raise AssertionError("no layer count found")


@pytest.mark.parametrize("distance,kernel_size",
                         [(0, 2), (0, 5), (1, 2), (1, 3), (2, 3), (3, 3), (9, 3), (9, 5),
                          (10, 2), (5, 4), (12, 5), (17, 9), (30, 7)])
def test_layer_oracle_matches_stacked_convolutions(distance, kernel_size):
    assert check.layers_oracle(distance, kernel_size) == _stacked_layers(distance, kernel_size)


def test_sentence_pairs_separate_max_from_sum_pooling():
    pairs = check._pair_material(12, 2, 300)
    same_ends = 0
    for first, second, vocab, K, (noun, verb) in pairs:
        assert sorted(first) == sorted(second) and first != second
        one, two = check.one_hot(first, vocab), check.one_hot(second, vocab)
        fmap1, fmap2 = convref.conv(one, K), convref.conv(two, K)
        assert fmap1[-1].max() == 2 and fmap2[-1].max() < 2          # the bigram detector
        np.testing.assert_allclose(one.sum(1), two.sum(1))           # the same bag of words
        if first[0] == second[0] and first[-1] == second[-1]:
            same_ends += 1
            np.testing.assert_allclose(fmap1.sum(-1), fmap2.sum(-1))  # sum pooling is blind
    assert same_ends >= 3


def test_ngram_check_accepts_any_kernel_with_the_property():
    def plus_minus(ngram, vocab):
        # +1 for the right word at each tap, -1 for every other word: the response is
        # 2 * matches - n, which equals n exactly at a full match
        K = -np.ones((1, len(vocab), len(ngram)))
        for a, word in enumerate(ngram):
            K[0, vocab.index(word), a] = 1.0
        return K
    check.test_ngram_kernel(plus_minus)

    def all_ones(ngram, vocab):
        [vocab.index(word) for word in ngram]
        return np.ones((1, len(vocab), len(ngram)))
    with pytest.raises(CheckFailed, match="not equal to n exactly"):
        check.test_ngram_kernel(all_ones)


def _solution_namespace():
    source = nbformat.read(ROOT / "solutions" / "text" / "text.ipynb", 4)
    namespace = {"np": np}
    for cell in source.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            exec(cell.source, namespace)
    return namespace


def test_multiple_choice_key_matches_the_notebook():
    answer = _solution_namespace()["broken_assumptions"]()
    assert set(answer) == set(check.BROKEN) and check.BROKEN < set(check.OPTIONS)


def test_solution_passes_every_check_in_process():
    namespace = _solution_namespace()
    for name in catalogue.WRONG:
        getattr(check, f"test_{name}")(namespace[name])


@pytest.mark.parametrize("function,variant", [(f, v) for f, table in catalogue.WRONG.items()
                                              for v, (_, message) in table.items()
                                              if message != catalogue.SHORTCUT])
def test_wrong_variant_gets_its_message(function, variant):
    code, message = catalogue.WRONG[function][variant]
    namespace = {}
    exec(code, namespace)
    with pytest.raises(CheckFailed) as failure:
        getattr(check, f"test_{function}")(namespace[function])
    assert message in str(failure.value)


@pytest.mark.parametrize("function,variant", [(f, v) for f, table in catalogue.CORRECT.items()
                                              for v in table])
def test_correct_variant_passes(function, variant):
    namespace = {}
    exec(catalogue.CORRECT[function][variant], namespace)
    getattr(check, f"test_{function}")(namespace[function])
