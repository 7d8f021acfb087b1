"""Train one recurrent network (a point of the sweep); write its parameters,
history, test metrics and its probabilities for every validation and test
review."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from sentiment_rnn import model, train, vocab
from sentiment_rnn.files import atomic_path, sha256_of
from sentiment_rnn.metrics import classification_metrics
from sentiment_rnn.stage import start_logging, write_csv, write_json, write_parquet


def _number_or_none(value):
    """JSON has no NaN: a missing validation figure is written as null."""
    return None if value != value else value


def main(smk):
    reviews_path, vocab_path, matrix_path = (
        smk.input.reviews,
        smk.input.vocab,
        smk.input.matrix,
    )
    checkpoint = Path(smk.params.checkpoint)
    max_len, truncate = smk.params.max_len, smk.params.truncate
    max_train_reviews = smk.params.max_train_reviews
    settings = train.TrainSettings(**smk.params.training, processes=smk.threads)
    out = smk.output

    done = start_logging(smk.log[0], smk.rule)
    reviews = pd.read_parquet(
        reviews_path, columns=["review_id", "split", "label", "tokens", "n_tokens"]
    )
    index = vocab.word_index(vocab.read_vocabulary(vocab_path))
    matrix = np.load(matrix_path, allow_pickle=False)
    train.check_memory(
        train.model_spec(matrix.shape, settings), settings, smk.resources.mem_mb
    )
    data = {
        split: train.encode_split(reviews, split, index, max_len, truncate)
        for split in ("train", "valid", "test")
    }
    if max_train_reviews:
        data["train"] = train.sample(data["train"], max_train_reviews, settings.seed)

    fingerprint = hashlib.sha256(
        json.dumps(
            [sha256_of(p) for p in (reviews_path, vocab_path, matrix_path)]
            + [max_len, truncate, max_train_reviews, smk.params.training]
        ).encode()
    ).hexdigest()
    params, spec, history, backend = train.train(
        data["train"], data["valid"], matrix, settings, checkpoint, fingerprint
    )
    predictions = []
    for split in ("valid", "test"):
        part = reviews.loc[reviews["split"] == split, ["review_id", "split", "label"]]
        part["n_tokens"] = reviews.loc[part.index, "n_tokens"]
        sequences = data[split][0]
        part["probability"] = (
            train.probabilities(params, spec, sequences, settings.device)
            if sequences
            else []
        )
        predictions.append(part)
    predictions = pd.concat(predictions, ignore_index=True)
    test = predictions[predictions["split"] == "test"]
    metrics = classification_metrics(test["label"], test["probability"])

    with atomic_path(out.params) as tmp:
        model.save_params(tmp, params, spec, {"max_len": max_len, "truncate": truncate})
    write_csv(pd.DataFrame(history), out.history)
    write_parquet(predictions, out.predictions)
    best = train.best_epoch(history)
    summary = {
        "epochs_run": len(history),
        "best_epoch": best,
        "valid_accuracy": _number_or_none(history[best - 1]["valid_accuracy"])
        if best
        else None,
        "train_seconds": sum(row["seconds"] for row in history),
        "settings": {**smk.params.training, "max_len": max_len, "truncate": truncate},
    }
    write_json(out.test_metrics, {**metrics, **summary, "backend": backend})
    checkpoint.unlink(missing_ok=True)
    epochs = f"{len(history)} epoch{'' if len(history) == 1 else 's'}"
    done(
        f"{len(data['train'][0])} training reviews, {epochs}, "
        f"test accuracy {metrics['accuracy']:.4f} on {metrics['n']} reviews"
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
