"""Plot the share of positive and negative paragraphs per speech."""

import pandas as pd

from sentiment_rnn import plots
from sentiment_rnn.files import atomic_path
from sentiment_rnn.stage import start_logging


def read_scores(path):
    """The speech table; a speaker called "NA" stays a name, not a missing value."""
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    frame["speaker"] = frame["speaker"].fillna("").astype(str)
    return frame


def main(smk):
    speeches = smk.input.speeches
    plot = smk.output.plot

    done = start_logging(smk.log[0], smk.rule)
    with atomic_path(plot) as tmp:
        plots.speech_sentiment(read_scores(speeches), tmp)
    done(plot)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
