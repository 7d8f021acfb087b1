"""Read GloVe vectors from their source into vectors.npy + words.parquet."""

import pandas as pd

from sentiment_rnn import glove
from sentiment_rnn.files import check_unchanged
from sentiment_rnn.stage import start_logging, write_json, write_npy, write_parquet


def main(smk):
    kind = smk.params.kind
    settings = smk.params.settings
    raw = smk.input.get("glove")
    out = smk.output

    done = start_logging(smk.log[0], smk.rule)
    if kind == "package":
        words, vectors = glove.read_package(settings["package"], settings["sha256"])
        name = settings["package"]
    else:
        check_unchanged(raw, settings["digests"])
    if kind == "zip":
        words, vectors = glove.read_zip_member(raw, settings["member"])
        name = settings["member"]
    elif kind == "text":
        words, vectors = glove.read_text_file(raw)
        name = "glove.txt"
    write_npy(vectors, out.vectors)
    write_parquet(pd.DataFrame({"word": words}), out.words)
    write_json(
        out.info, {"source": name, "words": len(words), "dim": int(vectors.shape[1])}
    )
    done(f"{len(words)} vectors of width {vectors.shape[1]} from {name}")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
