"""Cases on training (`sentiment_rnn.train`, the train_model stage, metrics).

NUMERIC-STABILITY-NAN (b): a run whose loss stops being finite, or leaps far
above anything training reaches (a huge learning rate), stops with a message
naming epoch and step, and writes no model file. CUPY-IMPLICIT-CONVERSION (the
parts that need no GPU): the model file loads with NumPy alone and the metrics
are plain Python numbers. EMPTY-AFTER-CLEAN: a text with no tokens is refused
with a clear error before it reaches the forward pass.
"""

import json
import re

import numpy as np
import pandas as pd
import pytest
import support as S

from sentiment_rnn import metrics, model, train, vocab
from sentiment_rnn.errors import InputError

NON_FINITE = re.escape("(try lower learning_rate or gradient clipping)")


def four_reviews():
    """Four tiny reviews as id sequences over a vocabulary of 5, and labels."""
    sequences = [np.array(s, np.int32) for s in ([2, 3, 4], [3, 2], [4], [2, 2, 3, 4])]
    return sequences, np.array([1, 0, 1, 0], np.float32)


def embeddings(dim=4):
    return np.random.default_rng(0).normal(size=(5, dim)).astype(np.float32)


# --- NUMERIC-STABILITY-NAN (b) --------------------------------------------------


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize("clip_norm", [5.0, 0.0])
def test_learning_rate_1000_stops_the_run(optimizer, clip_norm):
    """Clipping and a loss from logits keep every number finite here, but
    the loss leaps to hundreds: the run stops there, naming epoch and step."""
    data = four_reviews()
    settings = train.TrainSettings(
        hidden_size=4,
        epochs=1,
        batch_size=1,
        learning_rate=1000.0,
        device="cpu",
        optimizer=optimizer,
        clip_norm=clip_norm,
    )
    with pytest.raises(
        train.TrainingDiverged,
        match=r"^(diverging loss [0-9.e+]+|non-finite loss) at epoch 1, step [234] "
        + NON_FINITE,
    ):
        train.train(data, data, embeddings(), settings)


def test_a_usual_learning_rate_does_not_count_as_diverging():
    data = four_reviews()
    settings = train.TrainSettings(
        hidden_size=4, epochs=5, batch_size=1, learning_rate=1e-2, device="cpu"
    )
    _, _, history, _ = train.train(data, data, embeddings(), settings)
    assert all(row["train_loss"] < 1.0 for row in history)


def nan_on_call(monkeypatch, call):
    """Make the loss NaN from the `call`-th batch on."""
    real = model.bce_with_logits
    calls = {"n": 0}

    def loss(xp, z, y):
        calls["n"] += 1
        value = real(xp, z, y)
        return value * np.nan if calls["n"] >= call else value

    monkeypatch.setattr(model, "bce_with_logits", loss)


@pytest.mark.parametrize("step", [1, 2, 3])
def test_non_finite_loss_names_epoch_and_step(monkeypatch, step):
    nan_on_call(monkeypatch, step)
    data = four_reviews()
    settings = train.TrainSettings(hidden_size=4, epochs=1, batch_size=1, device="cpu")
    message = f"non-finite loss at epoch 1, step {step} {NON_FINITE}"
    with pytest.raises(train.TrainingDiverged, match=message):
        train.train(data, data, embeddings(), settings)


def test_nan_in_embeddings_stops_at_step_1():
    data = four_reviews()
    matrix = embeddings()
    matrix[2:] = np.nan
    settings = train.TrainSettings(hidden_size=4, epochs=1, batch_size=1, device="cpu")
    with pytest.raises(
        train.TrainingDiverged, match=f"non-finite loss at epoch 1, step 1 {NON_FINITE}"
    ):
        train.train(data, data, matrix, settings)


def training_inputs(tmp_path):
    """reviews.parquet, vocab.tsv and matrix.npy as the train_model stage reads them."""
    reviews = pd.DataFrame(
        {
            "split": ["train"] * 4 + ["valid"] * 2 + ["test"] * 2,
            "label": [1, 0, 1, 0, 1, 0, 1, 0],
            "tokens": [
                "good film",
                "bad film",
                "good",
                "bad bad",
                "good",
                "bad",
                "good good film",
                "bad film",
            ],
        }
    )
    reviews.insert(0, "review_id", [f"r{i}" for i in range(len(reviews))])
    reviews["n_tokens"] = reviews["tokens"].str.split().str.len()
    paths = {
        "reviews": tmp_path / "reviews.parquet",
        "vocab": tmp_path / "vocab.tsv",
        "matrix": tmp_path / "matrix.npy",
    }
    reviews.to_parquet(paths["reviews"])
    table = vocab.build_vocabulary(reviews.loc[reviews["split"] == "train", "tokens"])
    table.to_csv(paths["vocab"], sep="\t", index=False, encoding="utf-8")
    matrix = np.random.default_rng(0).normal(size=(len(table), 4)).astype(np.float32)
    np.save(paths["matrix"], matrix)
    return paths


def train_smk(tmp_path, **training):
    out_dir = tmp_path / "results" / "model"
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = {
        "cell": "rnn",
        "hidden_size": 4,
        "head": "mean",
        "epochs": 1,
        "batch_size": 1,
        "optimizer": "adam",
        "learning_rate": 2e-3,
        "clip_norm": 5.0,
        "patience": 2,
        "seed": 42,
        "train_embeddings": True,
        "device": "cpu",
        "dtype": "float64",
    }
    settings.update(training)
    return S.fake_smk(
        "train_model",
        tmp_path / "train.log",
        input=training_inputs(tmp_path),
        output={
            "params": out_dir / "params.npz",
            "history": out_dir / "history.csv",
            "test_metrics": out_dir / "test_metrics.json",
            "predictions": out_dir / "predictions.parquet",
        },
        params={
            "checkpoint": str(out_dir / "checkpoint.npz"),
            "max_len": 256,
            "truncate": "first",
            "max_train_reviews": None,
            "training": settings,
        },
    ), out_dir


def test_diverged_stage_writes_no_model_file(tmp_path, monkeypatch):
    smk, out_dir = train_smk(tmp_path)
    old = b"an older model that must stay as it was"
    (out_dir / "params.npz").write_bytes(old)
    nan_on_call(monkeypatch, 2)
    with S.isolated_logging():
        with pytest.raises(
            train.TrainingDiverged,
            match=f"non-finite loss at epoch 1, step 2 {NON_FINITE}",
        ):
            S.load_script("train_model").main(smk)
    assert (out_dir / "params.npz").read_bytes() == old
    assert sorted(p.name for p in out_dir.iterdir()) == ["params.npz"]


def test_a_model_too_large_for_the_jobs_memory_is_refused_before_training(
    tmp_path, monkeypatch
):
    """8 stacked bidirectional LSTM layers of 4096 units need tens of GB for
    their parameters alone: refused at once, naming the setting to raise,
    instead of failing (or being killed) once training has started."""
    smk, out_dir = train_smk(
        tmp_path, cell="lstm", layers=8, bidirectional=True, hidden_size=4096
    )
    smk.resources.mem_mb = 3000
    monkeypatch.setattr(train, "train", lambda *a, **k: pytest.fail("training started"))
    with S.isolated_logging():
        with pytest.raises(
            InputError,
            match=r"resources.train_model.mem_mb: 3000 MB is too little for this "
            r"model \(lstm, 8 layer\(s\), hidden size 4096, both directions: "
            r"[\d,]+ parameters, at least [\d,]+ MB",
        ):
            S.load_script("train_model").main(smk)
    assert not any(out_dir.iterdir())


# --- CUPY-IMPLICIT-CONVERSION (no GPU needed) --------------------------------------


def test_stage_outputs_load_with_numpy_alone_and_hold_plain_numbers(tmp_path):
    smk, out_dir = train_smk(tmp_path)
    with S.isolated_logging():
        S.load_script("train_model").main(smk)

    with np.load(out_dir / "params.npz", allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    assert all(type(v) is np.ndarray for v in arrays.values())
    assert all(
        arrays[k].dtype == np.float64 for k in ("E", "Wxh", "Whh", "bh", "Wy", "by")
    )
    assert all(
        np.isfinite(arrays[k]).all() for k in ("E", "Wxh", "Whh", "bh", "Wy", "by")
    )

    saved = json.loads((out_dir / "test_metrics.json").read_text(encoding="utf-8"))
    for key in ("accuracy", "precision", "recall", "f1", "roc_auc", "threshold"):
        assert type(saved[key]) is float, key
    assert type(saved["n"]) is int and saved["n"] == 2
    assert saved["backend"] == "numpy (cpu)"
    history = pd.read_csv(out_dir / "history.csv")
    assert history["epoch"].tolist() == [1]
    assert not (out_dir / "checkpoint.npz").exists()


def test_history_and_metrics_are_plain_python_numbers():
    data = four_reviews()
    settings = train.TrainSettings(
        hidden_size=4, epochs=1, batch_size=2, device="cpu", dtype="float64"
    )
    params, spec, history, backend = train.train(data, data, embeddings(), settings)
    assert all(type(v) is np.ndarray and v.dtype == np.float64 for v in params.values())
    for key in (
        "train_loss",
        "valid_loss",
        "valid_accuracy",
        "tokens_per_second",
        "seconds",
    ):
        assert type(history[0][key]) is float, key
    result = train.evaluate(params, spec, data, device="cpu")
    json.dumps(result)
    assert type(result["accuracy"]) is float and type(result["n"]) is int
    assert all(type(x) is int for row in result["confusion_matrix"] for x in row)


def test_metrics_of_numpy_inputs_are_plain():
    result = metrics.classification_metrics(
        np.array([1, 0, 1, 0], np.int8), np.array([0.9, 0.2, 0.4, 0.6], np.float32)
    )
    assert result == {
        "n": 4,
        "accuracy": 0.5,
        "precision": 0.5,
        "recall": 0.5,
        "f1": 0.5,
        "roc_auc": 0.75,
        "confusion_matrix": [[1, 1], [1, 1]],
        "threshold": 0.5,
    }
    assert all(
        type(result[k]) is float
        for k in ("accuracy", "precision", "recall", "f1", "roc_auc")
    )
    assert json.loads(json.dumps(result)) == result


# --- EMPTY-AFTER-CLEAN: no empty text reaches the forward pass ---------------------


@pytest.mark.parametrize("which", ["train", "valid"])
def test_empty_sequence_is_refused_before_training(which):
    sequences, labels = four_reviews()
    broken = ([*sequences[:1], np.array([], np.int32), *sequences[2:]], labels)
    data = {
        "train": broken if which == "train" else (sequences, labels),
        "valid": broken if which == "valid" else (sequences, labels),
    }
    settings = train.TrainSettings(hidden_size=4, epochs=1, batch_size=2, device="cpu")
    what = "training data" if which == "train" else "validation data"
    with pytest.raises(InputError, match=f"{what}: text 1 has no tokens"):
        train.train(data["train"], data["valid"], embeddings(), settings)
