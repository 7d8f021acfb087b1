"""Score every speech paragraph by paragraph."""

import pandas as pd

from sentiment_rnn import model, score, text, vocab
from sentiment_rnn.stage import start_logging, write_csv


def main(smk):
    speeches_path, params_path, vocab_path = (
        smk.input.speeches,
        smk.input.params,
        smk.input.vocab,
    )
    para_len = smk.params.para_len
    stopwords = text.stopword_set(smk.params.stopwords, smk.params.extra_stopwords)
    device = smk.params.device

    done = start_logging(smk.log[0], smk.rule)
    params, spec, meta = model.load_params(params_path)
    # paragraphs are cut as the model's training reviews were (a sweep may
    # have chosen a model with another max_len than the config's)
    max_len, truncate = meta.get("max_len"), meta.get("truncate", "first")
    table = vocab.read_vocabulary(vocab_path)
    model.check_vocabulary(spec, len(table), vocab_path, params_path)
    speeches, paragraphs = score.score_speeches(
        pd.read_parquet(speeches_path),
        params,
        spec,
        vocab.word_index(table),
        stopwords,
        para_len,
        max_len,
        truncate,
        device,
    )
    write_csv(speeches, smk.output.speeches)
    write_csv(paragraphs, smk.output.paragraphs)
    done(f"{len(speeches)} speeches, {len(paragraphs)} paragraphs of {para_len} words")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
