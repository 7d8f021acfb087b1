"""Measure what training settings do to validation and test accuracy.

Trains the pipeline's model on a finished run's split, vocabulary and
embedding matrix, with the settings of config.yaml and the changes given with
`--set` (checked by the config's schema), and prints one line: the changes,
the epoch kept, validation and test accuracy, minutes. Nothing under
`results/` is written, so runs can be compared side by side; the same settings
through `snakemake --config ...` train the same model.

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

    reviews = pd.read_parquet(paths[0], columns=["split", "label", "tokens"])
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
        metrics = train.evaluate(params, spec, data["test"], settings.device)
    except InputError as err:
        parser.error(str(err))
    kept = train.best_epoch(history)
    print(
        f"{' '.join(args.set) or '(config.yaml)'}: epoch {kept} of {len(history)} kept, "
        f"validation accuracy {history[kept - 1]['valid_accuracy']:.4f}, "
        f"test accuracy {metrics['accuracy']:.4f}, "
        f"{(time.perf_counter() - started) / 60:.1f} min"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
