"""The benchmark scripts refuse bad arguments and unreadable inputs with a
one-line usage error (exit status 2), before any work and without a traceback."""

import subprocess
import sys

import pytest
import support as S

BENCHMARKS = S.REPO / "benchmarks"


def run(script, *args):
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--repeats", "0"],
            "--repeats: expected a whole number from 1 to 1,000, got '0'",
        ),
        (["--rows", "-1"], "--rows: expected a whole number from 1 to 512, got '-1'"),
        (["--steps", "1e8"], "--steps: expected a whole number from 2 to 2,048"),
        (
            ["--scale", "nan"],
            "--scale: expected a number above 0 and at most 10, got 'nan'",
        ),
        (["--scale", "0"], "--scale: expected a number above 0"),
    ],
)
def test_subnormal_effect_refuses_bad_arguments(args, message):
    result = run("subnormal_effect.py", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--hidden-size", "1000000"],
            "--hidden-size: expected a whole number from 1 to 4,096",
        ),
        (
            ["--batch-size", "0"],
            "--batch-size: expected a whole number from 1 to 4,096",
        ),
        (
            ["--threads", "abc"],
            "--threads: expected a whole number from 1 to 256, got 'abc'",
        ),
    ],
)
def test_engine_speed_refuses_bad_arguments(args, message):
    result = run("engine_speed.py", "--no-torch", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_engine_speed_names_unreadable_pipeline_outputs(tmp_path):
    for part in ("split/reviews.parquet", "vocab/vocab.tsv", "embeddings/matrix.npy"):
        (tmp_path / part).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / part).write_bytes(b"\x93NUMPY cut short")
    result = run("engine_speed.py", "--no-torch", "--results", str(tmp_path))
    assert result.returncode == 2
    assert f"cannot read the pipeline's outputs in {tmp_path}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--set", "cell=cnn"],
            "cell: expected one of ['rnn', 'lstm', 'gru'], got 'cnn'",
        ),
        (["--set", "dropout=1.0"], "dropout: expected a value < 1, got 1.0"),
        (["--set", "dropout"], "--set 'dropout': expected key=value"),
        ([], "missing pipeline outputs:"),
    ],
)
def test_setting_effect_refuses_bad_settings_and_missing_outputs(
    tmp_path, args, message
):
    result = run("setting_effect.py", "--results", str(tmp_path / "none"), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_setting_effect_trains_on_a_finished_run(tmp_path):
    """Tiny pipeline outputs made here; the script prints the kept epoch and
    both accuracies, and writes nothing."""
    import numpy as np
    import pandas as pd

    from sentiment_rnn import vocab

    rows = []
    for split, n in (("train", 16), ("valid", 4), ("test", 4)):
        for i in range(n):
            label = i % 2
            text = "good film" if label else "bad film"
            rows.append((f"{split}{i}", split, label, text, 2))
    reviews = pd.DataFrame(
        rows, columns=["review_id", "split", "label", "tokens", "n_tokens"]
    )
    results = tmp_path / "results"
    for part in ("split", "vocab", "embeddings"):
        (results / part).mkdir(parents=True)
    reviews.to_parquet(results / "split/reviews.parquet")
    table = vocab.build_vocabulary(reviews.loc[reviews["split"] == "train", "tokens"])
    table.to_csv(results / "vocab/vocab.tsv", sep="\t", index=False)
    np.save(results / "embeddings/matrix.npy", np.eye(len(table), 4, dtype=np.float32))
    before = sorted(p.name for p in results.rglob("*"))
    changes = "hidden_size=3 epochs=2 batch_size=4 batch_slices=1 device=cpu".split()
    result = run("setting_effect.py", "--results", str(results), "--set", *changes)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "hidden_size=3 epochs=2 batch_size=4 batch_slices=1 device=cpu: epoch" in (
        result.stdout
    )
    assert "validation accuracy" in result.stdout and "test accuracy" in result.stdout
    assert sorted(p.name for p in results.rglob("*")) == before

    # the same model again, its probabilities written where asked
    saved = tmp_path / "probabilities.parquet"
    again = run(
        "setting_effect.py",
        "--results",
        str(results),
        "--predictions",
        str(saved),
        "--set",
        *changes,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert (
        again.stdout.split(", test accuracy")[0]
        == result.stdout.split(", test accuracy")[0]
    )
    table = pd.read_parquet(saved)
    assert table["split"].tolist() == ["valid"] * 4 + ["test"] * 4
    assert table["review_id"].tolist()[:2] == ["valid0", "valid1"]
    assert table["probability"].between(0, 1).all()
    test = table[table["split"] == "test"]
    accuracy = ((test["probability"] >= 0.5) == test["label"]).mean()
    assert f"test accuracy {accuracy:.4f}" in again.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--set", "learning_rate=["], "--set 'learning_rate=[': not a YAML value"),
        (["--set", "max_train_reviews=2"], "--set max_train_reviews: not a training"),
        (["--set", "epochs=1", "epochs=2"], "--set epochs: given twice"),
    ],
)
def test_setting_effect_refuses_settings_it_would_not_apply(tmp_path, args, message):
    result = run("setting_effect.py", "--results", str(tmp_path), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
