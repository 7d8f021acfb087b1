"""Read the speeches, trim speakers, repair and normalise their text."""

from sentiment_rnn import datasets
from sentiment_rnn.files import check_unchanged
from sentiment_rnn.stage import start_logging, write_parquet


def main(smk):
    speeches = smk.input.speeches
    digests = smk.params.digests
    repair = smk.params.repair_encoding

    done = start_logging(smk.log[0], smk.rule)
    check_unchanged(speeches, digests)
    frame = datasets.read_speeches(speeches, repair)
    write_parquet(frame, smk.output.speeches)
    done(
        f"{len(frame)} speeches, {int(frame['mojibake'].sum())} suspect sequences found"
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
