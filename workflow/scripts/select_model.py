"""Choose the model with the best validation accuracy among the sweep's
points, copy its files to results/model/, and summarise the sweep."""

import json
import logging
import shutil

from sentiment_rnn import sweep
from sentiment_rnn.files import atomic_path
from sentiment_rnn.stage import start_logging, write_csv, write_json

log = logging.getLogger("select_model")


def main(smk):
    names = list(smk.params.models)
    overrides, grid = dict(smk.params.overrides), dict(smk.params.grid)
    out = smk.output

    done = start_logging(smk.log[0], smk.rule)
    metrics = {}
    for name, path in zip(names, smk.input.test_metrics):
        with open(path, encoding="utf-8") as handle:
            metrics[name] = json.load(handle)
    summary = sweep.summary(names, overrides, metrics)
    chosen = sweep.choose(summary)
    if len(names) > 1 and summary["valid_accuracy"].isna().all():
        log.warning(
            "no validation reviews (valid_fraction is 0): nothing to choose on, "
            "the first model of the grid, %s, is kept",
            chosen,
        )
    k = names.index(chosen)
    for kind in ("params", "history", "test_metrics", "predictions"):
        with atomic_path(out[kind]) as tmp:
            shutil.copyfile(smk.input[kind][k], tmp)
    write_csv(summary, out.summary)
    write_csv(sweep.seed_spread(summary, grid), out.seeds)
    choice = metrics[chosen]
    write_json(
        out.choice,
        {
            "model": chosen,
            "chosen_by": "validation accuracy",
            "valid_accuracy": choice["valid_accuracy"],
            "test_accuracy": choice["accuracy"],
            "candidates": len(names),
            "settings": choice["settings"],
        },
    )
    done(
        f"chose {chosen} of {len(names)} model(s): validation accuracy "
        f"{choice['valid_accuracy']}, test accuracy {choice['accuracy']:.4f}"
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
