"""Bias measurements on vectors and data built so that the answer is known."""

import numpy as np
import pytest

from sentiment_rnn import fairness

TERMS = {
    "attributes": {"pleasant": ["joy", "love"], "unpleasant": ["pain", "hate"]},
    "comparisons": {"toy": {"x": ["xa", "xb", "xc"], "y": ["ya", "yb", "yc"]}},
    "templates": ["{} is here", "about {}"],
}


def vectors(shift):
    """X words lean towards the pleasant axis by `shift`, Y words away from it."""
    rng = np.random.default_rng(0)
    words = ["joy", "love", "pain", "hate", "xa", "xb", "xc", "ya", "yb", "yc"]
    base = {"joy": [1, 0], "love": [1, 0.1], "pain": [-1, 0], "hate": [-1, 0.1]}
    rows = []
    for w in words:
        if w in base:
            rows.append(base[w])
        else:
            lean = shift if w.startswith("x") else -shift
            rows.append([lean, 1 + 0.1 * rng.normal()])
    return words, np.array(rows, dtype=float)


def test_weat_effect_size_follows_the_built_in_lean():
    words, vecs = vectors(0.5)
    lookup = {w: i for i, w in enumerate(words)}
    leaning = fairness.weat(
        lookup,
        vecs,
        *TERMS["comparisons"]["toy"].values(),
        TERMS["attributes"]["pleasant"],
        TERMS["attributes"]["unpleasant"],
    )
    assert leaning["effect_size"] > 1.5
    assert leaning["p_value"] == pytest.approx(0.05, abs=0.03)  # 1 of 20 partitions
    words, vecs = vectors(-0.5)
    reversed_lean = fairness.weat(
        {w: i for i, w in enumerate(words)},
        vecs,
        *TERMS["comparisons"]["toy"].values(),
        TERMS["attributes"]["pleasant"],
        TERMS["attributes"]["unpleasant"],
    )
    assert reversed_lean["effect_size"] < -1.5 and reversed_lean["p_value"] > 0.9


def test_weat_p_value_is_never_zero():
    # 12 + 12 targets leaning far apart: none of the 10,000 random partitions
    # (of 2.7 million) reaches the observed difference, yet the observed
    # partition counts, so p is the smallest possible value, not 0
    xs, ys = [f"x{i}" for i in range(12)], [f"y{i}" for i in range(12)]
    words = ["joy", "love", "pain", "hate", *xs, *ys]
    rng = np.random.default_rng(1)
    rows = [[1, 0], [1, 0.1], [-1, 0], [-1, 0.1]]
    rows += [[5 + 0.1 * rng.normal(), 1] for _ in xs]
    rows += [[-5 + 0.1 * rng.normal(), 1] for _ in ys]
    result = fairness.weat(
        {w: i for i, w in enumerate(words)},
        np.array(rows, dtype=float),
        xs,
        ys,
        TERMS["attributes"]["pleasant"],
        TERMS["attributes"]["unpleasant"],
    )
    assert result["p_value"] == pytest.approx(1 / (fairness.PERMUTATIONS + 1))


def test_weat_names_missing_words_and_needs_two_per_group():
    words, vecs = vectors(0.5)
    lookup = {w: i for i, w in enumerate(words)}
    result = fairness.weat(
        lookup, vecs, ["xa", "nope"], ["ya", "yb"], ["joy", "love"], ["pain", "hate"]
    )
    assert result["missing"] == "nope" and np.isnan(result["effect_size"])


def test_template_scores_use_every_template_and_report_gaps():
    def score(texts):  # "positive" exactly when the sentence holds an x word
        return np.array([0.8 if " x" in f" {t}" else 0.4 for t in texts])

    groups, sentences = fairness.template_scores(TERMS, score, known_words={"xa", "ya"})
    assert len(sentences) == 12
    assert groups["mean_probability"].tolist() == pytest.approx([0.8, 0.4])
    assert groups["gap_to_first_group"].tolist() == pytest.approx([0.0, -0.4])
    assert groups["share_of_words_in_vocabulary"].tolist() == pytest.approx(
        [1 / 3, 1 / 3]
    )


def test_representation_counts_reviews_mentioning_each_group():
    table = fairness.representation(
        ["xa film", "ya ya", "film", "xb ya"], [1, 0, 1, 0], TERMS
    )
    assert table["reviews_mentioning"].tolist() == [2, 2]
    assert table["positive_share"].tolist() == pytest.approx([0.5, 0.0])


def test_the_shipped_word_lists_are_well_formed():
    import support as S
    import yaml

    path = S.REPO / "workflow/resources/bias_terms.yaml"
    fairness.check_terms(yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t.pop("attributes"), "missing 'attributes'"),
        (
            lambda t: t["comparisons"]["toy"].update(z=["za", "zb"]),
            "must name exactly two groups",
        ),
        (
            lambda t: t["comparisons"]["toy"].update(x="xa"),
            r"comparisons.toy.x must be a list",
        ),
        (lambda t: t["templates"].append("{} and {}"), "must hold exactly one {}"),
        (lambda t: t["templates"].append("{name} here"), "must hold exactly one {}"),
    ],
    ids=["no-attributes", "three-groups", "string-group", "two-slots", "named-slot"],
)
def test_malformed_word_lists_are_named(change, message):
    import copy

    terms = copy.deepcopy(TERMS)
    change(terms)
    with pytest.raises(fairness.InputError, match=message):
        fairness.check_terms(terms, "terms.yaml")
