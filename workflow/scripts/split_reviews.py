"""Split the cleaned reviews into train, valid and test."""

import pandas as pd

from sentiment_rnn import datasets
from sentiment_rnn.stage import start_logging, write_json, write_parquet


def main(smk):
    reviews = smk.input.reviews
    valid_fraction = smk.params.valid_fraction
    test_fraction = smk.params.test_fraction
    seed = smk.params.seed

    done = start_logging(smk.log[0], smk.rule)
    frame, report = datasets.split_reviews(
        pd.read_parquet(reviews), valid_fraction, test_fraction, seed
    )
    write_parquet(frame, smk.output.reviews)
    write_json(smk.output.report, report)
    done(f"{report['sizes']}")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
