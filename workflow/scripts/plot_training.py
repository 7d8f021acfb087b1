"""Plot the training curves."""

import pandas as pd

from sentiment_rnn import plots, train
from sentiment_rnn.files import atomic_path
from sentiment_rnn.stage import start_logging


def main(smk):
    history = smk.input.history
    plot = smk.output.plot

    done = start_logging(smk.log[0], smk.rule)
    frame = pd.read_csv(history)
    with atomic_path(plot) as tmp:
        plots.training_curves(frame, tmp, train.best_epoch(frame.to_dict("records")))
    done(plot)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
