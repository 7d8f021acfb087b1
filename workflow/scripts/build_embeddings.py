"""Build the embedding matrix of the vocabulary from GloVe."""

import json

import numpy as np
import pandas as pd

from sentiment_rnn import vocab
from sentiment_rnn.stage import start_logging, write_json, write_npy


def main(smk):
    vocab_path = smk.input.vocab
    vectors_path, words_path, info_path = (
        smk.input.vectors,
        smk.input.words,
        smk.input.info,
    )
    embedding_dim = smk.params.embedding_dim
    oov_scale = smk.params.oov_scale
    seed = smk.params.seed

    done = start_logging(smk.log[0], smk.rule)
    info = json.loads(open(info_path, encoding="utf-8").read())
    vocab.check_dim(info["dim"], embedding_dim, info["source"])
    vectors = np.load(vectors_path, mmap_mode="r")
    words = pd.read_parquet(words_path)["word"].tolist()
    table = vocab.read_vocabulary(vocab_path)
    matrix, coverage = vocab.embedding_matrix(table, words, vectors, seed, oov_scale)
    write_npy(matrix, smk.output.matrix)
    write_json(smk.output.coverage, coverage)
    done(
        f"matrix {matrix.shape}, {100 * coverage['token_share']:.1f}% of tokens covered"
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
