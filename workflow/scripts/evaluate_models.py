"""Compare the chosen recurrent network with the baselines on the test
reviews: accuracy, F1, ROC AUC, calibration, accuracy by review length and
McNemar's test against TF-IDF. A sweep of several models adds a row for the
average of their probabilities."""

import json

import pandas as pd

from sentiment_rnn import evaluation, plots
from sentiment_rnn.files import atomic_path
from sentiment_rnn.stage import start_logging, write_csv

# The model every other is tested against (McNemar): the classical baseline
# a user would otherwise pick.
REFERENCE = "tfidf_logistic"


def main(smk):
    inputs, out = smk.input, smk.output

    done = start_logging(smk.log[0], smk.rule)
    with open(inputs.choice, encoding="utf-8") as handle:
        choice = json.load(handle)
    with open(inputs.test_metrics, encoding="utf-8") as handle:
        network = json.load(handle)
    with open(inputs.baseline_report, encoding="utf-8") as handle:
        baseline_report = json.load(handle)
    name = f"recurrent {choice['settings']['cell']} ({choice['model']})"
    parts = [pd.read_parquet(inputs.predictions).assign(model=name)]
    details = {
        name: {"kind": "from scratch", "train_seconds": network["train_seconds"]}
    }
    if len(inputs.sweep_predictions) > 1:
        average = f"average of {len(inputs.sweep_predictions)} recurrent networks"
        members = [pd.read_parquet(path) for path in inputs.sweep_predictions]
        parts.append(evaluation.average_predictions(members).assign(model=average))
        seconds = 0.0
        for path in inputs.sweep_metrics:
            with open(path, encoding="utf-8") as handle:
                seconds += json.load(handle)["train_seconds"]
        details[average] = {"kind": "from scratch, averaged", "train_seconds": seconds}
    parts.append(pd.read_parquet(inputs.baselines))
    predictions = pd.concat(parts, ignore_index=True)
    details.update(
        {
            baseline: {"kind": "baseline", "train_seconds": figures["train_seconds"]}
            for baseline, figures in baseline_report.items()
        }
    )
    table = evaluation.comparison(predictions, details, reference=REFERENCE)
    test = predictions[predictions["split"] == "test"]
    calibration = pd.concat(
        [
            evaluation.calibration_bins(part["label"], part["probability"]).assign(
                model=model
            )
            for model, part in test.groupby("model", sort=False)
        ],
        ignore_index=True,
    )
    by_length = evaluation.accuracy_by_length(test)

    write_csv(table, out.comparison)
    write_csv(calibration, out.calibration)
    write_csv(by_length, out.by_length)
    with atomic_path(out.reliability) as tmp:
        plots.reliability(calibration, tmp)
    with atomic_path(out.by_length_plot) as tmp:
        plots.accuracy_by_length(by_length, tmp)
    done(f"test accuracy: {', '.join(map(_described, table.itertuples()))}")


def _described(row):
    """A model's test accuracy for the log, with its test against REFERENCE."""
    if pd.isna(row.mcnemar_p):
        return f"{row.model} {row.test_accuracy:.4f}"
    return (
        f"{row.model} {row.test_accuracy:.4f} "
        f"(McNemar p {row.mcnemar_p:.3g} against {REFERENCE})"
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
