"""The ``text`` assignment's hidden checks against independent oracles, in process.

The pipeline test (test_assignments.py, ``convgrade validate text``) grades the catalogue
through nbgrader; these tests pin down the checks themselves: the brute-force layer count
agrees with stacked convolutions from convref, the made-up sentence pairs really separate
order-sensitive from order-blind features, the n-gram check is a property check (any kernel
with the property passes), every catalogued mistake gets its misconception and loses exactly
its credit groups, the multiple-choice feedback never tells which or how many statements are
misjudged, and a feature function built on a wrong ``one_hot`` is charged to ``one_hot``.
"""
from __future__ import annotations

import itertools
import re

import nbformat
import numpy as np
import pytest
from scipy.spatial.distance import cdist

import convref
from conftest import ROOT
from convgrade.cases import seeded
from convgrade.catalogue import LIBRARY
from convgrade.catalogue import text as catalogue
from convgrade.check import text as check
from convgrade.verdict import CheckFailed, judging


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
        K = np.asarray(K, dtype=float)
        assert sorted(first) == sorted(second) and first != second
        one, two = check.one_hot(first, vocab), check.one_hot(second, vocab)
        fmap1, fmap2 = convref.conv(one, K), convref.conv(two, K)
        assert fmap1[-1].max() == 2 and fmap2[-1].max() < 2          # the bigram detector
        np.testing.assert_allclose(one.sum(1), two.sum(1))           # the same bag of words
        if first[0] == second[0] and first[-1] == second[-1]:
            same_ends += 1
            np.testing.assert_allclose(fmap1.sum(-1), fmap2.sum(-1))  # sum pooling is blind
    assert same_ends >= 3


def test_distinct_sentence_pairs_repeat_no_word():
    for first, second, *_ in check._pair_material(8, 1, 100, distinct=True):
        assert len(set(first)) == len(first) and sorted(first) == sorted(second)


def test_ngram_check_accepts_any_kernel_with_the_property():
    def plus_minus(ngram, vocab):
        # +1 for the right word at each tap, -1 for every other word: the response is
        # 2 * matches - n, which equals n exactly at a full match
        if any(word not in vocab for word in ngram):
            raise ValueError("unknown word")
        K = -np.ones((1, len(vocab), len(ngram)))
        for a, word in enumerate(ngram):
            K[0, vocab.index(word), a] = 1.0
        return K
    check.test_ngram_kernel(plus_minus)

    def all_ones(ngram, vocab):
        [vocab.index(word) for word in ngram]
        return np.ones((1, len(vocab), len(ngram)))
    with pytest.raises(CheckFailed, match="not equal to n exactly") as failure:
        check.test_ngram_kernel(all_ones)
    assert {g.name for g in failure.value.judgement.groups if not g.passed} == {"values",
                                                                               "repeated words"}


def _solution_namespace():
    source = nbformat.read(ROOT / "solutions" / "text" / "text.ipynb", 4)
    namespace = {"np": np}
    for cell in source.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            exec(cell.source, namespace)
    return namespace


def _define(code, name):
    namespace = {}
    exec(code, namespace)
    return namespace[name]


def test_multiple_choice_key_matches_the_notebook():
    answer = _solution_namespace()["broken_assumptions"]()
    assert set(answer) == set(check.BROKEN) and check.BROKEN < set(check.OPTIONS)


def test_topics_cover_every_option_once():
    letters = "".join(topic.options for topic in check.TOPICS)
    assert sorted(letters) == list(check.OPTIONS)
    assert all(len(topic.options) == 2 for topic in check.TOPICS)
    assert list(check.TOPIC_GROUPS) == [topic.name for topic in check.TOPICS]


def test_solution_passes_every_check_in_process():
    namespace = _solution_namespace()
    for name in catalogue.WRONG:
        judgement = getattr(check, f"test_{name}")(namespace[name])
        assert judgement.passed and judgement.fraction == 1


WRONG = [(f, v) for f, table in catalogue.WRONG.items() for v, m in table.items()
         if m.misconception != LIBRARY]


def _judgement_of(function, code):
    with pytest.raises(CheckFailed) as failure:
        getattr(check, f"test_{function}")(_define(code, function))
    return failure.value.judgement


@pytest.mark.parametrize("function,variant", WRONG)
def test_wrong_variant_is_named_and_loses_exactly_its_groups(function, variant):
    mistake = catalogue.WRONG[function][variant]
    judgement = _judgement_of(function, mistake.code)
    assert judgement.misconception == mistake.misconception
    assert {g.name for g in judgement.groups if not g.passed} == set(mistake.breaks)
    assert mistake.message in judgement.message
    assert 0 <= judgement.fraction < 1


# the mistakes whose groups depend on cases built for them (planted weights, n-grams or
# sentences with a repeated word, exact multiples): the same verdict under other seeds
SEED_SENSITIVE = [("bigram_features", v) for v in ("padded", "max_from_zero", "last_window_missing",
                                                   "sum_pooling")] + \
                 [("ngram_kernel", "first_tap"), ("ngram_kernel", "reversed"),
                  ("bag_features", "distinct_words"), ("one_hot", "lowercased"),
                  ("one_hot", "first_column_only"), ("sq_distances", "absolute"),
                  ("sq_distances", "int_dtype"), ("layers_to_connect", "float_when_exact"),
                  ("layers_to_connect", "delta_growth"), ("layers_to_connect", "field_exceeds")]


@pytest.mark.parametrize("seed", [11, 2024, 987654321])
@pytest.mark.parametrize("function,variant", SEED_SENSITIVE)
def test_wrong_variant_verdict_holds_for_other_seeds(function, variant, seed):
    mistake = catalogue.WRONG[function][variant]
    with seeded(seed):
        judgement = _judgement_of(function, mistake.code)
    assert judgement.misconception == mistake.misconception
    assert {g.name for g in judgement.groups if not g.passed} == set(mistake.breaks)


@pytest.mark.parametrize("function,variant", [(f, v) for f, table in catalogue.CORRECT.items()
                                              for v in table])
def test_correct_variant_passes(function, variant):
    judgement = getattr(check, f"test_{function}")(
        _define(catalogue.CORRECT[function][variant], function))
    assert judgement.passed


def test_catalogue_sizes():
    for function in catalogue.WRONG:
        assert len(catalogue.WRONG[function]) >= 4, function
        assert len(catalogue.CORRECT[function]) >= 3, function


# -- integer inputs reach the functions that take numbers ---------------------------------------

def test_sq_distances_gets_integer_arrays_and_any_float_answer_passes():
    kinds = []

    def spy(X):
        kinds.append(np.asarray(X).dtype.kind)
        columns = np.asarray(X, dtype=float).T
        return cdist(columns, columns, metric="sqeuclidean")
    check.test_sq_distances(spy)
    assert "i" in kinds and "f" in kinds


@pytest.mark.parametrize("function", ["bag_features", "bigram_features"])
def test_feature_functions_get_integer_weights(function):
    kinds = []
    solution = _solution_namespace()[function]

    def spy(tokens, vocab, W):
        kinds.append(np.asarray(W).dtype.kind)
        return solution(tokens, vocab, W)
    getattr(check, f"test_{function}")(spy)
    assert "i" in kinds and "f" in kinds


# -- layers_to_connect: the value, the Python int, the ValueError --------------------------------

def test_layers_to_connect_visible_test_asks_for_a_python_int():
    source = nbformat.read(ROOT / "solutions" / "text" / "text.ipynb", 4)
    cell = next(c for c in source.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "test_layers_to_connect")
    assert "isinstance(layers_to_connect(" in cell.source and ", int)" in cell.source


def _layers(number):
    def layers_to_connect(distance, kernel_size):
        if kernel_size < 2:
            raise ValueError("too narrow")
        return number(check.layers_oracle(distance, kernel_size))
    return layers_to_connect


@pytest.mark.parametrize("number,key", [(np.int64, "numpy_number"), (float, "float_count"),
                                        (np.float64, "numpy_number")])
def test_a_right_count_of_another_type_loses_only_the_int_group(number, key):
    with pytest.raises(CheckFailed) as failure:
        check.test_layers_to_connect(_layers(number))
    judgement = failure.value.judgement
    assert {g.name for g in judgement.groups if not g.passed} == {"Python int"}
    assert judgement.misconception == key and judgement.fraction == 3 / 4


def test_a_wrong_python_int_keeps_the_int_group():
    def plus_one(distance, kernel_size):
        if kernel_size < 2:
            raise ValueError("too narrow")
        return check.layers_oracle(distance, kernel_size) + 1
    with pytest.raises(CheckFailed) as failure:
        check.test_layers_to_connect(plus_one)
    assert {g.name for g in failure.value.judgement.groups if not g.passed} == {"values"}


@pytest.mark.parametrize("narrow", [0, 1])
def test_layers_to_connect_must_raise_for_every_width_below_two(narrow):
    def raises_only_for_other(distance, kernel_size):
        if kernel_size < 2 and kernel_size != narrow:
            raise ValueError("too narrow")
        return check.layers_oracle(distance, max(kernel_size, 2))
    with pytest.raises(CheckFailed, match=f"must raise ValueError on kernel_size {narrow}") as failure:
        check.test_layers_to_connect(raises_only_for_other)
    assert {g.name for g in failure.value.judgement.groups if not g.passed} == {"ValueError"}


# -- broken_assumptions: credit per topic, feedback that is no oracle -----------------------------

def _graded(letters):
    def broken_assumptions():
        return set(letters)
    try:
        return check.test_broken_assumptions(broken_assumptions)
    except CheckFailed as failure:
        return failure.judgement


SUBSETS = ["".join(s) for n in range(len(check.OPTIONS) + 1)
           for s in itertools.combinations(check.OPTIONS, n)]


def test_every_answer_gets_credit_per_topic_judged_right():
    for letters in SUBSETS:
        judgement = _graded(letters)
        right = [all((o in letters) == (o in check.BROKEN) for o in topic.options)
                 for topic in check.TOPICS]
        assert [g.passed for g in judgement.groups] == right
        assert judgement.fraction == sum(right) / len(right)


def test_feedback_never_lists_or_counts_the_misjudged_statements():
    by_topics = {}
    for letters in SUBSETS:
        judgement = _graded(letters)
        failed = tuple(g.name for g in judgement.groups if not g.passed)
        seen = (judgement.message, judgement.misconception,
                tuple((g.name, g.passed, g.message, g.misconception) for g in judgement.groups))
        # what the student sees depends only on which topics failed, not on which or how many
        # statements inside them were misjudged
        assert by_topics.setdefault(failed, seen) == seen, letters
        assert not re.search(r"\b[A-H]\b", judgement.message), judgement.message
        assert not re.search(r"\d+ (of|statement|option)|misjudged", judgement.message), \
            judgement.message
    assert len(by_topics) == 2 ** len(check.TOPICS)


def test_broken_assumptions_accepts_other_collections_of_letters():
    for answer in (["a", "d", "e", "f", "g"], ("A", "D", "E", "F", "G"), "A, D, E, F, G",
                   frozenset("ADEFG")):
        assert check.test_broken_assumptions(lambda answer=answer: answer).passed


def test_broken_assumptions_blank_and_raising_answers_lose_everything():
    def blank():
        raise NotImplementedError()

    def broken():
        raise RuntimeError("oops")
    for function, key in ((blank, "unanswered"), (broken, None)):
        with pytest.raises(CheckFailed) as failure:
            check.test_broken_assumptions(function)
        judgement = failure.value.judgement
        assert judgement.fraction == 0 and judgement.misconception == key


# -- charge each mistake once: feature functions built on a wrong one_hot ------------------------

SORTED_ONE_HOT = catalogue.OH_SORTED_VOCAB


def _bag_on(one_hot, pooling=np.sum):
    def bag_features(tokens, vocab, W):
        return pooling(np.asarray(W, dtype=float) @ one_hot(tokens, vocab), axis=1)
    bag_features.reaches = frozenset({"one_hot", "np"})
    return bag_features


def _bigram_on(one_hot):
    def bigram_features(tokens, vocab, K):
        K = np.asarray(K, dtype=float)
        X = one_hot(tokens, vocab)
        return (K[:, :, 0] @ X[:, :-1] + K[:, :, 1] @ X[:, 1:]).max(axis=1)
    bigram_features.reaches = frozenset({"one_hot", "np"})
    return bigram_features


@pytest.mark.parametrize("build,function", [(_bag_on, "bag_features"),
                                            (_bigram_on, "bigram_features")])
def test_a_feature_function_right_given_a_wrong_one_hot_keeps_its_credit(build, function):
    wrong_one_hot = _define(SORTED_ONE_HOT, "one_hot")
    with judging(lookup={"one_hot": wrong_one_hot}.__getitem__) as state:
        with pytest.raises(CheckFailed):
            check.test_one_hot(wrong_one_hot)
        judgement = getattr(check, f"test_{function}")(build(wrong_one_hot))
    assert judgement.passed and "fix one_hot first" in judgement.message
    assert state.judged["one_hot"].misconception == "vocabulary_sorted"


@pytest.mark.parametrize("build,function", [(_bag_on, "bag_features"),
                                            (_bigram_on, "bigram_features")])
def test_a_wrong_one_hot_excuses_nothing_without_the_grader_s_evidence(build, function):
    wrong_one_hot = _define(SORTED_ONE_HOT, "one_hot")
    # one_hot not judged in this notebook
    with judging(lookup={"one_hot": wrong_one_hot}.__getitem__):
        with pytest.raises(CheckFailed):
            getattr(check, f"test_{function}")(build(wrong_one_hot))
    # the source does not reach one_hot
    unreached = build(wrong_one_hot)
    unreached.reaches = frozenset({"np"})
    with judging(lookup={"one_hot": wrong_one_hot}.__getitem__):
        with pytest.raises(CheckFailed):
            check.test_one_hot(wrong_one_hot)
        with pytest.raises(CheckFailed):
            getattr(check, f"test_{function}")(unreached)


def test_a_bag_with_its_own_mistake_on_a_wrong_one_hot_is_charged():
    wrong_one_hot = _define(SORTED_ONE_HOT, "one_hot")
    with judging(lookup={"one_hot": wrong_one_hot}.__getitem__):
        with pytest.raises(CheckFailed):
            check.test_one_hot(wrong_one_hot)
        with pytest.raises(CheckFailed) as failure:
            check.test_bag_features(_bag_on(wrong_one_hot, pooling=np.mean))
    assert "fix one_hot first" not in str(failure.value)
