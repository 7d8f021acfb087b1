"""Read the reviews, deduplicate, clean and tokenise them."""

from sentiment_rnn import datasets, text
from sentiment_rnn.files import check_unchanged
from sentiment_rnn.stage import start_logging, write_json, write_parquet


def main(smk):
    raw = smk.input.reviews
    digests = smk.params.digests
    fmt = smk.params.reviews_format
    repair = smk.params.repair_encoding
    stopwords = text.stopword_set(smk.params.stopwords, smk.params.extra_stopwords)
    processes = smk.threads

    done = start_logging(smk.log[0], smk.rule)
    check_unchanged(raw, digests)
    frame = datasets.read_reviews(raw, fmt)
    cleaned, report = datasets.clean_reviews(frame, stopwords, repair, processes)
    write_parquet(cleaned, smk.output.reviews)
    write_json(smk.output.report, report)
    done(f"{report['read']} reviews read, {report['kept']} kept")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
