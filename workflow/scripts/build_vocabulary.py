"""Build the vocabulary from the training texts only."""

import pandas as pd

from sentiment_rnn import vocab
from sentiment_rnn.files import atomic_path
from sentiment_rnn.stage import start_logging


def main(smk):
    reviews = smk.input.reviews
    min_count = smk.params.min_count
    max_vocab = smk.params.max_vocab

    done = start_logging(smk.log[0], smk.rule)
    frame = pd.read_parquet(reviews, columns=["split", "tokens"])
    table = vocab.build_vocabulary(
        frame.loc[frame["split"] == "train", "tokens"], min_count, max_vocab
    )
    with atomic_path(smk.output.vocab) as tmp:
        table.to_csv(tmp, sep="\t", index=False, encoding="utf-8")
    done(f"{len(table)} entries")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
