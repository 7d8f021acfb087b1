"""Measured bias: in the word vectors, in the model's outputs, in the data.

Three measurements, each comparing two groups of words (for example male and
female terms) given in a YAML file (workflow/resources/bias_terms.yaml):

- `embedding_association`: the WEAT effect size of Caliskan et al. (2017):
  how much closer, in cosine similarity, one group's vectors are to pleasant
  than to unpleasant words, compared with the other group's, in units of the
  pooled standard deviation; with a one-sided permutation p-value.
- `template_scores`: the trained model's positive probability for neutral
  sentences that differ only in the group word ("{} gave a speech today").
- `representation`: how many training reviews mention each group, and the
  share of those that are positive.

These are measurements, not verdicts: an effect size near 0 and equal template
scores are what an unbiased model would show on these particular word lists.
"""

import logging

import numpy as np
import pandas as pd

from . import text as textlib
from . import vocab as vocablib
from .errors import InputError

log = logging.getLogger(__name__)

PERMUTATIONS = 10_000


def check_terms(terms, name="bias_terms.yaml"):
    """Refuse a word-list file of the wrong shape, naming the key at fault."""

    def word_list(value, where):
        if (
            not isinstance(value, list)
            or len(value) < 2
            or not all(isinstance(w, str) and w for w in value)
        ):
            raise InputError(
                f"{name}: {where} must be a list of at least two words, got {value!r}"
            )

    if not isinstance(terms, dict):
        raise InputError(
            f"{name}: expected a mapping with attributes, comparisons "
            f"and templates, got {type(terms).__name__}"
        )
    for key in ("attributes", "comparisons", "templates"):
        if key not in terms:
            raise InputError(f"{name}: missing {key!r}")
    attributes = terms["attributes"]
    if not isinstance(attributes, dict):
        raise InputError(f"{name}: attributes must be a mapping")
    for key in ("pleasant", "unpleasant"):
        word_list(attributes.get(key), f"attributes.{key}")
    if not isinstance(terms["comparisons"], dict) or not terms["comparisons"]:
        raise InputError(f"{name}: comparisons must be a mapping of named comparisons")
    for comparison, groups in terms["comparisons"].items():
        if not isinstance(groups, dict) or len(groups) != 2:
            raise InputError(
                f"{name}: comparisons.{comparison} must name exactly two "
                f"groups, got {groups!r}"
            )
        for group, words in groups.items():
            word_list(words, f"comparisons.{comparison}.{group}")
    templates = terms["templates"]
    if not isinstance(templates, list) or not templates:
        raise InputError(f"{name}: templates must be a list of sentences")
    for template in templates:
        if (
            not isinstance(template, str)
            or template.count("{}") != 1
            or (
                template.replace("{}", "").count("{")
                + template.replace("{}", "").count("}")
            )
        ):
            raise InputError(
                f"{name}: template {template!r} must hold exactly one "
                "{} and no other braces"
            )
    return terms


def _unit_rows(lookup, vectors, words):
    """Unit vectors of the words found, and the words missing."""
    found = [w for w in words if w in lookup]
    missing = [w for w in words if w not in lookup]
    rows = np.asarray(vectors[[lookup[w] for w in found]], dtype=np.float64)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1, norms), missing


def weat(lookup, vectors, x_words, y_words, a_words, b_words, seed=0):
    """WEAT effect size and permutation p-value of targets X, Y on attributes A, B.

    s(w) = mean_a cos(w, a) - mean_b cos(w, b);
    d = (mean_X s - mean_Y s) / std_{X u Y} s  (Caliskan et al., 2017, eq. 1-2).
    The p-value is the share of random equal-size re-partitions of X u Y whose
    difference of summed s is at least the observed one, the observed partition
    counted among them, so that it is never 0 (Phipson and Smyth, 2010): with
    10,000 permutations the smallest p-value is 1/10,001.
    """
    X, miss_x = _unit_rows(lookup, vectors, x_words)
    Y, miss_y = _unit_rows(lookup, vectors, y_words)
    A, miss_a = _unit_rows(lookup, vectors, a_words)
    B, miss_b = _unit_rows(lookup, vectors, b_words)
    out = {
        "n_x": len(X),
        "n_y": len(Y),
        "missing": " ".join(miss_x + miss_y + miss_a + miss_b),
    }
    if min(len(X), len(Y), len(A), len(B)) < 2:
        return {**out, "effect_size": np.nan, "p_value": np.nan}
    s = np.concatenate([X, Y]) @ A.T
    s = s.mean(axis=1) - (np.concatenate([X, Y]) @ B.T).mean(axis=1)  # s(w) per target
    sx, sy = s[: len(X)], s[len(X) :]
    spread = s.std(ddof=1)
    effect = (sx.mean() - sy.mean()) / spread if spread > 0 else np.nan
    observed = sx.sum() - sy.sum()
    rng = np.random.default_rng(seed)
    in_x = np.argsort(rng.random((PERMUTATIONS, len(s))), axis=1)[:, : len(X)]
    totals = s[in_x].sum(axis=1)
    permuted = totals - (s.sum() - totals)
    p_value = (int((permuted >= observed).sum()) + 1) / (PERMUTATIONS + 1)
    return {**out, "effect_size": float(effect), "p_value": p_value}


def embedding_association(terms, vector_sets):
    """One row per comparison and vector set ({name: (words, vectors)})."""
    attrs = terms["attributes"]
    rows = []
    for name, (words, vectors) in vector_sets.items():
        lookup = {w: i for i, w in enumerate(words)}
        for comparison, groups in terms["comparisons"].items():
            (gx, x_words), (gy, y_words) = groups.items()
            result = weat(
                lookup,
                vectors,
                x_words,
                y_words,
                attrs["pleasant"],
                attrs["unpleasant"],
            )
            rows.append(
                {
                    "comparison": comparison,
                    "vectors": name,
                    "group_x": gx,
                    "group_y": gy,
                    **result,
                }
            )
    return pd.DataFrame(rows)


def template_sentences(terms):
    """(comparison, group, word, sentence) for every template and group word."""
    for comparison, groups in terms["comparisons"].items():
        for group, words in groups.items():
            for word in words:
                for template in terms["templates"]:
                    yield comparison, group, word, template.format(word)


def template_scores(terms, score_texts, known_words):
    """Mean positive probability per group; `score_texts(list of str) -> array`.

    A group word outside the model's vocabulary reads as UNK, so all such
    words give the same sentence: `known_words` counts those the model knows.
    Returns (per-group table, per-sentence table).
    """
    sentences = pd.DataFrame(
        template_sentences(terms), columns=["comparison", "group", "word", "sentence"]
    )
    sentences["word_in_vocabulary"] = sentences["word"].isin(known_words)
    sentences["positive_probability"] = score_texts(sentences["sentence"].tolist())
    groups = (
        sentences.groupby(["comparison", "group"], sort=False)
        .agg(
            mean_probability=("positive_probability", "mean"),
            std=("positive_probability", "std"),
            n_sentences=("sentence", "size"),
            share_of_words_in_vocabulary=("word_in_vocabulary", "mean"),
        )
        .reset_index()
    )
    first = groups.groupby("comparison", sort=False)["mean_probability"].transform(
        "first"
    )
    groups["gap_to_first_group"] = groups["mean_probability"] - first
    return groups, sentences


def representation(token_strings, labels, terms):
    """Training reviews mentioning each group's words, and their positive share."""
    token_sets = [set(t.split()) for t in token_strings]
    labels = np.asarray(labels)
    rows = []
    for comparison, groups in terms["comparisons"].items():
        for group, words in groups.items():
            words = set(words)
            mentions = np.array([not words.isdisjoint(t) for t in token_sets])
            rows.append(
                {
                    "comparison": comparison,
                    "group": group,
                    "reviews_mentioning": int(mentions.sum()),
                    "share_of_reviews": float(mentions.mean())
                    if len(mentions)
                    else np.nan,
                    "positive_share": float(labels[mentions].mean())
                    if mentions.any()
                    else np.nan,
                }
            )
    return pd.DataFrame(rows)


def text_scorer(params, spec, index, stopwords, xp):
    """A function scoring raw sentences with the model, as the pipeline would."""
    from .train import predict_or_nan

    def score_texts(texts):
        tokens = [" ".join(textlib.clean(t, stopwords)) for t in texts]
        sequences, _ = vocablib.encode(tokens, index)
        return predict_or_nan(xp, params, spec, sequences)

    return score_texts
