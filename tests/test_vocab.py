"""Vocabulary layout, encoding and the embedding matrix."""

import numpy as np
import pytest

from sentiment_rnn import vocab


def test_reserved_indices_and_order():
    table = vocab.build_vocabulary(["b a b", "c b a", "d"], min_count=2)
    assert table["word"].tolist() == ["<pad>", "<unk>", "b", "a"]  # c, d seen once
    assert table["count"].tolist() == [0, 0, 3, 2]
    assert vocab.word_index(table)["b"] == 2


def test_max_size_counts_the_reserved_entries():
    table = vocab.build_vocabulary(["a a a b b c"], max_size=3)
    assert table["word"].tolist() == ["<pad>", "<unk>", "a"]


@pytest.mark.parametrize("keep, expected", [("first", [2, 3]), ("last", [4, 1])])
def test_encode_truncates_in_tokens(keep, expected):
    index = {"<pad>": 0, "<unk>": 1, "a": 2, "b": 3, "c": 4}
    ids, unknown = vocab.encode(["a b c zz"], index, max_tokens=2, keep=keep)
    assert ids[0].tolist() == expected
    assert unknown.tolist() == [int(keep == "last")]


def test_vocabulary_file_keeps_words_that_look_like_missing_values(tmp_path):
    table = vocab.build_vocabulary(["nan null na none"])
    path = tmp_path / "vocab.tsv"
    table.to_csv(path, sep="\t", index=False)
    assert vocab.read_vocabulary(path)["word"].tolist()[2:] == [
        "na",
        "nan",
        "none",
        "null",
    ]


def test_embedding_matrix_rows_and_coverage():
    table = vocab.build_vocabulary(["good good film qwzx"])
    glove_words = ["film", "good", "bad"]
    vectors = np.arange(6, dtype=np.float32).reshape(3, 2)
    matrix, coverage = vocab.embedding_matrix(
        table, glove_words, vectors, seed=1, oov_scale=0.1
    )
    rows = dict(zip(table["word"], matrix))
    np.testing.assert_array_equal(rows["good"], [2, 3])
    np.testing.assert_array_equal(rows["<pad>"], [0, 0])
    np.testing.assert_array_equal(rows["qwzx"], vocab.oov_vector("qwzx", 2, 1, 0.1))
    assert coverage["words_found"] == 2 and coverage["vocabulary_size"] == 3
    assert coverage["token_share"] == pytest.approx(3 / 4)


def test_unknown_word_vectors_depend_on_word_and_seed_only():
    a = vocab.oov_vector("qwzx", 50, seed=7, scale=0.1)
    np.random.seed(123)  # the global generator plays no part
    np.testing.assert_array_equal(a, vocab.oov_vector("qwzx", 50, seed=7, scale=0.1))
    assert not np.array_equal(a, vocab.oov_vector("qwzx", 50, seed=8, scale=0.1))
    many = np.stack([vocab.oov_vector(f"w{i}", 50, 7, 0.1) for i in range(200)])
    assert abs(many.mean()) < 0.01 and many.std() == pytest.approx(0.1, rel=0.1)


def test_embedding_dim_mismatch_names_the_file():
    with pytest.raises(
        ValueError, match="glove.txt has 4 values per word but embedding_dim is 300"
    ):
        vocab.check_dim(4, 300, "glove.txt")
    vocab.check_dim(4, None, "glove.txt")  # unset: inferred
