"""Cutting speeches into paragraphs and scoring them."""

import numpy as np
import pandas as pd
import pytest

from sentiment_rnn import model as M
from sentiment_rnn import score


@pytest.mark.parametrize(
    "n_words, para_len, sizes",
    [
        (120, 100, [100, 20]),
        (100, 100, [100]),
        (3, 100, [3]),
        (0, 100, []),
        (7, 2, [2, 2, 2, 1]),
    ],
)
def test_paragraphs_keep_every_word_in_order(n_words, para_len, sizes):
    words = [f"w{i}." for i in range(n_words)]
    paras = score.paragraphs(" ".join(words), para_len)
    assert [len(p.split()) for p in paras] == sizes
    assert " ".join(paras).split() == words


def test_scoring_reports_empty_speeches_and_unknown_words():
    rng = np.random.default_rng(0)
    index = {"<pad>": 0, "<unk>": 1, "good": 2, "film": 3}
    spec = M.ModelSpec(vocab_size=4, embedding_dim=3, hidden_size=2)
    params = M.init_params(spec, rng.normal(size=(4, 3)), rng)
    speeches = pd.DataFrame(
        {
            "speech_id": [1, 2],
            "row": [2, 3],
            "speaker": ["A", "B"],
            "source": ["s", "s"],
            "text": ["good qwzx film", "!!! ..."],
            "mojibake": [0, 0],
        }
    )
    table, paras = score.score_speeches(
        speeches, params, spec, index, frozenset(), 100, 256, "first", "cpu"
    )
    assert table["status"].tolist() == ["ok", score.EMPTY]
    assert table["n_paragraphs"].tolist() == [1, 0]
    assert table["oov_tokens"].tolist() == [1, 0]
    assert np.isnan(table.loc[1, "mean_positive_probability"])
    again, _ = score.score_speeches(
        speeches, params, spec, index, frozenset(), 100, 256, "first", "cpu"
    )
    assert (
        again.loc[0, "mean_positive_probability"]
        == table.loc[0, "mean_positive_probability"]
    )


def test_share_interval_is_the_wilson_interval():
    # 3 of 10 positive: Wilson 95% interval (0.1078, 0.6032), worked out from
    # (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n) with z = 1.95996
    interval = score._share_interval(3, 10)
    assert interval["share_positive_low"] == pytest.approx(0.1078, abs=1e-4)
    assert interval["share_positive_high"] == pytest.approx(0.6032, abs=1e-4)
    assert np.isnan(score._share_interval(0, 0)["share_positive_low"])


def test_speech_plot_keeps_speeches_of_one_speaker_apart(tmp_path):
    from matplotlib import pyplot as plt

    from sentiment_rnn import plots

    table = pd.DataFrame(
        {
            "speech_id": [1, 2],
            "speaker": ["Obama", "Obama"],
            "n_paragraphs": [3, 4],
            "share_positive": [1.0, 0.0],
            "share_positive_low": [0.4, 0.0],
            "share_positive_high": [1.0, 0.6],
        }
    )
    captured = {}
    original = plt.Axes.barh

    def spy(self, labels, *args, **kwargs):
        captured.setdefault("labels", list(labels))
        return original(self, labels, *args, **kwargs)

    plt.Axes.barh = spy
    try:
        plots.speech_sentiment(table, tmp_path / "plot.png")
    finally:
        plt.Axes.barh = original
    assert captured["labels"] == ["1. Obama (3)", "2. Obama (4)"]
    assert (tmp_path / "plot.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("epochs", [1, 2, 7])
def test_training_curves_mark_whole_epochs_only(tmp_path, epochs, monkeypatch):
    """The epoch axis has whole-number ticks, even after a single epoch."""
    import matplotlib.pyplot as plt

    from sentiment_rnn import plots

    history = pd.DataFrame(
        {
            "epoch": np.arange(1, epochs + 1),
            "train_loss": np.linspace(0.7, 0.3, epochs),
            "valid_loss": np.linspace(0.7, 0.4, epochs),
            "valid_accuracy": np.linspace(0.6, 0.8, epochs),
        }
    )
    figures = []
    monkeypatch.setattr(plt, "close", figures.append)
    plots.training_curves(history, tmp_path / "curves.png", best_epoch=1)
    for ax in figures[0].axes:
        ticks = ax.get_xticks()
        assert len(ticks) and np.array_equal(ticks, np.round(ticks))
    assert (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"
