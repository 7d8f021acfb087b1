"""Measure bias in the word vectors, the model's outputs and the training data."""

import logging

import numpy as np
import pandas as pd
import yaml

from sentiment_rnn import fairness, model, text, vocab
from sentiment_rnn.backend import get_backend
from sentiment_rnn.stage import start_logging, write_csv


def main(smk):
    terms_path = smk.input.terms
    vectors_path, words_path = smk.input.vectors, smk.input.words
    params_path, vocab_path, reviews_path = (
        smk.input.params,
        smk.input.vocab,
        smk.input.reviews,
    )
    stopwords = text.stopword_set(smk.params.stopwords, smk.params.extra_stopwords)
    device = smk.params.device
    out = smk.output

    done = start_logging(smk.log[0], smk.rule)
    with open(terms_path, encoding="utf-8") as handle:
        terms = fairness.check_terms(yaml.safe_load(handle), terms_path)
    params, spec, _ = model.load_params(params_path)
    table = vocab.read_vocabulary(vocab_path)
    model.check_vocabulary(spec, len(table), vocab_path, params_path)
    vector_sets = {
        "glove": (
            pd.read_parquet(words_path)["word"].tolist(),
            np.load(vectors_path, mmap_mode="r"),
        ),
        "model": (table["word"].tolist(), params["E"]),
    }
    association = fairness.embedding_association(terms, vector_sets)

    xp, _ = get_backend(device)
    index = vocab.word_index(table)
    scorer = fairness.text_scorer(params, spec, index, stopwords, xp)
    groups, sentences = fairness.template_scores(terms, scorer, set(index))

    reviews = pd.read_parquet(reviews_path, columns=["split", "label", "tokens"])
    train = reviews[reviews["split"] == "train"]
    represented = fairness.representation(train["tokens"], train["label"], terms)

    write_csv(association, out.association)
    write_csv(groups, out.groups)
    write_csv(sentences, out.sentences)
    write_csv(represented, out.representation)
    for row in association.itertuples():
        logging.getLogger("measure_bias").info(
            "%s, %s vectors: WEAT effect size %.2f (p = %.3f)",
            row.comparison,
            row.vectors,
            row.effect_size,
            row.p_value,
        )
    done(f"{len(association)} associations, {len(sentences)} template sentences scored")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
