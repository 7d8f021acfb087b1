"""Plot the sweep: validation and test accuracy of every model."""

import pandas as pd

from sentiment_rnn import plots
from sentiment_rnn.files import atomic_path
from sentiment_rnn.stage import start_logging


def main(smk):
    summary = smk.input.summary
    plot = smk.output.plot

    done = start_logging(smk.log[0], smk.rule)
    frame = pd.read_csv(summary)
    with atomic_path(plot) as tmp:
        plots.sweep(frame, tmp)
    done(plot)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
