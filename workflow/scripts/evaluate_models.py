"""Compare the chosen recurrent network with the baselines on the test
reviews: accuracy, F1, ROC AUC, calibration and accuracy by review length."""

import json

import pandas as pd

from sentiment_rnn import evaluation, plots
from sentiment_rnn.files import atomic_path
from sentiment_rnn.stage import start_logging, write_csv


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
    ours = pd.read_parquet(inputs.predictions).assign(model=name)
    predictions = pd.concat(
        [ours, pd.read_parquet(inputs.baselines)], ignore_index=True
    )
    details = {
        name: {"kind": "from scratch", "train_seconds": network["train_seconds"]},
        **{
            baseline: {"kind": "baseline", "train_seconds": figures["train_seconds"]}
            for baseline, figures in baseline_report.items()
        },
    }
    table = evaluation.comparison(predictions, details)
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
    lines = ", ".join(
        f"{row.model} {row.test_accuracy:.4f}"
        + ("" if pd.isna(row.mcnemar_p) else f" (McNemar p {row.mcnemar_p:.3g})")
        for row in table.itertuples()
    )
    done(f"test accuracy: {lines}")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
