"""Calibration, accuracy by length, the comparison table and the baselines,
on small data made here."""

import numpy as np
import pandas as pd
import pytest

from sentiment_rnn import baselines, evaluation


def test_calibration_bins_count_mean_and_share():
    labels = [0, 1, 1, 1, 0]
    p = [0.05, 0.15, 0.95, 1.0, 0.91]
    table = evaluation.calibration_bins(labels, p, bins=10)
    assert table["n"].tolist() == [1, 1, 0, 0, 0, 0, 0, 0, 0, 3]
    last = table.iloc[-1]
    assert last["mean_probability"] == pytest.approx((0.95 + 1.0 + 0.91) / 3)
    assert last["share_positive"] == pytest.approx(2 / 3)
    assert np.isnan(table.iloc[2]["mean_probability"])


def test_ece_is_zero_when_calibrated_and_the_gap_otherwise():
    # a quarter of the reviews at 0.25 are positive, three quarters at 0.75
    labels = [1, 0, 0, 0, 1, 1, 1, 0]
    calibrated = [0.25] * 4 + [0.75] * 4
    assert evaluation.expected_calibration_error(labels, calibrated) == pytest.approx(0)
    # always 0.95 for data that is half positive: a gap of 0.45 everywhere
    assert evaluation.expected_calibration_error(
        [1, 0] * 5, [0.95] * 10
    ) == pytest.approx(0.45)


def test_accuracy_by_length_per_band_and_model():
    frame = pd.DataFrame(
        {
            "model": ["a"] * 4 + ["b"] * 4,
            "label": [1, 0, 1, 0] * 2,
            "probability": [0.9, 0.2, 0.4, 0.1, 0.1, 0.1, 0.9, 0.9],
            "n_tokens": [50, 99, 100, 1500] * 2,
        }
    )
    table = evaluation.accuracy_by_length(frame)
    a = table[table["model"] == "a"]
    assert a["length_band"].tolist() == ["0-99", "100-199", "1000+"]
    assert a["accuracy"].tolist() == [1.0, 0.0, 1.0]
    assert a["n"].tolist() == [2, 1, 1]
    b = table[table["model"] == "b"]
    assert b["accuracy"].tolist() == [0.5, 1.0, 0.0]


def test_comparison_has_one_row_per_model_with_every_figure():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=40)
    frames = []
    for name, noise in (("ours", 0.1), ("theirs", 0.6)):
        p = np.clip(labels + rng.normal(0, noise, size=40), 0, 1)
        frames.append(
            pd.DataFrame(
                {
                    "model": name,
                    "review_id": [f"r{i:02d}" for i in range(40)],
                    "split": ["valid"] * 10 + ["test"] * 30,
                    "label": labels,
                    "probability": p,
                }
            )
        )
    details = {
        "ours": {"kind": "from scratch", "train_seconds": 5.0},
        "theirs": {"kind": "baseline", "train_seconds": 1.0},
    }
    table = evaluation.comparison(pd.concat(frames), details)
    assert table["model"].tolist() == ["ours", "theirs"]
    assert table["n_test"].tolist() == [30, 30]
    assert table["test_accuracy"].iloc[0] > table["test_accuracy"].iloc[1]
    expected = np.mean((frames[0]["probability"][10:] >= 0.5) == labels[10:])
    assert table["test_accuracy"].iloc[0] == pytest.approx(expected)
    assert set(table.columns) >= {
        "kind",
        "train_seconds",
        "test_f1",
        "test_roc_auc",
        "test_ece",
        "valid_accuracy",
    }


def test_tfidf_baseline_learns_words_and_chooses_c_on_validation():
    good, bad = "great fine lovely", "awful dull waste"
    train = ([f"{good} film one", f"{bad} film two"] * 10, np.array([1, 0] * 10))
    valid = ([f"{good} plot", f"{bad} plot"], np.array([1, 0]))
    test = (["lovely film", "dull film"], np.array([1, 0]))
    p_valid, p_test, details = baselines.tfidf_logistic(
        train, valid, test, [0.01, 10.0], ngrams=2, min_df=1
    )
    assert (p_test >= 0.5).tolist() == [True, False]
    assert (p_valid >= 0.5).tolist() == [True, False]
    assert details["C"] in (0.01, 10.0) and details["features"] > 6
    assert set(details["valid_accuracy_by_C"]) == {"0.01", "10.0"}


def test_lexicon_baseline_reads_sentiment_words():
    p = baselines.lexicon_probabilities(
        ["a wonderful lovely film", "a horrible awful film", "a film"]
    )
    assert p[0] > 0.5 > p[1]
    assert p[2] == 0.5  # no sentiment words: compound 0


def test_tfidf_baseline_without_validation_reviews_keeps_the_first_c():
    train = (["great film", "awful film"] * 4, np.array([1, 0] * 4))
    empty = ([], np.array([]))
    test = (["great", "awful"], np.array([1, 0]))
    p_valid, p_test, details = baselines.tfidf_logistic(
        train, empty, test, [2.0, 8.0], min_df=1
    )
    assert len(p_valid) == 0 and len(p_test) == 2
    assert details["C"] == 2.0
    assert details["valid_accuracy_by_C"] == {"2.0": None, "8.0": None}


@pytest.mark.parametrize(
    "min_df, texts, message",
    [
        (100, ["good film", "bad film"], r"tfidf_min_df: 100 is more than the 2"),
        (2, ["good", "bad"], r"tfidf_min_df: 2 leaves no n-gram in the 2"),
    ],
)
def test_tfidf_settings_that_leave_no_features_are_named(min_df, texts, message):
    from sentiment_rnn.errors import InputError

    train = (texts, np.array([1, 0]))
    with pytest.raises(InputError, match=message):
        baselines.tfidf_logistic(train, train, train, [1.0], min_df=min_df)


def test_paired_test_counts_the_reviews_only_one_model_gets_right():
    labels = np.array([1, 1, 1, 1, 0, 0, 0, 0, 1, 0])
    first = np.array([0.9, 0.8, 0.7, 0.6, 0.1, 0.2, 0.3, 0.4, 0.2, 0.6])
    second = np.array([0.9, 0.2, 0.3, 0.4, 0.1, 0.2, 0.9, 0.4, 0.7, 0.6])
    only_first, only_second, p = evaluation.paired_test(labels, first, second)
    assert (only_first, only_second) == (4, 1)  # rows 1, 2, 3, 6 against row 8
    # exact two-sided binomial test of 4 against 1: (1 + 5 + 5 + 1) / 32
    assert p == pytest.approx(12 / 32)
    assert evaluation.paired_test(labels, first, first) == (0, 0, 1.0)
    # a large uneven split is far from chance
    many = np.ones(200)
    assert evaluation.paired_test(many, many, np.r_[np.zeros(60), many[60:]])[2] < 1e-6


def test_comparison_tests_each_model_against_the_reference_on_the_same_reviews():
    labels = np.array([1, 0, 1, 0, 1, 0])
    ids = [f"r{i}" for i in range(6)]
    ours = pd.DataFrame(
        {
            "model": "ours",
            "split": "test",
            "review_id": ids,
            "label": labels,
            "probability": [0.9, 0.1, 0.8, 0.2, 0.7, 0.6],
        }
    )
    # the same reviews in another order: wrong on r1, r3 and r4, right on r5
    theirs = pd.DataFrame(
        {
            "model": "theirs",
            "split": "test",
            "review_id": ids[::-1],
            "label": labels[::-1],
            "probability": [0.1, 0.3, 0.6, 0.9, 0.6, 0.9],
        }
    )
    details = {m: {"kind": "k", "train_seconds": 0.0} for m in ("ours", "theirs")}
    table = evaluation.comparison(pd.concat([ours, theirs]), details, "theirs")
    row = table.set_index("model").loc["ours"]
    assert (row["right_only_this"], row["right_only_reference"]) == (3, 1)
    assert row["mcnemar_p"] == pytest.approx(10 / 16)
    assert pd.isna(table.set_index("model").loc["theirs", "mcnemar_p"])
    plain = evaluation.comparison(pd.concat([ours, theirs]), details)
    assert plain["mcnemar_p"].isna().all()  # no reference, no test
    with pytest.raises(ValueError, match="different reviews"):
        evaluation.comparison(pd.concat([ours, theirs.iloc[1:]]), details, "theirs")
    renamed = theirs.assign(review_id=[f"x{i}" for i in range(6)])
    with pytest.raises(ValueError, match="different reviews"):
        evaluation.comparison(pd.concat([ours, renamed]), details, "theirs")


def test_averaged_predictions_follow_review_ids_not_row_order():
    first = pd.DataFrame(
        {
            "review_id": ["a", "b", "c"],
            "split": "test",
            "label": [1, 0, 1],
            "n_tokens": [3, 4, 5],
            "probability": [0.9, 0.2, 0.4],
        }
    )
    second = first.iloc[::-1].assign(probability=[0.8, 0.6, 0.7])  # c, b, a
    average = evaluation.average_predictions([first, second])
    assert average["review_id"].tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(average["probability"], [0.8, 0.4, 0.6])
    with pytest.raises(ValueError, match="different reviews"):
        evaluation.average_predictions(
            [first, second.assign(review_id=["c", "b", "x"])]
        )
