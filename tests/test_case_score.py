"""Cases on scoring speeches (`sentiment_rnn.score`).

EMPTY-AFTER-CLEAN (a): empty speeches are reported, not crashed on.
OOV-DETERMINISM: the same speech scores the same twice, with `oov` counted.
CHARS-VS-TOKENS (a): paragraphs hold `para_len` words, not characters.
"""

import logging
import math

import numpy as np
import pytest
import support as S

from sentiment_rnn import datasets, score


@pytest.fixture(scope="module")
def model():
    """A model on good/bad/film with 4-d inputs, trained once for this module."""
    return S.tiny_model()


def speeches_from(tmp_path, rows):
    path = tmp_path / "speeches.csv"
    path.write_text(
        "speaker,speech,source\n" + "".join(r + "\n" for r in rows), encoding="utf-8"
    )
    return datasets.read_speeches(path)


def run_score(speeches, model, para_len=100, max_len=256):
    params, spec, index = model
    return score.score_speeches(
        speeches, params, spec, index, frozenset(), para_len, max_len, "first", "cpu"
    )


# --- EMPTY-AFTER-CLEAN (a) ----------------------------------------------------


def test_empty_speeches_are_reported_not_scored(tmp_path, model, caplog):
    speeches = speeches_from(
        tmp_path,
        [
            'Speaker A,"We will win.",Source 1',
            'Speaker B,"",Source 2',
            'Speaker C,"   ",Source 3',
        ],
    )
    caplog.set_level(logging.INFO)
    summary, paragraphs = run_score(speeches, model)

    assert summary["speaker"].tolist() == ["Speaker A", "Speaker B", "Speaker C"]
    assert summary["status"].tolist() == ["ok", score.EMPTY, score.EMPTY]
    assert summary["n_paragraphs"].tolist() == [1, 0, 0]
    assert 0 < summary.loc[0, "mean_positive_probability"] < 1
    assert summary.loc[1:, "mean_positive_probability"].isna().all()
    assert paragraphs["speech_id"].tolist() == [1]
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any(
        "speech 2 (row 3, speaker 'Speaker B'): empty after cleaning" in m
        for m in logged
    )
    assert any(
        "speech 3 (row 4, speaker 'Speaker C'): empty after cleaning" in m
        for m in logged
    )


def test_speech_of_tags_and_punctuation_has_zero_paragraphs(tmp_path, model):
    speeches = speeches_from(
        tmp_path,
        [
            'Speaker A,"good film",Source 1',
            'Speaker D,"<br /><br />!!!",Source 4',
            'Speaker E,"... -- ?!",Source 5',
        ],
    )
    summary, paragraphs = run_score(speeches, model)
    assert summary["status"].tolist() == ["ok", score.EMPTY, score.EMPTY]
    assert summary["n_paragraphs"].tolist() == [1, 0, 0]
    assert summary["n_tokens"].tolist() == [2, 0, 0]
    assert paragraphs["speech_id"].tolist() == [1]


def test_all_speeches_empty_is_no_crash(tmp_path, model):
    speeches = speeches_from(
        tmp_path, ['Speaker B,"",Source 2', 'Speaker C," ",Source 3']
    )
    summary, paragraphs = run_score(speeches, model)
    assert summary["status"].tolist() == [score.EMPTY, score.EMPTY]
    assert summary["n_paragraphs"].tolist() == [0, 0]
    assert len(paragraphs) == 0


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_paragraphs_of_empty_text(text):
    assert score.paragraphs(text, 100) == []


# --- OOV-DETERMINISM ---------------------------------------------------------------


def test_same_speech_scores_the_same_whatever_the_global_seed(tmp_path, model):
    speeches = speeches_from(tmp_path, ['Speaker A,"good qwzx film",Source 1'])
    np.random.seed(1)
    first, first_paras = run_score(speeches, model)
    np.random.seed(2)
    np.random.random(100)
    second, second_paras = run_score(speeches, model)

    np.testing.assert_array_equal(
        first_paras["positive_probability"].to_numpy(),
        second_paras["positive_probability"].to_numpy(),
    )
    assert (
        first["mean_positive_probability"].tolist()
        == second["mean_positive_probability"].tolist()
    )
    assert first.loc[0, "oov_tokens"] == 1
    assert first.loc[0, "n_tokens"] == 3
    assert first_paras["oov_tokens"].tolist() == [1]


def test_unknown_words_all_score_as_the_same_vector(tmp_path, model):
    speeches = speeches_from(
        tmp_path,
        [
            'Speaker A,"good qwzx film",Source 1',
            'Speaker B,"good zzyzx film",Source 2',
        ],
    )
    summary, _ = run_score(speeches, model)
    p = summary["mean_positive_probability"].tolist()
    assert p[0] == p[1]
    assert summary["oov_tokens"].tolist() == [1, 1]


# --- CHARS-VS-TOKENS (a) --------------------------------------------------------------


def long_speech(n_words):
    words = ["abcdefghij" + ("." if (i + 1) % 10 == 0 else "") for i in range(n_words)]
    return " ".join(words)


@pytest.mark.parametrize(
    ("n_words", "para_len", "sizes"),
    [
        (120, 100, [100, 20]),
        (120, 50, [50, 50, 20]),
        (100, 100, [100]),
        (101, 100, [100, 1]),
        (3, 100, [3]),
    ],
)
def test_paragraphs_count_words(n_words, para_len, sizes):
    paras = score.paragraphs(long_speech(n_words), para_len)
    assert [len(p.split()) for p in paras] == sizes
    assert len(paras) == math.ceil(n_words / para_len)


def test_scored_speech_of_120_words_has_2_paragraphs(tmp_path, model):
    speeches = speeches_from(tmp_path, [f'Speaker A,"{long_speech(120)}",Source 1'])
    summary, paragraphs = run_score(speeches, model, para_len=100)
    assert summary.loc[0, "n_paragraphs"] == 2
    assert paragraphs["n_tokens"].tolist() == [100, 20]
    assert summary.loc[0, "n_tokens"] == 120
