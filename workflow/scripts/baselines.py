"""Score the validation and test reviews with the baselines: TF-IDF with
logistic regression, and the VADER lexicon."""

import time

import pandas as pd

from sentiment_rnn import baselines
from sentiment_rnn.stage import start_logging, write_json, write_parquet


def main(smk):
    reviews_path = smk.input.reviews
    settings = smk.params.settings
    out = smk.output

    done = start_logging(smk.log[0], smk.rule)
    reviews = pd.read_parquet(
        reviews_path, columns=["review_id", "split", "label", "tokens", "n_tokens"]
    )
    parts = {
        split: reviews[reviews["split"] == split]
        for split in ("train", "valid", "test")
    }
    texts = {split: (part["tokens"], part["label"]) for split, part in parts.items()}
    p_valid, p_test, tfidf = baselines.tfidf_logistic(
        texts["train"],
        texts["valid"],
        texts["test"],
        list(settings["tfidf_c"]),
        settings["tfidf_ngrams"],
        settings["tfidf_min_df"],
    )
    evaluated = pd.concat([parts["valid"], parts["test"]])
    started = time.perf_counter()
    p_lexicon = baselines.lexicon_probabilities(evaluated["tokens"])
    lexicon_seconds = time.perf_counter() - started

    columns = ["review_id", "split", "label", "n_tokens"]
    frames = []
    for name, probability in (
        ("tfidf_logistic", list(p_valid) + list(p_test)),
        ("vader_lexicon", p_lexicon),
    ):
        frame = evaluated[columns].copy()
        frame.insert(0, "model", name)
        frame["probability"] = probability
        frames.append(frame)
    write_parquet(pd.concat(frames, ignore_index=True), out.predictions)
    write_json(
        out.report,
        {
            "tfidf_logistic": tfidf,
            "vader_lexicon": {"train_seconds": 0.0, "score_seconds": lexicon_seconds},
        },
    )
    done(
        f"tf-idf with logistic regression (C={tfidf['C']:g}, {tfidf['features']:,} "
        f"features) and the VADER lexicon on {len(evaluated)} reviews"
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
