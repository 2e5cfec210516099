"""Catalogue of student answers for ``text``: realistic mistakes with the misconception each
embodies, the credit groups it loses and a piece of the feedback it must get (WRONG), and
correct answers written in other styles that must keep full marks (CORRECT).
"""
from . import LIBRARY, Mistake

# == one_hot ================================================================================

OH_TRANSPOSED = """\
import numpy as np


def one_hot(tokens, vocab):
    X = np.zeros((len(tokens), len(vocab)))
    for t, token in enumerate(tokens):
        if token not in vocab:
            raise ValueError(f"unknown token {token!r}")
        X[t, vocab.index(token)] = 1.0
    return X
"""

OH_SORTED_VOCAB = """\
import numpy as np


def one_hot(tokens, vocab):
    words = sorted(set(vocab))
    X = np.zeros((len(words), len(tokens)))
    for t, token in enumerate(tokens):
        if token not in words:
            raise ValueError(f"unknown token {token!r}")
        X[words.index(token), t] = 1.0
    return X
"""

OH_KEY_ERROR = """\
import numpy as np


def one_hot(tokens, vocab):
    position = {word: v for v, word in enumerate(vocab)}
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        X[position[token], t] = 1.0
    return X
"""

OH_ZERO_COLUMN = """\
import numpy as np


def one_hot(tokens, vocab):
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        for v, word in enumerate(vocab):
            if word == token:
                X[v, t] = 1.0
    return X
"""

OH_LOWERCASED = """\
import numpy as np


def one_hot(tokens, vocab):
    words = [w.lower() for w in vocab]
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        if token.lower() not in words:
            raise ValueError(f"unknown token {token!r}")
        X[words.index(token.lower()), t] = 1.0
    return X
"""

OH_COUNTS = """\
import numpy as np


def one_hot(tokens, vocab):
    counts = np.zeros(len(vocab))
    for token in tokens:
        if token not in vocab:
            raise ValueError(f"unknown token {token!r}")
        counts[vocab.index(token)] += 1
    return counts
"""

OH_INDICES = """\
import numpy as np


def one_hot(tokens, vocab):
    for token in tokens:
        if token not in vocab:
            raise ValueError(f"unknown token {token!r}")
    return np.array([vocab.index(token) for token in tokens], dtype=float)
"""

OH_FIRST_COLUMN = """\
import numpy as np


def one_hot(tokens, vocab):
    X = np.zeros((len(vocab), len(tokens)))
    for token in tokens:
        if token not in vocab:
            raise ValueError(f"unknown token {token!r}")
        X[vocab.index(token), tokens.index(token)] = 1.0
    return X
"""

OH_LOOPS = """\
import numpy as np


def one_hot(tokens, vocab):
    X = np.zeros((len(vocab), len(tokens)))
    for t in range(len(tokens)):
        if tokens[t] not in vocab:
            raise ValueError("token not in vocabulary: " + str(tokens[t]))
        X[vocab.index(tokens[t]), t] = 1
    return X
"""

OH_EYE_ROWS = """\
import numpy as np


def one_hot(tokens, vocab):
    lookup = {word: i for i, word in reversed(list(enumerate(vocab)))}
    missing = [t for t in tokens if t not in lookup]
    if missing:
        raise ValueError(f"not in the vocabulary: {missing}")
    rows = np.eye(len(vocab), dtype=np.float32)[[lookup[t] for t in tokens]]
    return rows.T          # (T, V) -> (V, T), a transposed view
"""

OH_BROADCAST_COMPARE = """\
import numpy as np


def one_hot(tokens, vocab):
    words = np.array(vocab, dtype=object)[:, None]
    toks = np.array(tokens, dtype=object)[None, :]
    X = (words == toks)
    if not X.any(axis=0).all():
        raise ValueError("a token is not in the vocabulary")
    return X.astype(int)
"""

# == sq_distances ===========================================================================

SQ_EUCLIDEAN = """\
import numpy as np


def sq_distances(X):
    X = np.asarray(X, dtype=float)
    diff = X[:, :, None] - X[:, None, :]
    return np.sqrt(np.sum(diff ** 2, axis=0))
"""

SQ_ROWS = """\
import numpy as np


def sq_distances(X):
    X = np.asarray(X, dtype=float)
    diff = X[:, None, :] - X[None, :, :]
    return np.sum(diff ** 2, axis=2)
"""

SQ_ABSOLUTE = """\
import numpy as np


def sq_distances(X):
    X = np.asarray(X, dtype=float)
    return np.abs(X[:, :, None] - X[:, None, :]).sum(axis=0)
"""

SQ_NOT_SQUARED = """\
import numpy as np


def sq_distances(X):
    X = np.asarray(X, dtype=float)
    T = X.shape[1]
    D = np.zeros((T, T))
    for s in range(T):
        for t in range(T):
            D[s, t] = np.sum(X[:, s] - X[:, t])
    return D
"""

SQ_INT_DTYPE = """\
import numpy as np


def sq_distances(X):
    X = np.asarray(X, dtype=float)
    T = X.shape[1]
    D = np.zeros((T, T), dtype=int)
    for s in range(T):
        for t in range(T):
            D[s, t] = np.sum((X[:, s] - X[:, t]) ** 2)
    return D
"""

SQ_ONE_HOT_ONLY = """\
import numpy as np


def sq_distances(X):
    X = np.asarray(X, dtype=float)
    # each column has a single 1: |x_s - x_t|^2 = 1 + 1 - 2 x_s . x_t
    return 2 - 2 * (X.T @ X)
"""

SQ_SQUARED_AFTER_SUM = """\
import numpy as np


def sq_distances(X):
    X = np.asarray(X, dtype=float)
    T = X.shape[1]
    D = np.zeros((T, T))
    for s in range(T):
        for t in range(T):
            D[s, t] = np.sum(X[:, s] - X[:, t]) ** 2
    return D
"""

SQ_CROSS_TERM_ONCE = """\
import numpy as np


def sq_distances(X):
    X = np.asarray(X, dtype=float)
    norms = (X ** 2).sum(axis=0)
    return norms[:, None] + norms[None, :] - X.T @ X
"""

SQ_LOOPS = """\
def sq_distances(X):
    C, T = len(X), len(X[0])
    import numpy as np
    D = np.zeros((T, T))
    for s in range(T):
        for t in range(T):
            total = 0.0
            for c in range(C):
                total += (X[c][s] - X[c][t]) ** 2
            D[s, t] = total
    return D
"""

SQ_GRAM_FLOAT32 = """\
import numpy as np


def sq_distances(X):
    X = np.asarray(X, dtype=np.float32)
    norms = np.einsum("ct,ct->t", X, X)
    gram = X.T @ X
    return np.maximum(norms[:, None] + norms[None, :] - 2 * gram, 0)
"""

SQ_SCIPY_CDIST = """\
import numpy as np
from scipy.spatial.distance import cdist


def sq_distances(X):
    columns = np.asarray(X, dtype=float).T          # one row per position
    return cdist(columns, columns, metric="sqeuclidean")
"""

# == ngram_kernel ===========================================================================

NG_REVERSED = """\
import numpy as np


def ngram_kernel(ngram, vocab):
    n = len(ngram)
    K = np.zeros((1, len(vocab), n))
    for a, word in enumerate(ngram):
        if word not in vocab:
            raise ValueError(f"{word!r} is not in the vocabulary")
        K[0, vocab.index(word), n - 1 - a] = 1.0    # flipped, as in a true convolution
    return K
"""

NG_N_BY_V = """\
import numpy as np


def ngram_kernel(ngram, vocab):
    K = np.zeros((len(ngram), len(vocab)))
    for a, word in enumerate(ngram):
        if word not in vocab:
            raise ValueError(f"{word!r} is not in the vocabulary")
        K[a, vocab.index(word)] = 1.0
    return K
"""

NG_NO_OUTPUT_AXIS = """\
import numpy as np


def ngram_kernel(ngram, vocab):
    K = np.zeros((len(vocab), len(ngram)))
    for a, word in enumerate(ngram):
        if word not in vocab:
            raise ValueError(f"{word!r} is not in the vocabulary")
        K[vocab.index(word), a] = 1.0
    return K
"""

NG_SORTED_VOCAB = """\
import numpy as np


def ngram_kernel(ngram, vocab):
    words = sorted(vocab)
    K = np.zeros((1, len(words), len(ngram)))
    for a, word in enumerate(ngram):
        if word not in words:
            raise ValueError(f"{word!r} is not in the vocabulary")
        K[0, words.index(word), a] = 1.0
    return K
"""

NG_BAG_OF_WORDS = """\
import numpy as np


def ngram_kernel(ngram, vocab):
    for word in ngram:
        if word not in vocab:
            raise ValueError(f"{word!r} is not in the vocabulary")
    K = np.zeros((1, len(vocab), len(ngram)))
    for v, word in enumerate(vocab):
        if word in ngram:
            K[0, v, :] = 1.0            # the word may appear at any tap
    return K
"""

NG_SKIPS_UNKNOWN = """\
import numpy as np


def ngram_kernel(ngram, vocab):
    K = np.zeros((1, len(vocab), len(ngram)))
    for a, word in enumerate(ngram):
        if word in vocab:
            K[0, vocab.index(word), a] = 1.0
    return K
"""

NG_POSITIONS_FIRST = """\
import numpy as np


def ngram_kernel(ngram, vocab):
    K = np.zeros((1, len(ngram), len(vocab)))
    for a, word in enumerate(ngram):
        if word not in vocab:
            raise ValueError(f"{word!r} is not in the vocabulary")
        K[0, a, vocab.index(word)] = 1.0
    return K
"""

NG_FIRST_TAP = """\
import numpy as np


def ngram_kernel(ngram, vocab):
    K = np.zeros((1, len(vocab), len(ngram)))
    for word in ngram:
        if word not in vocab:
            raise ValueError(f"{word!r} is not in the vocabulary")
        K[0, vocab.index(word), ngram.index(word)] = 1.0
    return K
"""

NG_KEY_ERROR = """\
import numpy as np


def ngram_kernel(ngram, vocab):
    row = {word: v for v, word in enumerate(vocab)}
    K = np.zeros((1, len(vocab), len(ngram)))
    for a, word in enumerate(ngram):
        K[0, row[word], a] = 1.0
    return K
"""

NG_LOOPS = """\
import numpy as np


def ngram_kernel(ngram, vocab):
    K = np.zeros((1, len(vocab), len(ngram)))
    for a in range(len(ngram)):
        found = False
        for v in range(len(vocab)):
            if vocab[v] == ngram[a]:
                K[0, v, a] = 1
                found = True
                break
        if not found:
            raise ValueError("unknown word in the n-gram")
    return K
"""

NG_EYE_COLUMNS = """\
import numpy as np


def ngram_kernel(ngram, vocab):
    rows = [vocab.index(word) for word in ngram]     # list.index raises ValueError itself
    return np.eye(len(vocab), dtype=np.float32)[:, rows][None]
"""

NG_COMPARE = """\
import numpy as np


def ngram_kernel(ngram, vocab):
    hits = np.equal.outer(np.array(vocab, dtype=object), np.array(list(ngram), dtype=object))
    if not hits.any(axis=0).all():
        raise ValueError("the n-gram uses a word outside the vocabulary")
    first = np.cumsum(hits, axis=0) == 1                  # first match only, like list.index
    return (hits & first)[np.newaxis].astype(np.int64)
"""

# == bag_features ===========================================================================

BAG_MEAN = """\
import numpy as np


def bag_features(tokens, vocab, W):
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        X[vocab.index(token), t] = 1.0
    return (np.asarray(W) @ X).mean(axis=1)
"""

BAG_MAX = """\
import numpy as np


def bag_features(tokens, vocab, W):
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        X[vocab.index(token), t] = 1.0
    return (np.asarray(W) @ X).max(axis=1)
"""

BAG_NOT_POOLED = """\
import numpy as np


def bag_features(tokens, vocab, W):
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        X[vocab.index(token), t] = 1.0
    return np.asarray(W) @ X
"""

BAG_FLATTENED = """\
import numpy as np


def bag_features(tokens, vocab, W):
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        X[vocab.index(token), t] = 1.0
    return (np.asarray(W) @ X).ravel()
"""

BAG_LAST_POSITION = """\
import numpy as np


def bag_features(tokens, vocab, W):
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        X[vocab.index(token), t] = 1.0
    H = np.asarray(W) @ X
    return H[:, -1]            # the state after reading the whole sentence
"""

BAG_DISTINCT_WORDS = """\
import numpy as np


def bag_features(tokens, vocab, W):
    W = np.asarray(W, dtype=float)
    out = np.zeros(W.shape[0])
    for word in set(tokens):
        out += W[:, vocab.index(word)]
    return out
"""

BAG_SORTED_VOCAB = """\
import numpy as np


def bag_features(tokens, vocab, W):
    words = sorted(vocab)
    X = np.zeros((len(words), len(tokens)))
    for t, token in enumerate(tokens):
        X[words.index(token), t] = 1.0
    return (np.asarray(W) @ X).sum(axis=1)
"""

BAG_NP_CORRELATE = """\
import numpy as np


def bag_features(tokens, vocab, W):
    W = np.asarray(W, dtype=float)
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        X[vocab.index(token), t] = 1.0
    H = np.zeros((W.shape[0], len(tokens)))
    for d in range(W.shape[0]):
        for v in range(len(vocab)):
            H[d] += np.correlate(X[v], W[d, v:v + 1], mode="valid")
    return H.sum(axis=1)
"""

BAG_EINSUM = """\
import numpy as np


def bag_features(tokens, vocab, W):
    X = np.zeros((len(vocab), len(tokens)))
    X[[vocab.index(t) for t in tokens], np.arange(len(tokens))] = 1.0
    H = np.einsum("dv,vt->dt", np.asarray(W, dtype=float), X)     # the 1x1 convolution
    return H.sum(axis=1)                                        # global sum pooling
"""

BAG_COUNTS = """\
import numpy as np


def bag_features(tokens, vocab, W):
    counts = np.bincount([vocab.index(t) for t in tokens], minlength=len(vocab))
    return np.asarray(W, dtype=float) @ counts
"""

BAG_COLUMN_LOOP = """\
def bag_features(tokens, vocab, W):
    import numpy as np
    W = np.asarray(W)
    total = np.zeros(W.shape[0])
    for token in tokens:
        total = total + W[:, vocab.index(token)]
    return total
"""

BAG_FLOAT32 = """\
import numpy as np


def bag_features(tokens, vocab, W):
    W = np.asarray(W, dtype=np.float32)
    X = np.zeros((len(vocab), len(tokens)), dtype=np.float32)
    for t, token in enumerate(tokens):
        X[vocab.index(token), t] = 1
    return np.tensordot(W, X, axes=(1, 0)).sum(axis=-1)
"""

# == bigram_features ========================================================================

BI_SUM = """\
import numpy as np


def bigram_features(tokens, vocab, K):
    K = np.asarray(K, dtype=float)
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        X[vocab.index(token), t] = 1.0
    T = len(tokens) - 1
    H = K[:, :, 0] @ X[:, :T] + K[:, :, 1] @ X[:, 1:]
    return H.sum(axis=1)
"""

BI_MEAN = """\
import numpy as np


def bigram_features(tokens, vocab, K):
    K = np.asarray(K, dtype=float)
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        X[vocab.index(token), t] = 1.0
    T = len(tokens) - 1
    H = K[:, :, 0] @ X[:, :T] + K[:, :, 1] @ X[:, 1:]
    return H.mean(axis=1)
"""

BI_FLIPPED = """\
import numpy as np


def bigram_features(tokens, vocab, K):
    K = np.asarray(K, dtype=float)[:, :, ::-1]          # convolution flips the kernel
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        X[vocab.index(token), t] = 1.0
    T = len(tokens) - 1
    H = K[:, :, 0] @ X[:, :T] + K[:, :, 1] @ X[:, 1:]
    return H.max(axis=1)
"""

BI_PADDED = """\
import numpy as np


def bigram_features(tokens, vocab, K):
    K = np.asarray(K, dtype=float)
    X = np.zeros((len(vocab), len(tokens) + 1))         # a zero column so every token starts a pair
    for t, token in enumerate(tokens):
        X[vocab.index(token), t] = 1.0
    T = len(tokens)
    H = K[:, :, 0] @ X[:, :T] + K[:, :, 1] @ X[:, 1:]
    return H.max(axis=1)
"""

BI_NOT_POOLED = """\
import numpy as np


def bigram_features(tokens, vocab, K):
    K = np.asarray(K, dtype=float)
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        X[vocab.index(token), t] = 1.0
    T = len(tokens) - 1
    return K[:, :, 0] @ X[:, :T] + K[:, :, 1] @ X[:, 1:]
"""

BI_SORTED_VOCAB = """\
import numpy as np


def bigram_features(tokens, vocab, K):
    words = sorted(vocab)
    K = np.asarray(K, dtype=float)
    X = np.zeros((len(words), len(tokens)))
    for t, token in enumerate(tokens):
        X[words.index(token), t] = 1.0
    T = len(tokens) - 1
    H = K[:, :, 0] @ X[:, :T] + K[:, :, 1] @ X[:, 1:]
    return H.max(axis=1)
"""

BI_SCIPY = """\
import numpy as np
from scipy import signal


def bigram_features(tokens, vocab, K):
    K = np.asarray(K, dtype=float)
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        X[vocab.index(token), t] = 1.0
    H = np.stack([signal.correlate(X, K[d], mode="valid")[0] for d in range(K.shape[0])])
    return H.max(axis=1)
"""

BI_NP_CONVOLVE = """\
import numpy as np


def bigram_features(tokens, vocab, K):
    K = np.asarray(K, dtype=float)
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        X[vocab.index(token), t] = 1.0
    H = np.zeros((K.shape[0], len(tokens) - 1))
    for d in range(K.shape[0]):
        for v in range(len(vocab)):
            H[d] += np.convolve(X[v], K[d, v, ::-1], mode="valid")
    return H.max(axis=1)
"""

BI_MAX_FROM_ZERO = """\
import numpy as np


def bigram_features(tokens, vocab, K):
    K = np.asarray(K, dtype=float)
    rows = [vocab.index(t) for t in tokens]
    best = np.zeros(K.shape[0])
    for t in range(len(tokens) - 1):
        best = np.maximum(best, K[:, rows[t], 0] + K[:, rows[t + 1], 1])
    return best
"""

BI_LAST_WINDOW_MISSING = """\
import numpy as np


def bigram_features(tokens, vocab, K):
    K = np.asarray(K, dtype=float)
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        X[vocab.index(token), t] = 1.0
    T = len(tokens)
    H = np.zeros((K.shape[0], T - 2))
    for t in range(T - 2):
        H[:, t] = K[:, :, 0] @ X[:, t] + K[:, :, 1] @ X[:, t + 1]
    return H.max(axis=1)
"""

BI_LOOPS = """\
import numpy as np


def bigram_features(tokens, vocab, K):
    K = np.asarray(K, dtype=float)
    D = K.shape[0]
    best = np.full(D, -np.inf)
    for t in range(len(tokens) - 1):
        for d in range(D):
            score = K[d, vocab.index(tokens[t]), 0] + K[d, vocab.index(tokens[t + 1]), 1]
            best[d] = max(best[d], score)
    return best
"""

BI_SLIDING_WINDOW = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def bigram_features(tokens, vocab, K):
    K = np.asarray(K, dtype=float)
    X = np.zeros((len(vocab), len(tokens)))
    X[[vocab.index(t) for t in tokens], np.arange(len(tokens))] = 1.0
    windows = sliding_window_view(X, K.shape[2], axis=1)           # (V, T-1, 2)
    H = np.einsum("vtk,dvk->dt", windows, K)
    return H.max(axis=1)
"""

BI_FFT = """\
import numpy as np


def bigram_features(tokens, vocab, K):
    K = np.asarray(K, dtype=float)
    X = np.zeros((len(vocab), len(tokens)))
    for t, token in enumerate(tokens):
        X[vocab.index(token), t] = 1.0
    T, k = X.shape[1], K.shape[2]
    n = T + k - 1
    # correlation = convolution with the flipped kernel, summed over the vocabulary channels
    spectrum = np.fft.rfft(X, n)[None] * np.fft.rfft(K[:, :, ::-1], n)
    full = np.fft.irfft(spectrum.sum(axis=1), n)
    return full[:, k - 1:T].max(axis=1)
"""

BI_FLOAT32_LOOKUP = """\
import numpy as np


def bigram_features(tokens, vocab, K):
    K = np.asarray(K, dtype=np.float32)
    idx = np.array([vocab.index(t) for t in tokens])
    # with one-hot input the convolution just looks up one weight per word and tap
    H = K[:, idx[:-1], 0] + K[:, idx[1:], 1]
    return H.max(axis=1)
"""

# == layers_to_connect ======================================================================

LC_OFF_BY_ONE = """\
import math


def layers_to_connect(distance, kernel_size):
    if kernel_size < 2:
        raise ValueError("kernel_size must be at least 2")
    return max(0, math.ceil((distance - 1) / (kernel_size - 1)))
"""

LC_GROWTH_K = """\
import math


def layers_to_connect(distance, kernel_size):
    if kernel_size < 2:
        raise ValueError("kernel_size must be at least 2")
    return math.ceil(distance / kernel_size)
"""

LC_NO_OVERLAP = """\
import math


def layers_to_connect(distance, kernel_size):
    if kernel_size < 2:
        raise ValueError("kernel_size must be at least 2")
    return math.ceil((distance + 1) / kernel_size)
"""

LC_FLOOR = """\
def layers_to_connect(distance, kernel_size):
    if kernel_size < 2:
        raise ValueError("kernel_size must be at least 2")
    return distance // (kernel_size - 1)
"""

LC_DELTA_GROWTH = """\
import math


def layers_to_connect(distance, kernel_size):
    if kernel_size < 2:
        raise ValueError("kernel_size must be at least 2")
    delta = kernel_size // 2
    return math.ceil(distance / delta)
"""

LC_DIVIDES_BY_ZERO = """\
import math


def layers_to_connect(distance, kernel_size):
    return math.ceil(distance / (kernel_size - 1))
"""

LC_MATH_CEIL = """\
import math


def layers_to_connect(distance, kernel_size):
    if kernel_size <= 1:
        raise ValueError("a width-1 kernel never widens the receptive field")
    return math.ceil(distance / (kernel_size - 1))
"""

LC_NO_ERROR_AT_ZERO = """\
def layers_to_connect(distance, kernel_size):
    if kernel_size == 1 and distance > 0:
        raise ValueError("no number of width-1 layers is enough")
    layers, field = 0, 1
    while field < distance + 1:
        layers += 1
        field = 1 + layers * (kernel_size - 1)
    return layers
"""

LC_ONLY_WIDTH_ONE = """\
def layers_to_connect(distance, kernel_size):
    if kernel_size == 1:
        raise ValueError("a width-1 kernel never widens the receptive field")
    return -(-distance // (kernel_size - 1))
"""

LC_FIELD_EXCEEDS = """\
def layers_to_connect(distance, kernel_size):
    if kernel_size < 2:
        raise ValueError("kernel_size must be at least 2")
    layers, field = 0, 1
    while field <= distance + 1:
        layers += 1
        field += kernel_size - 1
    return layers
"""

LC_FLOAT_WHEN_EXACT = """\
def layers_to_connect(distance, kernel_size):
    if kernel_size < 2:
        raise ValueError("kernel_size must be at least 2")
    layers = distance / (kernel_size - 1)
    if layers == int(layers):
        return layers                  # already a whole number of layers
    return int(layers) + 1
"""

LC_LOOP = """\
def layers_to_connect(distance, kernel_size):
    if kernel_size < 2:
        raise ValueError("no number of width-1 layers is enough")
    layers, field = 0, 1
    while field < distance + 1:
        layers += 1
        field = 1 + layers * (kernel_size - 1)
    return layers
"""

LC_FLOOR_DIVISION = """\
def layers_to_connect(distance, kernel_size):
    if kernel_size < 2:
        raise ValueError("kernel_size must be at least 2")
    # ceil(d / (k - 1)) in exact integers: add k - 2 before the floor division
    return (distance + kernel_size - 2) // (kernel_size - 1)
"""

LC_NUMPY = """\
import numpy as np


def layers_to_connect(distance, kernel_size):
    if kernel_size < 2:
        raise ValueError("kernel_size must be at least 2")
    return np.ceil(np.float32(distance) / np.float32(kernel_size - 1))
"""

# == broken_assumptions =====================================================================

BA_MISSES_FIXED_SIZE = """\
def broken_assumptions():
    return {"A", "D", "E", "G"}
"""

BA_SHARING_BREAKS = """\
def broken_assumptions():
    return {"A", "C", "D", "E", "F", "G"}
"""

BA_ONLY_LOCALITY = """\
def broken_assumptions():
    return {"A", "D"}
"""

BA_EVERYTHING = """\
def broken_assumptions():
    return set("ABCDEFGH")
"""

BA_DESCRIPTIONS = """\
def broken_assumptions():
    return {"locality", "translation invariance", "continuous values"}
"""

BA_NUMBERS = """\
def broken_assumptions():
    return {1, 4, 5, 6, 7}
"""

BA_NOTHING_BREAKS = """\
def broken_assumptions():
    return set()
"""

BA_COMPLEMENT = """\
def broken_assumptions():
    return {"B", "C", "H"}
"""

BA_SET = """\
def broken_assumptions():
    return {"G", "F", "E", "D", "A"}
"""

BA_LIST_LOWER = """\
def broken_assumptions():
    return ["a", "d", "e", "f", "g"]
"""

BA_FROZENSET = """\
def broken_assumptions():
    answer = set()
    for letter, breaks in zip("ABCDEFGH", [1, 0, 0, 1, 1, 1, 1, 0]):
        if breaks:
            answer.add(letter)
    return frozenset(answer)
"""

# == the tables =============================================================================

SHORTCUT = "library convolution"        # every catalogue's message for a library shortcut
SORTED = "not sorted order"
TRUNCATED = "truncated to integers"
MISSING = "missing_value_error"
REPEATED = "repeated words"
BA_GROUPS = ("locality", "position", "representation", "size and structure")
ONE_HOT_VALUES = ("values", "'The' and 'the'")
SQ_ALL = ("values", "one-hot text")
NG_VALUES = ("values", REPEATED)
BAG_ALL = ("values", REPEATED)
BI_ALL = ("values", "two tokens (one window)")

WRONG = {
    "one_hot": {
        "transposed": Mistake(OH_TRANSPOSED, "the array is transposed", "one_hot_transposed",
                              ONE_HOT_VALUES),
        "sorted_vocab": Mistake(OH_SORTED_VOCAB, SORTED, "vocabulary_sorted", ONE_HOT_VALUES),
        "key_error": Mistake(OH_KEY_ERROR, "it raised KeyError", MISSING, ("ValueError",)),
        "zero_column": Mistake(OH_ZERO_COLUMN, "must raise ValueError on a token that is not in "
                               "the vocabulary", MISSING, ("ValueError",)),
        "lowercased": Mistake(OH_LOWERCASED, "matched exactly as written", "case_folded",
                              ("'The' and 'the'",)),
        "counts": Mistake(OH_COUNTS, "these are word counts", "word_counts", ONE_HOT_VALUES),
        "indices": Mistake(OH_INDICES, "these are word indices", "word_indices", ONE_HOT_VALUES),
        "first_column_only": Mistake(OH_FIRST_COLUMN, "a 1 in EVERY column where it occurs",
                                     "repeated_token_once", ONE_HOT_VALUES),
    },
    "sq_distances": {
        "euclidean": Mistake(SQ_EUCLIDEAN, "return SQUARED distances", "square_root_taken", SQ_ALL),
        "rows": Mistake(SQ_ROWS, "compare the COLUMNS", "distances_between_rows", SQ_ALL),
        "absolute": Mistake(SQ_ABSOLUTE, "the sum of |differences|", "absolute_differences",
                            ("values",)),
        "not_squared": Mistake(SQ_NOT_SQUARED, "square each difference before summing",
                               "differences_not_squared", SQ_ALL),
        "int_dtype": Mistake(SQ_INT_DTYPE, TRUNCATED, "truncated_to_integers", ("values",)),
        "one_hot_only": Mistake(SQ_ONE_HOT_ONLY, "holds only for one-hot columns",
                                "assumes_one_hot", ("values",)),
        "squared_after_sum": Mistake(SQ_SQUARED_AFTER_SUM, "squaring the summed differences",
                                     "squared_after_sum", SQ_ALL),
        "cross_term_once": Mistake(SQ_CROSS_TERM_ONCE, "subtract TWICE the dot product",
                                   "cross_term_once", SQ_ALL),
    },
    "ngram_kernel": {
        "reversed": Mistake(NG_REVERSED, "the n-gram is reversed", "ngram_reversed", NG_VALUES),
        "n_by_v": Mistake(NG_N_BY_V, "the kernel has three axes", "kernel_two_axes", NG_VALUES),
        "no_output_axis": Mistake(NG_NO_OUTPUT_AXIS, "the kernel has three axes",
                                  "kernel_two_axes", NG_VALUES),
        "positions_first": Mistake(NG_POSITIONS_FIRST, "the axes are in the wrong order",
                                   "kernel_axes_order", NG_VALUES),
        "sorted_vocab": Mistake(NG_SORTED_VOCAB, SORTED, "vocabulary_sorted", NG_VALUES),
        "bag_of_words": Mistake(NG_BAG_OF_WORDS, "not every word of it", "every_word_every_tap",
                                NG_VALUES),
        "skips_unknown": Mistake(NG_SKIPS_UNKNOWN, "must raise ValueError on an n-gram with a "
                                 "word that is not in the vocabulary", MISSING, ("ValueError",)),
        "key_error": Mistake(NG_KEY_ERROR, "it raised KeyError", MISSING, ("ValueError",)),
        "first_tap": Mistake(NG_FIRST_TAP, "needs a 1 at each of its taps",
                             "repeated_word_first_tap", (REPEATED,)),
    },
    "bag_features": {
        "mean": Mistake(BAG_MEAN, "this is their mean", "mean_pooling", BAG_ALL),
        "max": Mistake(BAG_MAX, "this takes their maximum", "max_pooling", BAG_ALL),
        "not_pooled": Mistake(BAG_NOT_POOLED, "the feature map is not pooled", "not_pooled",
                              BAG_ALL),
        "flattened": Mistake(BAG_FLATTENED, "flattened, which keeps the word order", "flattened",
                             BAG_ALL),
        "last_position": Mistake(BAG_LAST_POSITION, "only the last position's features",
                                 "last_position_only", BAG_ALL),
        "distinct_words": Mistake(BAG_DISTINCT_WORDS, "once per occurrence",
                                  "repeated_word_counted_once", (REPEATED,)),
        "sorted_vocab": Mistake(BAG_SORTED_VOCAB, SORTED, "vocabulary_sorted", BAG_ALL),
        "np_correlate": Mistake(BAG_NP_CORRELATE, SHORTCUT, LIBRARY, BAG_ALL),
    },
    "bigram_features": {
        "sum_pooling": Mistake(BI_SUM, "use global MAX pooling", "sum_pooling", ("values",)),
        "mean_pooling": Mistake(BI_MEAN, "the mean over the positions", "mean_pooling",
                                ("values",)),
        "flipped": Mistake(BI_FLIPPED, "the kernel is flipped", "kernel_flipped", BI_ALL),
        "padded": Mistake(BI_PADDED, "padded with a zero column", "zero_padded", BI_ALL),
        "not_pooled": Mistake(BI_NOT_POOLED, "the feature map is not pooled", "not_pooled",
                              BI_ALL),
        "sorted_vocab": Mistake(BI_SORTED_VOCAB, SORTED, "vocabulary_sorted", BI_ALL),
        "scipy_signal": Mistake(BI_SCIPY, SHORTCUT, LIBRARY, BI_ALL),
        "np_convolve": Mistake(BI_NP_CONVOLVE, SHORTCUT, LIBRARY, BI_ALL),
        "max_from_zero": Mistake(BI_MAX_FROM_ZERO, "a negative maximum", "max_from_zero", BI_ALL),
        "last_window_missing": Mistake(BI_LAST_WINDOW_MISSING, "the last pair of words is "
                                       "missing", "last_window_missing", BI_ALL),
    },
    "layers_to_connect": {
        "off_by_one": Mistake(LC_OFF_BY_ONE, "distance + 1 tokens", "field_covers_distance",
                              ("values",)),
        "growth_k": Mistake(LC_GROWTH_K, "not by kernel_size", "growth_by_kernel_size",
                            ("values",)),
        "no_overlap": Mistake(LC_NO_OVERLAP, "not L * kernel_size", "field_without_overlap",
                              ("values",)),
        "floor": Mistake(LC_FLOOR, "round up", "rounded_down", ("values",)),
        "delta_growth": Mistake(LC_DELTA_GROWTH, "Delta on each side", "growth_by_delta",
                                ("values",)),
        "field_exceeds": Mistake(LC_FIELD_EXCEEDS, "not exceed it", "field_exceeds_distance",
                                 ("values",)),
        "divides_by_zero": Mistake(LC_DIVIDES_BY_ZERO, "it raised ZeroDivisionError", MISSING,
                                   ("ValueError",)),
        "no_error_at_distance_0": Mistake(LC_NO_ERROR_AT_ZERO, "must raise ValueError on "
                                          "kernel_size 1 and distance 0", MISSING,
                                          ("ValueError",)),
        "only_width_1_raises": Mistake(LC_ONLY_WIDTH_ONE, "must raise ValueError on kernel_size 0",
                                       MISSING, ("ValueError",)),
        "numpy_float32": Mistake(LC_NUMPY, "not a numpy number", "numpy_number", ("Python int",)),
        "float_when_exact": Mistake(LC_FLOAT_WHEN_EXACT, "not a float", "float_count",
                                    ("Python int",)),
    },
    "broken_assumptions": {
        "misses_fixed_size": Mistake(BA_MISSES_FIXED_SIZE, "the statements about size and "
                                     "structure", "topic_size_and_structure",
                                     ("size and structure",)),
        "sharing_breaks": Mistake(BA_SHARING_BREAKS, "the statements about position",
                                  "topic_position", ("position",)),
        "only_locality": Mistake(BA_ONLY_LOCALITY, "how the input is represented",
                                 "topic_representation", ("representation", "size and structure")),
        "everything": Mistake(BA_EVERYTHING, "the statements about locality", "topic_locality",
                              ("locality", "position", "representation")),
        "nothing_breaks": Mistake(BA_NOTHING_BREAKS, "the statements about locality",
                                  "topic_locality", BA_GROUPS),
        "complement": Mistake(BA_COMPLEMENT, "the statements about locality", "topic_locality",
                              BA_GROUPS),
        "descriptions": Mistake(BA_DESCRIPTIONS, "a set of option letters", "not_option_letters",
                                BA_GROUPS),
        "numbers": Mistake(BA_NUMBERS, "a set of option letters", "not_option_letters",
                           BA_GROUPS),
    },
}

CORRECT = {
    "one_hot": {
        "loops": OH_LOOPS,
        "eye_rows_float32": OH_EYE_ROWS,
        "broadcast_compare": OH_BROADCAST_COMPARE,
    },
    "sq_distances": {
        "loops": SQ_LOOPS,
        "gram_float32": SQ_GRAM_FLOAT32,
        "scipy_cdist": SQ_SCIPY_CDIST,
    },
    "ngram_kernel": {
        "loops": NG_LOOPS,
        "eye_columns": NG_EYE_COLUMNS,
        "compare": NG_COMPARE,
    },
    "bag_features": {
        "einsum": BAG_EINSUM,
        "counts": BAG_COUNTS,
        "column_loop": BAG_COLUMN_LOOP,
        "float32_tensordot": BAG_FLOAT32,
    },
    "bigram_features": {
        "loops": BI_LOOPS,
        "sliding_window": BI_SLIDING_WINDOW,
        "fft": BI_FFT,
        "float32_lookup": BI_FLOAT32_LOOKUP,
    },
    "layers_to_connect": {
        "math_ceil": LC_MATH_CEIL,
        "loop": LC_LOOP,
        "floor_division": LC_FLOOR_DIVISION,
    },
    "broken_assumptions": {
        "set": BA_SET,
        "list_lower": BA_LIST_LOWER,
        "frozenset_loop": BA_FROZENSET,
    },
}
