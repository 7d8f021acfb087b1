"""Cases on reading GloVe vectors (`sentiment_rnn.glove`).

GLOVE-MALFORMED-LINES: words with spaces are read right to left, short lines
are rejected with a warning naming the line, the first of a repeated word is
kept, and no ValueError escapes. EMB-DIM-MISMATCH: the width is read from the
file. ASCII-LOCALE-ENCODING: the file is UTF-8 whatever the locale, and a bad
byte is named by file and line.
"""

import logging
import re
import zipfile

import numpy as np
import pytest
import support as S

from sentiment_rnn import glove
from sentiment_rnn.errors import InputError

MALFORMED = (
    "the 0.1 0.2 0.3\n"
    ". . . 0.4 0.5 0.6\n"
    "at name@domain.com 0.7 0.8 0.9\n"
    "good 1.0 1.1 1.2\n"
    "broken 0.1 0.2\n"
    "good 9 9 9\n"
)


def warnings_of(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def vec(words, vectors, word):
    return vectors[words.index(word)]


def test_malformed_lines_case(tmp_path, caplog):
    path = tmp_path / "glove.txt"
    path.write_text(MALFORMED, encoding="utf-8")
    caplog.set_level(logging.INFO)
    words, vectors = glove.read_text_file(path)

    assert vectors.shape == (4, 3)
    assert words == ["the", ". . .", "at name@domain.com", "good"]
    np.testing.assert_allclose(vec(words, vectors, "good"), [1.0, 1.1, 1.2], rtol=1e-6)
    np.testing.assert_allclose(vec(words, vectors, ". . ."), [0.4, 0.5, 0.6], rtol=1e-6)
    np.testing.assert_allclose(
        vec(words, vectors, "at name@domain.com"), [0.7, 0.8, 0.9], rtol=1e-6
    )
    logged = warnings_of(caplog)
    assert any("line 5: expected 3 values, found 2" in m for m in logged)
    assert any("line 6" in m and "'good'" in m for m in logged)


def test_trailing_spaces_do_not_break_parsing(tmp_path):
    """Some exports end every line with a space: still 3 values per word."""
    path = tmp_path / "glove.txt"
    path.write_text(
        "the 0.1 0.2 0.3 \ngood 1.0 1.1 1.2 \nbad 2.0 2.1 2.2 \n", encoding="utf-8"
    )
    words, vectors = glove.read_text_file(path)
    assert words == ["the", "good", "bad"]
    assert vectors.shape == (3, 3)
    np.testing.assert_allclose(vec(words, vectors, "good"), [1.0, 1.1, 1.2], rtol=1e-6)


def test_crlf_line_endings(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_bytes(b"the 0.1 0.2 0.3\r\ngood 1.0 1.1 1.2\r\n")
    words, vectors = glove.read_text_file(path)
    assert words == ["the", "good"]
    np.testing.assert_allclose(vectors[1], [1.0, 1.1, 1.2], rtol=1e-6)


def test_numeric_words_and_too_long_lines(tmp_path, caplog):
    """GloVe has words such as "1" and "nan"; a line of 4 values is not stored as 4."""
    path = tmp_path / "glove.txt"
    path.write_text(
        "the 0.1 0.2 0.3\n1 0.4 0.5 0.6\nnan 0.7 0.8 0.9\ngood 1.0 1.1 1.2\n"
        "extra 1 2 3 4\n",
        encoding="utf-8",
    )
    words, vectors = glove.read_text_file(path)
    assert vectors.shape[1] == 3
    assert words[:4] == ["the", "1", "nan", "good"]
    np.testing.assert_allclose(vec(words, vectors, "1"), [0.4, 0.5, 0.6], rtol=1e-6)
    assert np.isfinite(vectors).all()
    assert len(set(words)) == len(words)


def test_empty_file_is_an_error(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="no vectors found"):
        glove.read_text_file(path)


def test_zip_member_reads_the_same(tmp_path):
    path = tmp_path / "glove.6B.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("glove.6B.3d.txt", MALFORMED)
    words, vectors = glove.read_zip_member(path, "glove.6B.3d.txt")
    assert words == ["the", ". . .", "at name@domain.com", "good"]
    assert vectors.shape == (4, 3)
    with pytest.raises(InputError, match=re.escape("glove.6B.zip: no member 'x.txt'")):
        glove.read_zip_member(path, "x.txt")


# --- EMB-DIM-MISMATCH: the width comes from the file ---------------------------


def test_dimension_is_read_from_the_file(tmp_path):
    words, vectors = glove.read_text_file(S.glove_4d(tmp_path))
    assert words == ["good", "bad", "film"]
    assert vectors.shape == (3, 4)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(vectors[2], [0.0, 0.5, 0.0, 0.5])


# --- ASCII-LOCALE-ENCODING ------------------------------------------------------


def test_non_ascii_word_is_found(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_bytes("film 0.0 0.5 0.0 0.5\ncafé 0.1 0.2 0.3 0.4\n".encode())
    words, vectors = glove.read_text_file(path)
    assert "café" in words
    np.testing.assert_allclose(
        vec(words, vectors, "café"), [0.1, 0.2, 0.3, 0.4], rtol=1e-6
    )


def test_invalid_byte_names_file_and_line(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_bytes(b"film 0.0 0.5 0.0 0.5\ncaf\xff 0.1 0.2 0.3 0.4\n")
    with pytest.raises(
        InputError, match=r"^glove\.txt: line 2: byte 0xFF is not valid UTF-8"
    ):
        glove.read_text_file(path)


def test_byte_order_mark_does_not_eat_the_first_word(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_bytes(b"\xef\xbb\xbfgood 0.1 0.2\nbad 0.3 0.4\n")
    words, _ = glove.read_text_file(path)
    assert words == ["good", "bad"]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e39"])
def test_non_finite_values_are_rejected_lines(tmp_path, value):
    path = tmp_path / "glove.txt"
    path.write_text(f"good 0.1 0.2\nbad {value} 0.4\nfilm 0.5 0.6\n", encoding="utf-8")
    words, vectors = glove.read_text_file(path)
    assert words == ["good", "film"] and np.isfinite(vectors).all()


@pytest.mark.parametrize(
    "text", ["good\nbad\n", "good\t0.1\t0.2\n", ""], ids=["words", "tabs", "empty"]
)
def test_files_without_vectors_are_named(tmp_path, text):
    path = tmp_path / "glove.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="glove.txt: no"):
        glove.read_text_file(path)


def test_corrupt_zip_member_is_an_input_error(tmp_path):
    import zipfile

    path = tmp_path / "glove.6B.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("glove.6B.50d.txt", "good 0.1 0.2\n" * 2000)
    data = bytearray(path.read_bytes())
    data[60:120] = b"\x00" * 60  # damage the deflate stream
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="glove.6B.zip"):
        glove.read_zip_member(path, "glove.6B.50d.txt")


def test_package_without_vectors_is_named():
    with pytest.raises(InputError, match="glove_package: 'os' has no ROOT folder"):
        glove.read_package("os", {})
