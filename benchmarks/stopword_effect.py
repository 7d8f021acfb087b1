"""Measure test accuracy with and without stopword removal.

Runs the pipeline's own functions in one process on the same reviews, the
same split and the same model settings, once per stopword preset, and prints
one row per preset. The README's choice of default comes from this table.

    python benchmarks/stopword_effect.py --reviews data/raw/reviews.tar.gz
"""

import argparse
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sentiment_rnn import datasets, glove, text, train, vocab

REPO = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", required=True, help="aclImdb tarball")
    parser.add_argument("--presets", nargs="+", default=sorted(text.STOPWORD_PRESETS))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--head", default="max")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    raw = datasets.read_aclimdb(args.reviews)
    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    words, vectors = glove.read_package(
        config["glove_package"], config["glove_package_sha256"]
    )
    rows = []
    for preset in args.presets:
        started = time.perf_counter()
        cleaned, _ = datasets.clean_reviews(raw, text.stopword_set(preset), processes=2)
        split, _ = datasets.split_reviews(cleaned, 0.1, 0.5, args.seed)
        table = vocab.build_vocabulary(
            split.loc[split["split"] == "train", "tokens"], 2, 20000
        )
        matrix, _ = vocab.embedding_matrix(table, words, vectors, args.seed, 0.1)
        index = vocab.word_index(table)
        data = {
            s: train.encode_split(split, s, index, 256, "first")
            for s in ("train", "valid", "test")
        }
        settings = train.TrainSettings(
            head=args.head,
            epochs=args.epochs,
            learning_rate=2e-3,
            train_embeddings=True,
            device="cpu",
            seed=args.seed,
        )
        params, spec, history, _ = train.train(
            data["train"], data["valid"], matrix, settings
        )
        metrics = train.evaluate(params, spec, data["test"], "cpu")
        rows.append(
            {
                "stopwords": preset,
                "mean_tokens": float(np.mean([len(s) for s in data["test"][0]])),
                "valid_accuracy": max(r["valid_accuracy"] for r in history),
                "test_accuracy": metrics["accuracy"],
                "seconds": time.perf_counter() - started,
            }
        )
        print(pd.DataFrame(rows).to_string(index=False), flush=True)


if __name__ == "__main__":
    main()
