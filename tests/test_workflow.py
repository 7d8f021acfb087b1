"""The real `snakemake` command on tiny inputs: outputs, and what a change reruns."""

import json

import numpy as np
import pandas as pd
import pytest
import support as S
import yaml
from conftest import planned_jobs

pytestmark = pytest.mark.slow

AFTER_TRAINING = {
    "train_model",
    "select_model",
    "plot_sweep",
    "evaluate_models",
    "plot_training",
    "score_speeches",
    "plot_speech_scores",
    "measure_bias",
}
AFTER_CLEANING = {
    "baselines",
    "clean_reviews",
    "split_reviews",
    "build_vocabulary",
    "build_embeddings",
}


def edit_config(folder, **changes):
    path = folder / "config.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config.update(changes)
    S.write_config(folder, config)


def run(folder, *args):
    result = S.run_snakemake(folder, *args, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    return result


def test_end_to_end_and_reruns(workspace):
    run(workspace)

    speeches = pd.read_csv(workspace / "results/speech_scores.csv")
    assert speeches["speaker"].tolist() == ["Zoë", "Speaker B", "Speaker C"]
    assert (speeches["n_paragraphs"] > 0).all()
    assert speeches["mean_positive_probability"].between(0, 1).all()
    paragraphs = pd.read_csv(workspace / "results/paragraph_scores.csv")
    assert (
        paragraphs.groupby("speech_id").size().tolist()
        == speeches["n_paragraphs"].tolist()
    )
    metrics = json.loads((workspace / "results/model/test_metrics.json").read_text())
    assert {"accuracy", "precision", "recall", "f1", "confusion_matrix"} <= set(metrics)
    assert 1 <= metrics["best_epoch"] <= metrics["epochs_run"] == 2
    assert np.array(metrics["confusion_matrix"]).sum() == metrics["n"] == 8
    with np.load(workspace / "results/model/params.npz", allow_pickle=False) as f:
        assert f["Whh"].shape == (4, 4)
    bias = pd.read_csv(workspace / "results/bias/template_scores.csv")
    assert set(bias["comparison"]) == {"gender", "names"}
    comparison = pd.read_csv(workspace / "results/model/comparison.csv")
    assert comparison["model"].tolist() == [
        "recurrent rnn (default)",
        "tfidf_logistic",
        "vader_lexicon",
    ]
    assert comparison["test_accuracy"].iloc[0] == metrics["accuracy"]
    assert comparison["test_ece"].between(0, 1).all()
    summary = pd.read_csv(workspace / "results/sweep/summary.csv")
    assert summary["model"].tolist() == ["default"] and summary["chosen"].all()
    for plot in (
        "training_curves.png",
        "speech_sentiment.png",
        "reliability.png",
        "accuracy_by_length.png",
        "sweep.png",
    ):
        assert (workspace / "results/plots" / plot).read_bytes()[:4] == b"\x89PNG"
    assert not (workspace / "results/models/default/checkpoint.npz").exists()

    # the report: every output marked for it, with its caption
    run(workspace, "--report", "report.html")
    report = (workspace / "report.html").read_text(encoding="utf-8")
    for name in (
        "training_curves.png",
        "speech_sentiment.png",
        "speech_scores.csv",
        "test_metrics.json",
        "embedding_association.csv",
        "comparison.csv",
        "reliability.png",
        "summary.csv",
    ):
        assert f'"name": "{name}"' in report, name
    assert "The marked epoch is the one" in report

    # nothing changed: nothing to do
    assert planned_jobs(workspace) == {}

    # paragraph length: scoring only
    edit_config(workspace, para_len=7)
    assert set(planned_jobs(workspace)) == {"score_speeches", "plot_speech_scores"}

    # hidden size: training and scoring
    edit_config(workspace, para_len=5, hidden_size=3)
    assert set(planned_jobs(workspace)) == AFTER_TRAINING

    # stopwords: cleaning onward
    edit_config(workspace, hidden_size=4, stopwords="english")
    assert set(planned_jobs(workspace)) == AFTER_CLEANING | AFTER_TRAINING


def test_lint_is_clean(workspace):
    result = S.run_snakemake(workspace, "--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations" in result.stdout + result.stderr


def test_gated_cells_are_chosen_in_the_config(workspace):
    """cell: lstm, then gru, through the training rule; the saved weights have
    the cell's gate count, and changing the cell reruns training and scoring."""
    edit_config(workspace, cell="lstm")
    run(workspace, "results/model/params.npz")
    config = yaml.safe_load((workspace / "config.yaml").read_text(encoding="utf-8"))
    H = config["hidden_size"]
    with np.load(workspace / "results/model/params.npz", allow_pickle=False) as f:
        assert f["Wh"].shape == (H, 4 * H)
    run(workspace)
    edit_config(workspace, cell="gru")
    assert set(planned_jobs(workspace)) == AFTER_TRAINING
    run(workspace, "results/model/params.npz")
    with np.load(workspace / "results/model/params.npz", allow_pickle=False) as f:
        assert f["Wh"].shape == (H, 3 * H)


def test_a_configfile_given_on_the_command_line_is_checked_like_config_yaml(
    workspace,
):
    """A key given twice in a --configfile would silently take its last value."""
    (workspace / "extra.yaml").write_text("cell: lstm\ncell: gru\n", encoding="utf-8")
    result = S.run_snakemake(workspace, "-n", "--configfile", "extra.yaml")
    assert result.returncode != 0
    assert "extra.yaml: line 2: key 'cell' given twice (lines 1 and 2)" in (
        result.stdout + result.stderr
    )


def test_numbers_inside_a_mapping_on_the_command_line_are_accepted(
    workspace, copy_repo_config
):
    config = yaml.safe_load((workspace / "config.yaml").read_text(encoding="utf-8"))
    config["resources"] = copy_repo_config["resources"]
    S.write_config(workspace, config)
    result = S.run_snakemake(
        workspace, "-n", "--config", "resources={train_model: {threads: 1}}"
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_a_sweep_trains_one_job_per_point_and_keeps_the_best_on_validation(
    workspace,
):
    """A grid given in a --configfile: one train_model job per point, in
    folders named by the point; results/model/ holds the point with the best
    validation accuracy, and the seeds' spread is summarised."""
    (workspace / "grid.yaml").write_text(
        "sweep:\n  cell: [rnn, gru]\n  seed: [1, 2]\n", encoding="utf-8"
    )
    planned = planned_jobs(workspace, "--configfile", "grid.yaml")
    assert planned["train_model"] == 4 and planned["select_model"] == 1
    run(workspace, "--configfile", "grid.yaml")

    summary = pd.read_csv(workspace / "results/sweep/summary.csv")
    names = ["cell=rnn_seed=1", "cell=rnn_seed=2", "cell=gru_seed=1", "cell=gru_seed=2"]
    assert summary["model"].tolist() == names
    best = summary["valid_accuracy"].max()
    chosen = summary.loc[summary["valid_accuracy"] == best, "model"].iloc[0]
    assert summary.loc[summary["chosen"], "model"].tolist() == [chosen]
    choice = json.loads((workspace / "results/model/choice.json").read_text())
    assert choice["model"] == chosen and choice["candidates"] == 4
    assert (workspace / "results/model/params.npz").read_bytes() == (
        workspace / f"results/models/{chosen}/params.npz"
    ).read_bytes()
    seeds = pd.read_csv(workspace / "results/sweep/seeds.csv")
    assert seeds["cell"].tolist() == ["rnn", "gru"]
    assert seeds["n"].tolist() == [2, 2]
    rnn = summary[summary["model"].str.startswith("cell=rnn")]["test_accuracy"]
    assert seeds["test_accuracy_mean"].iloc[0] == pytest.approx(rnn.mean())
    with np.load(workspace / "results/models/cell=gru_seed=2/params.npz") as f:
        assert f["Wh"].shape[1] == 3 * f["Wh"].shape[0]  # the point's own cell
    # the comparison adds the four networks' averaged probabilities
    comparison = pd.read_csv(workspace / "results/model/comparison.csv")
    assert comparison["model"].tolist() == [
        f"recurrent {choice['settings']['cell']} ({chosen})",
        "average of 4 recurrent networks",
        "tfidf_logistic",
        "vader_lexicon",
    ]
    members = [
        pd.read_parquet(workspace / f"results/models/{name}/predictions.parquet")
        for name in names
    ]
    test = members[0]["split"] == "test"
    mean = np.mean([m["probability"] for m in members], axis=0)[test]
    expected = np.mean((mean >= 0.5) == (members[0]["label"][test] == 1))
    assert comparison["test_accuracy"].iloc[1] == pytest.approx(expected)
    assert comparison["train_seconds"].iloc[1] == pytest.approx(
        summary["train_seconds"].sum()
    )
    # every model tested against TF-IDF, which has no test of its own
    assert pd.isna(comparison.loc[2, "mcnemar_p"])
    assert comparison.loc[[0, 1, 3], "mcnemar_p"].between(0, 1).all()

    # another value for one setting adds only the new points' training
    (workspace / "grid.yaml").write_text(
        "sweep:\n  cell: [rnn, gru]\n  seed: [1, 2, 3]\n", encoding="utf-8"
    )
    planned = planned_jobs(workspace, "--configfile", "grid.yaml")
    assert planned["train_model"] == 2
