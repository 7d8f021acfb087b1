"""Figures beyond accuracy for every model's test probabilities: ROC AUC and
F1 (`metrics`), calibration (expected calibration error and the bins of a
reliability diagram), accuracy by review length, and whether two models'
accuracies differ by more than chance (McNemar's test)."""

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from .metrics import classification_metrics

# Bands of review length in tokens (after cleaning, before any cut).
LENGTH_EDGES = (0, 100, 200, 300, 500, 1000, np.inf)


def calibration_bins(labels, probabilities, bins=10):
    """Equal-width bins of the predicted probability of "positive": for each,
    the number of reviews, their mean probability and their share of
    positive labels. A calibrated model's share equals its mean probability."""
    labels = np.asarray(labels, dtype=float)
    p = np.asarray(probabilities, dtype=float)
    index = np.minimum((p * bins).astype(int), bins - 1)  # p = 1 in the last bin
    rows = []
    for b in range(bins):
        inside = index == b
        n = int(inside.sum())
        rows.append(
            {
                "bin_low": b / bins,
                "bin_high": (b + 1) / bins,
                "n": n,
                "mean_probability": float(p[inside].mean()) if n else np.nan,
                "share_positive": float(labels[inside].mean()) if n else np.nan,
            }
        )
    return pd.DataFrame(rows)


def expected_calibration_error(labels, probabilities, bins=10):
    """ECE: the mean over reviews of |share positive - mean probability| of
    their bin (Naeini et al., 2015), on the probability of "positive"."""
    table = calibration_bins(labels, probabilities, bins)
    used = table[table["n"] > 0]
    gaps = (used["share_positive"] - used["mean_probability"]).abs()
    return float((gaps * used["n"]).sum() / used["n"].sum())


def length_band(n_tokens):
    """The label of each length's band, such as "100-199" or "1000+"."""
    edges = LENGTH_EDGES
    labels = [
        f"{int(a)}+" if b == np.inf else f"{int(a)}-{int(b) - 1}"
        for a, b in zip(edges[:-1], edges[1:])
    ]
    return pd.cut(np.asarray(n_tokens), bins=list(edges), right=False, labels=labels)


def accuracy_by_length(predictions):
    """Accuracy and count of each model per band of review length, from a
    table with columns model, label, probability, n_tokens."""
    frame = predictions.assign(
        length_band=length_band(predictions["n_tokens"]),
        correct=(predictions["probability"] >= 0.5) == (predictions["label"] == 1),
    )
    table = (
        frame.groupby(["model", "length_band"], sort=False, observed=True)["correct"]
        .agg(accuracy="mean", n="size")
        .reset_index()
    )
    order = list(frame["model"].drop_duplicates())
    table["order"] = table["model"].map(order.index)
    table = table.sort_values(["order", "length_band"]).drop(columns="order")
    table["length_band"] = table["length_band"].astype(str)
    return table.reset_index(drop=True)


def paired_test(labels, first, second):
    """McNemar's exact test of two models' probabilities for the same texts:
    (texts only the first gets right, texts only the second gets right, the
    two-sided p-value of so uneven a split of those texts if both models were
    equally accurate). Texts both get right or both get wrong say nothing
    about which is better, so only the others count."""
    truth = np.asarray(labels) == 1
    right_first = (np.asarray(first) >= 0.5) == truth
    right_second = (np.asarray(second) >= 0.5) == truth
    only_first = int(np.sum(right_first & ~right_second))
    only_second = int(np.sum(right_second & ~right_first))
    if only_first + only_second == 0:
        return only_first, only_second, 1.0
    p = binomtest(only_first, only_first + only_second, 0.5).pvalue
    return only_first, only_second, float(p)


def comparison(predictions, details, reference=None):
    """One row per model: test accuracy, F1, ROC AUC, ECE, validation
    accuracy and training time, and McNemar's test of each model against the
    `reference` model on the test reviews: how many only this model gets
    right, how many only the reference, and the p-value (blank without a
    reference and on its own row). `predictions` has columns model, split,
    review_id, label, probability (the same reviews for every model);
    `details[model]` gives kind and train_seconds."""
    models = dict(list(predictions.groupby("model", sort=False)))
    tests = {
        name: part[part["split"] == "test"].sort_values("review_id", kind="stable")
        for name, part in models.items()
    }
    rows = []
    for name, part in models.items():
        test = tests[name]
        valid = part[part["split"] == "valid"]
        m = classification_metrics(test["label"], test["probability"])
        rows.append(
            {
                "model": name,
                **details[name],
                "test_accuracy": m["accuracy"],
                "test_f1": m["f1"],
                "test_roc_auc": m["roc_auc"],
                "test_ece": expected_calibration_error(
                    test["label"], test["probability"]
                ),
                "valid_accuracy": float(
                    np.mean((valid["probability"] >= 0.5) == (valid["label"] == 1))
                )
                if len(valid)
                else np.nan,
                "n_test": m["n"],
                **_against(tests.get(reference), test, name == reference),
            }
        )
    table = pd.DataFrame(rows)
    counts = ["right_only_this", "right_only_reference"]
    table[counts] = table[counts].astype("Int64")  # whole numbers or blank
    return table


def _against(reference, test, is_reference):
    """The paired test's columns for `test` against the reference's rows."""
    if reference is None or is_reference:
        return {
            "right_only_this": None,
            "right_only_reference": None,
            "mcnemar_p": None,
        }
    if len(test) != len(reference) or not np.array_equal(
        test["review_id"].to_numpy(), reference["review_id"].to_numpy()
    ):
        raise ValueError("models were tested on different reviews")
    only_this, only_reference, p = paired_test(
        test["label"], test["probability"], reference["probability"]
    )
    return {
        "right_only_this": only_this,
        "right_only_reference": only_reference,
        "mcnemar_p": p,
    }


def average_predictions(tables):
    """The mean probability of several models for the same reviews (tables
    with columns review_id, split, label, n_tokens, probability), in the
    first table's order; refuses tables of other reviews."""
    first = tables[0].reset_index(drop=True)
    total = first["probability"].to_numpy(dtype=float).copy()
    for table in tables[1:]:
        aligned = table.set_index("review_id").reindex(first["review_id"])
        if aligned["probability"].isna().any() or len(table) != len(first):
            raise ValueError("models were tested on different reviews")
        total += aligned["probability"].to_numpy(dtype=float)
    return first.assign(probability=total / len(tables))
