"""Cases on the vocabulary and the embedding matrix (`sentiment_rnn.vocab`).

EMB-DIM-MISMATCH: a set `embedding_dim` that differs from the file's width
stops the run before training; unset, the width is taken from the file.
OOV-DETERMINISM: unknown words map to fixed vectors, whatever NumPy's global
seed. CHARS-VS-TOKENS (b): truncation counts tokens, not characters.
"""

import json
import re

import numpy as np
import pandas as pd
import pytest
import support as S

from sentiment_rnn import glove, train, vocab
from sentiment_rnn.errors import InputError

# --- EMB-DIM-MISMATCH --------------------------------------------------------


def test_check_dim_message():
    expected = "glove.txt has 4 values per word but embedding_dim is 300"
    with pytest.raises(InputError, match=f"^{re.escape(expected)}$"):
        vocab.check_dim(4, 300, "glove.txt")


@pytest.mark.parametrize("expected", [None, 4])
def test_check_dim_accepts_unset_or_equal(expected):
    assert vocab.check_dim(4, expected, "glove.txt") is None


def prepare_and_embed(tmp_path, embedding_dim):
    """Run the prepare_glove and build_embeddings stage scripts on the 4-d file."""
    glove_path = S.glove_4d(tmp_path)
    vocab_path = tmp_path / "vocab.tsv"
    table = vocab.build_vocabulary(["good film", "bad film", "qwzx"], min_count=1)
    table.to_csv(vocab_path, sep="\t", index=False, encoding="utf-8")
    out = {
        n: tmp_path / "glove" / n for n in ("vectors.npy", "words.parquet", "info.json")
    }
    matrix = tmp_path / "emb" / "matrix.npy"
    coverage = tmp_path / "emb" / "coverage.json"
    with S.isolated_logging():
        S.load_script("prepare_glove").main(
            S.fake_smk(
                "prepare_glove",
                tmp_path / "prepare.log",
                input={"glove": glove_path},
                output={
                    "vectors": out["vectors.npy"],
                    "words": out["words.parquet"],
                    "info": out["info.json"],
                },
                params={
                    "kind": "text",
                    "settings": {"digests": [S.sha256(glove_path)]},
                },
            )
        )
        S.load_script("build_embeddings").main(
            S.fake_smk(
                "build_embeddings",
                tmp_path / "embed.log",
                input={
                    "vocab": vocab_path,
                    "vectors": out["vectors.npy"],
                    "words": out["words.parquet"],
                    "info": out["info.json"],
                },
                output={"matrix": matrix, "coverage": coverage},
                params={"embedding_dim": embedding_dim, "oov_scale": 0.1, "seed": 42},
            )
        )
    return matrix, coverage, out["info.json"]


def test_embedding_dim_300_fails_before_training(tmp_path):
    expected = "glove.txt has 4 values per word but embedding_dim is 300"
    with pytest.raises(InputError, match=re.escape(expected)):
        prepare_and_embed(tmp_path, 300)
    assert not (tmp_path / "emb" / "matrix.npy").exists()


def test_embedding_dim_unset_infers_4_and_model_input_is_4(tmp_path):
    matrix_path, coverage_path, info_path = prepare_and_embed(tmp_path, None)
    assert json.loads(info_path.read_text(encoding="utf-8"))["dim"] == 4
    matrix = np.load(matrix_path, allow_pickle=False)
    assert matrix.shape == (6, 4)  # PAD, UNK, film, bad, good, qwzx
    assert json.loads(coverage_path.read_text(encoding="utf-8"))["embedding_dim"] == 4

    sequences = [np.array([2, 3], np.int32), np.array([4, 2], np.int32)]
    labels = np.array([0, 1], np.float32)
    settings = train.TrainSettings(hidden_size=3, epochs=1, batch_size=2, device="cpu")
    params, spec, _, _ = train.train(
        (sequences, labels), (sequences, labels), matrix, settings
    )
    assert spec.embedding_dim == 4
    assert params["Wxh"].shape == (4, 3)
    assert params["E"].shape == (6, 4)


# --- OOV-DETERMINISM -----------------------------------------------------------


def test_oov_vector_ignores_global_seed():
    np.random.seed(1)
    first = vocab.oov_vector("qwzx", 4, seed=42, scale=0.1)
    np.random.seed(2)
    np.random.random(10)
    second = vocab.oov_vector("qwzx", 4, seed=42, scale=0.1)
    np.testing.assert_array_equal(first, second)
    assert first.shape == (4,) and first.dtype == np.float32
    assert not np.array_equal(first, vocab.oov_vector("zzyzx", 4, seed=42, scale=0.1))


def test_embedding_matrix_is_reproducible(tmp_path):
    words, vectors = glove.read_text_file(S.glove_4d(tmp_path))
    table = vocab.build_vocabulary(["good qwzx film", "bad film"], min_count=1)
    np.random.seed(1)
    first, coverage = vocab.embedding_matrix(
        table, words, vectors, seed=42, oov_scale=0.1
    )
    np.random.seed(2)
    second, _ = vocab.embedding_matrix(table, words, vectors, seed=42, oov_scale=0.1)
    np.testing.assert_array_equal(first, second)
    index = vocab.word_index(table)
    np.testing.assert_array_equal(first[vocab.PAD], np.zeros(4, np.float32))
    np.testing.assert_array_equal(first[index["good"]], vectors[words.index("good")])
    np.testing.assert_array_equal(
        first[index["qwzx"]], vocab.oov_vector("qwzx", 4, 42, 0.1)
    )
    assert coverage["words_found"] == 3 and coverage["vocabulary_size"] == 4


def test_unknown_words_share_the_unk_id():
    index = vocab.word_index(vocab.build_vocabulary(["good film"], min_count=1))
    ids, unknown = vocab.encode(["good qwzx film", "zzyzx qwzx"], index)
    assert ids[0].tolist() == [index["good"], vocab.UNK, index["film"]]
    assert ids[1].tolist() == [vocab.UNK, vocab.UNK]
    assert unknown.tolist() == [1, 2]


# --- CHARS-VS-TOKENS (b) ---------------------------------------------------------


@pytest.mark.parametrize("keep", ["first", "last"])
def test_truncation_counts_tokens(keep):
    index = vocab.word_index(vocab.build_vocabulary(["good"], min_count=1))
    ids, unknown = vocab.encode(
        [" ".join(["good"] * 80)], index, max_tokens=50, keep=keep
    )
    assert len(ids[0]) == 50
    assert set(ids[0].tolist()) == {index["good"]}
    assert unknown.tolist() == [0]


def test_truncation_keeps_the_right_end():
    words = [f"w{i}" for i in range(80)]
    index = vocab.word_index(vocab.build_vocabulary([" ".join(words)], min_count=1))
    first, _ = vocab.encode([" ".join(words)], index, max_tokens=50, keep="first")
    last, _ = vocab.encode([" ".join(words)], index, max_tokens=50, keep="last")
    assert first[0].tolist() == [index[w] for w in words[:50]]
    assert last[0].tolist() == [index[w] for w in words[-50:]]


def test_encode_split_keeps_50_tokens_per_review():
    reviews = pd.DataFrame(
        {
            "split": ["train", "train"],
            "label": [1, 0],
            "tokens": [" ".join(["good"] * 80), "bad " * 3],
        }
    )
    index = vocab.word_index(vocab.build_vocabulary(["good bad"], min_count=1))
    sequences, labels = train.encode_split(reviews, "train", index, 50, "first")
    assert [len(s) for s in sequences] == [50, 3]
    assert labels.tolist() == [1.0, 0.0]
