"""Hidden checks of the assignment ``text``: one function per test cell.

Text enters a convolution as a one-hot array ``(V, T)``: one channel per vocabulary word, one
column per token. The checks build that array here, in the grader, so that no check depends on
another of the student's functions, and compare with ``convref`` or with a brute-force oracle.
Sentences are made up on the spot from a small grammar the notebook never shows; feedback
describes them by their sizes only.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import convref

from ..checks import (Case, CheckFailed, call_checked, close, dims, draw, fresh_rng, judge,
                      rng_array, run_cases, seeds)
from ..remote import StudentError

N_CASES = 20


# -- calling the student's function ----------------------------------------------------------

def _collect(function, name, cases):
    """All results of ``cases``; CheckFailed at the first call that raised."""
    results = call_checked(function, name, [(c.args, c.kwargs) for c in cases])
    for case, got in zip(cases, results):
        if isinstance(got, StudentError):
            raise CheckFailed(f"{name} raised on {case.about}: {got}")
    return results


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


def _vocabulary(rng, size, must=()):
    """``size`` distinct words (at least those in ``must``), in a shuffled, unsorted order."""
    rest = [w for w in WORDS if w not in must]
    words = list(dict.fromkeys(must)) + list(rng.permutation(rest)[:max(0, size - len(set(must)))])
    words = [str(w) for w in rng.permutation(words)]
    if len(words) > 1 and words == sorted(words):      # the sorted-vocabulary mistake must show
        words = words[1:] + words[:1]
    return words


def _tokens(rng, vocab, length):
    return [vocab[i] for i in rng.integers(0, len(vocab), size=length)]


def _noun_phrase(rng, det, noun):
    return [det] + ([str(rng.choice(ADJECTIVES))] if rng.random() < 0.5 else []) + [noun]


def _sentence_pair(rng):
    """'<det> <adj>? N1 V <det> <adj>? N2 .' and the same with the noun phrases swapped: the
    same words in a different order. Both often share their first and last token, where sum
    pooling of a linear width-2 map cannot tell them apart."""
    n1, n2 = (str(w) for w in rng.choice(NOUNS, size=2, replace=False))
    verb = str(rng.choice(VERBS))
    d1 = str(rng.choice(("the", "a")))
    d2 = d1 if rng.random() < 0.7 else str(rng.choice(("the", "a")))
    first, second = _noun_phrase(rng, d1, n1), _noun_phrase(rng, d2, n2)
    return first + [verb] + second + ["."], second + [verb] + first + ["."], (n1, verb)


# -- one_hot ---------------------------------------------------------------------------------

def _raises(function, name, cases):
    """For each call: the StudentError text if it raised, else None (it returned)."""
    return [str(r) if isinstance(r, StudentError) else None
            for r in call_checked(function, name, cases)]


def _one_hot_hint(case, shape):
    tokens, vocab = case.args
    V, T = len(vocab), len(tokens)
    if shape == (T, V):
        return ("the array is transposed: one_hot returns (len(vocab), T), one row (channel) per "
                "vocabulary word and one column per token, channel-first like audio")
    if shape == (V,):
        return "these are word counts: one_hot keeps one column per token, (len(vocab), T)"
    if shape == (T,):
        return ("these are word indices: one_hot gives each token a whole column with a single 1, "
                "(len(vocab), T)")
    return None


def test_one_hot(one_hot_function):
    """(V, T) with X[v, t] = 1 exactly when tokens[t] == vocab[v]; ValueError for a token that
    is not in the vocabulary."""
    fixed = [(3, 3, 0), (1, 1, 1), (1, 4, 2), (6, 1, 3), (5, 9, 4), (4, 4, 5)]
    cases = []
    for V, T, seed in fixed + draw(st.tuples(dims(1, 9), dims(1, 14), seeds), N_CASES):
        rng = fresh_rng(seed)
        must = ("The", "the") if seed % 3 == 0 and V >= 2 else ()
        vocab = _vocabulary(rng, V, must)
        tokens = _tokens(rng, vocab, T)
        if must:        # both spellings in the sentence, so that a case-blind lookup shows
            for spot, word in zip(rng.permutation(T), rng.permutation(must)):
                tokens[spot] = str(word)
        want = one_hot(tokens, vocab)
        wrong = {"the rows must follow the order of vocab as given, not sorted order":
                 one_hot(tokens, sorted(vocab))}
        if V == T:
            wrong["the array is transposed: one_hot returns (len(vocab), T), one row per "
                  "vocabulary word and one column per token"] = want.T
        folded = [w.lower() for w in vocab]
        if len(set(folded)) < len(folded):
            lowered = np.zeros_like(want)
            for t, token in enumerate(tokens):
                lowered[folded.index(token.lower()), t] = 1.0
            wrong["tokens are matched exactly as written: 'The' and 'the' are different "
                  "vocabulary words (do not change their case)"] = lowered
        cases.append(Case((tokens, vocab), want,
                          f"{T} token(s) and a vocabulary of {V} word(s)", wrong=wrong))
    count = run_cases(one_hot_function, "one_hot", cases, _one_hot_hint)

    rng = fresh_rng("one_hot: an unknown word")
    vocab = _vocabulary(rng, 5)
    unknown = next(w for w in WORDS if w not in vocab)
    bad = [(([unknown], vocab), {}), ((_tokens(rng, vocab, 3) + [unknown], vocab), {}),
           ((_tokens(rng, vocab, 2) + [unknown] + _tokens(rng, vocab, 2), vocab), {})]
    for outcome in _raises(one_hot_function, "one_hot", bad):
        if outcome is None:
            raise CheckFailed("one_hot must raise ValueError when a token is not in the "
                              "vocabulary (a silent zero column would hide the typo)")
        if outcome.startswith("KeyError"):
            raise CheckFailed("one_hot raised KeyError for a token that is not in the vocabulary: "
                              "raise ValueError, as the task asks")
        if not outcome.startswith("ValueError"):
            raise CheckFailed("one_hot must raise ValueError when a token is not in the "
                              f"vocabulary; it raised {outcome.split(':')[0]}")
    return count + len(bad)


# -- sq_distances ----------------------------------------------------------------------------

def _sq_oracle(X):
    X = np.asarray(X, dtype=float)
    T = X.shape[1]
    return np.array([[np.sum((X[:, s] - X[:, t]) ** 2) for t in range(T)] for s in range(T)])


def test_sq_distances(sq_distances):
    """D[s, t] = sum_c (X[c, s] - X[c, t])**2 between the columns (positions) of a (C, T)
    array: on one-hot text every pair of different tokens is exactly 2 apart."""
    cases = []
    fixed = [("real", 3, 5, 0), ("real", 1, 1, 1), ("real", 1, 7, 2), ("onehot", 6, 9, 3),
             ("real", 4, 4, 4), ("index", 1, 8, 5), ("real", 6, 2, 6)]
    drawn = draw(st.tuples(st.sampled_from(["real", "onehot", "index"]), dims(1, 8), dims(1, 10),
                           seeds), N_CASES)
    for kind, C, T, seed in fixed + drawn:
        rng = fresh_rng(seed)
        if kind == "onehot":
            vocab = _vocabulary(rng, C)
            X = one_hot(_tokens(rng, vocab, T), vocab)
            about = f"the one-hot array of {T} token(s) over {len(vocab)} word(s)"
        elif kind == "index":
            X = rng.integers(0, 12, size=(1, T)).astype(float)
            about = f"a 1x{T} row of word indices"
        else:
            X = rng_array(seed, (C, T))
            about = f"a {C}x{T} array"
        want = _sq_oracle(X)
        diffs = X[:, :, None] - X[:, None, :]
        wrong = {"return SQUARED distances: sum the squared differences and take no square root":
                 np.sqrt(want),
                 "square each difference: the sum of |differences| is another distance":
                 np.abs(diffs).sum(0),
                 "square each difference before summing over channels": diffs.sum(0),
                 "the output was truncated to integers: build it as a float array":
                 np.trunc(want)}
        if X.shape[0] == X.shape[1]:
            wrong["distances between rows (channels): compare the COLUMNS X[:, s] and X[:, t], "
                  "one per position"] = _sq_oracle(X.T)
        cases.append(Case((X,), want, about, magnitude=((np.abs(X)[:, :, None] +
                                                         np.abs(X)[:, None, :]) ** 2).sum(0),
                          wrong=wrong))

    def hint(case, shape):
        C, T = case.args[0].shape
        if shape == (C, C):
            return ("one distance per pair of ROWS: compare the columns X[:, s] and X[:, t], "
                    "so the output is (T, T)")
        if len(shape) == 3:
            return "sum the squared differences over the channel axis: the output is (T, T)"
        return None
    return run_cases(sq_distances, "sq_distances", cases, hint)


# -- ngram_kernel ----------------------------------------------------------------------------

def _ngram_oracle(ngram, vocab):
    K = np.zeros((1, len(vocab), len(ngram)))
    for a, word in enumerate(ngram):
        K[0, vocab.index(word), a] = 1.0
    return K


def _ngram_hint(ngram, vocab, shape):
    V, n = len(vocab), len(ngram)
    if len(shape) == 2 and sorted(shape) == sorted((V, n)):
        return ("the kernel has three axes, (1, len(vocab), n): one output channel, one input "
                "channel per vocabulary word, one tap per word of the n-gram")
    if shape == (1, n, V):
        return ("the axes are in the wrong order: (1, len(vocab), n), the vocabulary (input "
                "channels) before the n positions")
    if shape == (V, n, 1) or shape == (V, 1, n):
        return "the output-channel axis of length 1 comes first: (1, len(vocab), n)"
    return f"the kernel must have shape (1, len(vocab), n) = {(1, V, n)}, got {shape}"


def _ngram_mistakes(ngram, vocab):
    """Known wrong kernels of the right shape: misconception message -> kernel."""
    want = _ngram_oracle(ngram, vocab)
    return {"the n-gram is reversed: tap a, K[0, :, a], must select the a-th word of the n-gram, "
            "because cross-correlation reads X[:, t + a] (no flip)": want[..., ::-1],
            "the kernel's rows must follow the order of vocab as given, not sorted order":
            _ngram_oracle(ngram, sorted(vocab)),
            "each tap a must select only the a-th word of the n-gram, not every word of it":
            np.broadcast_to(want.max(axis=2, keepdims=True), want.shape)}


def test_ngram_kernel(ngram_kernel):
    """K (1, V, n): the valid cross-correlation of one_hot(tokens, vocab) with K equals n
    exactly where the n-gram starts, checked with convref.conv on made-up token sequences."""
    fixed = [(3, 2, 7, 0), (1, 1, 3, 1), (2, 3, 3, 2), (4, 1, 6, 3), (3, 4, 12, 4), (5, 2, 2, 5)]
    drawn = draw(st.tuples(dims(1, 7), dims(1, 4), dims(1, 14), seeds)
                 .map(lambda t: (t[0], t[1], max(t[1], t[2]), t[3])), N_CASES)
    cases = []
    for V, n, T, seed in fixed + drawn:
        rng = fresh_rng(seed)
        vocab = _vocabulary(rng, V)
        ngram = _tokens(rng, vocab, n)
        sequences = []
        for k in range(3):
            tokens = _tokens(rng, vocab, T)
            at = (0, T - n, int(rng.integers(0, T - n + 1)))[k]      # first, last, anywhere
            tokens[at:at + n] = ngram
            sequences.append(tokens)
        sequences.append(_tokens(rng, vocab, T))                     # maybe no match at all
        cases.append((ngram if seed % 2 else tuple(ngram), vocab, sequences))

    results = call_checked(ngram_kernel, "ngram_kernel",
                           [((ngram, vocab), {}) for ngram, vocab, _ in cases])
    failing = []
    for (ngram, vocab, sequences), K in zip(cases, results):
        n, V = len(ngram), len(vocab)
        about = f"an n-gram of {n} word(s) and a vocabulary of {V} word(s)"
        if isinstance(K, StudentError):
            raise CheckFailed(f"ngram_kernel raised on {about}: {K}")
        if not isinstance(K, np.ndarray):
            raise CheckFailed(f"ngram_kernel must return an array of shape (1, len(vocab), n), "
                              f"got {type(K).__name__} (on {about})")
        if K.shape != (1, V, n):
            raise CheckFailed(f"ngram_kernel is wrong on {about}: {_ngram_hint(ngram, vocab, K.shape)}")
        for tokens in sequences:
            response = convref.conv(one_hot(tokens, vocab), K, method="direct")[0]
            starts = np.array([list(tokens[t:t + n]) == list(ngram)
                               for t in range(len(tokens) - n + 1)])
            if not np.array_equal(np.isclose(response, n, rtol=0, atol=1e-6), starts):
                failing.append((K, _ngram_mistakes(list(ngram), vocab),
                                f"{about} (a sentence of {len(tokens)} tokens)"))
                break
    if failing:
        _, mistakes, about = failing[0]
        reason = next((message for message in mistakes
                       if all(close(K, known[message]) for K, known, _ in failing)),
                      "the valid cross-correlation of the one-hot sentence with this kernel is "
                      "not equal to n exactly at the positions where the n-gram starts")
        raise CheckFailed(f"ngram_kernel is wrong on {about}: {reason}")

    rng = fresh_rng("ngram_kernel: an unknown word")
    vocab = _vocabulary(rng, 4)
    unknown = next(w for w in WORDS if w not in vocab)
    outcome = _raises(ngram_kernel, "ngram_kernel", [(([vocab[0], unknown], vocab), {})])[0]
    if outcome is None or not outcome.startswith("ValueError"):
        raise CheckFailed("ngram_kernel must raise ValueError when a word of the n-gram is not in "
                          "the vocabulary" + ("" if outcome is None else
                                              f" (it raised {outcome.split(':')[0]})"))
    return len(cases) + 1


# -- bag_features and bigram_features: sentence pairs ---------------------------------------

def _pair_material(count, width, salt):
    """``[(tokens_1, tokens_2, vocab, kernel, (noun, verb))]``: the two orders of a made-up
    sentence, a vocabulary holding (at least) its words, and random weights (D, V, width)
    whose last output channel detects the bigram (noun, verb) when width is 2."""
    out = []
    for D, extra, seed in draw(st.tuples(dims(1, 5), st.integers(0, 4), seeds), count):
        rng = fresh_rng(seed + salt)
        first, second, (noun, verb) = _sentence_pair(rng)
        vocab = _vocabulary(rng, len(set(first)) + extra, must=first)
        K = rng_array(seed + salt + 1, (D, len(vocab), width))
        if width == 2:
            K[-1] = 0.0
            K[-1, vocab.index(noun), 0] = K[-1, vocab.index(verb), 1] = 1.0
        out.append((first, second, vocab, K, (noun, verb)))
    return out


def _random_material(count, width, salt):
    """Random token lists (not sentences), some of them permuted: repeated words, length 1
    (or 2 for width 2), vocabularies with unused words."""
    out = []
    strategy = st.tuples(dims(1, 6), dims(1, 8), dims(width, 12), seeds)
    for D, V, T, seed in [(2, 3, width, 0), (1, 1, max(width, 3), 1), (3, 6, 9, 2)] + \
            draw(strategy, count):
        rng = fresh_rng(seed + salt)
        vocab = _vocabulary(rng, V)
        tokens = _tokens(rng, vocab, T)
        out.append((tokens, [tokens[i] for i in rng.permutation(T)], vocab,
                    rng_array(seed + salt + 2, (D, V, width))))
    return out


def _judge_all(name, function, cases, shape_hint):
    """Call once; raise on errors and wrong shapes; return the results."""
    results = _collect(function, name, cases)
    for case, got in zip(cases, results):
        verdict = judge(got, case, shape_hint)
        if verdict and (not isinstance(got, np.ndarray) or got.shape != np.shape(case.expected)):
            raise CheckFailed(f"{name} is wrong on {case.about}: {verdict}")
    return results


def _diagnose(results, cases):
    """The misconception that explains every wrong result, if one does."""
    failing = [(case, got) for case, got in zip(cases, results)
               if not close(got, case.expected, case.magnitude)]
    for message in (failing[0][0].wrong if failing else ()):
        if all(case.wrong.get(message) is not None
               and np.shape(case.wrong[message]) == np.shape(got)
               and close(got, case.wrong[message], case.magnitude) for case, got in failing):
            return message
    return None


def _values(name, cases, results, shape_hint):
    for case, got in zip(cases, results):
        verdict = judge(got, case, shape_hint)
        if verdict:
            raise CheckFailed(f"{name} is wrong on {case.about}: "
                              f"{_diagnose(results, cases) or verdict}")


def _feature_hint(case, shape):
    tokens, vocab, W = case.args
    D, T = W.shape[0], len(tokens)
    width = W.shape[2] if W.ndim == 3 else 1
    positions = T - width + 1
    if shape == (D, positions) or shape == (D, T):
        return ("the feature map is not pooled: global pooling over the positions leaves one "
                "number per output channel, shape (D,)")
    if shape == (D * positions,) or shape == (D * T,):
        return ("the feature map was flattened, which keeps the word order: pool over the "
                "positions instead, one number per output channel, shape (D,)")
    if shape == (positions,) and positions != D:
        return "this pools over the channels: pool over the positions (last axis), shape (D,)"
    return None


def _bag_map(tokens, vocab, W):
    return convref.conv(one_hot(tokens, vocab), np.asarray(W)[:, :, None], method="direct")


def _bag_case(tokens, vocab, W, about):
    fmap = _bag_map(tokens, vocab, W)
    want = fmap.sum(-1)
    counts = one_hot(tokens, vocab).sum(1)
    wrong = {"global SUM pooling adds the features of all positions; this is their mean":
             fmap.mean(-1),
             "global SUM pooling adds the features of all positions; this takes their maximum":
             fmap.max(-1),
             "a repeated word counts once per occurrence: every position contributes W[:, v]":
             np.asarray(W) @ (counts > 0),
             "the one-hot rows must follow the order of vocab as given, not sorted order":
             _bag_map(tokens, sorted(vocab), W).sum(-1),
             "pool over ALL positions: this keeps only the last position's features, which "
             "depends on the word order": fmap[:, -1],
             "pool over ALL positions: this keeps only the first position's features, which "
             "depends on the word order": fmap[:, 0]}
    W = np.asarray(W)
    if W.shape[0] == W.shape[1]:
        wrong["W is (D, V): row d holds the weights of output channel d for every word, so the "
              "features are W @ counts, not W.T @ counts"] = W.T @ counts
    return Case((tokens, vocab, W), want, about, wrong=wrong,
                magnitude=_bag_map(tokens, vocab, np.abs(W)).sum(-1))


def test_bag_features(bag_features):
    """A 1x1 convolution (Delta = 0) of the one-hot sentence followed by global sum pooling,
    (D,): checked against convref, and unchanged when only the word order changes."""
    cases, pairs = [], []
    for first, second, vocab, K, _ in _pair_material(10, 1, 100):
        W = K[:, :, 0]
        pairs.append((len(cases), len(cases) + 1))
        for tokens in (first, second):
            cases.append(_bag_case(tokens, vocab, W, f"a sentence of {len(tokens)} tokens, "
                                   f"{len(vocab)} vocabulary words and {W.shape[0]} output "
                                   "channel(s)"))
    for tokens, shuffled, vocab, K in _random_material(12, 1, 200):
        W = K[:, :, 0]
        pairs.append((len(cases), len(cases) + 1))
        for toks in (tokens, shuffled):
            cases.append(_bag_case(toks, vocab, W, f"{len(toks)} token(s), {len(vocab)} "
                                   f"vocabulary word(s) and {W.shape[0]} output channel(s)"))
    results = _judge_all("bag_features", bag_features, cases, _feature_hint)
    for i, j in pairs:
        if not close(results[i], results[j], cases[i].magnitude):
            known = _diagnose(results, cases)
            raise CheckFailed(
                "bag_features gave different features to two sentences with the same words in a "
                f"different order ({cases[i].about}): with Delta = 0 and global sum pooling only "
                "the word counts can matter" + (f". {known}" if known else ""))
    _values("bag_features", cases, results, None)
    return len(cases)


def _bigram_map(tokens, vocab, K, padding=0):
    return convref.conv(one_hot(tokens, vocab), np.asarray(K), padding=padding, method="direct")


def _bigram_case(tokens, vocab, K, about):
    fmap = _bigram_map(tokens, vocab, K)
    want = fmap.max(-1)
    K = np.asarray(K)
    wrong = {"use global MAX pooling: summing a linear width-2 feature map over the positions "
             "almost cancels the word order (only the first and last word keep their place)":
             fmap.sum(-1),
             "use global MAX pooling: the mean over the positions, like the sum, almost cancels "
             "the word order": fmap.mean(-1),
             "the kernel is flipped: K[:, :, 0] multiplies the FIRST word of each pair, "
             "K[:, :, 1] the second (cross-correlation, no flip)":
             _bigram_map(tokens, vocab, K[:, :, ::-1]).max(-1),
             "the one-hot rows must follow the order of vocab as given, not sorted order":
             _bigram_map(tokens, sorted(vocab), K).max(-1),
             "the map must be valid (T - 1 windows, each of two real words): this one is padded "
             "with a zero column": _bigram_map(tokens, vocab, K, ((0, 1),)).max(-1),
             "the map must be valid (T - 1 windows, each of two real words): this one is padded "
             "with a zero column ": _bigram_map(tokens, vocab, K, ((1, 0),)).max(-1)}
    return Case((tokens, vocab, K), want, about, wrong=wrong,
                magnitude=_bigram_map(tokens, vocab, np.abs(K)).max(-1))


def test_bigram_features(bigram_features):
    """A width-2 valid convolution of the one-hot sentence followed by global max pooling, (D,):
    checked against convref; a channel that detects a word pair found in only one of two
    sentences with the same words must tell them apart."""
    cases, pairs = [], []
    for first, second, vocab, K, _ in _pair_material(12, 2, 300):
        pairs.append((len(cases), len(cases) + 1))
        for tokens in (first, second):
            cases.append(_bigram_case(tokens, vocab, K, f"a sentence of {len(tokens)} tokens, "
                                      f"{len(vocab)} vocabulary words and {K.shape[0]} output "
                                      "channel(s)"))
    for tokens, shuffled, vocab, K in _random_material(10, 2, 400):
        for toks in (tokens, shuffled):
            cases.append(_bigram_case(toks, vocab, K, f"{len(toks)} tokens, {len(vocab)} "
                                      f"vocabulary word(s) and {K.shape[0]} output channel(s)"))
    results = _judge_all("bigram_features", bigram_features, cases, _feature_hint)
    for i, j in pairs:
        if close(results[i][-1], results[j][-1]):
            known = _diagnose(results, cases)
            raise CheckFailed(
                "bigram_features gave the same value to two sentences with the same words in a "
                f"different order ({cases[i].about}), although its last output channel detects a "
                "word pair that only one of them contains" + (f": {known}" if known else ""))
    _values("bigram_features", cases, results, None)
    return len(cases)


# -- layers_to_connect -----------------------------------------------------------------------

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


def test_layers_to_connect(layers_to_connect):
    """Fewest stacked valid layers (stride 1) whose receptive field 1 + L (k - 1) spans tokens
    ``distance`` apart, i.e. covers distance + 1 tokens; ValueError for kernel_size 1."""
    fixed = [(10, 2), (5, 4), (8, 3), (1, 3), (0, 3), (0, 2), (12, 5), (1, 2), (300, 3), (7, 7)]
    drawn = draw(st.tuples(st.integers(0, 400), dims(2, 11)), N_CASES)
    cases = []
    for d, k in fixed + drawn:
        want = layers_oracle(d, k)
        candidates = [
            (_ceil_div(d - 1, k - 1) if d else 0,
             "the receptive field must cover distance + 1 tokens (both ends included), "
             "not distance"),
            (_ceil_div(d, k), "each layer widens the receptive field by kernel_size - 1 tokens, "
                              "not by kernel_size (neighbouring windows overlap)"),
            (_ceil_div(d + 1, k), "L stacked layers see 1 + L * (kernel_size - 1) tokens, not "
                                  "L * kernel_size (neighbouring windows overlap)"),
            (d // (k - 1), "round up: a receptive field that falls short by one token does not "
                           "connect the two words"),
            (_ceil_div(d, k // 2), "a kernel of width k = 2 * Delta + 1 widens the field by "
                                   "2 * Delta = k - 1 per layer, Delta on each side"),
        ]
        wrong = {}
        for value, message in candidates:
            if value != want and value not in wrong.values():
                wrong[message] = value
        cases.append(Case((d, k), want, f"distance {d}, kernel_size {k}", wrong=wrong))
    count = run_cases(layers_to_connect, "layers_to_connect", cases)
    bad = [((5, 1), {}), ((1, 1), {})]
    for outcome in _raises(layers_to_connect, "layers_to_connect", bad):
        if outcome is None or not outcome.startswith("ValueError"):
            raise CheckFailed(
                "with kernel_size 1 the receptive field never grows, so no number of layers "
                "connects two different tokens: raise ValueError"
                + ("" if outcome is None else f" (it raised {outcome.split(':')[0]})"))
    return count + len(bad)


# -- broken_assumptions ----------------------------------------------------------------------

OPTIONS = "ABCDEFGH"
#: The assumptions of the image reasoning that fail for text (see the notebook's solution).
BROKEN = frozenset("ADEFG")


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
        if not isinstance(item, str) or item.strip().upper() not in OPTIONS or not item.strip():
            return None
        letters.add(item.strip().upper())
    return letters


def test_broken_assumptions(broken_assumptions):
    """Graded exactly: the set of options whose assumption fails for text."""
    (answer,) = call_checked(broken_assumptions, "broken_assumptions", [((), {})])
    if isinstance(answer, StudentError):
        raise CheckFailed(f"broken_assumptions raised: {answer}")
    letters = _as_letters(answer)
    if letters is None:
        raise CheckFailed("broken_assumptions must return a set of option letters, such as "
                          "{'A', 'C'} (letters A to H)")
    misjudged = len(letters ^ BROKEN)
    if misjudged:
        raise CheckFailed(
            f"{misjudged} of the {len(OPTIONS)} options are misjudged: an option belongs in the "
            "set exactly when its assumption about images fails for text. For each one, look "
            "for a sentence that breaks it")
    return 1
