"""Hidden checks of the assignment ``text``: one function per test cell.

Text enters a convolution as a one-hot array ``(V, T)``: one channel per vocabulary word, one
column per token. The checks build that array here, in the grader, and compare with ``convref``
or with a brute-force oracle. Sentences are made up on the spot from a small grammar the
notebook never shows; feedback describes them by their sizes only.

Every check is judged by the one verdict engine (``convgrade.verdict``); the credit groups of
each function and their weights are stated next to it (``*_GROUPS``). ``bag_features`` and
``bigram_features`` may call the student's ``one_hot``: a feature function that is right given
that ``one_hot`` keeps its credit (``Depends``), and ``one_hot`` is charged instead.

``broken_assumptions`` is multiple choice. Its eight statements are graded in four topics of
two statements each (:data:`TOPICS`); a topic earns its weight when both of its statements are
judged right. The feedback names the topics to reconsider, never a letter or a number of
misjudged statements, so that it does not tell the key to someone who asks for regrades.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
from hypothesis import strategies as st

import convref

from ..cases import dims, draw, fresh_rng, int_array, rng_array, seeds
from ..verdict import (ERRORS, PYTHON_INT, UNANSWERED, VALUES, Alternatives, Case, Depends,
                       GroupResult, Judgement, Misconception, StudentError, call_student, close,
                       everything_failed, finish, is_blank, is_python_int, judge, must_raise,
                       truncated)

N_CASES = 20


# -- made-up material: words, sentences, vocabularies ---------------------------------------

WORDS = ("the", "The", "a", "dog", "man", "cat", "child", "bird", "farmer", "robot", "poet",
         "horse", "bites", "sees", "follows", "helps", "chases", "greets", "feeds", "old",
         "small", "green", "tired", "not", "good", "very", ".", ",", "?", "don't", "New York",
         "keys", "are", "is")
NOUNS = ("dog", "man", "cat", "child", "bird", "farmer", "robot", "poet", "horse")
VERBS = ("bites", "sees", "follows", "helps", "chases", "greets", "feeds")
ADJECTIVES = ("old", "small", "green", "tired")


def one_hot(tokens, vocab):
    """The grader's own one-hot array (V, T), rows in the order of ``vocab``."""
    index = {word: v for v, word in enumerate(vocab)}
    X = np.zeros((len(vocab), len(tokens)))
    X[[index[t] for t in tokens], np.arange(len(tokens))] = 1.0
    return X


def _vocabulary(rng, size, must=(), avoid=("The",)):
    """``size`` distinct words (at least those in ``must``, none of ``avoid`` unless it must be
    there), in a shuffled, unsorted order. By default "The" stays out, so that only the cases
    built for it hold two spellings of one word."""
    rest = [w for w in WORDS if w not in must and w not in avoid]
    words = list(dict.fromkeys(must)) + list(rng.permutation(rest)[:max(0, size - len(set(must)))])
    words = [str(w) for w in rng.permutation(words)]
    if len(words) > 1 and words == sorted(words):      # the sorted-vocabulary mistake must show
        words = words[1:] + words[:1]
    return words


def _tokens(rng, vocab, length):
    return [vocab[i] for i in rng.integers(0, len(vocab), size=length)]


def _distinct_tokens(rng, vocab, length):
    """``length`` different words of ``vocab`` (length <= len(vocab)), in a random order."""
    return [vocab[i] for i in rng.permutation(len(vocab))[:length]]


def _with_repeat(rng, tokens):
    """``tokens`` with one word surely occurring twice (at least two tokens)."""
    tokens = list(tokens)
    i, j = rng.choice(len(tokens), size=2, replace=False)
    tokens[j] = tokens[i]
    return tokens


def _repeats(tokens) -> bool:
    return len(set(tokens)) < len(tokens)


def _noun_phrase(rng, det, noun, adjective):
    return [det] + ([adjective] if rng.random() < 0.5 else []) + [noun]


def _sentence_pair(rng, distinct=False):
    """'<det> <adj>? N1 V <det> <adj>? N2 .' and the same with the noun phrases swapped: the
    same words in a different order. Both often share their first and last token, where sum
    pooling of a linear width-2 map cannot tell them apart. ``distinct``: no word twice (the
    two determiners and adjectives differ)."""
    n1, n2 = (str(w) for w in rng.choice(NOUNS, size=2, replace=False))
    a1, a2 = (str(w) for w in rng.choice(ADJECTIVES, size=2, replace=not distinct))
    verb = str(rng.choice(VERBS))
    d1 = str(rng.choice(("the", "a")))
    if distinct:
        d2 = "a" if d1 == "the" else "the"
    else:
        d2 = d1 if rng.random() < 0.7 else str(rng.choice(("the", "a")))
    first, second = _noun_phrase(rng, d1, n1, a1), _noun_phrase(rng, d2, n2, a2)
    return first + [verb] + second + ["."], second + [verb] + first + ["."], (n1, verb)


def _weights(label, shape, integer):
    """Random weights of ``shape``: well-spread floats, or small integers."""
    return int_array(label, shape) if integer else rng_array(label, shape)


# == one_hot ==================================================================================

#: Credit groups of one_hot: the values, the same with two spellings of one word in the
#: vocabulary ('The' and 'the'), and the ValueError for a token outside the vocabulary.
CASE_GROUP = "'The' and 'the'"
ONE_HOT_GROUPS = {VALUES: 2, CASE_GROUP: 1, ERRORS: 1}

SORTED_VOCAB = Misconception("vocabulary_sorted", "the rows (channels) must follow the order of "
                             "vocab as given, not sorted order")
OH_TRANSPOSED = Misconception("one_hot_transposed", "the array is transposed: one_hot returns "
                              "(len(vocab), T), one row (channel) per vocabulary word and one "
                              "column per token, channel-first like audio")
OH_COUNTS = Misconception("word_counts", "these are word counts: one_hot keeps one column per "
                          "token, (len(vocab), T)")
OH_INDICES = Misconception("word_indices", "these are word indices: one_hot gives each token a "
                           "whole column with a single 1, (len(vocab), T)")
CASE_FOLDED = Misconception("case_folded", "tokens are matched exactly as written: 'The' and "
                            "'the' are different vocabulary words (do not change their case)")
REPEATED_TOKEN_ONCE = Misconception("repeated_token_once", "a repeated word gets a 1 in EVERY "
                                    "column where it occurs: column t belongs to tokens[t] "
                                    "(enumerate the tokens, do not look up tokens.index(word))")


def _first_occurrences(tokens, vocab):
    """The one-hot array a lookup of ``tokens.index(word)`` gives: repeats leave no mark."""
    X = np.zeros((len(vocab), len(tokens)))
    for token in tokens:
        X[vocab.index(token), tokens.index(token)] = 1.0
    return X


def _case_folded(tokens, vocab):
    folded = [w.lower() for w in vocab]
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        X[folded.index(token.lower()), t] = 1.0
    return X


def _one_hot_hint(case, shape):
    tokens, vocab = case.args
    V, T = len(vocab), len(tokens)
    if shape == (T, V):
        return OH_TRANSPOSED
    if shape == (V,):
        return OH_COUNTS
    if shape == (T,):
        return OH_INDICES
    return None


def test_one_hot(one_hot_function):
    """(V, T) with X[v, t] = 1 exactly when tokens[t] == vocab[v], rows in the order of vocab,
    case-sensitive; ValueError for a token that is not in the vocabulary."""
    cases = []
    # (V, T, seed); T > V somewhere in each group, so that a word surely repeats
    fixed = [(3, 3, 0), (1, 1, 1), (1, 4, 2), (6, 1, 3), (5, 9, 4), (4, 4, 5)]
    for V, T, seed in fixed + draw(st.tuples(dims(1, 9), dims(1, 14), seeds), N_CASES):
        rng = fresh_rng(seed)
        vocab = _vocabulary(rng, V)
        tokens = _tokens(rng, vocab, T)
        cases.append((tokens, vocab, VALUES))
    for V, T, seed in [(2, 4, 0), (5, 3, 1)] + draw(st.tuples(dims(2, 9), dims(2, 14), seeds), 4):
        rng = fresh_rng(("case", seed))
        vocab = _vocabulary(rng, V, must=("The", "the"))
        tokens = _tokens(rng, vocab, T)
        for spot, word in zip(rng.permutation(T), rng.permutation(["The", "the"])):
            tokens[spot] = str(word)        # both spellings in the sentence
        cases.append((tokens, vocab, CASE_GROUP))
    judged = []
    for tokens, vocab, group in cases:
        want = one_hot(tokens, vocab)
        wrong = {SORTED_VOCAB: one_hot(tokens, sorted(vocab)), OH_TRANSPOSED: want.T,
                 REPEATED_TOKEN_ONCE: _first_occurrences(tokens, vocab),
                 CASE_FOLDED: _case_folded(tokens, vocab), OH_COUNTS: want.sum(1),
                 OH_INDICES: np.array([vocab.index(t) for t in tokens], dtype=float)}
        judged.append(Case((tokens, vocab), want, f"{len(tokens)} token(s) and a vocabulary of "
                           f"{len(vocab)} word(s)" + (" with both 'The' and 'the'"
                                                       if group == CASE_GROUP else ""),
                           group=group, wrong=wrong))
    rng = fresh_rng("one_hot: an unknown word")
    vocab = _vocabulary(rng, 5)
    unknown = next(w for w in WORDS if w not in vocab and w != "The")
    for tokens in ([unknown], _tokens(rng, vocab, 3) + [unknown],
                   _tokens(rng, vocab, 2) + [unknown] + _tokens(rng, vocab, 2)):
        judged.append(must_raise((tokens, vocab), "a token that is not in the vocabulary",
                                 "a silent zero column would hide the typo"))
    return judge(one_hot_function, "one_hot", judged, ONE_HOT_GROUPS, shape_hint=_one_hot_hint)


# == sq_distances =============================================================================

#: Credit groups of sq_distances: any (C, T) array (real and integer numbers), and one-hot text.
ONE_HOT_TEXT = "one-hot text"
SQ_GROUPS = {VALUES: 2, ONE_HOT_TEXT: 1}

SQUARE_ROOT = Misconception("square_root_taken", "return SQUARED distances: sum the squared "
                            "differences and take no square root")
ABSOLUTE = Misconception("absolute_differences", "square each difference: the sum of "
                         "|differences| is another distance")
NOT_SQUARED = Misconception("differences_not_squared", "square each difference before summing "
                            "over the channels")
SQUARED_AFTER_SUM = Misconception("squared_after_sum", "square each difference, then sum over "
                                  "the channels: squaring the summed differences lets "
                                  "differences of opposite sign cancel")
BETWEEN_ROWS = Misconception("distances_between_rows", "these are distances between rows "
                             "(channels): compare the COLUMNS X[:, s] and X[:, t], one per "
                             "position, so the output is (T, T)")
ASSUMES_ONE_HOT = Misconception("assumes_one_hot", "2 - 2 X^T X holds only for one-hot columns "
                                "(each of squared length 1): for any (C, T) array add the squared "
                                "lengths of both columns and subtract twice their dot product, "
                                "or sum the squared differences")
CROSS_TERM = Misconception("cross_term_once", "(a - b)^2 = a^2 - 2ab + b^2: subtract TWICE the "
                           "dot product of the two columns")
SQ_NOT_SUMMED = Misconception("channels_not_summed", "sum the squared differences over the "
                              "channel axis: the output is (T, T)")


def _sq_oracle(X):
    X = np.asarray(X, dtype=float)
    T = X.shape[1]
    return np.array([[np.sum((X[:, s] - X[:, t]) ** 2) for t in range(T)] for s in range(T)])


def _sq_hint(case, shape):
    C, T = case.args[0].shape
    if shape == (C, C):
        return BETWEEN_ROWS
    if shape == (C, T, T):
        return SQ_NOT_SUMMED
    return None


def test_sq_distances(sq_distances):
    """D[s, t] = sum_c (X[c, s] - X[c, t])**2 between the columns (positions) of any (C, T)
    array, float or integer; on one-hot text every pair of different tokens is exactly 2
    apart."""
    cases = []
    fixed = [("real", 3, 5, 0), ("real", 1, 1, 1), ("real", 1, 7, 2), ("onehot", 6, 9, 3),
             ("real", 4, 4, 4), ("index", 1, 8, 5), ("real", 6, 2, 6), ("integer", 3, 6, 7),
             ("onehot", 4, 4, 8), ("onehot", 1, 3, 9)]
    drawn = draw(st.tuples(st.sampled_from(["real", "onehot", "index", "integer"]), dims(1, 8),
                           dims(1, 10), seeds), N_CASES)
    for kind, C, T, seed in fixed + drawn:
        rng = fresh_rng(seed)
        group = VALUES
        if kind == "onehot":
            vocab = _vocabulary(rng, C)
            X = one_hot(_tokens(rng, vocab, T), vocab)
            about, group = f"the one-hot array of {T} token(s) over {len(vocab)} word(s)", ONE_HOT_TEXT
        elif kind == "index":
            X = rng.integers(0, 12, size=(1, T))
            about = f"a 1x{T} integer row of word indices"
        elif kind == "integer":
            X = int_array(seed, (C, T))
            about = f"a {C}x{T} integer array"
        else:
            X = rng_array(seed, (C, T))
            about = f"a {C}x{T} array"
        want = _sq_oracle(X)
        F = np.asarray(X, dtype=float)
        diffs = F[:, :, None] - F[:, None, :]
        norms = (F ** 2).sum(0)
        gram = F.T @ F
        cases.append(Case((X,), want, about, group=group,
                          magnitude=((np.abs(F)[:, :, None] + np.abs(F)[:, None, :]) ** 2).sum(0),
                          wrong={SQUARE_ROOT: np.sqrt(want), ABSOLUTE: np.abs(diffs).sum(0),
                                 NOT_SQUARED: diffs.sum(0), SQUARED_AFTER_SUM: diffs.sum(0) ** 2,
                                 BETWEEN_ROWS: _sq_oracle(F.T), ASSUMES_ONE_HOT: 2 - 2 * gram,
                                 CROSS_TERM: norms[:, None] + norms[None, :] - gram,
                                 **truncated(want)}))
    return judge(sq_distances, "sq_distances", cases, SQ_GROUPS, shape_hint=_sq_hint)


# == ngram_kernel =============================================================================

#: Credit groups of ngram_kernel: n-grams of different words, n-grams that repeat a word, and
#: the ValueError for a word outside the vocabulary.
REPEATED_WORDS = "repeated words"
NGRAM_GROUPS = {VALUES: 2, REPEATED_WORDS: 1, ERRORS: 1}

NGRAM_REVERSED = Misconception("ngram_reversed", "the n-gram is reversed: tap a, K[0, :, a], must "
                               "select the a-th word of the n-gram, because cross-correlation "
                               "reads X[:, t + a] (no flip)")
EVERY_WORD = Misconception("every_word_every_tap", "each tap a must select only the a-th word of "
                           "the n-gram, not every word of it")
FIRST_TAP = Misconception("repeated_word_first_tap", "a word that occurs twice in the n-gram needs "
                          "a 1 at each of its taps: tap a selects ngram[a] (enumerate the n-gram, "
                          "do not look up ngram.index(word))")
KERNEL_TWO_AXES = Misconception("kernel_two_axes", "the kernel has three axes, (1, len(vocab), n): "
                                "one output channel, one input channel per vocabulary word, one "
                                "tap per word of the n-gram")
KERNEL_AXES_ORDER = Misconception("kernel_axes_order", "the axes are in the wrong order: "
                                  "(1, len(vocab), n), the vocabulary (input channels) before the "
                                  "n positions")
OUTPUT_AXIS_LAST = Misconception("output_axis_not_first", "the output-channel axis of length 1 "
                                 "comes first: (1, len(vocab), n)")


def _ngram_oracle(ngram, vocab, taps=None):
    """K[0, v, a] = 1 where vocab[v] == ngram[a]; ``taps`` puts word a at another tap."""
    K = np.zeros((1, len(vocab), len(ngram)))
    for a, word in enumerate(ngram):
        K[0, vocab.index(word), a if taps is None else taps(a, word)] = 1.0
    return K


@dataclass(frozen=True)
class _Detects:
    """The right answer of ngram_kernel, as a property: a (1, V, n) kernel whose valid
    cross-correlation with each one-hot sentence equals n exactly where the n-gram starts."""
    ngram: tuple
    vocab: tuple
    sentences: tuple


def _detects(K, want: _Detects) -> bool:
    n, V = len(want.ngram), len(want.vocab)
    if not isinstance(K, np.ndarray) or K.dtype == object or K.shape != (1, V, n) \
            or not np.all(np.isfinite(K)):
        return False
    for tokens in want.sentences:
        response = convref.conv(one_hot(tokens, list(want.vocab)), K, method="direct")[0]
        starts = np.array([tuple(tokens[t:t + n]) == want.ngram for t in range(len(tokens) - n + 1)])
        if not np.array_equal(np.isclose(response, n, rtol=0, atol=1e-6), starts):
            return False
    return True


def _same_kernel(got, want) -> bool:
    """The property for the right answer, equality (up to rounding) for a known wrong one."""
    if isinstance(want, _Detects):
        return _detects(got, want)
    return isinstance(got, np.ndarray) and got.dtype != object and got.shape == np.shape(want) \
        and close(got, want)


def _ngram_inspect(case, got):
    """Why a kernel that no known mistake explains is wrong: its shape, or the property."""
    ngram, vocab = case.args
    V, n = len(vocab), len(ngram)
    if not isinstance(got, np.ndarray) or got.dtype == object:
        return (f"ngram_kernel must return an array of shape (1, len(vocab), n), got "
                f"{type(got).__name__}")
    if got.shape != (1, V, n):
        return f"the kernel must have shape (1, len(vocab), n) = {(1, V, n)}, got {got.shape}"
    return ("the valid cross-correlation of the one-hot sentence with this kernel is not equal to "
            "n exactly at the positions where the n-gram starts")


def test_ngram_kernel(ngram_kernel):
    """K (1, V, n): the valid cross-correlation of one_hot(tokens, vocab) with K equals n
    exactly where the n-gram starts (checked with convref.conv on made-up token sequences, so
    any kernel with that property passes); ValueError for a word outside the vocabulary."""
    fixed = [(3, 2, 7, 0), (1, 1, 3, 1), (2, 3, 3, 2), (4, 1, 6, 3), (3, 4, 12, 4), (5, 2, 2, 5)]
    drawn = draw(st.tuples(dims(1, 7), dims(1, 4), dims(1, 14), seeds)
                 .map(lambda t: (t[0], t[1], max(t[1], t[2]), t[3])), N_CASES)
    repeated = [(2, 3, 8, 0), (4, 4, 9, 1)] + draw(
        st.tuples(dims(2, 7), dims(2, 4), dims(4, 14), seeds), 5)
    material = []
    for V, n, T, seed in fixed + drawn:
        rng = fresh_rng(seed)
        vocab = _vocabulary(rng, V)
        ngram = _distinct_tokens(rng, vocab, n) if n <= V else _tokens(rng, vocab, n)
        material.append((rng, vocab, ngram, T, VALUES if not _repeats(ngram) else REPEATED_WORDS))
    for V, n, T, seed in repeated:
        rng = fresh_rng(("repeated", seed))
        vocab = _vocabulary(rng, V)
        first, other = _distinct_tokens(rng, vocab, 2)
        ngram = [first, first, other] + _tokens(rng, vocab, n - 3) if n >= 3 else [first, first]
        material.append((rng, vocab, ngram, max(T, n), REPEATED_WORDS))
    cases = []
    for rng, vocab, ngram, T, group in material:
        n, V = len(ngram), len(vocab)
        sentences = []
        for k in range(3):
            tokens = _tokens(rng, vocab, T)
            at = (0, T - n, int(rng.integers(0, T - n + 1)))[k]      # first, last, anywhere
            tokens[at:at + n] = ngram
            sentences.append(tuple(tokens))
        sentences.append(tuple(_tokens(rng, vocab, T)))              # maybe no match at all
        want = _ngram_oracle(ngram, vocab)
        given = tuple(ngram) if len(cases) % 2 else list(ngram)
        cases.append(Case((given, vocab), _Detects(tuple(ngram), tuple(vocab), tuple(sentences)),
                          f"an n-gram of {n} word(s) and a vocabulary of {V} word(s)", group=group,
                          same=_same_kernel,
                          wrong={NGRAM_REVERSED: want[..., ::-1],
                                 SORTED_VOCAB: _ngram_oracle(ngram, sorted(vocab)),
                                 EVERY_WORD: np.broadcast_to(want.max(axis=2, keepdims=True),
                                                             want.shape).copy(),
                                 FIRST_TAP: _ngram_oracle(ngram, vocab,
                                                          lambda a, word: ngram.index(word)),
                                 KERNEL_TWO_AXES: Alternatives((want[0], want[0].T)),
                                 KERNEL_AXES_ORDER: want.transpose(0, 2, 1),
                                 OUTPUT_AXIS_LAST: Alternatives((want.transpose(1, 2, 0),
                                                                 want.transpose(1, 0, 2)))}))
    rng = fresh_rng("ngram_kernel: an unknown word")
    vocab = _vocabulary(rng, 4)
    unknown = next(w for w in WORDS if w not in vocab and w != "The")
    for ngram in ([vocab[0], unknown], [unknown], [vocab[1], unknown, vocab[2]]):
        cases.append(must_raise((ngram, vocab), "an n-gram with a word that is not in the "
                                "vocabulary", "that word has no channel, so no kernel detects it"))
    return judge(ngram_kernel, "ngram_kernel", cases, NGRAM_GROUPS, inspect=_ngram_inspect)


# == bag_features and bigram_features: shared ==================================================

NOT_POOLED = Misconception("not_pooled", "the feature map is not pooled: global pooling over the "
                           "positions leaves one number per output channel, shape (D,)")
FLATTENED = Misconception("flattened", "the feature map was flattened, which keeps the word "
                          "order: pool over the positions instead, one number per output "
                          "channel, shape (D,)")
POOLED_CHANNELS = Misconception("pooled_over_channels", "this pools over the channels: pool over "
                                "the positions (last axis), shape (D,)")


def _feature_hint(case, shape):
    tokens, vocab, W = case.args
    D, T = W.shape[0], len(tokens)
    positions = T - (W.shape[2] if W.ndim == 3 else 1) + 1
    if shape in ((D, positions), (D, T)):
        return NOT_POOLED
    if shape in ((D * positions,), (D * T,)):
        return FLATTENED
    if shape in ((positions,), (T,)):
        return POOLED_CHANNELS
    return None


def _student_one_hot(result, tokens, vocab):
    """The student's one-hot array when it has the shape (V, T) the features need, else None."""
    if isinstance(result, np.ndarray) and result.dtype != object \
            and result.shape == (len(vocab), len(tokens)):
        return result
    return None


def _one_hot_call(case):
    tokens, vocab, _ = case.args
    return [((tokens, vocab), {})]


# == bag_features =============================================================================

#: Credit groups of bag_features: sentences of different words, and sentences that repeat a
#: word (each occurrence counts).
BAG_GROUPS = {VALUES: 2, REPEATED_WORDS: 1}

BAG_MEAN = Misconception("mean_pooling", "global SUM pooling adds the features of all positions; "
                         "this is their mean")
BAG_MAX = Misconception("max_pooling", "global SUM pooling adds the features of all positions; "
                        "this takes their maximum")
COUNTED_ONCE = Misconception("repeated_word_counted_once", "a repeated word counts once per "
                             "occurrence: every position contributes W[:, v]")
LAST_POSITION = Misconception("last_position_only", "pool over ALL positions: this keeps only the "
                              "last position's features, which depends on the word order")
FIRST_POSITION = Misconception("first_position_only", "pool over ALL positions: this keeps only "
                               "the first position's features, which depends on the word order")
WEIGHTS_TRANSPOSED = Misconception("weights_transposed", "W is (D, V): row d holds the weights of "
                                   "output channel d for every word, so the features are "
                                   "W @ counts, not W.T @ counts")


def _bag_map(tokens, vocab, W):
    return convref.conv(one_hot(tokens, vocab), np.asarray(W, dtype=float)[:, :, None],
                        method="direct")


def _bag_wrong(tokens, vocab, W, fmap):
    counts = one_hot(tokens, vocab).sum(1)
    F = np.asarray(W, dtype=float)
    wrong = {BAG_MEAN: fmap.mean(-1), BAG_MAX: fmap.max(-1), COUNTED_ONCE: F @ (counts > 0),
             SORTED_VOCAB: _bag_map(tokens, sorted(vocab), W).sum(-1),
             LAST_POSITION: fmap[:, -1], FIRST_POSITION: fmap[:, 0]}
    if F.shape[0] == F.shape[1]:
        wrong[WEIGHTS_TRANSPOSED] = F.T @ counts
    return wrong


def _bag_case(tokens, vocab, W, about, group):
    fmap = _bag_map(tokens, vocab, W)
    return Case((tokens, vocab, W), fmap.sum(-1), about, group=group,
                wrong=partial(_bag_wrong, tokens, vocab, W, fmap),
                magnitude=_bag_map(tokens, vocab, np.abs(np.asarray(W, dtype=float))).sum(-1))


def _bag_combine(case, results):
    tokens, vocab, W = case.args
    X = _student_one_hot(results[0], tokens, vocab)
    return None if X is None else (np.asarray(W, dtype=float) @ X).sum(-1)


def test_bag_features(bag_features):
    """A 1x1 convolution (Delta = 0) of the one-hot sentence followed by global sum pooling,
    (D,), against convref: made-up sentences in both word orders (the same features), random
    token lists, float and integer weights; a repeated word counts at each occurrence."""
    cases = []
    for k, (first, second, vocab, K, _) in enumerate(_pair_material(6, 1, 100, distinct=True)
                                                     + _pair_material(6, 1, 150)):
        W = K[:, :, 0]
        for tokens in (first, second):
            group = REPEATED_WORDS if _repeats(tokens) else VALUES
            cases.append(_bag_case(tokens, vocab, W, f"a sentence of {len(tokens)} tokens, "
                                   f"{len(vocab)} vocabulary words and {W.shape[0]} output "
                                   "channel(s)", group))
    for tokens, shuffled, vocab, K in _random_material(12, 1, 200):
        W = K[:, :, 0]
        for toks in (tokens, shuffled):
            group = REPEATED_WORDS if _repeats(toks) else VALUES
            cases.append(_bag_case(toks, vocab, W, f"{len(toks)} token(s), {len(vocab)} "
                                   f"vocabulary word(s) and {W.shape[0]} output channel(s)", group))
    on_one_hot = Depends("one_hot", _one_hot_call, _bag_combine, groups=tuple(BAG_GROUPS))
    return judge(bag_features, "bag_features", cases, BAG_GROUPS, shape_hint=_feature_hint,
                 depends=on_one_hot)


def _pair_material(count, width, salt, distinct=False):
    """``[(tokens_1, tokens_2, vocab, kernel, (noun, verb))]``: the two orders of a made-up
    sentence, a vocabulary holding (at least) its words, and weights (D, V, width), integer
    for every other pair, whose last output channel detects the bigram (noun, verb) when
    width is 2."""
    out = []
    for k, (D, extra, seed) in enumerate(draw(st.tuples(dims(1, 5), st.integers(0, 4), seeds),
                                              count)):
        rng = fresh_rng(seed + salt)
        first, second, (noun, verb) = _sentence_pair(rng, distinct)
        vocab = _vocabulary(rng, len(set(first)) + extra, must=first)
        K = _weights(seed + salt + 1, (D, len(vocab), width), integer=k % 2 == 1)
        if width == 2:
            K[-1] = 0
            K[-1, vocab.index(noun), 0] = K[-1, vocab.index(verb), 1] = 1
        out.append((first, second, vocab, K, (noun, verb)))
    return out


def _random_material(count, width, salt):
    """Random token lists (not sentences), each with a permutation of it: of different words
    or with a repeated word, length 1 (or 2 for width 2), vocabularies with unused words,
    float and integer weights."""
    out = []
    strategy = st.tuples(dims(1, 6), dims(1, 8), dims(width, 12), seeds)
    fixed = [(2, 3, width, 0), (1, 1, max(width, 3), 1), (3, 6, 9, 2), (2, 5, 4, 3)]
    for k, (D, V, T, seed) in enumerate(fixed + draw(strategy, count)):
        rng = fresh_rng(seed + salt)
        vocab = _vocabulary(rng, V)
        if k % 3 == 0 and T <= V:
            tokens = _distinct_tokens(rng, vocab, T)
        else:
            tokens = _tokens(rng, vocab, T)
            if T >= 2 and k % 3 == 1:
                tokens = _with_repeat(rng, tokens)
        out.append((tokens, [tokens[i] for i in rng.permutation(T)], vocab,
                    _weights(seed + salt + 2, (D, V, width), integer=k % 2 == 1)))
    return out


# == bigram_features ==========================================================================

#: Credit groups of bigram_features: sentences of three tokens or more (the convolution and the
#: max pooling), and two tokens (a single window: the convolution alone).
TWO_TOKENS = "two tokens (one window)"
BIGRAM_GROUPS = {VALUES: 2, TWO_TOKENS: 1}

SUM_POOLING = Misconception("sum_pooling", "use global MAX pooling: summing a linear width-2 "
                            "feature map over the positions almost cancels the word order (only "
                            "the first and last word keep their place)")
MEAN_POOLING = Misconception("mean_pooling", "use global MAX pooling: the mean over the "
                             "positions, like the sum, almost cancels the word order")
BIGRAM_FLIPPED = Misconception("kernel_flipped", "the kernel is flipped: K[:, :, 0] multiplies the "
                               "FIRST word of each pair, K[:, :, 1] the second (cross-correlation, "
                               "no flip)")
ZERO_PADDED = Misconception("zero_padded", "the map must be valid (T - 1 windows, each of two real "
                            "words): this one is padded with a zero column")
MAX_FROM_ZERO = Misconception("max_from_zero", "a channel whose windows are all negative has a "
                              "negative maximum: start the maximum from the first window (or "
                              "-inf), not from 0, and apply no ReLU")
LAST_WINDOW = Misconception("last_window_missing", "there are T - 1 windows, t = 0 .. T - 2: the "
                            "last pair of words is missing")


def _bigram_map(tokens, vocab, K, padding=0):
    return convref.conv(one_hot(tokens, vocab), np.asarray(K, dtype=float), padding=padding,
                        method="direct")


def _bigram_wrong(tokens, vocab, K, fmap, want):
    F = np.asarray(K, dtype=float)
    return {SUM_POOLING: fmap.sum(-1), MEAN_POOLING: fmap.mean(-1),
            BIGRAM_FLIPPED: _bigram_map(tokens, vocab, F[:, :, ::-1]).max(-1),
            SORTED_VOCAB: _bigram_map(tokens, sorted(vocab), K).max(-1),
            ZERO_PADDED: Alternatives((_bigram_map(tokens, vocab, K, ((0, 1),)).max(-1),
                                       _bigram_map(tokens, vocab, K, ((1, 0),)).max(-1))),
            MAX_FROM_ZERO: np.maximum(want, 0.0),
            LAST_WINDOW: fmap[:, :-1].max(-1) if fmap.shape[1] > 1 else None}


def _bigram_case(tokens, vocab, K, about, group):
    fmap = _bigram_map(tokens, vocab, K)
    want = fmap.max(-1)
    return Case((tokens, vocab, K), want, about, group=group,
                wrong=partial(_bigram_wrong, tokens, vocab, K, fmap, want),
                magnitude=_bigram_map(tokens, vocab, np.abs(np.asarray(K, dtype=float))).max(-1))


def _planted(label, tokens, vocab, D, integer, where):
    """Weights (D, V, 2) whose channel 0 is -1 except two taps, for tokens of different words:
    ``where="last"`` makes the last window the only maximum (4); ``"negative"`` makes every
    window -2 while a zero-padded window would score 2."""
    K = _weights(label, (D, len(vocab), 2), integer).astype(float)
    K[0] = -1.0
    if where == "last":
        K[0, vocab.index(tokens[-2]), 0] = K[0, vocab.index(tokens[-1]), 1] = 2.0
    else:
        K[0, vocab.index(tokens[-1]), 0] = K[0, vocab.index(tokens[0]), 1] = 2.0
    return K.astype(int) if integer else K


def _bigram_combine(case, results):
    tokens, vocab, K = case.args
    X = _student_one_hot(results[0], tokens, vocab)
    if X is None:
        return None
    F = np.asarray(K, dtype=float)
    return (F[:, :, 0] @ X[:, :-1] + F[:, :, 1] @ X[:, 1:]).max(-1)


def test_bigram_features(bigram_features):
    """A width-2 valid cross-correlation of the one-hot sentence followed by global max pooling,
    (D,), against convref: made-up sentence pairs whose last output channel detects a word pair
    found in only one of them, random token lists, float and integer weights, and two-token
    sentences (one window)."""
    cases = []
    for first, second, vocab, K, _ in _pair_material(12, 2, 300):
        for tokens in (first, second):
            cases.append(_bigram_case(tokens, vocab, K, f"a sentence of {len(tokens)} tokens, "
                                      f"{len(vocab)} vocabulary words and {K.shape[0]} output "
                                      "channel(s)", VALUES))
    for tokens, shuffled, vocab, K in _random_material(8, 2, 400):
        for toks in (tokens, shuffled):
            cases.append(_bigram_case(toks, vocab, K, f"{len(toks)} tokens, {len(vocab)} "
                                      f"vocabulary word(s) and {K.shape[0]} output channel(s)",
                                      VALUES if len(toks) > 2 else TWO_TOKENS))
    planted = [(5, 3, 6, "last", False, 0), (4, 2, 7, "negative", True, 1),
               (2, 1, 3, "negative", False, 2), (2, 3, 2, "negative", False, 3),
               (3, 2, 4, "negative", True, 4)]
    for T, D, V, where, integer, seed in planted:
        rng = fresh_rng(("planted", seed))
        vocab = _vocabulary(rng, V)
        tokens = _distinct_tokens(rng, vocab, T)
        K = _planted(("planted", seed), tokens, vocab, D, integer, where)
        cases.append(_bigram_case(tokens, vocab, K, f"{T} tokens, {V} vocabulary words and {D} "
                                  "output channel(s)", VALUES if T > 2 else TWO_TOKENS))
    for D, V, seed in draw(st.tuples(dims(1, 5), dims(1, 7), seeds), 5):
        rng = fresh_rng(("two tokens", seed))
        vocab = _vocabulary(rng, V)
        tokens = _tokens(rng, vocab, 2)
        cases.append(_bigram_case(tokens, vocab, _weights(("two tokens", seed), (D, V, 2),
                                                          integer=seed % 2 == 1),
                                  f"2 tokens, {V} vocabulary word(s) and {D} output channel(s)",
                                  TWO_TOKENS))
    on_one_hot = Depends("one_hot", _one_hot_call, _bigram_combine, groups=tuple(BIGRAM_GROUPS))
    return judge(bigram_features, "bigram_features", cases, BIGRAM_GROUPS,
                 shape_hint=_feature_hint, depends=on_one_hot)


# == layers_to_connect ========================================================================

#: Credit groups of layers_to_connect: the layer counts (any number type), the exact Python
#: int the task asks for, and the ValueError for a kernel narrower than 2.
LAYERS_GROUPS = {VALUES: 2, PYTHON_INT: 1, ERRORS: 1}

FIELD_DISTANCE = Misconception("field_covers_distance", "the receptive field must cover "
                               "distance + 1 tokens (both ends included), not distance: one "
                               "layer too few")
GROWTH_K = Misconception("growth_by_kernel_size", "each layer widens the receptive field by "
                         "kernel_size - 1 tokens, not by kernel_size (neighbouring windows "
                         "overlap)")
NO_OVERLAP = Misconception("field_without_overlap", "L stacked layers see 1 + L * (kernel_size - 1) "
                           "tokens, not L * kernel_size (neighbouring windows overlap)")
ROUNDED_DOWN = Misconception("rounded_down", "round up: a receptive field that falls short by one "
                             "token does not connect the two words")
DELTA_GROWTH = Misconception("growth_by_delta", "a kernel of width k = 2 * Delta + 1 widens the "
                             "field by 2 * Delta = k - 1 per layer, Delta on each side")
FIELD_EXCEEDS = Misconception("field_exceeds_distance", "the receptive field only has to cover "
                              "distance + 1 tokens (>=), not exceed it: one layer too many when "
                              "kernel_size - 1 divides the distance")
def layers_oracle(distance, kernel_size):
    """Brute force: stack layers one at a time until the receptive field (1 token, then
    kernel_size - 1 more per layer) covers distance + 1 tokens."""
    layers, field = 0, 1
    while field < distance + 1:
        layers += 1
        field += kernel_size - 1
    return layers


def _ceil_div(a, b):
    return -(-a // b)


def _layers_about(d, k):
    """A case described by its kind, not its numbers."""
    if d == 0:
        return "distance 0"
    if d % (k - 1) == 0:
        return "a distance that kernel_size - 1 divides"
    return "a distance that kernel_size - 1 does not divide"


def test_layers_to_connect(layers_to_connect):
    """Fewest stacked valid layers (stride 1) whose receptive field 1 + L (k - 1) spans tokens
    ``distance`` apart, i.e. covers distance + 1 tokens, as a Python int; ValueError for a
    kernel_size below 2."""
    fixed = [(10, 2), (5, 4), (8, 3), (1, 3), (0, 3), (0, 2), (12, 5), (1, 2), (300, 3), (7, 7),
             (9, 4), (6, 3)]
    cases = []
    for d, k in fixed + draw(st.tuples(st.integers(0, 400), dims(2, 11)), N_CASES):
        want = layers_oracle(d, k)
        wrong = {FIELD_DISTANCE: _ceil_div(d - 1, k - 1) if d else 0, GROWTH_K: _ceil_div(d, k),
                 NO_OVERLAP: _ceil_div(d + 1, k), ROUNDED_DOWN: d // (k - 1),
                 DELTA_GROWTH: _ceil_div(d, k // 2), FIELD_EXCEEDS: d // (k - 1) + 1}
        cases.append(Case((d, k), float(want), _layers_about(d, k), wrong=wrong))
    # the type, whatever the value: exact multiples first, where a float division is whole
    for d, k in [(9, 4), (0, 3), (10, 6), (7, 3)] + draw(st.tuples(st.integers(0, 400), dims(2, 11)), 2):
        cases.append(Case((d, k), layers_oracle(d, k), _layers_about(d, k), group=PYTHON_INT,
                          same=is_python_int))
    for d, k in [(5, 1), (1, 1), (0, 1), (0, 0)]:
        cases.append(must_raise((d, k), f"kernel_size {k}" + (" and distance 0" if d == 0 else ""),
                                "a kernel narrower than 2 never widens the receptive field, so "
                                "no number of layers connects two different tokens"))
    return judge(layers_to_connect, "layers_to_connect", cases, LAYERS_GROUPS)


# == broken_assumptions =======================================================================

OPTIONS = "ABCDEFGH"
#: The assumptions of the image reasoning that fail for text (see the notebook's solution).
BROKEN = frozenset("ADEFG")


@dataclass(frozen=True)
class Topic:
    """Two related statements graded together: the topic earns its weight when both are judged
    right. ``name`` is the credit group; ``reconsider`` says in general terms what to look at
    again, never which statement or in which direction."""
    name: str
    options: str
    misconception: Misconception


TOPICS = (
    Topic("locality", "AB", Misconception(
        "topic_locality", "reconsider the statements about locality: what a small window around "
        "a position can see, and how much neighbouring words tell about each other (sections 3 "
        "and 6)")),
    Topic("position", "CD", Misconception(
        "topic_position", "reconsider the statements about position: sharing one detector across "
        "all positions, and pooling the positions away afterwards, are two different things "
        "(sections 3 to 5)")),
    Topic("representation", "EH", Misconception(
        "topic_representation", "reconsider the statements about how the input is represented: "
        "what its values are, and how it is laid out for a kernel (sections 1 and 2)")),
    Topic("size and structure", "FG", Misconception(
        "topic_size_and_structure", "reconsider the statements about size and structure: how "
        "long sentences are, and how their words group into larger parts")),
)
#: Credit groups of broken_assumptions: one per topic, each of two statements.
TOPIC_GROUPS = {topic.name: 1 for topic in TOPICS}

NOT_LETTERS = Misconception("not_option_letters", "broken_assumptions must return a set of option "
                            "letters, such as {'A', 'C'} (letters A to H)")
RULE = ("Put a statement in the set exactly when the image reasoning's assumption fails for "
        "text: for each one, look for a sentence that breaks it.")


def _as_letters(answer):
    """A set of upper-case option letters, or None if the answer is not of that form."""
    if isinstance(answer, str):
        items = [c for c in answer if not (c.isspace() or c in ",;{}[]()'\"")]
    elif isinstance(answer, (list, tuple, frozenset, set)):
        items = list(answer)
    else:
        return None
    letters = set()
    for item in items:
        if not isinstance(item, str) or not item.strip() or item.strip().upper() not in OPTIONS:
            return None
        letters.add(item.strip().upper())
    return letters


def test_broken_assumptions(broken_assumptions):
    """The set of options whose assumption fails for text, graded per topic of two statements
    (TOPICS); the feedback names topics to reconsider, never letters or counts."""
    name = "broken_assumptions"
    results = call_student(broken_assumptions, name, [Case()], TOPIC_GROUPS)
    if isinstance(results, Judgement):
        return finish(results)
    (answer,) = results
    if is_blank(answer):
        return finish(everything_failed(name, TOPIC_GROUPS, UNANSWERED.message.format(name=name),
                                        UNANSWERED.key))
    if isinstance(answer, StudentError):
        return finish(everything_failed(name, TOPIC_GROUPS, f"{name} raised: {answer}"))
    letters = _as_letters(answer)
    if letters is None:
        return finish(everything_failed(name, TOPIC_GROUPS, NOT_LETTERS.message, NOT_LETTERS.key))
    groups = []
    for topic in TOPICS:
        right = all((option in letters) == (option in BROKEN) for option in topic.options)
        text = topic.misconception.message
        text = f"{name}: {text}" if all(g.passed for g in groups) else text[:1].upper() + text[1:]
        groups.append(GroupResult(topic.name, TOPIC_GROUPS[topic.name], right,
                                  "" if right else text, None if right else topic.misconception.key))
    judgement = Judgement(name, tuple(groups))
    return finish(judgement if judgement.passed else Judgement(name, tuple(groups), RULE))
