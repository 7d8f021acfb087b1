"""Measure what training settings do to validation and test accuracy.

Trains the pipeline's model on a finished run's split, vocabulary and
embedding matrix, with the settings of config.yaml and the changes given with
`--set` (checked by the config's schema), and prints one line: the changes,
the epoch kept, validation and test accuracy, minutes. Nothing under
`results/` is written, so runs can be compared side by side; the same settings
through `snakemake --config ...` train the same model. `--predictions FILE`
also writes the model's probabilities for the validation and test reviews
(the columns of the pipeline's predictions.parquet), for comparing or
averaging models afterwards.

    python benchmarks/setting_effect.py --results results --set dropout=0.0
"""

import argparse
import dataclasses
import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sentiment_rnn import sweep, train, vocab
from sentiment_rnn.config import ConfigError, load_schema, validate_config
from sentiment_rnn.errors import InputError
from sentiment_rnn.metrics import classification_metrics
from sentiment_rnn.stage import write_parquet

REPO = Path(__file__).resolve().parents[1]
INPUTS = ("split/reviews.parquet", "vocab/vocab.tsv", "embeddings/matrix.npy")


def settings_with(changes):
    """The config's training settings with `changes` (key=value texts, values
    read as YAML), checked like config.yaml; (settings, max_len, truncate)."""
    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    allowed = set(sweep.SWEPT) | {"device", "dtype", "flush_subnormals", "batch_slices"}
    given = set()
    for change in changes:
        key, sep, value = change.partition("=")
        if not sep:
            raise ConfigError(f"--set {change!r}: expected key=value")
        if key not in allowed:
            raise ConfigError(
                f"--set {key}: not a training setting this script applies; "
                f"expected one of {', '.join(sorted(allowed))}"
            )
        if key in given:
            raise ConfigError(f"--set {key}: given twice")
        given.add(key)
        try:
            config[key] = yaml.safe_load(value)
        except yaml.YAMLError as err:
            raise ConfigError(f"--set {change!r}: not a YAML value ({err})") from None
    config = validate_config(
        config, load_schema(REPO / "workflow/schemas/config.schema.yaml")
    )
    fields = {f.name for f in dataclasses.fields(train.TrainSettings)} - {"processes"}
    settings = train.TrainSettings(
        **{key: config[key] for key in fields}, processes=config["batch_slices"]
    )
    return settings, config["max_len"], config["truncate"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True, help="results folder of a run")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    parser.add_argument(
        "--predictions", type=Path, help="parquet file for the probabilities"
    )
    args = parser.parse_args()
    try:
        settings, max_len, truncate = settings_with(args.set)
    except ConfigError as err:
        parser.error(str(err))
    paths = [Path(args.results, part) for part in INPUTS]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        parser.error(
            f"missing pipeline outputs: {', '.join(missing)} (run snakemake first)"
        )
    logging.basicConfig(level=logging.WARNING)

    reviews = pd.read_parquet(
        paths[0], columns=["review_id", "split", "label", "tokens", "n_tokens"]
    )
    index = vocab.word_index(vocab.read_vocabulary(paths[1]))
    matrix = np.load(paths[2], allow_pickle=False)
    data = {
        split: train.encode_split(reviews, split, index, max_len, truncate)
        for split in ("train", "valid", "test")
    }
    started = time.perf_counter()
    try:
        params, spec, history, _ = train.train(
            data["train"], data["valid"], matrix, settings
        )
        probabilities = {
            split: train.probabilities(params, spec, data[split][0], settings.device)
            for split in ("valid", "test")
        }
    except InputError as err:
        parser.error(str(err))
    metrics = classification_metrics(data["test"][1], probabilities["test"])
    if args.predictions:
        write_predictions(args.predictions, reviews, probabilities)
    kept = train.best_epoch(history)
    print(
        f"{' '.join(args.set) or '(config.yaml)'}: epoch {kept} of {len(history)} kept, "
        f"validation accuracy {history[kept - 1]['valid_accuracy']:.4f}, "
        f"test accuracy {metrics['accuracy']:.4f}, "
        f"{(time.perf_counter() - started) / 60:.1f} min"
    )
    return 0


def write_predictions(path, reviews, probabilities):
    """The probabilities beside each review's id, split, label and length,
    as train_model writes them."""
    parts = []
    for split, p in probabilities.items():
        part = reviews.loc[
            reviews["split"] == split, ["review_id", "split", "label", "n_tokens"]
        ]
        parts.append(part.assign(probability=p))
    write_parquet(pd.concat(parts, ignore_index=True), path)


if __name__ == "__main__":
    sys.exit(main())
