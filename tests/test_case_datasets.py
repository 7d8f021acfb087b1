"""Cases on reading and cleaning the inputs (`sentiment_rnn.datasets`).

BR-TAGS (whole training set), EMPTY-AFTER-CLEAN (b), DUP-REVIEWS, CSV-BOM,
ACLIMDB-UNSUP, MOJIBAKE (speech warnings) and the invalid-byte part of
ASCII-LOCALE-ENCODING. Row numbers count a CSV's header as row 1; speeches
are named "speech K (row K+1, speaker '...')".
"""

import logging
import re
import tarfile

import pandas as pd
import pytest
import support as S

from sentiment_rnn import datasets, vocab
from sentiment_rnn.errors import InputError


def write(path, data):
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def messages(caplog, level=logging.INFO):
    return [r.getMessage() for r in caplog.records if r.levelno >= level]


# --- BR-TAGS over a whole training set ---------------------------------------


def test_br_case_csv_review_cleans_to_four_tokens(tmp_path):
    path = write(
        tmp_path / "imdb.csv",
        'review,sentiment\n"Great film.<br /><br />Loved it.",positive\n',
    )
    cleaned, report = datasets.clean_reviews(datasets.read_reviews_csv(path))
    assert cleaned["tokens"].tolist() == ["great film loved it"]
    assert report["kept"] == 1


def test_no_br_token_anywhere_in_a_training_set(tmp_path):
    """Every tiny aclImdb review ends in <br /><br />; the vocabulary has no br."""
    tarball = S.write_aclimdb(tmp_path / "aclImdb.tar.gz")
    frame = datasets.read_aclimdb(tarball)
    assert frame["text"].str.contains("<br />").all()
    cleaned, _ = datasets.clean_reviews(frame)
    tokens = " ".join(cleaned["tokens"]).split()
    assert tokens.count("br") == 0
    assert not any(set("<>/") & set(t) for t in tokens)
    table = vocab.build_vocabulary(cleaned.loc[cleaned["split"] == "train", "tokens"])
    assert "br" not in set(table["word"])


# --- EMPTY-AFTER-CLEAN (b) ---------------------------------------------------


def test_review_empty_after_cleaning_is_dropped_and_named(tmp_path, caplog):
    path = write(
        tmp_path / "imdb.csv",
        'review,sentiment\n"<br /><br />!!!",negative\n"A fine film.",positive\n',
    )
    caplog.set_level(logging.INFO)
    cleaned, report = datasets.clean_reviews(datasets.read_reviews_csv(path))
    assert cleaned["tokens"].tolist() == ["a fine film"]
    assert report["empty_dropped"] == 1
    assert report["kept"] == 1
    assert "1 review empty after cleaning (row 2)" in messages(caplog, logging.WARNING)


# --- DUP-REVIEWS -------------------------------------------------------------

DUP_CSV = (
    "review,sentiment\n"
    '"Loved it.",positive\n'
    '"Loved it.",negative\n'
    '"Hated it.",negative\n'
    '"Hated it.",negative\n'
    '"Okay film.",Positive\n'
)


def test_duplicates_conflicts_and_label_spelling(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    frame = datasets.read_reviews_csv(write(tmp_path / "imdb.csv", DUP_CSV))
    cleaned, report = datasets.clean_reviews(frame)

    assert len(cleaned) == 2
    assert dict(zip(cleaned["tokens"], cleaned["label"])) == {
        "hated it": 0,
        "okay film": 1,
    }
    assert report["duplicates_removed"] == 1
    assert report["conflicting_dropped"] == 2
    logged = messages(caplog)
    assert "1 duplicate removed" in logged
    conflict = [m for m in logged if "conflicting" in m]
    assert len(conflict) == 1 and "row 2" in conflict[0] and "row 3" in conflict[0]


@pytest.mark.parametrize(
    ("spelling", "label"),
    [
        ("Positive", 1),
        (" POSITIVE ", 1),
        ("positive\t", 1),
        ("Pos", 1),
        ("1", 1),
        ("Negative", 0),
        (" neg", 0),
        ("0", 0),
    ],
)
def test_labels_are_read_case_and_space_insensitively(tmp_path, spelling, label):
    path = write(
        tmp_path / "imdb.csv", f'review,sentiment\n"Some film.","{spelling}"\n'
    )
    assert datasets.read_reviews_csv(path)["label"].tolist() == [label]


@pytest.mark.parametrize(
    ("spelling", "shown"), [("good", "'good'"), ("", "''"), ("postive", "'postive'")]
)
def test_unknown_label_is_an_error_naming_its_row(tmp_path, spelling, shown):
    path = write(
        tmp_path / "imdb.csv",
        f'review,sentiment\n"Fine.",positive\n"Other.","{spelling}"\n',
    )
    with pytest.raises(InputError, match=re.escape(f"unknown label {shown} in row 3")):
        datasets.read_reviews_csv(path)


def test_aclimdb_duplicates_are_per_split_and_kept_in_test():
    frame = pd.DataFrame(
        [
            ("aclImdb/train/pos/0_9.txt", "train", 1, "Great."),
            ("aclImdb/train/pos/1_9.txt", "train", 1, "Great."),  # duplicate: removed
            ("aclImdb/train/neg/2_1.txt", "train", 0, "Mixed."),
            ("aclImdb/train/pos/3_8.txt", "train", 1, "Mixed."),  # conflict: both out
            ("aclImdb/test/pos/4_9.txt", "test", 1, "Great."),  # other split: kept
            ("aclImdb/test/neg/5_2.txt", "test", 0, "Awful."),
            ("aclImdb/test/neg/6_2.txt", "test", 0, "Awful."),  # test duplicate: kept
        ],
        columns=["review_id", "split", "label", "text"],
    )
    frame["label"] = frame["label"].astype("int8")
    cleaned, report = datasets.clean_reviews(frame)
    assert cleaned["review_id"].tolist() == [
        "aclImdb/train/pos/0_9.txt",
        "aclImdb/test/pos/4_9.txt",
        "aclImdb/test/neg/5_2.txt",
        "aclImdb/test/neg/6_2.txt",
    ]
    assert report["duplicates_removed"] == 1
    assert report["conflicting_dropped"] == 2
    assert report["test_duplicates_kept"] == 1


# --- CSV-BOM -----------------------------------------------------------------

BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize(
    "header",
    [b"speaker,speech,source", b'"speaker","speech","source"'],
    ids=["plain", "quoted"],
)
@pytest.mark.parametrize("newline", [b"\r\n", b"\n"], ids=["crlf", "lf"])
def test_speeches_with_bom_are_read(tmp_path, header, newline):
    data = BOM + header + newline + b"Speaker A,We will win.,Source 1" + newline
    frame = datasets.read_speeches(write(tmp_path / "speeches.csv", data))
    assert len(frame) == 1
    assert frame.loc[0, "speaker"] == "Speaker A"
    assert frame.loc[0, "text"] == "We will win."
    assert frame.loc[0, "source"] == "Source 1"


@pytest.mark.parametrize(
    "header", [b"review,sentiment", b'"review","sentiment"'], ids=["plain", "quoted"]
)
def test_reviews_csv_with_bom_is_read(tmp_path, header):
    data = BOM + header + b'\r\n"Great film.",positive\r\n'
    frame = datasets.read_reviews_csv(write(tmp_path / "imdb.csv", data))
    assert frame["text"].tolist() == ["Great film."]
    assert frame["label"].tolist() == [1]


@pytest.mark.parametrize(
    ("header", "found"),
    [
        ("name,speech,source", "['name', 'speech', 'source']"),
        ("\ufeffname,speech,source", "['name', 'speech', 'source']"),
        ("\u200bspeaker,speech,source", "['\\u200bspeaker', 'speech', 'source']"),
        ("\xa0speaker,speech,source", "['\\xa0speaker', 'speech', 'source']"),
    ],
    ids=["wrong-name", "bom-wrong-name", "zero-width-space", "no-break-space"],
)
def test_wrong_speeches_header_names_columns_by_repr(tmp_path, header, found):
    path = write(
        tmp_path / "speeches.csv", header + "\nSpeaker A,We will win.,Source 1\n"
    )
    expected = f"speeches.csv: missing required column 'speaker'; found {found}"
    with pytest.raises(InputError, match=re.escape(expected)):
        datasets.read_speeches(path)


# --- ACLIMDB-UNSUP -----------------------------------------------------------


def write_unsup_tarball(path, extra=()):
    with tarfile.open(path, "w:gz") as archive:
        S.add_member(archive, "aclImdb/README", b"readme")
        S.add_member(archive, "aclImdb/train/pos/0_9.txt", b"Great.")
        S.add_member(archive, "aclImdb/train/neg/1_2.txt", b"Bad.")
        S.add_member(archive, "aclImdb/train/unsup/2_0.txt", b"Unlabelled text.")
        S.add_member(archive, "aclImdb/train/unlabeledBow.feat", b"0 0:1 1:2\n")
        S.add_member(archive, "aclImdb/test/pos/3_8.txt", b"Lovely.")
        S.add_member(archive, "aclImdb/test/neg/4_1.txt", b"Boring.")
        for name, data, kind, link in extra:
            S.add_member(archive, name, data, kind, link)
    return path


def test_aclimdb_unsup_and_feat_are_ignored_and_logged(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    frame = datasets.read_aclimdb(write_unsup_tarball(tmp_path / "aclImdb.tar.gz"))
    train = frame[frame["split"] == "train"]
    test = frame[frame["split"] == "test"]
    assert len(train) == 2 and len(test) == 2
    assert sorted(train["label"].tolist()) == [0, 1]
    assert set(frame["label"].tolist()) == {0, 1}
    assert "Unlabelled text." not in frame["text"].tolist()
    summary = [m for m in messages(caplog) if "unlabelled" in m]
    assert len(summary) == 1
    assert "read 4 labelled reviews" in summary[0]
    assert "ignored 1 unlabelled (train/unsup) and 2 other members" in summary[0]


def test_aclimdb_other_members_and_links_are_skipped(tmp_path):
    extra = [
        ("aclImdb/imdb.vocab", b"the\n", tarfile.REGTYPE, ""),
        ("aclImdb/train/urls_pos.txt", b"http://x.invalid\n", tarfile.REGTYPE, ""),
        ("aclImdb/test/labeledBow.feat", b"1 0:1\n", tarfile.REGTYPE, ""),
        ("aclImdb/train/pos/notes.txt", b"not a review", tarfile.REGTYPE, ""),
        ("aclImdb/train/pos/5_9.txt", b"", tarfile.SYMTYPE, "/etc/passwd"),
        ("aclImdb/train/unsup/6_0.txt", b"More unlabelled.", tarfile.REGTYPE, ""),
    ]
    frame = datasets.read_aclimdb(write_unsup_tarball(tmp_path / "a.tar.gz", extra))
    assert sorted(frame["review_id"]) == [
        "aclImdb/test/neg/4_1.txt",
        "aclImdb/test/pos/3_8.txt",
        "aclImdb/train/neg/1_2.txt",
        "aclImdb/train/pos/0_9.txt",
    ]
    assert frame.groupby("split")["label"].apply(sorted).to_dict() == {
        "test": [0, 1],
        "train": [0, 1],
    }


def test_aclimdb_split_keeps_own_test_and_two_labels(tmp_path):
    frame = datasets.read_aclimdb(S.write_aclimdb(tmp_path / "a.tar.gz", 8, 4))
    cleaned, _ = datasets.clean_reviews(frame)
    split, report = datasets.split_reviews(cleaned, 0.25, 0.5, seed=0)
    assert report["sizes"] == {"train": 12, "valid": 4, "test": 8}
    assert set(split["label"]) == {0, 1}
    assert (
        split.loc[split["review_id"].str.contains("/test/"), "split"] == "test"
    ).all()


# --- MOJIBAKE: speeches ------------------------------------------------------

MOJIBAKE_SPEECHES = (
    "speaker,speech,source\n"
    'Speaker A,"People are suÔ¨Äering. It is 1.5¬∞C warmer.",Source 1\n'
)


def test_mojibake_speech_is_named_and_repaired(tmp_path, caplog):
    path = write(tmp_path / "speeches.csv", MOJIBAKE_SPEECHES)
    caplog.set_level(logging.INFO)
    frame = datasets.read_speeches(path, repair=True)
    warnings = [m for m in messages(caplog, logging.WARNING) if "mojibake" in m]
    assert len(warnings) == 1
    assert "speech 1 (row 2, speaker 'Speaker A')" in warnings[0]
    assert "2 suspect mojibake sequences" in warnings[0]
    assert frame.loc[0, "text"] == "People are suffering. It is 1.5°C warmer."
    assert frame.loc[0, "mojibake"] == 2


def test_mojibake_speech_with_repair_off_keeps_no_junk(tmp_path, caplog):
    path = write(tmp_path / "speeches.csv", MOJIBAKE_SPEECHES)
    caplog.set_level(logging.INFO)
    frame = datasets.read_speeches(path, repair=False)
    assert not set("Ô¬Ä") & set(frame.loc[0, "text"])
    warnings = [m for m in messages(caplog, logging.WARNING) if "mojibake" in m]
    assert len(warnings) == 1 and "speech 1 (row 2, speaker 'Speaker A')" in warnings[0]


# --- ASCII-LOCALE-ENCODING: bad bytes named by file and line -------------------


def test_invalid_byte_in_speeches_names_file_and_line(tmp_path):
    path = write(
        tmp_path / "speeches.csv",
        b"speaker,speech,source\nSpeaker A,caf\xff visit,Source 1\n",
    )
    with pytest.raises(
        InputError, match=r"^speeches\.csv: line 2: byte 0xFF is not valid UTF-8"
    ):
        datasets.read_speeches(path)


def test_non_ascii_speech_reads_as_utf8(tmp_path):
    path = write(tmp_path / "speeches.csv", S.SPEECHES)
    frame = datasets.read_speeches(path)
    assert frame.loc[0, "speaker"] == "Zoë"
    assert frame.loc[0, "text"] == "naïve café visit"


def test_invalid_byte_in_aclimdb_member_names_the_member(tmp_path):
    path = tmp_path / "a.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        S.add_member(archive, "aclImdb/train/pos/0_9.txt", b"caf\xff")
    with pytest.raises(
        InputError, match=r"member aclImdb/train/pos/0_9\.txt is not valid UTF-8"
    ):
        datasets.read_aclimdb(path)


def test_truncated_tarball_is_an_input_error(tmp_path):
    path = S.write_aclimdb(tmp_path / "reviews.tar.gz")
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(
        InputError, match="reviews.tar.gz: tar archive truncated or corrupt"
    ):
        datasets.read_aclimdb(path)
