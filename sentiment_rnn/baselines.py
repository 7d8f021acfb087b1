"""What a user would pick instead of a recurrent network, on the same split:
TF-IDF features with logistic regression (scikit-learn), and the VADER
sentiment lexicon (Hutto & Gilbert, 2014), which needs no training.

Both read the cleaned reviews whole (no cut at max_len) and give every
validation and test review a probability of "positive", so that they are
compared with the network on the same figures.
"""

import logging
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .errors import InputError

log = logging.getLogger(__name__)


def tfidf_logistic(train, valid, test, c_values, ngrams=2, min_df=2):
    """TF-IDF of word uni- to `ngrams`-grams (sublinear term frequency) and
    L2-regularised logistic regression, its inverse regularisation strength
    chosen from `c_values` on validation accuracy (the first on a tie).

    Each of train, valid, test is (texts, labels). Returns (probabilities of
    valid, of test, details: chosen C, validation accuracy per C, seconds).
    """
    started = time.perf_counter()
    if min_df > len(train[0]):
        raise InputError(
            f"baselines.tfidf_min_df: {min_df} is more than the {len(train[0])} "
            "training reviews; no n-gram can occur in that many"
        )
    vectorizer = TfidfVectorizer(
        ngram_range=(1, ngrams),
        min_df=min_df,
        sublinear_tf=True,
        token_pattern=r"\S+",  # the cleaned text is already split into tokens
        dtype=np.float32,
    )
    try:
        x_train = vectorizer.fit_transform(train[0])
    except ValueError as err:  # no n-gram left after min_df
        raise InputError(
            f"baselines.tfidf_min_df: {min_df} leaves no n-gram in the "
            f"{len(train[0])} training reviews ({err})"
        ) from None
    x_test = vectorizer.transform(test[0])
    x_valid = vectorizer.transform(valid[0]) if len(valid[1]) else None
    log.info(
        "tf-idf: %d features from %d training texts", x_train.shape[1], x_train.shape[0]
    )
    fitted, scores = [], {}
    for c in c_values:
        model = LogisticRegression(C=c, solver="liblinear", max_iter=1000)
        model.fit(x_train, train[1])
        fitted.append(model)
        scores[c] = (
            float(np.mean(model.predict(x_valid) == valid[1]))
            if x_valid is not None
            else np.nan
        )
        log.info(
            "tf-idf logistic regression, C=%g: validation accuracy %.4f", c, scores[c]
        )
    accuracies = np.array([scores[c] for c in c_values])
    best = 0 if np.isnan(accuracies).all() else int(np.nanargmax(accuracies))
    model = fitted[best]
    if x_valid is None:
        log.warning("no validation reviews: TF-IDF keeps the first C, %g", c_values[0])
    p_valid = (
        model.predict_proba(x_valid)[:, 1] if x_valid is not None else np.array([])
    )
    details = {
        "C": c_values[best],
        "valid_accuracy_by_C": {
            str(c): None if np.isnan(a) else a for c, a in scores.items()
        },
        "features": int(x_train.shape[1]),
        "train_seconds": time.perf_counter() - started,
    }
    return p_valid, model.predict_proba(x_test)[:, 1], details


def lexicon_probabilities(texts):
    """VADER's compound score of each text, in [-1, 1], mapped to [0, 1]:
    a text is called positive when its compound score is at least 0."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyser = SentimentIntensityAnalyzer()
    compound = np.array([analyser.polarity_scores(t)["compound"] for t in texts])
    return (compound + 1) / 2
