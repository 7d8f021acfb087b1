"""Train the recurrent network; write its parameters, history and test metrics."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from sentiment_rnn import model, train, vocab
from sentiment_rnn.files import atomic_path, sha256_of
from sentiment_rnn.stage import start_logging, write_csv, write_json


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
    reviews = pd.read_parquet(reviews_path, columns=["split", "label", "tokens"])
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
    metrics = train.evaluate(params, spec, data["test"], settings.device)

    with atomic_path(out.params) as tmp:
        model.save_params(tmp, params, spec, {"max_len": max_len, "truncate": truncate})
    write_csv(pd.DataFrame(history), out.history)
    summary = {"epochs_run": len(history), "best_epoch": train.best_epoch(history)}
    write_json(out.test_metrics, {**metrics, **summary, "backend": backend})
    checkpoint.unlink(missing_ok=True)
    epochs = f"{len(history)} epoch{'' if len(history) == 1 else 's'}"
    done(
        f"{len(data['train'][0])} training reviews, {epochs}, "
        f"test accuracy {metrics['accuracy']:.4f} on {metrics['n']} reviews"
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
