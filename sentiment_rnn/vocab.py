"""Vocabulary, token encoding and the embedding matrix.

Index 0 is padding (PAD) and index 1 stands for every word outside the
vocabulary (UNK); no word takes either. Tokens are lowercase letters and digits
(see `text.tokenize`), so the names "<pad>" and "<unk>" cannot collide.
"""

import collections
import logging
import zlib

import numpy as np
import pandas as pd

from .errors import InputError

log = logging.getLogger(__name__)

PAD, UNK = 0, 1
SPECIALS = ("<pad>", "<unk>")


def build_vocabulary(token_strings, min_count=1, max_size=None):
    """Table of (index, word, count), most frequent first, ties alphabetical.

    `max_size` counts the two reserved entries; words seen fewer than
    `min_count` times are left out.
    """
    counts = collections.Counter()
    for tokens in token_strings:
        counts.update(tokens.split())
    ranked = sorted(
        ((w, c) for w, c in counts.items() if c >= min_count),
        key=lambda wc: (-wc[1], wc[0]),
    )
    if max_size is not None:
        ranked = ranked[: max(0, max_size - len(SPECIALS))]
    words = list(SPECIALS) + [w for w, _ in ranked]
    freq = [0, 0] + [c for _, c in ranked]
    log.info(
        "vocabulary: %d words kept of %d distinct (min_count=%d, max_size=%s)",
        len(ranked),
        len(counts),
        min_count,
        max_size,
    )
    return pd.DataFrame({"index": np.arange(len(words)), "word": words, "count": freq})


def word_index(vocab):
    """Mapping word -> index of a vocabulary table, checked for its layout."""
    words = vocab["word"].tolist()
    if words[: len(SPECIALS)] != list(SPECIALS):
        raise InputError(
            f"vocabulary: the first entries must be {list(SPECIALS)}, found {words[:2]}"
        )
    return {w: i for i, w in enumerate(words)}


def encode(token_strings, index, max_tokens=None, keep="first"):
    """Token id arrays (int32) and the number of unknown tokens in each text.

    Texts longer than `max_tokens` keep their first or last `max_tokens`
    tokens (`keep`), counted in tokens, never characters.
    """
    ids, unknown = [], []
    for tokens in token_strings:
        words = tokens.split()
        if max_tokens is not None and len(words) > max_tokens:
            words = words[:max_tokens] if keep == "first" else words[-max_tokens:]
        row = np.fromiter(
            (index.get(w, UNK) for w in words), dtype=np.int32, count=len(words)
        )
        ids.append(row)
        unknown.append(int(np.count_nonzero(row == UNK)))
    return ids, np.array(unknown, dtype=np.int64)


def oov_vector(word, dim, seed, scale):
    """A small zero-centred vector fixed by the word and the seed alone."""
    rng = np.random.default_rng([seed, zlib.crc32(word.encode("utf-8"))])
    return rng.normal(0.0, scale, size=dim).astype(np.float32)


def embedding_matrix(vocab, glove_words, glove_vectors, seed, oov_scale):
    """Rows from GloVe; vocabulary words not in GloVe get `oov_vector`.

    PAD is all zeros; UNK is `oov_vector("<unk>")`. Returns the (V, D) float32
    matrix and the coverage: shares of vocabulary entries and of training
    tokens found in GloVe.
    """
    lookup = {w: i for i, w in enumerate(glove_words)}
    dim = glove_vectors.shape[1]
    words = vocab["word"].tolist()
    matrix = np.zeros((len(words), dim), dtype=np.float32)
    found = np.zeros(len(words), dtype=bool)
    for i, word in enumerate(words[1:], start=1):
        j = lookup.get(word)
        if j is not None and i != UNK:
            matrix[i] = glove_vectors[j]
            found[i] = True
        else:
            matrix[i] = oov_vector(word, dim, seed, oov_scale)
    counts = vocab["count"].to_numpy()
    real = np.arange(len(words)) >= len(SPECIALS)
    coverage = {
        "vocabulary_size": int(real.sum()),
        "words_found": int(found[real].sum()),
        "vocabulary_share": float(found[real].mean()) if real.any() else 0.0,
        "token_share": float(counts[found].sum() / max(counts[real].sum(), 1)),
        "embedding_dim": int(dim),
    }
    log.info(
        "embedding coverage: %.1f%% of %d vocabulary words, %.1f%% of training tokens",
        100 * coverage["vocabulary_share"],
        coverage["vocabulary_size"],
        100 * coverage["token_share"],
    )
    return matrix, coverage


def read_vocabulary(path):
    """A vocabulary table written as TSV (columns index, word, count).

    Read with no NA parsing, so that words such as "nan" or "null" stay words.
    """
    table = pd.read_csv(
        path,
        sep="\t",
        keep_default_na=False,
        quoting=3,
        dtype={"word": str},
        encoding="utf-8",
    )
    word_index(table)  # checks the reserved entries
    return table


def check_dim(found, expected, source):
    """The vectors' width must equal `embedding_dim` when that is set."""
    if expected is not None and found != expected:
        raise InputError(
            f"{source} has {found} values per word but embedding_dim is {expected}"
        )
